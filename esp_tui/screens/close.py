"""Close the day: the readiness checklist, sync to the sheet (in a worker), conflicts, handoff.

No rule lives here: readiness comes from services/readiness, the sync from services/sync,
the handoff from services/handoff. The sync runs in a thread worker and reports back with
messages, so the UI never freezes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static

from esp_tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from esp_tui.app import EspApp
    from esp_tui.domain.readiness import Gap, Readiness
    from esp_tui.sync.engine import SyncReport
    from esp_tui.sync.plan import CellKey, Conflict, Resolution

_KIND_LABELS = {
    "attendance": "attendance",
    "note": "note",
    "draft_ticket": "draft ticket",
    "red_flag": "red flag",
}
_SEP = "\x1f"  # conflict row keys: tab, row key and header joined


class CloseScreen(Screen[None]):
    """`c` on the roster."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="close_back"),
        Binding("enter", "jump", "Go to gap", id="close_jump", show=False),
        Binding("d", "dry_run", "Dry run", id="close_dry_run"),
        Binding("s", "sync", "Sync to sheet", id="close_sync"),
        Binding("S", "keep_sheet", "Keep sheet", key_display="S", id="close_keep_sheet"),
        Binding("L", "keep_local", "Keep ours", key_display="L", id="close_keep_local"),
        Binding("h", "handoff", "Handoff (day 5)", id="close_handoff"),
        Binding("r", "refresh_gaps", "Recheck", id="close_recheck"),
    ]
    DEFAULT_CSS = """
    CloseScreen #close-title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    CloseScreen #checklist { height: auto; padding: 0 1; }
    CloseScreen #gaps { height: 1fr; }
    CloseScreen #sync-status { height: auto; min-height: 1; padding: 0 1; }
    CloseScreen #sync-progress { padding: 0 1; display: none; }
    CloseScreen #sync-progress.running { display: block; }
    CloseScreen #conflicts { height: auto; max-height: 12; display: none; }
    CloseScreen #conflicts.shown { display: block; }
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
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, day: int | None = None) -> None:
        super().__init__()
        self.day = day
        self.readiness: Readiness | None = None
        self.conflicts: list[Conflict] = []
        self.resolutions: dict[CellKey, Resolution] = {}
        self.last_report: SyncReport | None = None
        self.syncing = False

    @property
    def esp(self) -> EspApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static(id="close-title")
        yield Static(id="checklist")
        yield DataTable(id="gaps", cursor_type="row", zebra_stripes=True)
        yield ProgressBar(id="sync-progress", total=100, show_eta=False)
        yield Static("", id="sync-status")
        yield DataTable(id="conflicts", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        if self.day is None:
            self.day = self.esp.today_day() or 1
        gaps = self.query_one("#gaps", DataTable)
        for label, width in (("Gap", 13), ("Agent", 9), ("What", 80)):
            gaps.add_column(label, width=width, key=label.lower())
        conflicts = self.query_one("#conflicts", DataTable)
        for label, width in (
            ("Tab", 14), ("Row", 10), ("Column", 18), ("Sheet", 24), ("Ours", 24), ("Choice", 10)
        ):  # fmt: skip
            conflicts.add_column(label, width=width, key=label.lower())
        self.reload()

    # -- the checklist --------------------------------------------------------------------------
    def reload(self) -> None:
        from esp_tui.domain.readiness import summary_lines
        from esp_tui.services.readiness import check_day

        day = self.day or 1
        self.readiness = result = check_day(self.esp.db, day)
        count = len(result.gaps)
        state = "ready" if result.ready else f"{count} gap{'s' if count != 1 else ''}"
        self.query_one("#close-title", Static).update(f"Close day {day} · {state}")
        self.query_one("#checklist", Static).update("\n".join(summary_lines(result)))
        table = self.query_one("#gaps", DataTable)
        row = table.cursor_row  # keep the TL's place after a jump and return
        table.clear()
        for i, gap in enumerate(result.gaps):
            table.add_row(_KIND_LABELS[gap.kind], gap.agent_id, gap.detail, key=str(i))
        if result.gaps:
            table.move_cursor(row=min(row, len(result.gaps) - 1))
        table.display = bool(result.gaps)
        if result.gaps:
            table.focus()
        self.esp.refresh_header()

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

            self.app.push_screen(FlagsScreen(), back)
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

    def action_sync(self) -> None:
        """A real sync with readiness gaps open asks first (a dry run never does)."""
        from esp_tui.screens.prompts import Confirm

        if self.syncing:
            self.app.notify("A sync is already running")
            return
        from esp_tui.services.readiness import check_day

        # count the gaps as they are now (not as first shown), without moving the TL's focus
        gaps = len(check_day(self.esp.db, self.day or 1).gaps)
        if not gaps:
            self._start(dry_run=False)
            return
        open_ = f"{gaps} gaps are" if gaps != 1 else "1 gap is"
        self.app.push_screen(
            Confirm(f"{open_} still open for day {self.day}. Sync anyway?"),
            lambda yes: self._start(dry_run=False) if yes else None,
        )

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

    @work(thread=True, exclusive=True, group="sync")
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
                progress=lambda f, label: self.post_message(self.SyncProgress(f, label)),
            )
        except SyncFailed as err:
            self.post_message(self.SyncFailed(str(err)))
            return
        self.post_message(self.SyncDone(report))

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
        self.esp.refresh_header()

    def on_close_screen_sync_failed(self, message: SyncFailed) -> None:
        self._finish()
        self._status(f"[b]sync failed[/b], nothing recorded: {message.error}")
        self.app.notify(message.error, title="Sync failed", severity="error", timeout=10)

    def _finish(self) -> None:
        self.syncing = False
        self.query_one("#sync-progress", ProgressBar).remove_class("running")

    def _status(self, text: str) -> None:
        self.query_one("#sync-status", Static).update(text)

    # -- conflicts -----------------------------------------------------------------------------
    def _show_conflicts(self, conflicts: list[Conflict]) -> None:
        self.conflicts = list(conflicts)
        table = self.query_one("#conflicts", DataTable)
        table.clear()
        for c in conflicts:
            choice = self.resolutions.get(c.key)
            table.add_row(
                c.tab, c.row_key, c.header, c.sheet, c.local, choice.choice if choice else "",
                key=_SEP.join(c.key),
            )  # fmt: skip
        table.set_class(bool(conflicts), "shown")
        if conflicts:
            table.focus()

    def _resolve(self, choice: str) -> None:
        from esp_tui.services.sync import keep

        table = self.query_one("#conflicts", DataTable)
        if not self.conflicts or table.row_count == 0:
            self.app.notify("No conflict to resolve (run d or s first)")
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        conflict = next(c for c in self.conflicts if _SEP.join(c.key) == row_key.value)
        self.resolutions[conflict.key] = keep(choice, conflict.sheet)
        table.update_cell(row_key, "choice", choice)
        left = sum(1 for c in self.conflicts if c.key not in self.resolutions)
        self._status(f"{choice} for {conflict.row_key} · {conflict.header}; {left} left; s syncs")

    def action_keep_sheet(self) -> None:
        self._resolve("keep-sheet")

    def action_keep_local(self) -> None:
        self._resolve("keep-local")

    # -- handoff -------------------------------------------------------------------------------
    def action_handoff(self) -> None:
        from esp_tui.services.handoff import default_handoff_path, write_handoff

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
        self.app.notify(str(path), title="Handoff written")

    def action_back(self) -> None:
        self.dismiss(None)


def open_close(app: EspApp, on_close: Callable[[], None] | None = None) -> None:
    """`c` on the roster."""
    app.push_screen(CloseScreen(), (lambda _: on_close()) if on_close else None)
