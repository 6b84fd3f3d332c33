"""`s` on the roster: set the TL's availability; the Meet-chat line is copied to the clipboard.

Pick available / assisting (a room, or the agent under the roster cursor) / break; type the
minutes; the message preview updates and can be edited. enter sets it. Today's log is below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from esp_tui.domain.rooms import TlStatus, chat_message
from esp_tui.messages import DataChanged
from esp_tui.screens.base import EspModal
from esp_tui.services import rooms as rooms_svc
from esp_tui.services import tl_status as svc
from esp_tui.widgets.pick_list import PickList
from esp_tui.widgets.plain import PlainInput, cell, plain
from storage.agents import get_agent

if TYPE_CHECKING:
    from esp_tui.app import EspApp

# Option ids: "available", "break", "room:<id>", "agent:<id>".


class TlStatusScreen(EspModal[TlStatus | None]):
    BINDINGS = [
        Binding("ctrl+s", "apply", "Set status", id="tl_status_apply"),
        Binding("escape", "cancel", "Cancel", id="tl_status_cancel"),
    ]
    DEFAULT_CSS = """
    TlStatusScreen > Vertical { width: 90; max-height: 95%; }
    TlStatusScreen OptionList { height: auto; max-height: 10; }
    TlStatusScreen Horizontal { height: auto; margin-top: 1; }
    TlStatusScreen Label { width: 10; }
    TlStatusScreen Input { width: 1fr; }
    TlStatusScreen DataTable { height: auto; max-height: 10; margin-top: 1; }
    """

    def __init__(self, agent_id: str | None = None) -> None:
        super().__init__()
        self.agent_id = agent_id
        self._message_edited = False

    def _options(self) -> list[Option]:
        opts = [Option("Available", id="available")]
        for r in rooms_svc.list_rooms(self.esp.db):
            opts.append(Option(plain(f"Assisting in {r.name}"), id=f"room:{r.id}"))
        agent = get_agent(self.esp.db, self.agent_id) if self.agent_id else None
        if agent is not None:
            opts.append(Option(plain(f"Assisting {agent.name}"), id=f"agent:{agent.agent_id}"))
        opts.append(Option("On a break", id="break"))
        return opts

    def compose(self) -> ComposeResult:
        current = svc.today_status(self.esp.db, self.esp.now())
        now_text = "not set today" if current is None else current.status
        with Vertical():
            yield Static(f"[b]TL status[/b] — now: {now_text}. enter sets it; esc cancels")
            yield PickList(*self._options(), id="tl-choice")
            with Horizontal():
                yield Label("Minutes")
                yield PlainInput("10", id="tl-minutes", compact=True, placeholder="e.g. 10")
            with Horizontal():
                yield Label("Message")
                yield PlainInput("", id="tl-message", compact=True)
            yield Static("", id="tl-error", classes="prompt-error")
            yield Static("[b]Today[/b]")
            yield DataTable(id="tl-log", cursor_type="none", zebra_stripes=True)

    def on_mount(self) -> None:
        log = self.query_one("#tl-log", DataTable)
        log.add_columns("Since", "Status", "Detail", "For", "Message")
        now = self.esp.now()
        for e in reversed(svc.day_log(self.esp.db, now.date(), self.esp.zone)):
            log.add_row(
                e.since.astimezone(self.esp.zone).strftime("%H:%M"),
                e.status,
                cell(e.detail or "-"),
                f"{e.minutes}m" if e.minutes else "-",
                cell(e.message),
            )
        self.query_one(OptionList).focus()
        self._preview()

    # -- the choice --------------------------------------------------------------------------
    def _choice(self) -> str:
        ol = self.query_one(OptionList)
        if ol.highlighted is None:
            return "available"
        return ol.get_option_at_index(ol.highlighted).id or "available"

    def _args(self) -> dict:
        choice = self._choice()
        minutes = svc.parse_minutes(self.query_one("#tl-minutes", Input).value)
        args: dict = {"minutes": minutes}
        if choice.startswith("room:"):
            args |= {"status": "assisting", "room_id": int(choice.removeprefix("room:"))}
        elif choice.startswith("agent:"):
            args |= {"status": "assisting", "agent_id": choice.removeprefix("agent:")}
        else:
            args["status"] = choice
        return args

    def _preview(self) -> None:
        """The generated chat line for the current choice (unless the TL typed their own)."""
        if self._message_edited:
            return
        try:
            args = self._args()
        except svc.TlStatusError:
            return
        where = ""
        if "room_id" in args:
            where = rooms_svc.get_room(self.esp.db, args["room_id"]).name
        minutes = None if args["status"] == "available" else args["minutes"]
        msg = self.query_one("#tl-message", Input)
        msg.value = chat_message(args["status"], where=where, minutes=minutes)
        self._message_edited = False

    def on_option_list_option_highlighted(self) -> None:
        self._preview()

    def on_option_list_option_selected(self) -> None:
        self.action_apply()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "tl-minutes":
            self._preview()
        elif event.input.id == "tl-message" and event.input.has_focus:
            self._message_edited = True

    def on_input_submitted(self) -> None:
        self.action_apply()

    def action_apply(self) -> None:
        try:
            args = self._args()
            entry = svc.set_status(
                self.esp.db,
                now=self.esp.now(),
                message=self.query_one("#tl-message", Input).value,
                **args,
            )
        except svc.TlStatusError as e:
            self.query_one("#tl-error", Static).update(plain(f"✗ {e}"))
            return
        app = self.app
        self.dismiss(entry)
        from esp_tui.screens.copied_dialog import copy_text

        copy_text(app, entry.message, "For the Meet chat")


def open_tl_status(app: EspApp, agent_id: str | None) -> None:
    """`s` on the roster: set the TL's status (the agent under the cursor can be the one
    assisted); the header updates at once (DataChanged)."""

    def done(entry: TlStatus | None) -> None:
        if entry is not None:
            app.post_message(DataChanged(()))

    app.push_screen(TlStatusScreen(agent_id), done)
