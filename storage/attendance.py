"""Attendance events: append-only (stamps, absence marks, and the undos and voids that cancel
them; a void is an undo with a reason, migration 0011)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from sqlite3 import Row

from sqlite_utils import Database

from esp_tui.domain.attendance import AttendanceEvent
from storage.clock import from_text, to_text, utcnow
from storage.cohort import read_id, require_open, write_id
from storage.db import count, query

_COLUMNS = "id, agent_id, day, kind, at, absence_kind, undoes, created_at, reason, entered_by"


def _event(r: Row) -> AttendanceEvent:
    return AttendanceEvent(
        id=r["id"],
        agent_id=r["agent_id"],
        day=r["day"],
        kind=r["kind"],
        at=from_text(r["at"]),
        absence_kind=r["absence_kind"],
        undoes=r["undoes"],
        created_at=from_text(r["created_at"]),
        reason=r["reason"],
        entered_by=r["entered_by"],
    )


def append_event(
    db: Database,
    *,
    agent_id: str,
    day: int,
    kind: str,
    at: datetime,
    absence_kind: str | None = None,
    undoes: int | None = None,
    entered_by: str = "tl",
    reason: str | None = None,
) -> AttendanceEvent:
    """Append one event and return it. Call inside db.atomic().

    The model is built first, so an inconsistent event is refused before anything is written.
    A closed cohort's attendance is read-only (CohortClosed).
    """
    require_open(db)
    created = utcnow()
    probe = AttendanceEvent(
        id=0,
        agent_id=agent_id,
        day=day,
        kind=kind,
        at=at,
        absence_kind=absence_kind,
        undoes=undoes,
        created_at=created,
        reason=reason,
        entered_by=entered_by,
    )
    cur = db.execute(
        "INSERT INTO attendance_events (cohort_id, agent_id, day, kind, at, absence_kind,"
        " undoes, entered_by, created_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            write_id(db),
            agent_id,
            day,
            kind,
            to_text(probe.at),
            probe.absence_kind,
            undoes,
            entered_by,
            to_text(created),
            reason,
        ],
    )
    return probe.model_copy(update={"id": cur.lastrowid})


def append_undos(db: Database, event_ids: Iterable[int], *, at: datetime) -> list[AttendanceEvent]:
    """Append one undo event per id (same agent and day as its target). Call inside db.atomic()."""
    targets = get_events(db, event_ids)
    return [
        append_event(db, agent_id=t.agent_id, day=t.day, kind="undo", at=at, undoes=t.id)
        for t in targets
    ]


def append_void(
    db: Database, target: AttendanceEvent, *, reason: str, at: datetime, entered_by: str = "tl"
) -> AttendanceEvent:
    """Append a void of one event (an undo with a reason). Call inside db.atomic()."""
    return append_event(
        db,
        agent_id=target.agent_id,
        day=target.day,
        kind="undo",
        at=at,
        undoes=target.id,
        reason=reason,
        entered_by=entered_by,
    )


def get_events(db: Database, event_ids: Iterable[int]) -> list[AttendanceEvent]:
    """The events with these ids, in id order; an unknown id is a KeyError."""
    ids = sorted(set(event_ids))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = query(
        db,
        f"SELECT {_COLUMNS} FROM attendance_events WHERE cohort_id = ? AND id IN ({marks})"
        " ORDER BY id",
        [read_id(db), *ids],
    ).fetchall()
    found = [_event(r) for r in rows]
    missing = set(ids) - {e.id for e in found}
    if missing:
        raise KeyError(f"no attendance event with id {sorted(missing)}")
    return found


def events_for_agent(db: Database, agent_id: str, days: Iterable[int]) -> list[AttendanceEvent]:
    """One agent's events on these days, in id order (`day IN` keeps the (day, agent) index)."""
    day_list = sorted(set(days))
    marks = ",".join("?" * len(day_list))
    rows = query(
        db,
        f"SELECT {_COLUMNS} FROM attendance_events"
        f" WHERE cohort_id = ? AND day IN ({marks}) AND agent_id = ? ORDER BY id",
        [read_id(db), *day_list, agent_id],
    ).fetchall()
    return [_event(r) for r in rows]


def events_for_day(db: Database, day: int) -> list[AttendanceEvent]:
    """Every agent's events on one day, in id order."""
    rows = query(
        db,
        f"SELECT {_COLUMNS} FROM attendance_events WHERE cohort_id = ? AND day = ? ORDER BY id",
        [read_id(db), day],
    ).fetchall()
    return [_event(r) for r in rows]


def all_events(db: Database) -> list[AttendanceEvent]:
    """Every event of the cohort, in id order."""
    rows = query(
        db,
        f"SELECT {_COLUMNS} FROM attendance_events WHERE cohort_id = ? ORDER BY id",
        [read_id(db)],
    ).fetchall()
    return [_event(r) for r in rows]


def event_count(db: Database) -> int:
    return count(db, "SELECT count(*) FROM attendance_events WHERE cohort_id = ?", [read_id(db)])
