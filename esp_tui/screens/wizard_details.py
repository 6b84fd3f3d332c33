"""`r` in the troubleshooting wizard: note the case/reference number support gave and who was
actually contacted. Both are saved with the session and go into the Carrier Ticket, whose form
then says which tree its carrier came from (`with_origin`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from esp_tui.domain.forms import CARRIER_TICKET, FieldSpec
from esp_tui.domain.tickets import Ticket
from esp_tui.domain.wizard import WalkDetails, details_problem
from esp_tui.screens.base import EspModal
from esp_tui.services import troubleshoot as ts
from esp_tui.widgets.plain import PlainInput, plain

if TYPE_CHECKING:
    from esp_tui.app import EspApp

_FIELDS = (("reference", "Case / reference no."), ("contacted", "Who was contacted"))


class WalkDetailsScreen(EspModal[WalkDetails | None]):
    """Two lines: enter in the first moves on, enter in the second saves; esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="wizard_details_cancel")]
    DIALOG_CLASSES = "-roomy"
    DEFAULT_CSS = """
    WalkDetailsScreen > Vertical { width: 84; }
    WalkDetailsScreen Label { margin-top: 1; }
    """

    def __init__(self, agent_name: str, details: WalkDetails) -> None:
        super().__init__()
        self._agent_name = agent_name
        self._details = details

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                plain(f"Troubleshooting {self._agent_name}: what support said", style="bold"),
                classes="prompt-title",
            )
            for key, label in _FIELDS:
                yield Label(label)
                yield PlainInput(
                    getattr(self._details, key),
                    id=f"detail-{key}",
                    placeholder="e.g. 04412877"
                    if key == "reference"
                    else "e.g. Aetna support, Dana, 10:05",
                    select_on_focus=False,
                )
            yield Static("", classes="prompt-error", markup=False)
            yield Static(
                "enter: next field, then save · esc cancels · both go into the Carrier Ticket",
                classes="prompt-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#detail-reference", Input).focus()

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#detail-{key}", Input).value for key, _ in _FIELDS}

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "detail-reference":
            self.query_one("#detail-contacted", Input).focus()
            return
        values = self.values()
        for key, label in _FIELDS:
            problem = details_problem(values[key].strip(), label)
            if problem:
                self.query_one(".prompt-error", Static).update(plain(problem))
                self.query_one(f"#detail-{key}", Input).focus()
                return
        self.dismiss(WalkDetails(**{k: v.strip() for k, v in values.items()}))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one(".prompt-error", Static).update("")


def with_origin(esp: EspApp, ticket: Ticket, specs: list[FieldSpec]) -> list[FieldSpec]:
    """A Carrier Ticket a troubleshooting walk escalated to says where its carrier came from:
    "Carrier (from the AHIP/Aetna tree)", and why that carrier in the hint. Still editable."""
    if ticket.form != CARRIER_TICKET:
        return specs
    origin = ts.ticket_origin(esp.db, esp.config, ticket.id)
    if origin is None:
        return specs
    tree, why = origin
    hint = f"{why}; change it if the ticket concerns another" if why else "change it if wrong"
    return [
        s.model_copy(update={"label": f"Carrier (from the {tree} tree)", "hint": hint})
        if s.key == "carrier"
        else s
        for s in specs
    ]
