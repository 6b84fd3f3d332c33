"""Tickets: every filled-in tracking form, filterable; new, edit, submit, delete a draft."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from esp_tui.domain.forms import FORMS, display_label, ticket_gist
from esp_tui.domain.tickets import TICKET_STATUSES, Ticket
from esp_tui.messages import DataChanged
from esp_tui.screens.agent import AgentSection
from esp_tui.screens.base import EspModal, EspScreen
from esp_tui.screens.prompts import Confirm
from esp_tui.screens.ticket_form import TicketFormScreen
from esp_tui.services import tickets as svc
from esp_tui.widgets.pick_list import PickList
from esp_tui.widgets.plain import PlainInput, cell, plain
from esp_tui.widgets.status_header import StatusHeader
from storage.agents import list_agents

if TYPE_CHECKING:
    from esp_tui.app import EspApp


class NewTicketScreen(EspModal[str | None]):
    """Pick a form (enter) for the agent in the box: creates the draft (services.tickets.
    new_ticket) and dismisses with its id; a refused agent is shown here and the modal stays."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="new_ticket_cancel")]
    DEFAULT_CSS = """
    NewTicketScreen > Vertical { width: 60; }
    NewTicketScreen OptionList { height: auto; }
    """

    def __init__(self, agent_id: str) -> None:
        super().__init__()
        self._agent_id = agent_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]New ticket[/b] — pick the form, enter creates a draft")
            # The form first (it has focus); the agent, prefilled, is a tab away.
            yield PickList(*(Option(s.label, id=n) for n, s in FORMS.items()), id="new-forms")
            yield PlainInput(self._agent_id, placeholder="agent id", id="new-agent", compact=True)
            yield Static("", id="new-error", classes="prompt-error")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_input_submitted(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        esp = self.esp
        agent = self.query_one("#new-agent", Input).value
        try:
            ticket = svc.new_ticket(
                esp.db, esp.config, event.option.id or "", agent, {}, now=esp.now()
            )
        except svc.TicketInvalid as e:
            msg = e.errors.get(svc.AGENT) or str(e)  # the roster message names the agent
            msg = "agent id: required" if msg == "required" else msg
            self.query_one("#new-error", Static).update(plain(f"✗ {msg}"))
            self.query_one("#new-agent", Input).focus()
            return
        except svc.TicketError as e:
            self.query_one("#new-error", Static).update(plain(f"✗ {e}"))
            return
        self.dismiss(ticket.id)


class TicketsScreen(EspScreen[None]):
    BINDINGS = [
        Binding("n", "new", "New", id="tickets_new"),
        Binding("enter", "edit", "Edit", id="tickets_edit"),
        Binding("s", "submit", "Submit", id="tickets_submit"),
        Binding("d", "delete", "Delete draft", id="tickets_delete"),
        Binding("t", "cycle_status", "Status filter", id="tickets_filter_status"),
        Binding("f", "cycle_form", "Form filter", id="tickets_filter_form"),
        Binding("a", "toggle_agent", "Agent filter", id="tickets_filter_agent"),
        Binding("escape", "back", "Back", id="tickets_back"),
    ]
    DEFAULT_CSS = """
    TicketsScreen #tickets-title { padding: 0 1; height: 1; text-style: bold; }
    TicketsScreen #tickets-filters { padding: 0 1; height: 1; color: $text-muted; }
    TicketsScreen DataTable { height: 1fr; }
    TicketsScreen #tickets-empty { padding: 1 2; height: auto; }
    """

    def __init__(self, agent_id: str | None = None) -> None:
        super().__init__()
        self.agent_id = agent_id  # the roster's agent: prefilled on new tickets
        self.status_filter: str | None = None
        self.form_filter: str | None = None
        self.agent_filter: str | None = None

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        yield Static(id="tickets-title")
        yield Static(id="tickets-filters")
        yield DataTable(id="tickets", cursor_type="row", zebra_stripes=True)
        yield Static("No tickets here. [b]n[/b] starts one (pick the form).", id="tickets-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in (
            ("ID", 8),
            ("Form", 24),
            ("Agent", 22),
            ("Status", 9),
            ("Updated", 9),
            ("About", 36),
        ):
            table.add_column(label, width=width, key=label.lower())
        self.reload()

    # -- data -------------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        table = self.query_one(DataTable)
        current = select or self.selected_ticket_id()
        names = {a.agent_id: a.name for a in list_agents(self.esp.db, include_inactive=True)}
        tickets = svc.list_tickets(
            self.esp.db, self.status_filter, self.form_filter, self.agent_filter
        )
        table.clear()
        for t in tickets:
            table.add_row(*self._cells(t, names), key=t.id)
        if current and current in {t.id for t in tickets}:
            table.move_cursor(row=table.get_row_index(current))
        self.query_one("#tickets-empty").display = not tickets
        table.display = bool(tickets)
        table.focus()
        self._show_filters(len(tickets))

    def _cells(self, t: Ticket, names: dict[str, str]) -> tuple[str | Text, ...]:
        when = t.updated_at.astimezone(self.esp.zone).strftime("%a %H:%M")
        return (
            t.id[:8],
            display_label(t.form),
            cell(names.get(t.agent_id, t.agent_id)),
            t.status,
            when,
            cell(ticket_gist(t.form, t.fields)),
        )

    def _show_filters(self, shown: int) -> None:
        parts = [
            f"status: {self.status_filter or 'all'}",
            f"form: {display_label(self.form_filter) if self.form_filter else 'all'}",
            f"agent: {self.agent_filter or 'all'}",
        ]
        drafts = svc.count_drafts(self.esp.db)
        on = [p for p in parts if not p.endswith(": all")]  # the title names only active filters
        self.query_one("#tickets-title", Static).update(  # the agent filter is an agent id
            plain(
                f"Tickets · {drafts} draft{'s' if drafts != 1 else ''}"
                f" · filter: {', '.join(on) if on else 'none'}"
            )
        )
        self.query_one("#tickets-filters", Static).update(
            plain(f"{shown} shown · " + " · ".join(parts) + "   (t / f / a change them)")
        )

    def selected_ticket_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return key.value

    # -- filters ----------------------------------------------------------------------------
    def action_cycle_status(self) -> None:
        order: list[str | None] = [None, *TICKET_STATUSES]
        self.status_filter = order[(order.index(self.status_filter) + 1) % len(order)]
        self.reload()

    def action_cycle_form(self) -> None:
        order: list[str | None] = [None, *FORMS]
        self.form_filter = order[(order.index(self.form_filter) + 1) % len(order)]
        self.reload()

    def action_toggle_agent(self) -> None:
        """Only the agent of the highlighted ticket (or the roster's agent); again to clear."""
        if self.agent_filter is not None:
            self.agent_filter = None
        else:
            tid = self.selected_ticket_id()
            self.agent_filter = svc.get_ticket(self.esp.db, tid).agent_id if tid else self.agent_id
        self.reload()

    # -- actions ----------------------------------------------------------------------------
    def action_new(self) -> None:
        agent = self.agent_id or self.agent_filter or ""
        modal = NewTicketScreen(agent)

        def picked(ticket_id: str | None) -> None:
            if ticket_id is None:
                return
            self.esp.post_message(DataChanged((), origin=self))
            self.reload(select=ticket_id)
            self._edit(ticket_id, new=True)

        self.app.push_screen(modal, picked)

    def _edit(self, ticket_id: str, *, new: bool = False) -> None:
        self.app.push_screen(TicketFormScreen(ticket_id, new=new), lambda _: self.reload())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._edit(str(event.row_key.value))

    def action_edit(self) -> None:
        tid = self.selected_ticket_id()
        if tid:
            self._edit(tid)

    def action_submit(self) -> None:
        tid = self.selected_ticket_id()
        if not tid:
            return
        try:
            t = svc.submit_ticket(self.esp.db, self.esp.config, tid, now=self.esp.now())
        except svc.TicketInvalid as e:
            first = next(iter(e.errors.items()))
            self.notify(
                f"Not submitted: {first[0] or 'form'}: {first[1]} — enter to fix",
                severity="error",
            )
            return
        except svc.TicketError as e:
            self.notify(str(e), severity="warning")
            return
        self.esp.post_message(DataChanged((), origin=self))
        self.notify(f"{display_label(t.form)} submitted.")
        self.reload()

    def action_delete(self) -> None:
        tid = self.selected_ticket_id()
        if not tid:
            return
        t = svc.get_ticket(self.esp.db, tid)
        if not t.is_draft:
            self.notify("Submitted tickets stay: only drafts can be deleted.", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                svc.delete_draft(self.esp.db, tid)
            except svc.TicketError as e:
                self.notify(str(e), severity="error")
                return
            self.esp.post_message(DataChanged((), origin=self))
            self.notify("Draft deleted.")
            self.reload()

        self.app.push_screen(
            Confirm(f"Delete this {display_label(t.form)} draft ({tid[:8]})?"), answered
        )

    def action_back(self) -> None:
        self.dismiss(None)


def open_tickets(app: EspApp, agent_id: str | None) -> None:
    """`T` on the roster: the Tickets screen; new tickets are for the agent under the cursor."""
    app.push_screen(TicketsScreen(agent_id))


class TicketsSection(AgentSection):
    """The agent screen's block: this agent's tickets (T on the roster manages them)."""

    TITLE = "Tickets"

    def compose(self) -> ComposeResult:
        yield Static(id="agent-tickets")

    def load(self) -> None:
        found = svc.list_tickets(self.esp.db, agent_id=self.agent_id)
        lines = [f"{t.id[:8]}  {t.status:<9}  {display_label(t.form)}" for t in found] or [
            "[dim]no tickets · T on the roster starts one[/dim]"
        ]
        self.query_one("#agent-tickets", Static).update("\n".join(lines))


def tickets_section(agent_id: str) -> AgentSection:
    return TicketsSection(agent_id)
