"""Side Meets: the Rooms screen, the new-room form and the move-agent picker (`m` on the roster)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from esp_tui.domain.rooms import MAIN_MEET, PURPOSE_LABELS, ROOM_PURPOSES, Room, short_duration
from esp_tui.messages import DataChanged
from esp_tui.screens.base import EspModal, EspScreen
from esp_tui.screens.copied_dialog import copy_text
from esp_tui.screens.prompts import Confirm
from esp_tui.services import rooms as svc
from esp_tui.widgets.pick_list import PickList
from esp_tui.widgets.plain import PlainInput, cell, plain, plain_lines
from esp_tui.widgets.status_header import StatusHeader
from storage.agents import get_agent

if TYPE_CHECKING:
    from sqlite_utils import Database

    from esp_tui.app import EspApp

NEW_ROOM = "__new__"


class NewRoomScreen(EspModal[Room | None]):
    """Open a side room: purpose, name (optional), Meet link, certifier (call certs).
    enter in any box or ctrl+s opens it."""

    BINDINGS = [
        Binding("ctrl+s", "create", "Open room", id="room_create"),
        Binding("escape", "cancel", "Cancel", id="room_cancel"),
    ]
    DEFAULT_CSS = """
    NewRoomScreen > Vertical { width: 72; }
    NewRoomScreen Horizontal { height: auto; margin-bottom: 1; }
    NewRoomScreen Label { width: 14; }
    NewRoomScreen Input, NewRoomScreen Select { width: 1fr; }
    """

    def __init__(self, purpose: str = "assist") -> None:
        super().__init__()
        self._purpose = purpose

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]Open a side room[/b] — enter or ctrl+s opens it, esc cancels")
            # The Meet link first: the field typed (pasted) first is the one with focus.
            for key, label, hint in (
                ("link", "Meet link", "https://meet.google.com/..."),
                ("name", "Name", "blank = Room N (Cert N for call certs)"),
            ):
                with Horizontal():
                    yield Label(label)
                    yield PlainInput(placeholder=hint, id=f"room-{key}", compact=True)
            with Horizontal():
                yield Label("Purpose")
                yield Select(
                    [(PURPOSE_LABELS[p], p) for p in ROOM_PURPOSES],
                    value=self._purpose,
                    allow_blank=False,
                    id="room-purpose",
                    compact=True,
                )
            with Horizontal():
                yield Label("Certifier")
                yield PlainInput(
                    placeholder="call certs: who grades the calls", id="room-certifier",
                    compact=True,
                )  # fmt: skip
            yield Static("", id="room-error", classes="prompt-error")

    def on_mount(self) -> None:
        self.query_one("#room-link", Input).focus()

    def on_input_submitted(self) -> None:
        self.action_create()

    def action_create(self) -> None:
        esp = self.esp
        try:
            room = svc.create_room(
                esp.db,
                purpose=str(self.query_one("#room-purpose", Select).value),
                name=self.query_one("#room-name", Input).value,
                meet_link=self.query_one("#room-link", Input).value,
                certifier=self.query_one("#room-certifier", Input).value,
                now=esp.now(),
            )
        except svc.RoomError as e:
            self.query_one("#room-error", Static).update(plain(f"✗ {e}"))
            return
        self.dismiss(room)


class MoveAgentScreen(EspModal[str | None]):
    """Where an agent goes: the main Meet, an open room, or a new side room.
    Dismisses with the new place's name (None when cancelled)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="move_cancel")]
    DEFAULT_CSS = """
    MoveAgentScreen > Vertical { width: 60; }
    MoveAgentScreen OptionList { height: auto; max-height: 16; }
    """

    def __init__(self, agent_id: str) -> None:
        super().__init__()
        self.agent_id = agent_id

    def compose(self) -> ComposeResult:
        agent = get_agent(self.esp.db, self.agent_id)
        here = svc.where_label(self.esp.db, self.agent_id)
        name = agent.name if agent else self.agent_id
        options = [Option(f"Back to the {MAIN_MEET}", id="main")]
        options += [
            Option(plain(svc.room_title(r)), id=str(r.id)) for r in svc.list_rooms(self.esp.db)
        ]
        options.append(Option("New side room…", id=NEW_ROOM))
        with Vertical():
            yield Static(
                Text.assemble(plain(f"Move {name}", style="bold"), plain(f" — now in: {here}"))
            )
            yield PickList(*options)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        choice = event.option.id or "main"
        if choice == NEW_ROOM:
            self.app.push_screen(
                NewRoomScreen(), lambda room: self._move(room.id) if room else None
            )
            return
        self._move(None if choice == "main" else int(choice))

    def _move(self, room_id: int | None) -> None:
        try:
            svc.move_agent(self.esp.db, self.agent_id, room_id, now=self.esp.now())
        except svc.RoomError as e:
            self.notify(str(e), severity="error")
            return
        self.dismiss(svc.where_label(self.esp.db, self.agent_id))


class RoomsScreen(EspScreen[None]):
    BINDINGS = [
        Binding("n", "new", "New room", id="rooms_new"),
        Binding("c", "close_room", "Close room", id="rooms_close"),
        Binding("y", "copy_link", "Copy link", id="rooms_copy_link"),
        Binding("h", "toggle_closed", "Show closed", id="rooms_toggle_closed"),
        Binding("escape", "back", "Back", id="rooms_back"),
    ]
    DEFAULT_CSS = """
    RoomsScreen DataTable { height: 1fr; }
    RoomsScreen #room-detail {
        height: auto; max-height: 12; padding: 0 1; border-top: solid $primary;
    }
    RoomsScreen #rooms-empty { padding: 1 2; height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.show_closed = False

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        yield DataTable(id="rooms", cursor_type="row", zebra_stripes=True)
        yield Static(
            "No side rooms open. [b]n[/b] opens one; [b]m[/b] on the roster moves an agent.",
            id="rooms-empty",
        )
        yield Static("", id="room-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in (
            ("Room", 18),
            ("Purpose", 9),
            ("Certifier", 16),
            ("Opened", 7),
            ("Agents", 6),
            ("Meet link", 40),
        ):
            table.add_column(label, width=width, key=label.lower())
        self.reload()

    def reload(self, select: int | None = None) -> None:
        table = self.query_one(DataTable)
        current = select or self.selected_room_id()
        rooms = svc.list_rooms(self.esp.db, include_closed=self.show_closed)
        counts: dict[int, int] = {}
        for room in svc.current_rooms(self.esp.db).values():
            counts[room.id] = counts.get(room.id, 0) + 1
        table.clear()
        for r in rooms:
            opened = r.opened_at.astimezone(self.esp.zone).strftime("%H:%M")
            name = r.name if r.is_open else f"{r.name} (closed)"
            table.add_row(
                cell(name),
                PURPOSE_LABELS[r.purpose],
                cell(r.certifier or "-"),
                opened,
                str(counts.get(r.id, 0)),
                cell(r.meet_link or "-"),
                key=str(r.id),
            )
        if current and str(current) in {str(r.id) for r in rooms}:
            table.move_cursor(row=table.get_row_index(str(current)))
        self.query_one("#rooms-empty").display = not rooms
        table.display = bool(rooms)
        table.focus()
        self._show_detail()

    def selected_room_id(self) -> int | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(key.value or 0)

    def on_data_table_row_highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#room-detail", Static)
        room_id = self.selected_room_id()
        if room_id is None:
            detail.update("")
            return
        now = self.esp.now()
        room = svc.get_room(self.esp.db, room_id)
        people = svc.occupants(self.esp.db, room_id)
        title = plain(svc.room_title(room), style="bold")
        lines: list[str | Text] = [Text.assemble(title, f" · {len(people)} in the room")]
        lines += [f"  {p.name} ({p.agent_id}) · {short_duration(now - p.since)}" for p in people]
        detail.update(plain_lines(lines))

    def action_new(self) -> None:
        def opened(room: Room | None) -> None:
            if room is not None:
                self.notify(f"{room.name} opened.")
                self.reload(select=room.id)
                self.esp.post_message(DataChanged((), origin=self))

        self.app.push_screen(NewRoomScreen(), opened)

    def action_close_room(self) -> None:
        room_id = self.selected_room_id()
        if room_id is None:
            return
        room = svc.get_room(self.esp.db, room_id)
        if not room.is_open:
            self.notify(f"{room.name} is already closed.", severity="warning")
            return
        n = len(svc.occupants(self.esp.db, room_id))

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            back = svc.close_room(self.esp.db, room_id, now=self.esp.now())
            self.notify(f"{room.name} closed; {len(back)} back in the {MAIN_MEET}.")
            self.reload()
            self.esp.post_message(DataChanged(back, origin=self))  # their Where column

        self.app.push_screen(
            Confirm(f"Close {room.name}? {n} agent(s) go back to the {MAIN_MEET}."), answered
        )

    def action_copy_link(self) -> None:
        room_id = self.selected_room_id()
        if room_id is None:
            return
        room = svc.get_room(self.esp.db, room_id)
        if not room.meet_link:
            self.notify(f"{room.name} has no Meet link.", severity="warning")
            return
        copy_text(self.app, room.meet_link, f"Meet link of {room.name}")

    def action_toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)


def moved_text(db: Database, agent_id: str, where: str) -> str:
    """The toast after a move, by the agent's name like every other toast."""
    agent = get_agent(db, agent_id)
    name = agent.name if agent else agent_id
    if where == MAIN_MEET:
        return f"{name} is back in the {MAIN_MEET}"
    return f"{name} is now in {where}"


def move_agent_dialog(app: EspApp, agent_id: str | None) -> None:
    """`m` on the roster: move the agent under the cursor to a room or back to the main Meet
    (the roster repaints the agent's Where column on the DataChanged)."""
    if agent_id is None:
        app.notify("No agent selected.", severity="warning")
        return

    def moved(where: str | None) -> None:
        if where is not None:
            app.notify(moved_text(app.db, agent_id, where))
            app.post_message(DataChanged([agent_id]))

    app.push_screen(MoveAgentScreen(agent_id), moved)


def open_rooms(app: EspApp) -> None:
    """`R` on the roster: the Rooms screen."""
    app.push_screen(RoomsScreen())
