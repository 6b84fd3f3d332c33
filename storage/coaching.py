"""Coaching sessions (the Failed Cert Exams Guide's "coach the agent" step), per cohort."""

from __future__ import annotations

from datetime import datetime
from sqlite3 import Row

from sqlite_utils import Database

from esp_tui.domain.records import Coaching
from storage.clock import from_text, to_text
from storage.cohort import read_id, write_id
from storage.db import query

_COLS = "id, agent_id, task_key, carrier, fails, coach, text, at"


def _coaching(r: Row) -> Coaching:
    return Coaching(
        id=r["id"],
        agent_id=r["agent_id"],
        task_key=r["task_key"],
        carrier=r["carrier"],
        fails=r["fails"],
        coach=r["coach"],
        text=r["text"],
        at=from_text(r["at"]),
    )


def add_coaching(
    db: Database,
    agent_id: str,
    task_key: str,
    *,
    carrier: str,
    fails: int,
    coach: str,
    text: str,
    at: datetime,
) -> Coaching:
    """Record a coaching. Call inside db.atomic()."""
    cur = db.execute(
        "INSERT INTO coaching (cohort_id, agent_id, task_key, carrier, fails, coach, text, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [write_id(db), agent_id, task_key, carrier, fails, coach, text, to_text(at)],
    )
    r = query(
        db, f"SELECT {_COLS} FROM coaching WHERE id = ?", [int(cur.lastrowid or 0)]
    ).fetchone()
    return _coaching(r)


def list_coaching(
    db: Database, agent_id: str | None = None, task_key: str | None = None
) -> list[Coaching]:
    """Oldest first, for the cohort, one agent, or one agent's exam."""
    where = "cohort_id = ?"
    params: list[int | str] = [read_id(db)]
    if agent_id is not None:
        where, params = where + " AND agent_id = ?", [*params, agent_id]
    if task_key is not None:
        where, params = where + " AND task_key = ?", [*params, task_key]
    rows = query(db, f"SELECT {_COLS} FROM coaching WHERE {where} ORDER BY at, id", params)
    return [_coaching(r) for r in rows.fetchall()]
