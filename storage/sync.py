"""Sync bookkeeping: the last agreed value of every sheet cell we own, and the runs that pushed.

Both are written together, in one transaction, only after the sheet accepted the write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlite_utils import Database

from storage.clock import from_text, to_text

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
    """Every snapshot cell, or only those of the given tabs."""
    sql = "SELECT sheet, row_key, header, value, local FROM sync_snapshot"
    params: list[str] = []
    if sheets is not None:
        params = sorted(set(sheets))
        sql += f" WHERE sheet IN ({', '.join('?' for _ in params)})"
    return {(r[0], r[1], r[2]): SnapEntry(r[3], r[4]) for r in db.execute(sql, params).fetchall()}


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
) -> int:
    """Apply snapshot changes ((value, local); None deletes a cell) and add the run row, in ONE
    transaction."""
    upserts = [(*k, e[0], e[1]) for k, e in snapshot.items() if e is not None]
    deletes = [k for k, e in snapshot.items() if e is None]
    with db.atomic():
        if upserts:
            db.conn.executemany(
                "INSERT INTO sync_snapshot (sheet, row_key, header, value, local)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(sheet, row_key, header)"
                " DO UPDATE SET value = excluded.value, local = excluded.local",
                upserts,
            )
        if deletes:
            db.conn.executemany(
                "DELETE FROM sync_snapshot WHERE sheet = ? AND row_key = ? AND header = ?",
                deletes,
            )
        cur = db.execute(
            "INSERT INTO sync_runs (started_at, finished_at, outcome, requests, cells_written,"
            " rows_appended, conflicts_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
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


def _run(r: tuple[Any, ...]) -> SyncRun:
    return SyncRun(
        id=r[0],
        started_at=from_text(r[1]),
        finished_at=from_text(r[2]),
        outcome=r[3],
        requests=r[4],
        cells_written=r[5],
        rows_appended=r[6],
        conflicts=json.loads(r[7]),
    )


_RUN_COLS = (
    "id, started_at, finished_at, outcome, requests, cells_written, rows_appended, conflicts_json"
)


def last_run(db: Database) -> SyncRun | None:
    r = db.execute(f"SELECT {_RUN_COLS} FROM sync_runs ORDER BY id DESC LIMIT 1").fetchone()
    return _run(r) if r else None


def list_runs(db: Database, limit: int = 20) -> list[SyncRun]:
    rows = db.execute(
        f"SELECT {_RUN_COLS} FROM sync_runs ORDER BY id DESC LIMIT ?", [limit]
    ).fetchall()
    return [_run(r) for r in rows]


def count_runs(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM sync_runs").fetchone()[0]
