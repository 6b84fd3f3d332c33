"""Close the day: the readiness checklist, sync to the sheet (in a worker), conflicts, handoff.

No rule lives here: readiness comes from services/readiness, the sync from services/sync,
the handoff from services/handoff. The sync runs in a thread worker and reports back with
messages, so the UI never freezes. The conflicts and their choices: close_conflicts.py; `n`
on the note gaps: close_notes.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, ProgressBar, Static
from textual.worker import Worker, WorkerState

from esp_tui.messages import DataChanged
from esp_tui.screens.close_conflicts import CloseConflicts
from esp_tui.screens.close_notes import CloseNotes
from esp_tui.widgets.close_tables import CloseTable, ConflictTable
from esp_tui.widgets.plain import cell, plain
from esp_tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from esp_tui.app import EspApp
    from esp_tui.domain.readiness import Gap, Readiness
    from esp_tui.sync.engine import SyncReport
    from esp_tui.sync.plan import CellKey, Resolution

_KIND_LABELS = {
    "attendance": "attendance",
    "out": "out stamp",
    "note": "note",
    "draft_ticket": "draft ticket",
    "red_flag": "red flag",
}


class CloseScreen(CloseConflicts, CloseNotes):
    """`c` on the roster."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="close_back"),
        Binding("enter", "jump", "Go to gap", id="close_jump", show=False),
        Binding(
            "n", "note", "Notes", id="close_note", tooltip="Write the note gaps, one after another"
        ),
        Binding("d", "dry_run", "Dry run", id="close_dry_run"),
        Binding("s", "sync", "Sync to sheet", id="close_sync"),
        Binding("S", "keep_sheet", "Keep sheet", key_display="S", id="close_keep_sheet"),
        Binding("L", "keep_local", "Keep ours", key_display="L", id="close_keep_local"),
        Binding("tab", "switch_table", "Gaps ⇄ conflicts", id="close_switch_table"),
        Binding("h", "handoff", "Handoff (day 5)", id="close_handoff"),
        Binding("r", "refresh_gaps", "Recheck", id="close_recheck"),
    ]
    DEFAULT_CSS = """
    CloseScreen #checklist { height: auto; padding: 0 1; }
    CloseScreen #gaps { height: 1fr; }
    CloseScreen #sync-status { height: auto; min-height: 1; padding: 0 1; }
    CloseScreen #sync-progress { padding: 0 1; display: none; }
    CloseScreen #sync-progress.running { display: block; }
    CloseScreen #conflicts { height: auto; max-height: 12; display: none; }
    CloseScreen #conflicts.shown { display: block; }
    CloseScreen #conflicts > .datatable--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    CloseScreen #conflict-hint { height: auto; padding: 0 1; display: none; }
    """

    class SyncProgress(Message):
        def __init__(self, fraction: float, label: str) -> None:
            super().__init__()
            self.fraction, self.label = fraction, label

    class SyncDone(Message):
        def __init__(self, report: SyncReport) -> None:
            super().__init__()
            self.report = report

    class SyncFailed(Message):
        def __init__(self, error: str, dry_run: bool = False) -> None:
            super().__init__()
            self.error = error
            self.dry_run = dry_run

    def __init__(self, day: int | None = None) -> None:
        super().__init__()
        self.day = day
        self.readiness: Readiness | None = None
        self.last_report: SyncReport | None = None
        self.syncing = False
        self._tl_asked = False

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static(id="close-title", classes="title-bar")
        yield Static(id="checklist")
        yield CloseTable(id="gaps", cursor_type="row", zebra_stripes=True)
        yield ProgressBar(id="sync-progress", total=100, show_eta=False)
        yield Static("", id="sync-status")
        yield ConflictTable(id="conflicts", cursor_type="row", zebra_stripes=True)
        yield Static("", id="conflict-hint")
        yield Footer()

    def on_mount(self) -> None:
        if self.day is None:
            self.day = self.esp.today_day() or 1
        gaps = self.query_one("#gaps", DataTable)
        for label, width in (("Gap", 13), ("Agent", 9), ("What", 80)):
            gaps.add_column(label, width=width, key=label.lower())
        conflicts = self.query_one("#conflicts", DataTable)
        for label, width in (
            ("Tab", 14), ("Row", 10), ("Column", 18), ("Sheet", 20), ("Ours", 20), ("Choice", 10)
        ):  # fmt: skip
            conflicts.add_column(label, width=width, key=label.lower())
        self.reload()

    # -- the checklist --------------------------------------------------------------------------
    def reload(self) -> None:
        from esp_tui.domain.readiness import summary_lines
        from esp_tui.services.readiness import check_day

        day = self.day or 1
        self.readiness = result = check_day(self.esp.db, day, self.esp.config)
        count = len(result.gaps)
        state = "ready" if result.ready else f"{count} gap{'s' if count != 1 else ''}"
        self.query_one("#close-title", Static).update(f"Close day {day} · {state}")
        self.query_one("#checklist", Static).update("\n".join(summary_lines(result)))
        table = self.query_one("#gaps", DataTable)
        row = table.cursor_row  # keep the TL's place after a jump and return
        table.clear()
        for i, gap in enumerate(result.gaps):
            table.add_row(_KIND_LABELS[gap.kind], cell(gap.agent_id), cell(gap.detail), key=str(i))
        if result.gaps:
            table.move_cursor(row=min(row, len(result.gaps) - 1))
        table.display = bool(result.gaps)
        if result.gaps:
            table.focus()

    def action_refresh_gaps(self) -> None:
        self.reload()

    def selected_gap(self) -> Gap | None:
        table = self.query_one("#gaps", DataTable)
        if self.readiness is None or not self.readiness.gaps or table.row_count == 0:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self.readiness.gaps[int(str(key.value))]

    def action_jump(self) -> None:
        """Open the screen that fixes the gap; the checklist is rechecked on return."""
        gap = self.selected_gap()
        if gap is None:
            return
        back = lambda _=None: self.reload()  # noqa: E731
        if gap.kind == "draft_ticket" and gap.ref:
            from esp_tui.screens.ticket_form import TicketFormScreen

            self.app.push_screen(TicketFormScreen(gap.ref), back)
        elif gap.kind == "red_flag":
            from esp_tui.screens.flags import FlagsScreen

            self.app.push_screen(FlagsScreen(select=gap.ref), back)  # this flag, not the newest
        else:
            from esp_tui.screens.agent import AgentScreen

            self.app.push_screen(AgentScreen(gap.agent_id, day=self.day or 1), back)

    @on(DataTable.RowSelected, "#gaps")
    def _gap_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_jump()

    # -- sync ----------------------------------------------------------------------------------
    def action_dry_run(self) -> None:
        self._start(dry_run=True)

    def action_sync(self, overwrite_ok: bool = False) -> None:
        """A real sync with readiness gaps open asks first (a dry run never does); so does one
        that would write a resolved "keep ours" over a PM's edit (`_ask_overwrite`)."""
        from esp_tui.screens.prompts import Confirm

        if self.syncing:
            self.app.notify("A sync is already running")
            return
        if self._ask_tl_name(lambda: self.action_sync(overwrite_ok)):
            return
        if not overwrite_ok and self._ask_overwrite(lambda: self.action_sync(overwrite_ok=True)):
            return
        from esp_tui.services.readiness import check_day

        # count the gaps as they are now (not as first shown), without moving the TL's focus
        gaps = len(check_day(self.esp.db, self.day or 1, self.esp.config).gaps)
        if not gaps:
            self._start(dry_run=False)
            return
        open_ = f"{gaps} gaps are" if gaps != 1 else "1 gap is"
        self.app.push_screen(
            Confirm(f"{open_} still open for day {self.day}. Sync anyway?"),
            lambda yes: self._start(dry_run=False) if yes else None,
        )

    def _ask_tl_name(self, then: Callable[[], None]) -> bool:
        """Ask once for the TL's name (the tracker's TL column) when config and database have
        none; esc skips it for this sync. True when a prompt was opened (`then` follows)."""
        from esp_tui.screens.prompts import TextPrompt
        from esp_tui.services.tl_profile import TlNameError, check_tl_name, set_tl_name, tl_name

        if self._tl_asked or tl_name(self.esp.db, self.esp.config):
            return False
        self._tl_asked = True

        def check(text: str) -> str | None:
            try:
                check_tl_name(text)
            except TlNameError as e:
                return str(e)
            return None

        def answered(text: str | None) -> None:
            if text:
                set_tl_name(self.esp.db, text)
            then()

        self.app.push_screen(
            TextPrompt(
                "Your name for the tracker's TL column (PMs see whose cohort a row is)",
                placeholder="e.g. Jordan Reyes",
                hint="enter saves (asked once) · esc: sync without it this time",
                validate=check,
            ),
            answered,
        )
        return True

    def _start(self, *, dry_run: bool) -> None:
        if self.syncing:
            self.app.notify("A sync is already running")
            return
        self.syncing = True
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.update(progress=0)
        bar.add_class("running")
        self._status("dry run: reading the sheet…" if dry_run else "syncing…")
        self._sync_worker(dry_run, dict(self.resolutions))

    # exit_on_error=False: a worker error never ends the app (EspApp.on_worker_state_changed).
    @work(thread=True, exclusive=True, group="sync", name="the sheet sync", exit_on_error=False)
    def _sync_worker(self, dry_run: bool, resolutions: dict[CellKey, Resolution]) -> None:
        from esp_tui.services.sync import SyncFailed, sync_day

        cohort = self.esp.cohort
        if cohort is None:
            self.post_message(self.SyncFailed("no cohort yet: import a roster first"))
            return
        try:
            report = sync_day(
                self.esp.db,
                self.esp.db_path,
                self.esp.config,
                cohort,
                os.environ,
                now=self.esp.clock,
                dry_run=dry_run,
                resolutions=resolutions,
                progress=self._progress,
            )
        except SyncFailed as err:
            self.post_message(self.SyncFailed(str(err), dry_run))
            return
        self.post_message(self.SyncDone(report))

    def _progress(self, fraction: float, label: str) -> None:
        self.post_message(self.SyncProgress(fraction, label))

    def on_close_screen_sync_progress(self, message: SyncProgress) -> None:
        self.query_one("#sync-progress", ProgressBar).update(progress=message.fraction * 100)
        self._status(message.label + "…")

    def on_close_screen_sync_done(self, message: SyncDone) -> None:
        report = self.last_report = message.report
        self._finish()
        if report.outcome != "dry-run":
            self.resolutions = {
                k: v for k, v in self.resolutions.items() if k in {c.key for c in report.conflicts}
            }
        self._show_conflicts(report.conflicts)
        prefix = "dry run: " if report.outcome == "dry-run" else "synced: "
        self._status(prefix + report.summary())
        self.app.notify(
            prefix + report.summary(), severity="warning" if report.conflicts else "information"
        )
        for warning in report.warnings:  # e.g. the backup after the sync failed
            self.app.notify(warning, title="Backup", severity="warning", timeout=10)
        self.esp.post_message(DataChanged(origin=self))  # "synced HH:MM"; whatever it wrote

    def on_close_screen_sync_failed(self, message: SyncFailed) -> None:
        from esp_tui.screens.error_dialog import ErrorDialog

        self._finish()
        self._status(Text.assemble(("sync failed", "bold"), plain(f": {message.error}")))
        title = "Dry run failed" if message.dry_run else "Sync failed"
        self.app.push_screen(ErrorDialog(title, message.error))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A sync worker that raised past sync_day (which words every error it meets) still
        ends the sync here; the app's one handler shows the error (Textual does not bubble
        this event, so it is forwarded)."""
        if event.worker.group == "sync" and event.state == WorkerState.ERROR:
            self._finish()
            self._status(Text("sync failed: see the error (nothing was recorded)"))
        self.esp.on_worker_state_changed(event)

    def _finish(self) -> None:
        self.syncing = False
        self.query_one("#sync-progress", ProgressBar).remove_class("running")

    # -- handoff -------------------------------------------------------------------------------
    def action_handoff(self) -> None:
        from esp_tui.services.handoff import (
            default_handoff_path,
            is_preview,
            preview_notice,
            write_handoff,
        )

        cohort = self.esp.cohort
        if cohort is None or (self.day or 0) < cohort.days:
            self.app.notify(
                f"The handoff is for day {cohort.days if cohort else 5}; "
                "`esp-tui report handoff` prints it any day"
            )
            return
        folder = self.esp.db_path.parent if self.esp.db_path else Path.cwd()
        path = write_handoff(
            self.esp.db, self.esp.config, default_handoff_path(cohort, folder), now=self.esp.now()
        )
        self._status(f"handoff written: {path}")
        preview = is_preview(cohort, self.esp.now())
        self.app.notify(
            f"{path}" + (f"\n{preview_notice(cohort, self.esp.now())}" if preview else ""),
            title="Handoff preview written" if preview else "Handoff written",
            markup=False,
        )

    def action_back(self) -> None:
        self.dismiss(None)


def open_close(app: EspApp) -> None:
    """`c` on the roster."""
    app.push_screen(CloseScreen())
