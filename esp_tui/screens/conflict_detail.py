"""`enter` on a conflict of the Close screen: the conflicted cell in full.

Tab, agent (row key and name when known), column, the sheet's value and ours whole (wrapped,
scrollable when long), the value we last pushed and who pushed it when. `S` / `L` resolve THIS
conflict (the Close screen records the choice; a second press changes it), `esc` closes.
Every value is user text: shown as plain text, control characters made visible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from esp_tui.screens.base import EspModal
from esp_tui.widgets.plain import plain

if TYPE_CHECKING:
    from sqlite_utils import Database

    from esp_tui.sync.plan import Conflict
    from storage.sync import LastPush

CHOICE_TEXT = {
    "keep-sheet": "keep the sheet's value (ours is not written)",
    "keep-local": "keep ours: the next sync overwrites the sheet's value (it asks first)",
}


@dataclass(frozen=True)
class ConflictContext:
    """What the database knows about a conflicted cell beyond the conflict itself."""

    agent_id: str | None  # the agent the row is about, when known
    agent_name: str | None
    last: LastPush | None  # the cell as last agreed: what we pushed, who and when


def conflict_context(db: Database, conflict: Conflict) -> ConflictContext:
    """The agent behind the row (tracker rows are keyed by agent id, form rows by ticket id,
    red flag rows by "AGENT-flag") and the cell's last push."""
    from storage.agents import get_agent
    from storage.sync import last_push
    from storage.tickets import get_ticket

    agent_id: str | None = None
    row = conflict.row_key
    if get_agent(db, row) is not None:
        agent_id = row
    elif (ticket := get_ticket(db, row)) is not None:
        agent_id = ticket.agent_id
    elif "-" in row and get_agent(db, row.rsplit("-", 1)[0]) is not None:
        agent_id = row.rsplit("-", 1)[0]
    agent = get_agent(db, agent_id) if agent_id else None
    return ConflictContext(agent_id, agent.name if agent else None, last_push(db, conflict.key))


def _label(text: str) -> Text:
    return Text(text, style="bold")


def _value(text: str | None) -> Text:
    if not text:
        return Text("(empty)", style="dim italic")
    return plain(text, multiline=True)


def _field(name: str, value: Text | str) -> Text:
    return Text.assemble((f"{name:<8}", "bold"), value if isinstance(value, Text) else plain(value))


class ConflictDetail(EspModal[None]):
    """One conflict in full; S / L resolve it, esc closes."""

    BINDINGS = [
        Binding(
            "S", "choose('keep-sheet')", "Keep sheet", key_display="S", id="conflict_keep_sheet"
        ),
        Binding(
            "L", "choose('keep-local')", "Keep ours", key_display="L", id="conflict_keep_local"
        ),
        Binding("j", "scroll(1)", "Scroll down", show=False, id="conflict_down"),
        Binding("k", "scroll(-1)", "Scroll up", show=False, id="conflict_up"),
        Binding("escape", "close", "Close", id="conflict_close"),
    ]
    DIALOG_CLASSES = "-warning"
    DEFAULT_CSS = """
    ConflictDetail > Vertical { width: 90%; max-width: 110; max-height: 90%; }
    ConflictDetail #conflict-body { height: auto; max-height: 70vh; }
    ConflictDetail .conflict-label { margin-top: 1; }
    ConflictDetail .conflict-value { padding-left: 2; }
    ConflictDetail #conflict-choice { margin-top: 1; }
    """

    def __init__(
        self,
        conflict: Conflict,
        context: ConflictContext,
        *,
        choice: str | None,
        zone: tzinfo,
        resolve: Callable[[Conflict, str], None],
    ) -> None:
        super().__init__()
        self.conflict = conflict
        self.context = context
        self.choice = choice
        self._zone = zone
        self._resolve = resolve

    def compose(self) -> ComposeResult:
        c = self.conflict
        with Vertical():
            yield Static(
                Text.assemble("Conflict · ", plain(c.tab), " · ", plain(c.header)),
                id="conflict-title",
                classes="prompt-title",
            )
            with VerticalScroll(id="conflict-body"):
                yield Static(self._where(), id="conflict-where")
                yield Static(
                    _label("The sheet's value (edited in the sheet since our last push)"),
                    classes="conflict-label",
                )
                yield Static(_value(c.sheet), id="conflict-sheet", classes="conflict-value")
                yield Static(_label("Ours (esp-tui)"), classes="conflict-label")
                yield Static(_value(c.local), id="conflict-ours", classes="conflict-value")
                yield Static(_label(self._base_label()), classes="conflict-label")
                yield Static(self._base_value(), id="conflict-base", classes="conflict-value")
                yield Static(self._pushed(), id="conflict-pushed", classes="conflict-value")
            yield Static(self._choice_text(), id="conflict-choice")
            yield Static(
                "S keep the sheet's value · L keep ours · ↑↓ j k scroll · esc close",
                classes="prompt-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#conflict-body", VerticalScroll).focus()

    # -- text ----------------------------------------------------------------------------------
    def _where(self) -> Text:
        c, ctx = self.conflict, self.context
        if ctx.agent_id is None:
            agent = plain(c.row_key)
        elif ctx.agent_id == c.row_key:
            agent = Text.assemble(plain(c.row_key), " · ", plain(ctx.agent_name or ""))
        else:  # a ticket or red flag row: its key, then whose it is
            agent = Text.assemble(
                plain(c.row_key), " · agent ", plain(ctx.agent_id), " · ",
                plain(ctx.agent_name or ""),
            )  # fmt: skip
        return Text("\n").join(
            [_field("Tab", c.tab), _field("Agent", agent), _field("Column", c.header)]
        )

    def _base_label(self) -> str:
        last = self.context.last
        if last is not None and last.value != last.local:
            return "Last agreed with the sheet (the sheet's value, kept with S)"
        return "The value we last pushed"

    def _base_value(self) -> Text:
        if self.conflict.base is None and self.context.last is None:
            return Text("(never pushed: the sheet had a value before our first sync)", style="dim")
        return _value(self.conflict.base if self.conflict.base is not None else "")

    def _pushed(self) -> Text:
        last = self.context.last
        if last is None:
            return Text("")
        if last.pushed_at is None:
            return Text("pushed before esp-tui recorded who and when", style="dim italic")
        when = last.pushed_at.astimezone(self._zone).strftime("%a %d %b %H:%M %Z")
        return Text.assemble(
            "pushed by ", plain(last.pushed_by or "unknown", "bold"), " on ", (when, "bold")
        )

    def _choice_text(self) -> Text:
        if self.choice is None:
            return Text.assemble(("Choice  ", "bold"), ("not decided yet", "yellow"))
        return Text.assemble(
            ("Choice  ", "bold"), (self.choice, "bold reverse"), "  ", CHOICE_TEXT[self.choice]
        )

    # -- actions -------------------------------------------------------------------------------
    def action_choose(self, choice: str) -> None:
        self._resolve(self.conflict, choice)
        self.choice = choice
        self.query_one("#conflict-choice", Static).update(self._choice_text())

    def action_scroll(self, lines: int) -> None:
        body = self.query_one("#conflict-body", VerticalScroll)
        body.scroll_relative(y=lines, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
