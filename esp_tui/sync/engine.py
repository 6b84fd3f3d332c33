"""Sync SQLite to the ESP Master Tracking sheet in a constant number of requests.

open by key (1: metadata, tabs and grid sizes) → ONE values.batchGet of the layout's tabs →
every cell checked against Google's 50,000-character limit (else nothing is sent) → plan
(pure) → ONE spreadsheets.batchUpdate (updateCells for rows found by key, appendCells for new
rows, placed by the server; one per ~2 MB when bigger) → one verify read, repairing rows that
moved under the write (write.py) → only then the snapshot and a sync_runs row, in one
transaction. A run with nothing to write sends no write: 2 requests; a write: 4.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Cohort
from esp_tui.sync.desired import desired_state
from esp_tui.sync.layout import SheetLayout, TabGrid
from esp_tui.sync.limits import check_cells
from esp_tui.sync.plan import CellKey, Choice, Conflict, DesiredTab, Plan, Resolution, plan_sync
from esp_tui.sync.sheet_init import InitReport, init_sheet
from esp_tui.sync.target import (
    Book,
    SheetNotConfigured,
    SheetNotFound,
    Target,
    check_identity,
    connect,
    open_book,
    read_grids,
    send,
    sheet_ids,
    spreadsheet_key,
)
from esp_tui.sync.transport import SheetsAuthError
from esp_tui.sync.write import WriteOutcome, plan_requests, write_verified
from storage.sync import SnapEntry, load_snapshot, record_sync

Progress = Callable[[float, str], None]


# ----------------------------------------------------------------------------- sync
@dataclass
class SyncReport:
    outcome: str  # "written", "unchanged", "conflicts", "dry-run"
    requests: int
    cells_written: int
    rows_appended: int
    conflicts: list[Conflict]
    skipped: int = 0
    resolved: int = 0
    finished_at: datetime | None = None
    batches: int = 0  # batchUpdate requests the write took (would take, in a dry run)
    warnings: list[str] = field(default_factory=list)  # e.g. a failed backup after the sync
    problems: list[str] = field(default_factory=list)  # rows refused (a key on two rows)
    moved: list[str] = field(default_factory=list)  # rows that moved under the write: repaired
    rewritten: int = 0  # cells sent again in the same sync (moved rows, a lost answer)

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "cells_written": self.cells_written,
            "rows_appended": self.rows_appended,
            "conflicts": [c.to_json() for c in self.conflicts],
            "outcome": self.outcome,
            "batches": self.batches,
            "problems": list(self.problems),
            "repaired_rows": len(self.moved),
            "rewritten_cells": self.rewritten,
        }

    def summary(self) -> str:
        dry = self.outcome == "dry-run"
        verb = "would write" if dry else "wrote"
        # A dry run reads but never writes, so it costs one request less than the real sync.
        reads = " (reads only)" if dry else ""
        # Google recommends at most 2 MB per request: a bigger write is split, and says so.
        split = f", split into {self.batches} batches of at most 2 MB" if self.batches > 1 else ""
        text = (
            f"{verb} {_n(self.cells_written, 'cell')} ({_n(self.rows_appended, 'new row')}) in "
            f"{_n(self.requests, 'request')}{reads}{split}; {_n(len(self.conflicts), 'conflict')}"
        )
        text += f", {self.resolved} resolved" if self.resolved else ""
        if self.moved:
            text += (
                f"; {_n(len(self.moved), 'row')} moved in the sheet during the write (sorted,"
                " inserted or deleted) and were repaired"
            )
        if self.problems:
            text += f"; {_n(len(self.problems), 'problem')}: " + "; ".join(self.problems)
        return text


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass
class Prepared:
    book: Book
    layout: SheetLayout
    desired: dict[str, DesiredTab]
    plan: Plan
    started_at: datetime
    requests_before: int
    grids: dict[str, TabGrid] = field(default_factory=dict)
    snapshot: Mapping[CellKey, SnapEntry] = field(default_factory=dict)
    resolutions: Mapping[CellKey, Resolution] | None = None
    resolve_all: Choice | None = None
    scope: str = ""  # the cohort: which rows of the scoped tabs are ours

    def replan(self, grids: Mapping[str, TabGrid]) -> Plan:
        return plan_sync(
            self.desired, grids, self.snapshot, resolutions=self.resolutions,
            resolve_all=self.resolve_all,
        )  # fmt: skip


def _noop(_fraction: float, _label: str) -> None:
    pass


def prepare(
    db: Database,
    config: Config,
    cohort: Cohort,
    target: Target,
    *,
    now: datetime,
    resolutions: Mapping[CellKey, Resolution] | None = None,
    resolve_all: Choice | None = None,
    progress: Progress = _noop,
) -> Prepared:
    """Open, read once and plan. Nothing is written anywhere."""
    from storage.cohort import scope

    # never one week's records under another week's name
    if cohort.id is not None and scope(db) != cohort.id:
        raise RuntimeError(f"sync of cohort '{cohort.name}' on a connection scoped to another")
    before = target.requests
    progress(0.05, "reading the local database")
    layout, desired = desired_state(db, config, cohort, now)
    check_cells(desired, config, cohort.days)  # a cell Google would refuse: nothing is sent
    progress(0.15, "opening the spreadsheet")
    book = open_book(target)
    progress(0.35, "reading the sheet")
    grids = read_grids(target, book, layout.tabs(), cohort.name)
    progress(0.55, "planning")
    snapshot = load_snapshot(db, grids)
    plan = plan_sync(desired, grids, snapshot, resolutions=resolutions, resolve_all=resolve_all)
    return Prepared(
        book, layout, desired, plan, now, before, grids, snapshot, resolutions, resolve_all,
        cohort.name,
    )  # fmt: skip


def push(
    db: Database, target: Target, prepared: Prepared, *, now: Callable[[], datetime],
    progress: Progress = _noop,
) -> SyncReport:  # fmt: skip
    """Write the plan, confirm every row landed where it belongs (repairing what moved), then
    record the snapshot and the run locally in one transaction. Nothing is recorded unless the
    sheet holds what the record says."""
    book = prepared.book
    written = write_verified(
        prepared.plan,
        prepared.grids,
        sheet_ids=sheet_ids(book),
        send=lambda batch, what: send(target, book, batch, what),
        read=lambda: read_grids(target, book, prepared.layout.tabs(), prepared.scope),
        replan=prepared.replan,
        max_bytes=target.max_batch_bytes,
        progress=progress,
    )
    plan, final = prepared.plan, written.final
    progress(0.9, "recording the sync")
    outcome = (
        "conflicts" if final.conflicts else "written" if plan.has_writes else "unchanged"
    )
    finished = now()
    requests = target.requests - prepared.requests_before
    record_sync(
        db,
        started_at=prepared.started_at,
        finished_at=finished,
        outcome=outcome,
        requests=requests,
        cells_written=plan.cells_written,
        rows_appended=plan.rows_appended,
        conflicts=[c.to_json() for c in final.conflicts],
        snapshot=final.snapshot,
        pushed_by=target.identity,
    )
    progress(1.0, "done")
    return _report(plan, outcome, requests, finished, written.batches, written, final)


def _report(
    plan: Plan,
    outcome: str,
    requests: int,
    finished: datetime | None,
    batches: int,
    written: WriteOutcome | None = None,
    final: Plan | None = None,
) -> SyncReport:
    final = final or plan
    return SyncReport(
        outcome=outcome,
        requests=requests,
        cells_written=plan.cells_written,
        rows_appended=plan.rows_appended,
        conflicts=list(final.conflicts),
        skipped=plan.skipped,
        resolved=plan.resolved,
        finished_at=finished,
        batches=batches,
        problems=final.problems,
        moved=written.moved if written else [],
        rewritten=written.rewritten if written else 0,
    )


def dry_run_report(target: Target, prepared: Prepared) -> SyncReport:
    plan = prepared.plan
    ids = sheet_ids(prepared.book)
    batches = len(plan_requests(plan, ids, target.max_batch_bytes)) if plan.has_writes else 0
    return _report(plan, "dry-run", target.requests - prepared.requests_before, None, batches)


def run_sync(
    db: Database,
    config: Config,
    cohort: Cohort,
    target: Target,
    *,
    now: Callable[[], datetime],
    dry_run: bool = False,
    resolutions: Mapping[CellKey, Resolution] | None = None,
    resolve_all: Choice | None = None,
    progress: Progress = _noop,
    confirm: Callable[[str], bool] | None = None,
) -> SyncReport | None:
    """One sync (or its dry run). Raises SheetsError / LayoutError; then nothing is recorded.
    The whole sync, retries included, is bounded by [sheet] sync_timeout_s. `confirm(plan
    summary)` is asked before a write; a no returns None with nothing written (without
    `confirm` a report is always returned)."""
    target.start_clock(config.sheet.sync_timeout_s)
    prepared = prepare(
        db, config, cohort, target, now=now(), resolutions=resolutions,
        resolve_all=resolve_all, progress=progress,
    )  # fmt: skip
    if dry_run:
        progress(1.0, "dry run done")
        return dry_run_report(target, prepared)
    if confirm is not None and prepared.plan.has_writes and not confirm(prepared.plan.summary()):
        return None
    return push(db, target, prepared, now=now, progress=progress)


__all__ = [
    "InitReport",
    "SheetNotConfigured",
    "SheetNotFound",
    "SheetsAuthError",
    "SyncReport",
    "Target",
    "check_identity",
    "connect",
    "init_sheet",
    "prepare",
    "push",
    "run_sync",
    "spreadsheet_key",
]
