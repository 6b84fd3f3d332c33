"""The roster keys that open another screen: the agent, their tasks, progress, flags, the Day-1
intro, tickets, rooms, TL status, troubleshooting, cohorts and the close of the day.

What those screens write comes back as `DataChanged` (esp_tui/messages.py): the roster repaints
the rows it names (`RosterScreen.data_changed`), so no launcher needs a "reload when closed"."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from esp_tui.screens.roster_rows import RosterRows

LAUNCH_BINDINGS = [
    Binding(
        "p",
        "open_tasks",
        "Tasks",
        id="open_tasks",
        tooltip="Open the agent's task list",
        show=False,
    ),
    Binding("r", "raise_flag", "Flag", id="raise_flag", tooltip="Raise a red flag for the agent"),
    Binding(
        "P",
        "open_progress",
        "Progress",
        key_display="P",
        id="open_progress",
        tooltip="Progress of the whole cohort",
        show=False,
    ),
    Binding(
        "F",
        "open_flags",
        "Flags",
        key_display="F",
        id="open_flags",
        tooltip="Red flags and CAPs",
        show=False,
    ),
    Binding(
        "D",
        "open_intro",
        "Day-1 intro",
        key_display="D",
        id="open_intro",
        tooltip="Day-1 intro checklist and timer",
        show=False,
    ),
    Binding(
        "w",
        "troubleshoot",
        "Troubleshoot",
        id="troubleshoot",
        tooltip="Troubleshoot the agent's technical issue step by step",
    ),
    Binding(
        "T",
        "open_tickets",
        "Tickets",
        key_display="T",
        id="open_tickets",
        tooltip="Tickets: the four forms",
        show=False,
    ),
    Binding(
        "m",
        "move_agent",
        "Move",
        id="move_agent",
        tooltip="Move the agent to a side room or back",
        show=False,
    ),
    Binding(
        "R",
        "open_rooms",
        "Rooms",
        key_display="R",
        id="open_rooms",
        tooltip="Side Meets (rooms)",
        show=False,
    ),
    Binding(
        "s",
        "set_status",
        "TL status",
        id="set_status",
        tooltip="Set your availability (TL status)",
        show=False,
    ),
    Binding(
        "c",
        "close_day",
        "Close",
        id="close_day",
        tooltip="Close the day: readiness checklist and sync",
    ),
    Binding(
        "C",
        "pick_cohort",
        "Cohorts",
        key_display="C",
        id="pick_cohort",
        tooltip="Cohorts: switch to another cohort (view a past week) or make one current",
    ),
]


class RosterLaunchers(RosterRows):
    """Mixed into RosterScreen: enter (the agent) and the actions of LAUNCH_BINDINGS."""

    def action_open_agent(self) -> None:
        from esp_tui.screens.agent import AgentScreen

        agent_id = self.selected_agent_id()
        if agent_id is None or self.cohort is None:
            return
        self.app.push_screen(AgentScreen(agent_id, day=self.day))

    @on(DataTable.RowSelected, "#roster")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # enter on the table, or a click
        self.action_open_agent()

    def action_open_tasks(self) -> None:
        from esp_tui.screens.tasks import open_tasks

        open_tasks(self.esp, self.selected_agent_id())

    def action_raise_flag(self) -> None:
        from esp_tui.screens.flags import open_raise_flag

        open_raise_flag(self.esp, self.selected_agent_id())

    def action_open_progress(self) -> None:
        from esp_tui.screens.progress import open_progress

        open_progress(self.esp)

    def action_open_flags(self) -> None:
        from esp_tui.screens.flags import open_flags

        open_flags(self.esp)

    def action_open_intro(self) -> None:
        from esp_tui.screens.intro import open_intro

        open_intro(self.esp)

    def action_open_tickets(self) -> None:
        from esp_tui.screens.tickets import open_tickets

        open_tickets(self.esp, self.selected_agent_id())

    def action_move_agent(self) -> None:
        from esp_tui.screens.rooms import move_agent_dialog

        move_agent_dialog(self.esp, self.selected_agent_id())

    def action_open_rooms(self) -> None:
        from esp_tui.screens.rooms import open_rooms

        open_rooms(self.esp)

    def action_set_status(self) -> None:
        from esp_tui.screens.tl_status import open_tl_status

        open_tl_status(self.esp, self.selected_agent_id())

    def action_troubleshoot(self) -> None:
        from esp_tui.screens.wizard import open_troubleshoot

        open_troubleshoot(self.esp, self.selected_agent_id())

    def action_pick_cohort(self) -> None:
        from esp_tui.screens.cohort_picker import open_cohort_picker

        open_cohort_picker(self.esp)

    def action_close_day(self) -> None:
        from esp_tui.screens.close import open_close

        open_close(self.esp)
