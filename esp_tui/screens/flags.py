"""Red flags (list, raise, notify a PM) and CAPs (create, list)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Input, Select, Static

from esp_tui.domain.progress import CAP_LEVELS, RED_FLAG_KINDS, RED_FLAG_LABELS
from esp_tui.messages import DataChanged
from esp_tui.screens.base import EspModal, EspScreen
from esp_tui.widgets.plain import PlainInput, cell, plain
from esp_tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from esp_tui.app import EspApp
    from storage.flags import Cap, RedFlag


def _when(dt: Any, zone: tzinfo) -> str:
    return dt.astimezone(zone).strftime("%a %d %b %H:%M") if dt else ""


def cap_line(cap: Cap, zone: tzinfo) -> Text:
    day = f"day {cap.day} · " if cap.day else ""
    return plain(f"{cap.level} CAP · {day}{_when(cap.created_at, zone)} · {cap.reason}")


def flag_line(flag: RedFlag, zone: tzinfo) -> Text:
    if flag.resolved_at:
        state = Text("resolved", style="dim")
    elif flag.pm_notified_at:
        state = Text(f"PM notified {_when(flag.pm_notified_at, zone)}")
    else:
        state = Text("PM not notified", style="bold red")
    return Text.assemble(
        f"#{flag.id} {RED_FLAG_LABELS[flag.kind]} · ", state, " · ", plain(flag.text)
    )


class _FormModal(EspModal[Any]):
    """A choice + a text line, handed to `submit` (a ValueError stays in the modal as an error)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form_cancel")]
    DIALOG_CLASSES = "-roomy"
    DEFAULT_CSS = "_FormModal > Vertical { width: 80; }"

    def __init__(
        self,
        title: Text,
        choices: list[tuple[str, str]],
        initial: str,
        placeholder: str,
        submit: Callable[[str, str], Any],
    ) -> None:
        super().__init__()
        self._title = title
        self._choices = choices
        self._initial = initial
        self._placeholder = placeholder
        self._submit = submit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title)
            # The text first: the field with focus is the first one (the kind is a tab away).
            yield PlainInput(placeholder=self._placeholder, id="form-text")
            yield Select(self._choices, value=self._initial, allow_blank=False, id="form-choice")
            yield Static("", id="form-error", classes="prompt-error")
            yield Static("[dim]enter saves · tab / shift+tab moves · esc cancels[/dim]")

    def on_mount(self) -> None:
        self.query_one("#form-text", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        choice = str(self.query_one("#form-choice", Select).value)
        try:
            result = self._submit(choice, event.value)
        except ValueError as e:
            self.query_one("#form-error", Static).update(plain(str(e)))
            return
        self.dismiss(result)


class RaiseFlagModal(_FormModal):
    def __init__(self, agent_label: str, submit: Callable[[str, str], Any]) -> None:
        super().__init__(
            Text.assemble(
                "Red flag for ",
                plain(agent_label, style="bold"),
                " — the PMs must hear about it today",
            ),
            [(RED_FLAG_LABELS[k], k) for k in RED_FLAG_KINDS],
            "background_check",
            "what happened, e.g. background check shows a pending charge",
            submit,
        )


class CapModal(_FormModal):
    def __init__(self, agent_label: str, submit: Callable[[str, str], Any]) -> None:
        super().__init__(
            Text.assemble("CAP for ", plain(agent_label, style="bold")),
            [(lvl, lvl) for lvl in CAP_LEVELS],
            "written",
            "reason, e.g. failed AHIP final twice",
            submit,
        )


def _agent_label(app: EspApp, agent_id: str) -> str:
    from storage.agents import get_agent

    agent = get_agent(app.db, agent_id)
    return f"{agent.name} ({agent_id})" if agent else agent_id


def open_raise_flag(
    app: EspApp, agent_id: str | None, on_done: Callable[[Any], None] | None = None
) -> None:
    """`r`: the raise-flag modal for an agent; the header count updates when it is saved
    (DataChanged)."""
    from esp_tui.services.flags import raise_flag

    if agent_id is None:
        app.notify("no agent selected")
        return

    def submit(kind: str, text: str) -> RedFlag:
        return raise_flag(app.db, app.config, agent_id, kind, text, now=app.now())

    def done(flag: RedFlag | None) -> None:
        if flag is not None:
            app.notify(f"red flag #{flag.id} raised: notify the PM from the flags list (F)")
            app.post_message(DataChanged([agent_id]))
        if on_done is not None:
            on_done(flag)

    app.push_screen(RaiseFlagModal(_agent_label(app, agent_id), submit), done)


def open_cap_modal(
    app: EspApp, agent_id: str | None, on_done: Callable[[Any], None] | None = None
) -> None:
    from esp_tui.services.flags import create_cap

    if agent_id is None:
        app.notify("no agent selected")
        return

    def submit(level: str, reason: str) -> Cap:
        return create_cap(app.db, app.config, agent_id, level, reason, now=app.now())

    def done(cap: Cap | None) -> None:
        if cap is not None:
            app.notify(f"{cap.level} CAP recorded (#{cap.id})")
            app.post_message(DataChanged([agent_id]))
        if on_done is not None:
            on_done(cap)

    app.push_screen(CapModal(_agent_label(app, agent_id), submit), done)


class FlagTable(DataTable):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="flags_down"),
        Binding("k", "cursor_up", "Up", show=False, id="flags_up"),
    ]


class FlagsScreen(EspScreen[None]):
    """Every red flag (newest first) with the PM message preview, and every CAP."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="flags_back"),
        Binding("n", "notify_pm", "Notify PM (copy)", id="flag_notify"),
        Binding("x", "resolve", "Resolve", id="flag_resolve"),
    ]
    DEFAULT_CSS = """
    FlagsScreen .title { height: auto; padding: 0 1; text-style: bold; }
    FlagsScreen #flags { height: 1fr; }
    FlagsScreen #message { height: auto; min-height: 3; padding: 0 1; border: round $primary; }
    FlagsScreen #caps { height: auto; max-height: 12; }
    """

    def __init__(self, select: int | str | None = None) -> None:
        """`select`: the flag the cursor starts on (the Close screen's red-flag gap)."""
        super().__init__()
        self._select = None if select is None else str(select)

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static("Red flags", classes="title", id="flags-title")
        yield FlagTable(id="flags", cursor_type="row", zebra_stripes=True)
        yield Static("", id="message")
        yield Static("CAPs", classes="title")
        yield DataTable(id="caps", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        flags = self.query_one(FlagTable)
        for label, width in (
            ("#", 4),
            ("Raised", 16),
            ("Agent", 22),
            ("Kind", 16),
            ("PM notified", 16),
            ("Text", 40),
        ):
            flags.add_column(label, width=width, key=label.lower())
        caps = self.query_one("#caps", DataTable)
        for label, width in (("Date", 16), ("Day", 4), ("Agent", 22), ("Level", 8), ("Reason", 60)):
            caps.add_column(label, width=width, key=label.lower())
        self.reload()
        if self._select is not None and self._select in {str(f.id) for f in self._flags}:
            flags.move_cursor(row=flags.get_row_index(self._select), animate=False)
        flags.focus()

    def reload(self) -> None:
        from esp_tui.services.flags import list_caps, list_flags
        from storage.agents import list_agents

        names = {a.agent_id: a.name for a in list_agents(self.esp.db, include_inactive=True)}
        zone = self.esp.zone
        table = self.query_one(FlagTable)
        row = table.cursor_row
        table.clear()
        self._flags = list(reversed(list_flags(self.esp.db)))
        for f in self._flags:
            if f.resolved_at:
                notified = Text("resolved", style="dim")
            elif f.pm_notified_at:
                notified = Text(_when(f.pm_notified_at, zone), style="green")
            else:
                notified = Text("NOT YET", style="bold red")
            table.add_row(
                str(f.id),
                _when(f.raised_at, zone),
                cell(names.get(f.agent_id, f.agent_id)),
                RED_FLAG_LABELS[f.kind],
                notified,
                cell(f.text),
                key=str(f.id),
            )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        pending = sum(1 for f in self._flags if f.needs_notify)
        self.query_one("#flags-title", Static).update(
            f"Red flags · {len(self._flags)} · [red]{pending} to notify[/red]"
            if pending
            else f"Red flags · {len(self._flags)}"
        )
        caps = self.query_one("#caps", DataTable)
        caps.clear()
        for c in reversed(list_caps(self.esp.db)):
            caps.add_row(
                _when(c.created_at, zone),
                str(c.day or ""),
                cell(names.get(c.agent_id, c.agent_id)),
                c.level,
                cell(c.reason),
            )
        self._show_message()

    def current_flag(self) -> RedFlag | None:
        table = self.query_one(FlagTable)
        if table.row_count == 0:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((f for f in self._flags if str(f.id) == key.value), None)

    def _show_message(self) -> None:
        from esp_tui.services.flags import flag_message

        flag = self.current_flag()
        box = self.query_one("#message", Static)
        if flag is None:
            box.update("[dim]No red flags. Raise one with r on the roster.[/dim]")
            return
        box.update(plain(flag_message(self.esp.db, self.esp.config, flag), multiline=True))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "flags":
            self._show_message()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_notify_pm(self) -> None:
        from esp_tui.services.flags import notify_pm

        flag = self.current_flag()
        if flag is None:
            return
        updated, message = notify_pm(self.esp.db, self.esp.config, flag.id, now=self.esp.now())
        from esp_tui.screens.copied_dialog import copy_text

        when = _when(updated.pm_notified_at, self.esp.zone)
        copy_text(self.app, message, f"Message for the PM (flag #{flag.id} notified {when})")
        self.reload()
        self.esp.post_message(DataChanged([flag.agent_id], origin=self))

    def action_resolve(self) -> None:
        from esp_tui.services.flags import resolve_flag

        flag = self.current_flag()
        if flag is None:
            return
        resolve_flag(self.esp.db, flag.id, now=self.esp.now())
        self.notify(f"red flag #{flag.id} resolved")
        self.reload()
        self.esp.post_message(DataChanged([flag.agent_id], origin=self))


def open_flags(app: EspApp) -> None:
    """`F` on the roster."""
    app.push_screen(FlagsScreen())
