"""The troubleshooting wizard: pick a tree, then one step at a time until resolved or escalated.

`open_troubleshoot(app, agent_id)` is the entry point (roster `w`). Every answer goes through
esp_tui.services.troubleshoot, which saves it before the screen moves on; this module only
renders the walk and routes keys. The tree picker and the stale-session dialog: tree_picker.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Static

from esp_tui.domain.models import Agent
from esp_tui.domain.text import visible
from esp_tui.domain.trees import Contact, Tree
from esp_tui.domain.wizard import ANSWER_WORDS, WalkDetails
from esp_tui.messages import DataChanged
from esp_tui.screens.agent import AgentSection
from esp_tui.screens.base import EspScreen
from esp_tui.screens.tree_picker import RESUME, TREE, StaleSessionScreen, TreePickerScreen
from esp_tui.services import troubleshoot as ts
from esp_tui.widgets.plain import cell, plain, plain_lines
from esp_tui.widgets.status_header import StatusHeader
from storage.agents import get_agent
from storage.troubleshoot import TroubleshootSession

if TYPE_CHECKING:
    from esp_tui.app import EspApp

__all__ = ["StaleSessionScreen", "TreePickerScreen", "WizardScreen", "open_troubleshoot"]

CRUMB_WIDTH = 64  # where the answer column of the breadcrumb starts
KEY_HINT = (
    "[b]y[/b] fixed it   [b]n[/b] did not work   [b]s[/b] skipped / not applicable   "
    "[b]e[/b] escalate   [b]b[/b] back\n[b]c[/b] copy contact   [b]r[/b] case no. / who was"
    " contacted   [b]esc[/b] leave (resume later)"
)


# --- entry point ---------------------------------------------------------------------------


def open_troubleshoot(app: EspApp, agent_id: str | None) -> None:
    """`w` on the roster: pick a tree (or resume) for the agent, then walk it."""
    if agent_id is None:
        app.notify("No agent under the cursor", severity="warning")
        return
    agent = get_agent(app.db, agent_id)
    if agent is None:
        app.notify(f"No agent with id {agent_id}", severity="error")
        return
    trees, errors = ts.tree_catalog(app.config)
    if errors:
        # Broken user trees are skipped (the shipped one stays); say so, once per opening.
        app.notify(
            f"{len(errors)} tree problem(s), run `esp-tui tree validate`: {errors[0]}",
            severity="warning",
            timeout=8,
        )
    if not trees:
        app.notify("No usable troubleshooting trees", severity="error")
        return
    _pick(app, agent, trees)


def _pick(app: EspApp, agent: Agent, trees: dict[str, Tree]) -> None:
    session = ts.open_session(app.db, agent.agent_id)
    default = ts.last_used_tree(app.db)

    def picked(choice: str | None) -> None:
        if choice is None:
            return
        try:
            if choice == RESUME:
                _resume(app, agent, trees)
                return
            walk = ts.start_session(
                app.db,
                trees,
                agent.agent_id,
                choice.removeprefix(TREE),
                now=app.now(),
                replace_open=session is not None,
            )
        except (ts.TroubleshootError, sqlite3.Error) as exc:
            app.notify(str(exc), severity="error")
            return
        if session is not None:
            app.notify(f"The earlier {session.tree} session was abandoned")
        app.push_screen(WizardScreen(walk))

    app.push_screen(TreePickerScreen(agent, trees, default=default, session=session), picked)


def _resume(app: EspApp, agent: Agent, trees: dict[str, Tree]) -> None:
    try:
        walk = ts.resume_session(app.db, trees, agent.agent_id)
    except ts.StaleSessionError as exc:
        _offer_restart(app, agent, trees, exc)
        return
    if walk is None:
        app.notify(f"{agent.name} has no open session", severity="warning")
        return
    app.push_screen(WizardScreen(walk))


def _offer_restart(
    app: EspApp, agent: Agent, trees: dict[str, Tree], exc: ts.StaleSessionError
) -> None:
    session_id = exc.session.id

    def chosen(choice: str | None) -> None:
        try:
            if choice == "restart":
                app.push_screen(
                    WizardScreen(ts.restart_session(app.db, trees, session_id, now=app.now()))
                )
            elif choice == "abandon":
                ts.abandon_session(app.db, session_id, now=app.now())
                app.notify("Saved session abandoned; pick a tree")
                _pick(app, agent, trees)
        except (ts.TroubleshootError, sqlite3.Error) as err:
            app.notify(str(err), severity="error")

    app.push_screen(StaleSessionScreen(agent, exc), chosen)


# --- the wizard ----------------------------------------------------------------------------


class WizardScreen(EspScreen[None]):
    """One step at a time, with the breadcrumb of the steps done and their answers."""

    BINDINGS = [
        Binding("y", "answer('yes')", "Fixed it", id="wizard_yes"),
        Binding("n", "answer('no')", "Did not work", id="wizard_no"),
        Binding("s", "answer('skip')", "Skipped / n.a.", id="wizard_skip"),
        Binding("e", "escalate", "Escalate", id="wizard_escalate"),
        Binding("b", "back", "Back", id="wizard_back"),
        Binding("c", "copy", "Copy contact", id="wizard_copy"),
        # Listed in the key line under the step; the footer keeps room for esc at 120 columns.
        Binding("r", "details", "Case no. / contacted", id="wizard_details", show=False),
        Binding("escape", "leave", "Leave (resume later)", id="wizard_leave"),
    ]
    DEFAULT_CSS = """
    WizardScreen #wiz-title { height: 1; margin: 1 2 0 2; }
    WizardScreen #wiz-where { width: 1fr; text-style: bold; }
    WizardScreen #wiz-count { width: auto; color: $accent; text-style: bold; }
    WizardScreen #wiz-crumbs { height: auto; max-height: 12; margin: 1 2 0 2; }
    WizardScreen #wiz-crumbs-text { color: $text-muted; }
    WizardScreen #wiz-step {
        height: auto; margin: 1 2; padding: 1 3; border: heavy $accent; background: $boost;
    }
    WizardScreen #wiz-step-tree { color: $text-muted; }
    WizardScreen #wiz-step-text { text-style: bold; color: $text; padding: 1 0; }
    WizardScreen #wiz-step-detail { color: $text; }
    WizardScreen #wiz-contacts { color: $accent; padding-top: 1; }
    WizardScreen #wiz-noted { color: $success; padding-top: 1; }
    WizardScreen #wiz-keys { margin: 0 2; color: $text-muted; }
    """

    def __init__(self, walk: ts.Walk) -> None:
        super().__init__()
        self.walk = walk
        self._copy_index = 0

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        with Horizontal(id="wiz-title"):
            yield Static(id="wiz-where")
            yield Static(id="wiz-count")
        with VerticalScroll(id="wiz-crumbs"):
            yield Static(id="wiz-crumbs-text")
        with Vertical(id="wiz-step"):
            yield Static(id="wiz-step-tree")
            yield Static(id="wiz-step-text")
            yield Static(id="wiz-step-detail")
            yield Static(id="wiz-contacts")
            yield Static(id="wiz-noted")
        yield Static(KEY_HINT, id="wiz-keys")
        yield Footer()

    def on_mount(self) -> None:
        self.render_walk()

    # -- rendering --------------------------------------------------------------------------

    def render_walk(self) -> None:
        engine = self.walk.engine
        where = f"Troubleshoot · {engine.tree.title} · {self.walk.agent.name}"
        self.query_one("#wiz-where", Static).update(plain(where))
        count = f"step {engine.step_number} of {engine.total_steps}"
        self.query_one("#wiz-count", Static).update(count)
        self.query_one("#wiz-crumbs-text", Static).update(self._crumbs())
        self.query_one("#wiz-crumbs", VerticalScroll).display = bool(engine.path)
        self.query_one("#wiz-crumbs", VerticalScroll).scroll_end(animate=False)
        step, tree = engine.current, engine.current_tree
        if step is None or tree is None:
            return
        # Tree files are the TL's own: their text is shown as text, never markup or escapes.
        self.query_one("#wiz-step-tree", Static).update(plain(tree.title))
        self.query_one("#wiz-step-text", Static).update(plain(f"▶ {step.text}"))
        self.query_one("#wiz-step-detail", Static).update(plain(step.detail, multiline=True))
        self.query_one("#wiz-step-detail", Static).display = bool(step.detail)
        self.query_one("#wiz-contacts", Static).update(self._contacts(step.contacts))
        self.query_one("#wiz-contacts", Static).display = bool(step.contacts)
        noted = engine.details
        lines = [f"{k}: {v}" for k, v in (("Case/reference no.", noted.reference),
                                          ("Contacted", noted.contacted)) if v]  # fmt: skip
        self.query_one("#wiz-noted", Static).update(plain_lines(lines))
        self.query_one("#wiz-noted", Static).display = bool(lines)

    def _crumbs(self) -> Text:
        engine = self.walk.engine
        text = Text()
        for i, entry in enumerate(engine.path):
            left = visible(f"  {engine.tree_label(entry.tree)}: {entry.text} ")
            dots = "." * max(2, CRUMB_WIDTH - len(left))
            if i:
                text.append("\n")
            text.append(left)
            text.append(dots, style="dim")
            text.append(f" {ANSWER_WORDS[entry.answer]}")
        return text

    @staticmethod
    def _contacts(contacts: tuple[Contact, ...]) -> Text:
        text = Text()
        for i, contact in enumerate(contacts):
            if i:
                text.append("\n")
            text.append(visible(contact.display()))
            if i == 0:
                more = " (again: the next)" if len(contacts) > 1 else ""
                text.append(f"    c copy{more}", style="bold")
        return text

    # -- actions ----------------------------------------------------------------------------

    def action_answer(self, answer: Literal["yes", "no", "skip"]) -> None:
        def do() -> None:
            esp = self.esp
            ticket = ts.answer_step(esp.db, self.walk, answer, now=esp.now(), config=esp.config)
            self._after_step(ticket.id if ticket else None)

        self._guarded(do)

    def action_escalate(self) -> None:
        def do() -> None:
            esp = self.esp
            ticket = ts.escalate_now(esp.db, self.walk, now=esp.now(), config=esp.config)
            self._after_step(ticket.id)

        self._guarded(do)

    def action_back(self) -> None:
        def do() -> None:
            if ts.step_back(self.esp.db, self.walk, now=self.esp.now()) is None:
                self.notify("Already at the first step", severity="warning")
                return
            self._after_step(None)

        self._guarded(do)

    def action_copy(self) -> None:
        step = self.walk.engine.current
        contacts = step.contacts if step else ()
        if not contacts:
            self.notify("This step has no contact to copy", severity="warning")
            return
        # Several contacts (AHIP, Aetna): each press copies the next one.
        contact = contacts[self._copy_index % len(contacts)]
        self._copy_index += 1
        from esp_tui.screens.copied_dialog import copy_text

        more = ""
        if len(contacts) > 1:
            more = f" (c again: {contacts[self._copy_index % len(contacts)].label})"
        copy_text(self.app, contact.display(), f"{contact.label}{more}")

    def action_details(self) -> None:
        """Note the case/reference number and who was contacted (saved with the session)."""
        from esp_tui.screens.wizard_details import WalkDetailsScreen

        def noted(details: WalkDetails | None) -> None:
            if details is None:
                return

            def do() -> None:
                ts.set_details(self.esp.db, self.walk, reference=details.reference,
                               contacted=details.contacted, now=self.esp.now())  # fmt: skip
                self.render_walk()
                self.notify("Saved with the session; it goes into the Carrier Ticket")

            self._guarded(do)

        self.app.push_screen(
            WalkDetailsScreen(self.walk.agent.name, self.walk.engine.details), noted
        )

    def action_leave(self) -> None:
        self.app.pop_screen()
        self.app.notify(f"Session kept: press w on {self.walk.agent.name} to resume")

    # -- helpers ----------------------------------------------------------------------------

    def _guarded(self, action: Callable[[], None]) -> None:
        """Run a service call; a refusal or database error is a toast, never a crash."""
        try:
            action()
        except (ts.TroubleshootError, ValueError, sqlite3.Error) as exc:
            self.notify(str(exc), severity="error", timeout=8)

    def _after_step(self, ticket_id: str | None) -> None:
        self._copy_index = 0
        outcome = self.walk.outcome
        if outcome == "resolved":
            self.app.pop_screen()
            self.app.notify(f"Resolved: {self.walk.agent.name}'s session saved")
        elif outcome == "escalated" and ticket_id is not None:
            self._open_ticket(ticket_id)
        else:
            self.render_walk()
        # a saved answer, maybe an escalation's draft ticket (the header's count)
        self.esp.post_message(DataChanged([self.walk.agent.agent_id], origin=self))

    def _open_ticket(self, ticket_id: str) -> None:
        """Land on the new draft's form in place of the wizard (esc there goes home)."""
        try:
            from esp_tui.screens.ticket_form import TicketFormScreen
        except ImportError:  # the tickets screen is not built yet
            self.app.pop_screen()
            self.app.notify(f"Carrier Ticket draft {ticket_id[:8]} created", severity="warning")
            return
        self.app.switch_screen(TicketFormScreen(ticket_id))
        self.app.notify(f"Escalated: Carrier Ticket draft for {self.walk.agent.name}")


# --- the agent screen's section --------------------------------------------------------------


class TroubleshootSection(AgentSection):
    """The agent's troubleshooting sessions, newest first, with their outcome and ticket."""

    TITLE = "Troubleshooting"

    def compose(self) -> ComposeResult:
        yield DataTable(id="troubleshoot-sessions", cursor_type="row", zebra_stripes=True)

    def load(self) -> None:
        table = self.query_one("#troubleshoot-sessions", DataTable)
        table.clear(columns=True)
        table.add_columns("Started", "Tree", "Answered", "Outcome", "Ticket", "Last step")
        sessions = ts.list_sessions(self.esp.db, self.agent_id)
        for s in sessions:
            table.add_row(*session_cells(self.esp, s))
        if not sessions:
            table.add_row(
                "", Text("none yet: w on the roster starts one", style="dim"), "", "", "", ""
            )


def session_cells(app: EspApp, s: TroubleshootSession) -> tuple[str | Text, ...]:
    """One row of the agent's sessions table."""
    local = s.started_at.astimezone(app.zone)
    day = app.cohort.day_of(local.date()) if app.cohort else None
    started = f"Day {day} {local:%H:%M}" if day else f"{local:%d %b %H:%M}"
    outcome = Text(s.outcome or "open (w resumes)", style=_OUTCOME_STYLE.get(s.outcome or "", ""))
    path = s.state.get("path") or []
    last = ""
    if path and isinstance(path[-1], dict):
        said = ANSWER_WORDS.get(str(path[-1].get("answer")), "")
        last = f"{path[-1].get('text', '')} — {said}"
    ticket = s.ticket_id[:8] if s.ticket_id else ""
    return started, cell(s.tree), str(s.steps_answered), outcome, ticket, cell(last)


_OUTCOME_STYLE = {"resolved": "green", "escalated": "bold yellow", "abandoned": "dim", "": "cyan"}
