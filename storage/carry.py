"""Copy a holdover's record from one cohort into another (one transaction, the caller's)."""

from __future__ import annotations

from typing import NamedTuple

from sqlite_utils import Database

from storage.clock import to_text, utcnow
from storage.db import query


class Carried(NamedTuple):
    tasks: int  # task statuses: passed, waived, or failed (its attempts come along)
    attempts: int  # exam attempts (the Failed Cert Exams Guide counts them)
    caps: int
    flags: int  # open red flags


def carry_record(db: Database, agent_id: str, source: int, target: int) -> Carried:
    """Make the agent a member of `target` and copy from `source`: passed and waived tasks,
    every exam attempt (with a failed exam's status, so the Failed Cert Exams Guide goes on
    counting from them) and the coaching recorded on them, every CAP and the open red flags.
    Attendance, notes, tickets and rooms stay in `source`, which keeps the agent's whole record.
    Call inside db.atomic()."""
    now = to_text(utcnow())
    db.execute(
        "INSERT INTO cohort_agents (cohort_id, agent_id, active, joined_at, carried_from)"
        " VALUES (?, ?, 1, ?, ?)",
        [target, agent_id, now, source],
    )
    tasks = db.execute(
        "INSERT OR IGNORE INTO task_progress (cohort_id, agent_id, task_key, status, updated_at)"
        " SELECT ?, agent_id, task_key, status, updated_at FROM task_progress"
        " WHERE cohort_id = ? AND agent_id = ? AND status IN ('passed', 'waived', 'failed')",
        [target, source, agent_id],
    ).rowcount
    attempts = db.execute(
        "INSERT OR IGNORE INTO exam_attempts"
        " (cohort_id, agent_id, task_key, attempt_no, score, passed, at)"
        " SELECT ?, agent_id, task_key, attempt_no, score, passed, at FROM exam_attempts"
        " WHERE cohort_id = ? AND agent_id = ? ORDER BY id",
        [target, source, agent_id],
    ).rowcount
    # The guide's coaching step goes with the attempts it followed (else asked for again).
    db.execute(
        "INSERT INTO coaching (cohort_id, agent_id, task_key, carrier, fails, coach, text, at)"
        " SELECT ?, agent_id, task_key, carrier, fails, coach, text, at FROM coaching"
        " WHERE cohort_id = ? AND agent_id = ? ORDER BY id",
        [target, source, agent_id],
    )
    # A CAP's day number belongs to the old week's calendar: it is not carried.
    caps = db.execute(
        "INSERT INTO caps (cohort_id, agent_id, level, reason, created_at, day)"
        " SELECT ?, agent_id, level, reason, created_at, NULL FROM caps"
        " WHERE cohort_id = ? AND agent_id = ? ORDER BY id",
        [target, source, agent_id],
    ).rowcount
    flags = db.execute(
        "INSERT INTO red_flags (cohort_id, agent_id, kind, text, raised_at, pm_notified_at)"
        " SELECT ?, agent_id, kind, text, raised_at, pm_notified_at FROM red_flags"
        " WHERE cohort_id = ? AND agent_id = ? AND resolved_at IS NULL ORDER BY id",
        [target, source, agent_id],
    ).rowcount
    return Carried(tasks, attempts, caps, flags)


def cohorts_of(db: Database, agent_id: str) -> list[int]:
    """The cohorts the agent belongs to, latest day 1 first."""
    rows = query(
        db,
        "SELECT m.cohort_id FROM cohort_agents m JOIN cohorts c ON c.id = m.cohort_id"
        " WHERE m.agent_id = ? ORDER BY c.start_date DESC, c.id DESC",
        [agent_id],
    ).fetchall()
    return [r[0] for r in rows]


def holdovers(db: Database) -> dict[str, str]:
    """agent_id -> the name of the cohort they were carried from, for the connection's cohort."""
    from storage.cohort import read_id

    rows = query(
        db,
        "SELECT m.agent_id, c.name FROM cohort_agents m JOIN cohorts c ON c.id = m.carried_from"
        " WHERE m.cohort_id = ?",
        [read_id(db)],
    ).fetchall()
    return {r["agent_id"]: r["name"] for r in rows}
