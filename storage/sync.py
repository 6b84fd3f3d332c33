"""Sync bookkeeping: the last agreed value of every sheet cell we own, and the runs that pushed.

Both are written together, in one transaction, only after the sheet accepted the write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from sqlite3 import Row
from typing import Any, NamedTuple

from sqlite_utils import Database

from storage.clock import from_text, to_text
from storage.cohort import read_id, write_id
from storage.db import count, query

CellKey = tuple[str, str, str]  # (sheet tab, row key, column header)


class SnapEntry(NamedTuple):
    """`value`: the sheet's cell as last agreed; `local`: our value it was agreed against."""

    value: str
    local: str


class SyncRun(NamedTuple):
    id: int
    started_at: datetime
    finished_at: datetime
    outcome: str
    requests: int
    cells_written: int
    rows_appended: int
    conflicts: list[dict[str, Any]]


def load_snapshot(db: Database, sheets: Iterable[str] | None = None) -> dict[CellKey, SnapEntry]:
    """The cohort's snapshot cells, all or only those of the given tabs."""
    sql = "SELECT sheet, row_key, header, value, local FROM sync_snapshot WHERE cohort_id = ?"
    params: list[object] = [read_id(db)]
    if sheets is not None:
        tabs = sorted(set(sheets))
        params += tabs
        sql += f" AND sheet IN ({', '.join('?' for _ in tabs)})"
    return {
        (r["sheet"], r["row_key"], r["header"]): SnapEntry(r["value"], r["local"])
        for r in query(db, sql, params).fetchall()
    }


def record_sync(
    db: Database,
    *,
    started_at: datetime,
    finished_at: datetime,
    outcome: str,
    requests: int,
    cells_written: int,
    rows_appended: int,
    conflicts: list[dict[str, Any]],
    snapshot: Mapping[CellKey, tuple[str, str] | None],
    pushed_by: str = "",
) -> int:
    """Apply snapshot changes ((value, local); None deletes a cell) and add the run row, in ONE
    transaction. A cell whose agreed value is ours is marked pushed at `finished_at` by
    `pushed_by` (the Google identity or TL name that wrote it)."""
    with db.atomic():
        _apply_snapshot(db, snapshot, pushed_at=finished_at, pushed_by=pushed_by)
        cur = db.execute(
            "INSERT INTO sync_runs (cohort_id, started_at, finished_at, outcome, requests,"
            " cells_written, rows_appended, conflicts_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                write_id(db),
                to_text(started_at),
                to_text(finished_at),
                outcome,
                requests,
                cells_written,
                rows_appended,
                json.dumps(conflicts, ensure_ascii=False),
            ],
        )
        return int(cur.lastrowid or 0)


def _apply_snapshot(
    db: Database,
    snapshot: Mapping[CellKey, tuple[str, str] | None],
    *,
    pushed_at: datetime | None = None,
    pushed_by: str = "",
) -> None:
    """Upsert (value, local) per cell; where value == local (the sheet holds ours) and
    `pushed_at` is given, also who pushed it and when. Otherwise (a keep-sheet choice) the last
    push is kept as it was."""
    at = to_text(pushed_at) if pushed_at is not None else None
    cid = write_id(db)
    upserts = [
        (cid, *k, e[0], e[1], *((at, pushed_by) if at and e[0] == e[1] else (None, None)))
        for k, e in snapshot.items()
        if e is not None
    ]
    deletes = [(cid, *k) for k, e in snapshot.items() if e is None]
    if upserts:
        db.conn.executemany(
            "INSERT INTO sync_snapshot (cohort_id, sheet, row_key, header, value, local,"
            " pushed_at, pushed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(cohort_id, sheet, row_key, header)"
            " DO UPDATE SET value = excluded.value, local = excluded.local,"
            " pushed_at = COALESCE(excluded.pushed_at, sync_snapshot.pushed_at),"
            " pushed_by = COALESCE(excluded.pushed_by, sync_snapshot.pushed_by)",
            upserts,
        )
    if deletes:
        db.conn.executemany(
            "DELETE FROM sync_snapshot"
            " WHERE cohort_id = ? AND sheet = ? AND row_key = ? AND header = ?",
            deletes,
        )


class LastPush(NamedTuple):
    """A cell as last agreed with the sheet: `value` (the sheet's), `local` (ours then; equal
    to `value` when we pushed it), and who last pushed ours when (None for cells pushed before
    esp-tui recorded that)."""

    value: str
    local: str
    pushed_at: datetime | None
    pushed_by: str | None


def last_push(db: Database, key: CellKey) -> LastPush | None:
    """The snapshot of one cell, or None when we never pushed it."""
    r = query(
        db,
        "SELECT value, local, pushed_at, pushed_by FROM sync_snapshot"
        " WHERE cohort_id = ? AND sheet = ? AND row_key = ? AND header = ?",
        [read_id(db), *key],
    ).fetchone()
    if r is None:
        return None
    pushed_at = from_text(r["pushed_at"]) if r["pushed_at"] else None
    return LastPush(r["value"], r["local"], pushed_at, r["pushed_by"] or None)


def _run(r: Row) -> SyncRun:
    return SyncRun(
        id=r["id"],
        started_at=from_text(r["started_at"]),
        finished_at=from_text(r["finished_at"]),
        outcome=r["outcome"],
        requests=r["requests"],
        cells_written=r["cells_written"],
        rows_appended=r["rows_appended"],
        conflicts=json.loads(r["conflicts_json"]),
    )


_RUN_COLS = (
    "id, started_at, finished_at, outcome, requests, cells_written, rows_appended, conflicts_json"
)


def last_run(db: Database) -> SyncRun | None:
    r = query(
        db,
        f"SELECT {_RUN_COLS} FROM sync_runs WHERE cohort_id = ? ORDER BY id DESC LIMIT 1",
        [read_id(db)],
    ).fetchone()
    return _run(r) if r else None


def list_runs(db: Database, limit: int = 20) -> list[SyncRun]:
    rows = query(
        db,
        f"SELECT {_RUN_COLS} FROM sync_runs WHERE cohort_id = ? ORDER BY id DESC LIMIT ?",
        [read_id(db), limit],
    ).fetchall()
    return [_run(r) for r in rows]


def count_runs(db: Database) -> int:
    return count(db, "SELECT COUNT(*) FROM sync_runs WHERE cohort_id = ?", [read_id(db)])
