"""One note per agent per day, edited in place, with every version kept in notes_history."""

from __future__ import annotations

from sqlite_utils import Database

from storage.clock import to_text, utcnow
from storage.cohort import read_id, require_open, write_id
from storage.db import query


def get_note(db: Database, agent_id: str, day: int) -> str | None:
    r = query(
        db,
        "SELECT text FROM notes WHERE cohort_id = ? AND agent_id = ? AND day = ?",
        [read_id(db), agent_id, day],
    ).fetchone()
    return r[0] if r else None


def notes_for_day(db: Database, day: int) -> dict[str, str]:
    rows = query(
        db, "SELECT agent_id, text FROM notes WHERE cohort_id = ? AND day = ?", [read_id(db), day]
    ).fetchall()
    return {r["agent_id"]: r["text"] for r in rows}


def all_notes(db: Database) -> dict[tuple[str, int], str]:
    rows = query(
        db, "SELECT agent_id, day, text FROM notes WHERE cohort_id = ?", [read_id(db)]
    ).fetchall()
    return {(r["agent_id"], r["day"]): r["text"] for r in rows}


def set_note(db: Database, agent_id: str, day: int, text: str) -> None:
    """Write today's note (empty text deletes it). Call inside db.atomic(). A closed
    cohort's notes are read-only (CohortClosed)."""
    require_open(db)
    now = to_text(utcnow())
    text = text.strip()
    cid = write_id(db)
    if text:
        db.execute(
            "INSERT INTO notes (cohort_id, agent_id, day, text, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(cohort_id, agent_id, day) DO UPDATE SET text = excluded.text,"
            " updated_at = excluded.updated_at",
            [cid, agent_id, day, text, now],
        )
    else:
        db.execute(
            "DELETE FROM notes WHERE cohort_id = ? AND agent_id = ? AND day = ?",
            [cid, agent_id, day],
        )
    db.execute(
        "INSERT INTO notes_history (cohort_id, agent_id, day, text, changed_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [cid, agent_id, day, text, now],
    )
