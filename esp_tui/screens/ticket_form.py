"""Edit one ticket: every field of its form, generically from form_fields, errors next to fields.

ctrl+s saves the draft (filled fields are checked, nothing is refused), ctrl+t submits (only a
valid form submits; each failing field shows its message), esc goes back (asks if unsaved).
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Select, Static, TextArea

from esp_tui.domain.forms import FORMS, FieldSpec, display_label, form_fields
from esp_tui.domain.tickets import Ticket
from esp_tui.messages import DataChanged
from esp_tui.screens.base import EspScreen
from esp_tui.screens.prompts import Confirm
from esp_tui.services import tickets as svc
from esp_tui.widgets.plain import PlainInput, PlainTextArea, plain, plain_lines
from esp_tui.widgets.status_header import StatusHeader
from storage.agents import get_agent

AGENT = "agent_id"


def _field_id(key: str) -> str:
    return f"f-{key}"


class TicketFormScreen(EspScreen[None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save draft", id="ticket_save"),
        Binding("ctrl+t", "submit", "Submit", id="ticket_submit"),
        Binding("escape", "back", "Back", id="ticket_back"),
    ]
    DEFAULT_CSS = """
    TicketFormScreen #ticket-title { padding: 0 1; text-style: bold; height: 1; }
    TicketFormScreen #ticket-fields { padding: 0 1; height: 1fr; }
    TicketFormScreen .field { height: auto; margin-bottom: 1; }
    TicketFormScreen .field Horizontal { height: auto; }
    TicketFormScreen .field Label { width: 24; }
    TicketFormScreen .field:focus-within Label { color: $accent; text-style: bold; }
    TicketFormScreen .field Input:focus, TicketFormScreen .field TextArea:focus {
        background: $boost;
    }
    TicketFormScreen .field Input, TicketFormScreen .field Select { width: 1fr; }
    TicketFormScreen .field TextArea { width: 1fr; height: 4; }
    TicketFormScreen .field-error { color: $error; padding-left: 24; height: auto; }
    TicketFormScreen .field-hint { color: $text-muted; padding-left: 24; height: auto; }
    TicketFormScreen #ticket-computed { padding: 0 1; height: auto; color: $success; }
    """

    def __init__(self, ticket_id: str, *, new: bool = False) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self._saved: dict[str, str] = {}
        # A ticket just created from the Tickets screen: leaving it untouched discards it, so an
        # opened-by-mistake form does not sit as a draft that blocks the close of the day.
        self._new = new
        self._ever_saved = False
        self._partial = True  # the errors on screen are a draft save's (see show_errors)
        self._form_error = ""  # a whole-form error shown under the first field

    # -- building ---------------------------------------------------------------------------
    def _specs(self) -> list[FieldSpec]:
        ticket = svc.get_ticket(self.esp.db, self.ticket_id)
        return form_fields(ticket.form, svc.task_catalog(self.esp.config))

    def compose(self) -> ComposeResult:
        ticket = svc.get_ticket(self.esp.db, self.ticket_id)
        readonly = not ticket.is_draft
        yield StatusHeader(id="header")
        yield Static(id="ticket-title")
        with VerticalScroll(id="ticket-fields"):
            yield from self._field(
                FieldSpec(key=AGENT, label="Agent ID", required=True, kind="text"),
                ticket.agent_id,
                readonly,
            )
            from esp_tui.screens.wizard_details import with_origin

            for spec in with_origin(self.esp, ticket, self._specs()):
                yield from self._field(spec, _text(ticket.fields.get(spec.key)), readonly)
            yield Static(id="ticket-computed")
        yield Footer()

    def _field(self, spec: FieldSpec, value: str, readonly: bool) -> ComposeResult:
        label = f"{spec.label}{' *' if spec.required else ''}"
        with Vertical(classes="field", id=f"row-{spec.key}"):
            with Horizontal():
                yield Label(label)
                yield self._widget(spec, value, readonly)
            if spec.hint:
                yield Static(plain(spec.hint), classes="field-hint")
            error = Static("", classes="field-error", id=f"err-{spec.key}")
            error.display = False
            yield error

    def _widget(self, spec: FieldSpec, value: str, readonly: bool) -> Widget:
        wid = _field_id(spec.key)
        if spec.kind == "choice":
            tasks = svc.task_catalog(self.esp.config)
            options = [
                (plain(f"{tasks[c].label} ({c})" if c in tasks else c), c) for c in spec.choices
            ]
            if value and value not in spec.choices:
                options.append((plain(value), value))  # keep what was typed (e.g. via the CLI)
            if spec.default:  # a choice with a default has no blank: blank is no urgency
                return Select(options, value=value or spec.default, allow_blank=False, id=wid,
                              disabled=readonly, compact=True)  # fmt: skip
            return Select(
                options, value=value or Select.NULL, id=wid, disabled=readonly, compact=True
            )
        # Stored values are text (the CLI and escalations fill them too): control characters
        # show as pictures, the value stays as stored.
        if spec.kind == "longtext":
            return PlainTextArea(value, id=wid, read_only=readonly, compact=True)
        return PlainInput(value, id=wid, disabled=readonly, compact=True)

    def on_mount(self) -> None:
        self._saved = self.values()
        self._refresh_title()
        first = self.query(f"#{_field_id(AGENT)}").first()
        if first.disabled:
            self.query_one("#ticket-fields").focus()
        else:
            # The agent is usually prefilled: start at the form's first field.
            specs = self._specs()
            self.query_one(f"#{_field_id(specs[0].key)}").focus()

    def _refresh_title(self) -> None:
        ticket = svc.get_ticket(self.esp.db, self.ticket_id)
        agent = get_agent(self.esp.db, ticket.agent_id)
        who = f"{agent.name} ({agent.agent_id})" if agent else ticket.agent_id
        state = "draft" if ticket.is_draft else f"submitted {self._when(ticket.submitted_at)}"
        self.query_one("#ticket-title", Static).update(
            plain(f"{display_label(ticket.form)} · {who} · {state} · {ticket.id[:8]}")
        )
        computed = [] if ticket.is_draft else [f"{k}: {v}" for k, v in _computed(ticket)]
        box = self.query_one("#ticket-computed", Static)
        box.update(plain_lines(computed))
        box.display = bool(computed)

    def _when(self, at: Any) -> str:
        return at.astimezone(self.esp.zone).strftime("%a %H:%M") if at else ""

    # -- values and errors ------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """What is on screen now, field key -> text (agent_id included)."""
        out: dict[str, str] = {}
        for w in self.query(".field Input, .field Select, .field TextArea").results():
            key = (w.id or "").removeprefix("f-")
            if isinstance(w, Input):
                out[key] = w.value
            elif isinstance(w, TextArea):
                out[key] = w.text
            elif isinstance(w, Select):
                out[key] = "" if w.value is Select.NULL else str(w.value)
        return out

    def is_dirty(self) -> bool:
        return self.values() != self._saved

    def show_errors(self, errors: dict[str, str], *, partial: bool = False) -> None:
        """One message under every failing field at once; whole-form errors go to the first
        field. `partial`: the errors of a draft save (a missing field is not one), which is how
        `recheck` checks again as the TL types."""
        self._partial = partial
        self._form_error = errors.get("", "")
        for err in self.query(".field-error").results(Static):
            key = (err.id or "").removeprefix("err-")
            self._show(err, key, errors.get(key, ""))
        failing = [k for k in self.values() if k in errors]
        if failing:
            self.query_one(f"#{_field_id(failing[0])}").focus()

    def _show(self, err: Static, key: str, msg: str) -> None:
        if key == AGENT and self._form_error:
            msg = "; ".join(m for m in (msg, self._form_error) if m)
        err.update(plain(f"✗ {msg}") if msg else "")
        err.display = bool(msg)

    def recheck(self) -> None:
        """As the TL types: a field showing an error loses it as soon as its value is valid (or
        shows its new problem); a field without one gets none until the next save or submit."""
        shown = [e for e in self.query(".field-error").results(Static) if e.display]
        if not shown or not svc.get_ticket(self.esp.db, self.ticket_id).is_draft:
            return
        values = self.values()
        agent = values.pop(AGENT)
        problems = svc.form_problems(
            self.esp.db, self.esp.config, self.ticket_id, values,
            now=self.esp.now(), agent_id=agent, partial=self._partial,
        )  # fmt: skip
        for err in shown:
            key = (err.id or "").removeprefix("err-")
            self._show(err, key, problems.get(key, ""))

    @on(Input.Changed, ".field Input")
    @on(TextArea.Changed, ".field TextArea")
    @on(Select.Changed, ".field Select")
    def _field_changed(self) -> None:
        self.recheck()

    # -- actions ----------------------------------------------------------------------------
    def _problems(self, *, partial: bool) -> dict[str, str]:
        values = self.values()
        agent = values.pop(AGENT)
        return svc.form_problems(self.esp.db, self.esp.config, self.ticket_id, values,
                                 now=self.esp.now(), agent_id=agent, partial=partial)  # fmt: skip

    def _save(self, *, submitting: bool = False) -> bool:
        """Save the draft; show the filled fields' problems (every field's when `submitting`).
        False if nothing could be saved."""
        values = self.values()
        agent = values.pop(AGENT)
        try:
            svc.update_ticket(
                self.esp.db, self.ticket_id, values, now=self.esp.now(), agent_id=agent
            )
        except svc.TicketInvalid as e:  # with every other problem of the form, not alone
            self.show_errors({**self._problems(partial=not submitting), **e.errors},
                             partial=not submitting)  # fmt: skip
            return False
        except svc.TicketError as e:
            self.notify(str(e), severity="error")
            return False
        self._saved = self.values()
        self._ever_saved = True
        self.show_errors(self._problems(partial=True), partial=True)
        self._refresh_title()
        self.esp.post_message(DataChanged((), origin=self))
        return True

    def action_save(self) -> None:
        if not svc.get_ticket(self.esp.db, self.ticket_id).is_draft:
            self.notify("Already submitted: it cannot change.", severity="warning")
            return
        if self._save():
            self.notify("Draft saved.")

    def action_submit(self) -> None:
        if not svc.get_ticket(self.esp.db, self.ticket_id).is_draft:
            self.notify("Already submitted.", severity="warning")
            return
        if not self._save(submitting=True):
            return
        try:
            ticket = svc.submit_ticket(
                self.esp.db, self.esp.config, self.ticket_id, now=self.esp.now()
            )
        except svc.TicketInvalid as e:
            self.show_errors(e.errors, partial=False)
            self.notify(f"Not submitted: {len(e.errors)} field(s) to fix.", severity="error")
            return
        except svc.TicketError as e:
            self.notify(str(e), severity="error")
            return
        self.esp.post_message(DataChanged((), origin=self))
        # Say what the submit decided (the call-cert result, the guide's next step) at once.
        decided = [f" {k}: {v}" + ("" if v.endswith(".") else ".") for k, v in _computed(ticket)]
        self.notify(f"{display_label(ticket.form)} submitted.{''.join(decided)}", timeout=8)
        self.dismiss(None)

    def _discard_new(self) -> None:
        svc.delete_draft(self.esp.db, self.ticket_id)
        self.esp.post_message(DataChanged((), origin=self))
        self.notify("New ticket discarded (nothing was saved).")

    def action_back(self) -> None:
        unsaved_new = self._new and not self._ever_saved
        if not self.is_dirty():
            if unsaved_new:
                self._discard_new()
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                if unsaved_new:
                    self._discard_new()
                self.dismiss(None)

        question = (
            "Discard this new ticket? Nothing has been saved."
            if unsaved_new
            else "Leave without saving? The draft keeps what was last saved."
        )
        self.app.push_screen(Confirm(question), answered)


def _computed(ticket: Ticket) -> list[tuple[str, str]]:
    """(label, value) of what validation filled in on a submitted ticket, per its form's spec."""
    spec = FORMS.get(ticket.form)
    pairs = spec.computed if spec else ()
    return [(label, _text(ticket.fields[key])) for key, label in pairs if ticket.fields.get(key)]


def _text(value: Any) -> str:
    """A stored value as the text of its field (call scores are a list once submitted)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
