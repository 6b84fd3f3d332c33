"""Task progress and exam attempts: one status row per agent and task, attempts append-only."""

from __future__ import annotations

from datetime import datetime
from sqlite3 import Row

from sqlite_utils import Database

from esp_tui.domain.progress import TaskState
from esp_tui.domain.records import ExamAttempt
from esp_tui.domain.tasks import TaskStatus
from storage.clock import from_text, to_text
from storage.cohort import read_id, write_id
from storage.db import query


def _attempt(r: Row) -> ExamAttempt:
    return ExamAttempt(
        id=r["id"],
        agent_id=r["agent_id"],
        task_key=r["task_key"],
        attempt_no=r["attempt_no"],
        score=r["score"],
        passed=bool(r["passed"]),
        at=from_text(r["at"]),
    )


_ATTEMPT_COLS = "id, agent_id, task_key, attempt_no, score, passed, at"


def set_status(
    db: Database, agent_id: str, task_key: str, status: TaskStatus, at: datetime
) -> None:
    """Upsert the agent's status for a task. Call inside db.atomic()."""
    db.execute(
        "INSERT INTO task_progress (cohort_id, agent_id, task_key, status, updated_at)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(cohort_id, agent_id, task_key) DO UPDATE SET status = excluded.status,"
        " updated_at = excluded.updated_at",
        [write_id(db), agent_id, task_key, status, to_text(at)],
    )


def get_status(db: Database, agent_id: str, task_key: str) -> TaskStatus:
    r = query(
        db,
        "SELECT status FROM task_progress WHERE cohort_id = ? AND agent_id = ? AND task_key = ?",
        [read_id(db), agent_id, task_key],
    ).fetchone()
    return r[0] if r else "not_started"


def add_attempt(
    db: Database,
    agent_id: str,
    task_key: str,
    score: float | None,
    passed: bool,
    at: datetime,
) -> ExamAttempt:
    """Append the next attempt (attempt_no = previous + 1). Call inside db.atomic()."""
    cid = write_id(db)
    r = query(
        db,
        "SELECT COALESCE(MAX(attempt_no), 0) FROM exam_attempts"
        " WHERE cohort_id = ? AND agent_id = ? AND task_key = ?",
        [cid, agent_id, task_key],
    ).fetchone()
    cur = db.execute(
        "INSERT INTO exam_attempts (cohort_id, agent_id, task_key, attempt_no, score, passed, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [cid, agent_id, task_key, r[0] + 1, score, int(passed), to_text(at)],
    )
    row = query(
        db, f"SELECT {_ATTEMPT_COLS} FROM exam_attempts WHERE id = ?", [cur.lastrowid]
    ).fetchone()
    return _attempt(row)


def list_attempts(
    db: Database, agent_id: str | None = None, task_key: str | None = None
) -> list[ExamAttempt]:
    """Attempts in order, optionally for one agent and/or one task."""
    where: list[str] = ["cohort_id = ?"]
    args: list[object] = [read_id(db)]
    if agent_id is not None:
        where.append("agent_id = ?")
        args.append(agent_id)
    if task_key is not None:
        where.append("task_key = ?")
        args.append(task_key)
    clause = f"WHERE {' AND '.join(where)}"
    rows = query(
        db,
        f"SELECT {_ATTEMPT_COLS} FROM exam_attempts {clause} ORDER BY agent_id, task_key,"
        " attempt_no",
        args,
    ).fetchall()
    return [_attempt(r) for r in rows]


def failed_count(db: Database, agent_id: str, task_key: str) -> int:
    """Failed attempts, counted from the attempts themselves (not inferred from the status)."""
    r = query(
        db,
        "SELECT COUNT(*) FROM exam_attempts"
        " WHERE cohort_id = ? AND agent_id = ? AND task_key = ? AND passed = 0",
        [read_id(db), agent_id, task_key],
    ).fetchone()
    return int(r[0])


def _states(db: Database, agent_id: str | None) -> dict[str, dict[str, TaskState]]:
    where = "WHERE cohort_id = ?" + (" AND agent_id = ?" if agent_id is not None else "")
    args: list[object] = [read_id(db)] + ([agent_id] if agent_id is not None else [])
    out: dict[str, dict[str, dict[str, object]]] = {}
    for aid, key, status in query(
        db, f"SELECT agent_id, task_key, status FROM task_progress {where}", args
    ).fetchall():
        out.setdefault(aid, {}).setdefault(key, {})["status"] = status
    # Attempt count and the latest non-null score, per agent and task.
    for aid, key, n, last in query(
        db,
        "SELECT agent_id, task_key, COUNT(*),"
        " (SELECT b.score FROM exam_attempts b WHERE b.cohort_id = a.cohort_id"
        "  AND b.agent_id = a.agent_id"
        "  AND b.task_key = a.task_key AND b.score IS NOT NULL"
        "  ORDER BY b.attempt_no DESC LIMIT 1)"
        f" FROM exam_attempts a {where} GROUP BY agent_id, task_key",
        args,
    ).fetchall():
        rec = out.setdefault(aid, {}).setdefault(key, {})
        rec["attempts"] = n
        rec["last_score"] = last
    return {
        aid: {key: TaskState(task_key=key, **rec) for key, rec in tasks.items()}
        for aid, tasks in out.items()
    }


def agent_states(db: Database, agent_id: str) -> dict[str, TaskState]:
    """task_key -> TaskState for one agent (tasks with nothing recorded are absent)."""
    return _states(db, agent_id).get(agent_id, {})


def all_states(db: Database) -> dict[str, dict[str, TaskState]]:
    """agent_id -> task_key -> TaskState for every agent with something recorded."""
    return _states(db, None)
