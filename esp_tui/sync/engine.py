"""Sync SQLite to the ESP Master Tracking sheet in a constant number of requests.

open by key (1: metadata, tabs and grid sizes) → ONE values.batchGet of the layout's tabs →
every cell checked against Google's 50,000-character limit (else nothing is sent) → plan
(pure) → ONE spreadsheets.batchUpdate (updateCells for rows found by key, appendCells for new
rows, placed by the server; one per ~2 MB when bigger) → one verify read, repairing rows that
moved under the write (write.py) → only then the snapshot and a sync_runs row, in one
transaction. A run with nothing to write sends no write: 2 requests; a write: 4.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import gspread
from sqlite_utils import Database

from esp_tui.config import SPREADSHEET_ENV, Config
from esp_tui.domain.models import Cohort
from esp_tui.sync.auth import key_file_warning, load_credentials
from esp_tui.sync.desired import desired_state
from esp_tui.sync.layout import (
    HEADER_SEARCH_ROWS,
    LayoutError,
    SheetLayout,
    TabGrid,
    TabLayout,
    a1_range,
    cell_text,
    norm,
    quote_tab,
    read_tab,
    sheet_layout,
)
from esp_tui.sync.limits import check_cells
from esp_tui.sync.plan import CellKey, Choice, Conflict, DesiredTab, Plan, Resolution, plan_sync
from esp_tui.sync.requests import MAX_BATCH_BYTES, Batch
from esp_tui.sync.transport import (
    SheetsAuthError,
    SheetsError,
    make_client,
    raw_values_body,
    resolve_endpoint,
    session_of,
    with_retry,
)
from esp_tui.sync.write import WriteOutcome, plan_requests, write_verified
from storage.sync import SnapEntry, load_snapshot, record_sync

Progress = Callable[[float, str], None]
_KEY = re.compile(r"[A-Za-z0-9_-]{10,}")
_URL_KEY = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


class SheetNotConfigured(SheetsError, ValueError):
    """No spreadsheet key/URL in config or the environment, or one that is not a key."""


class SheetNotFound(SheetsError):
    """Google answered 404 for the spreadsheet key: a wrong key, or the spreadsheet is gone."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


def spreadsheet_key(value: str) -> str:
    """A spreadsheet key from a key or a docs.google.com URL."""
    value = value.strip()
    m = _URL_KEY.search(value)
    if m:
        return m.group(1)
    if _KEY.fullmatch(value):
        return value
    raise SheetNotConfigured(
        f"[sheet] spreadsheet / ${SPREADSHEET_ENV}: {value!r} is not a spreadsheet key or URL"
    )


def configured_key(config: Config, env: Mapping[str, str]) -> str:
    value = env.get(SPREADSHEET_ENV, "").strip() or config.sheet.spreadsheet.strip()
    if not value:
        raise SheetNotConfigured(
            f"no spreadsheet: set [sheet] spreadsheet in the config or ${SPREADSHEET_ENV}"
        )
    return spreadsheet_key(value)


def default_token_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("esp-tui", appauthor=False) / "google-token.json"


@dataclass
class Target:
    """Where and as whom: a gspread client over an EndpointSession, and the spreadsheet key."""

    client: gspread.Client
    key: str
    identity: str
    max_retries: int = 5
    sleep: Callable[[float], None] = time.sleep
    max_batch_bytes: int = MAX_BATCH_BYTES  # a bigger write goes in several batches
    warnings: list[str] = field(default_factory=list)
    deadline: float | None = None  # time.monotonic() by which the whole sync must be over

    def start_clock(self, seconds: float | None) -> None:
        """Bound everything from now on (requests, retries, waits) to `seconds` in all."""
        self.deadline = None if not seconds else time.monotonic() + seconds
        session_of(self.client).deadline = self.deadline

    @property
    def requests(self) -> int:
        return session_of(self.client).request_count


def connect(config: Config, env: Mapping[str, str], *, interactive: bool = False) -> Target:
    """Resolve the spreadsheet, the endpoint and the credentials (no request sent yet)."""
    key = configured_key(config, env)
    endpoint = resolve_endpoint(env)
    creds, identity = load_credentials(
        env=env,
        service_account_file=config.sheet.service_account_file,
        oauth_client_file=config.sheet.oauth_client_file,
        token_path=default_token_path(),
        endpoint=endpoint,
        interactive=interactive,
    )
    key_file = config.sheet.service_account_file or env.get("GOOGLE_APPLICATION_CREDENTIALS", "")
    warning = key_file_warning(key_file) if key_file else None
    return Target(
        make_client(creds, endpoint),
        key,
        identity,
        max_retries=config.sheet.max_retries,
        warnings=[warning] if warning else [],
    )


# ----------------------------------------------------------------------------- requests
class _Book(gspread.Spreadsheet):
    """A Spreadsheet that keeps the metadata its constructor fetches (tabs, grid sizes), so
    opening costs one request and nothing more is needed to know the tabs."""

    metadata: Mapping[str, Any]

    def fetch_sheet_metadata(self, params: Any = None) -> Mapping[str, Any]:
        self.metadata = super().fetch_sheet_metadata(params)
        return self.metadata

    def tabs(self) -> dict[str, dict[str, Any]]:
        return {s["properties"]["title"]: s["properties"] for s in self.metadata.get("sheets", [])}


def open_book(target: Target) -> _Book:
    def attempt() -> _Book:
        try:
            return _Book(target.client.http_client, {"id": target.key})
        except gspread.exceptions.APIError as err:
            if err.response.status_code == 404:
                raise SheetNotFound(
                    f"spreadsheet {target.key!r} not found (or not shared with {target.identity})",
                    key=target.key,
                ) from err
            raise

    return _retry(target, attempt, "opening the spreadsheet")


def _retry(target: Target, fn: Callable[[], Any], what: str, *, write: bool = False) -> Any:
    return with_retry(
        fn, max_retries=target.max_retries, sleep=target.sleep, what=what, write=write,
        deadline=target.deadline,
    )  # fmt: skip


def _grid(props: Mapping[str, Any]) -> tuple[int, int]:
    grid = props.get("gridProperties") or {}
    return int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0))


def read_grids(
    target: Target, book: _Book, tabs: list[TabLayout], scope: str = ""
) -> dict[str, TabGrid]:
    """ONE values.batchGet of the whole of every tab (formulas as typed, so never mistaken)."""
    existing = book.tabs()
    for tab in tabs:
        if tab.title not in existing:
            raise LayoutError(
                f"sheet tab {tab.title!r} is missing; run `esp-tui sheet init` to create it"
            )

    def attempt() -> Any:  # params built fresh: gspread adds "ranges" to the dict it is given
        return book.values_batch_get(
            [quote_tab(t.title) for t in tabs], params={"valueRenderOption": "FORMULA"}
        )

    got = _retry(target, attempt, "reading the sheet")
    grids: dict[str, TabGrid] = {}
    for tab, vr in zip(tabs, got.get("valueRanges", []), strict=True):
        rows, cols = _grid(existing[tab.title])
        grids[tab.title] = read_tab(tab, vr.get("values", []), rows, cols, scope)
    return grids


def _send(target: Target, book: _Book, batch: Batch, what: str) -> None:
    """One spreadsheets.batchUpdate (atomic). Only a 429 is retried here: any other failure
    leaves the outcome unknown, and write.py re-reads before deciding what to send."""
    _retry(target, lambda: book.batch_update(batch.body()), what, write=True)


def sheet_ids(book: _Book) -> dict[str, int]:
    return {title: int(props["sheetId"]) for title, props in book.tabs().items()}


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
    book: _Book
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
        send=lambda batch, what: _send(target, book, batch, what),
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
) -> SyncReport:
    """One sync (or its dry run). Raises SheetsError / LayoutError; then nothing is recorded.
    The whole sync, retries included, is bounded by [sheet] sync_timeout_s."""
    target.start_clock(config.sheet.sync_timeout_s)
    prepared = prepare(
        db, config, cohort, target, now=now(), resolutions=resolutions,
        resolve_all=resolve_all, progress=progress,
    )  # fmt: skip
    if dry_run:
        progress(1.0, "dry run done")
        return dry_run_report(target, prepared)
    return push(db, target, prepared, now=now, progress=progress)


# ----------------------------------------------------------------------------- sheet init
@dataclass
class InitReport:
    tabs_created: list[str]
    headers_added: dict[str, list[str]]
    requests: int

    def lines(self) -> list[str]:
        if not self.tabs_created and not self.headers_added:
            return [f"the sheet already has every tab and header ({self.requests} requests)"]
        out = [f"created tab {t!r}" for t in self.tabs_created]
        out += [f"{t!r}: added headers {', '.join(hs)}" for t, hs in self.headers_added.items()]
        return [*out, f"({self.requests} requests)"]


def init_sheet(target: Target, config: Config, days: int, *, agents: int = 0) -> InitReport:
    """Create the missing tabs and append missing headers to the right of existing ones.

    Never moves or renames a column the TL has; a tab with data but no key header is an error.
    """
    before = target.requests
    layout = sheet_layout(config, days)
    book = open_book(target)
    existing = book.tabs()
    present = [t for t in layout.tabs() if t.title in existing]
    heads: dict[str, tuple[int, list[str]]] = {}
    if present:
        got = _retry(
            target,
            lambda: book.values_batch_get(
                [f"{quote_tab(t.title)}!1:{HEADER_SEARCH_ROWS}" for t in present]
            ),
            "reading the headers",
        )
        for tab, vr in zip(present, got.get("valueRanges", []), strict=True):
            heads[tab.title] = _header_row(tab, vr.get("values", []))
    structure: list[dict[str, Any]] = []
    writes: dict[str, list[list[str]]] = {}
    created: list[str] = []
    added: dict[str, list[str]] = {}
    for tab in layout.tabs():
        if tab.title not in existing:
            created.append(tab.title)
            structure.append(_add_sheet(tab, rows=max(1000, agents + 200)))
            writes[a1_range(tab.title, 0, 0, 0, len(tab.headers) - 1)] = [list(tab.headers)]
            continue
        header_row, row = heads[tab.title]
        have = {norm(h) for h in row}
        missing = [h for h in tab.headers if norm(h) not in have]
        if not missing:
            continue
        start, end = len(row), len(row) + len(missing) - 1
        if end >= _grid(existing[tab.title])[1]:
            structure.append(_set_cols(existing[tab.title]["sheetId"], end + 1))
        writes[a1_range(tab.title, header_row, start, header_row, end)] = [missing]
        added[tab.title] = missing
    if structure:
        _retry(target, _structure_fn(book, structure), "creating the tabs")
    if writes:
        _retry(target, lambda: book.values_batch_update(raw_values_body(writes)), "writing headers")
    return InitReport(created, added, target.requests - before)


def _header_row(tab: TabLayout, values: list[list[Any]]) -> tuple[int, list[str]]:
    """(row index, its texts) of the row holding the key header; (0, []) on an empty tab."""
    rows = [[cell_text(v) for v in row] for row in values]
    for i, row in enumerate(rows):
        if norm(tab.key_header) in {norm(v) for v in row}:
            while row and row[-1] == "":
                row.pop()
            return i, row
    if any(any(row) for row in rows):
        raise LayoutError(
            f"sheet tab {tab.title!r} has data but no {tab.key_header!r} header in its first "
            f"{HEADER_SEARCH_ROWS} rows; add the header row by hand"
        )
    return 0, []


def _add_sheet(tab: TabLayout, *, rows: int) -> dict[str, Any]:
    grid = {"rowCount": rows, "columnCount": max(26, len(tab.headers))}
    return {"addSheet": {"properties": {"title": tab.title, "gridProperties": grid}}}


def _set_cols(sheet_id: int, cols: int) -> dict[str, Any]:
    return {
        "updateSheetProperties": {
            "properties": {"sheetId": sheet_id, "gridProperties": {"columnCount": cols}},
            "fields": "gridProperties.columnCount",
        }
    }


def _structure_fn(book: _Book, requests: list[dict[str, Any]]) -> Callable[[], Any]:
    """A retry after a 500 the server had applied would re-add tabs ("already exists"): a
    retry re-reads the tabs first and drops the addSheet requests that already took effect."""
    attempts = [0]

    def attempt() -> Any:
        attempts[0] += 1
        todo = requests
        if attempts[0] > 1:
            there = set(book.fetch_sheet_metadata() and book.tabs())
            todo = [
                r
                for r in requests
                if "addSheet" not in r or r["addSheet"]["properties"]["title"] not in there
            ]
        return book.batch_update({"requests": todo}) if todo else None

    return attempt


def check_identity(target: Target) -> tuple[str, str]:
    """(identity, title) after opening the spreadsheet: `esp-tui auth check`."""
    book = open_book(target)
    return target.identity, str(book.metadata.get("properties", {}).get("title", ""))


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
