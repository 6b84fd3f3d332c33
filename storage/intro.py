"""The Day-1 intro of the cohort this connection works on: when its timer started and which
resources (by title) are ticked. Writes: call inside db.atomic()."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from storage.clock import from_text, to_text
from storage.cohort import read_id, write_id
from storage.db import query


def started_at(db: Database) -> datetime | None:
    r = query(
        db, "SELECT started_at FROM intro_timers WHERE cohort_id = ?", [read_id(db)]
    ).fetchone()
    return from_text(r[0]) if r else None


def ticked(db: Database) -> set[str]:
    rows = query(db, "SELECT resource FROM intro_ticks WHERE cohort_id = ?", [read_id(db)])
    return {r[0] for r in rows.fetchall()}


def set_started(db: Database, at: datetime) -> None:
    db.execute(
        "INSERT INTO intro_timers (cohort_id, started_at) VALUES (?, ?)"
        " ON CONFLICT(cohort_id) DO UPDATE SET started_at = excluded.started_at",
        [write_id(db), to_text(at)],
    )


def set_ticked(db: Database, resource: str, on: bool, at: datetime) -> None:
    cid = write_id(db)
    if on:
        db.execute(
            "INSERT OR IGNORE INTO intro_ticks (cohort_id, resource, ticked_at) VALUES (?, ?, ?)",
            [cid, resource, to_text(at)],
        )
    else:
        db.execute("DELETE FROM intro_ticks WHERE cohort_id = ? AND resource = ?", [cid, resource])
