"""Cohorts: one row per week's cohort, and which one a connection works on.

Every record table carries `cohort_id`. A connection works on ONE cohort at a time, its
*scope*: the database's current cohort (settings `current_cohort`) unless the caller chose
another (`use`, e.g. `--cohort NAME` or the app's cohort picker). The scope is fixed on first
use, so another process switching the current cohort never moves an open app's records.
"""

from __future__ import annotations

import json
from datetime import date
from sqlite3 import Row

from sqlite_utils import Database

from esp_tui.domain.models import Cohort, Schedule
from storage.clock import to_text, utcnow
from storage.db import StorageError, query

CURRENT_KEY = "current_cohort"
_ATTR = "esp_cohort_id"
_COLS = "id, name, start_date, timezone, days, schedule_json, is_demo, weekdays_only, state"


class NoCohort(StorageError):
    """A write needs a cohort and the database has none yet."""


class CohortClosed(StorageError):
    """Stamps and notes of a closed cohort are read-only."""


def _cohort(r: Row) -> Cohort:
    return Cohort(
        id=r["id"],
        name=r["name"],
        start_date=date.fromisoformat(r["start_date"]),
        timezone=r["timezone"],
        days=r["days"],
        schedule=Schedule.model_validate(json.loads(r["schedule_json"])),
        is_demo=bool(r["is_demo"]),
        weekdays_only=bool(r["weekdays_only"]),
        state=r["state"],
    )


# --- the connection's scope ------------------------------------------------------------------


def _current_setting(db: Database) -> int | None:
    r = query(
        db,
        "SELECT c.id FROM settings s JOIN cohorts c ON c.id = CAST(s.value AS INTEGER)"
        " WHERE s.key = ?",
        [CURRENT_KEY],
    ).fetchone()
    if r is not None:
        return int(r[0])
    r = query(db, "SELECT MAX(id) FROM cohorts").fetchone()  # no choice recorded: the newest
    return int(r[0]) if r and r[0] is not None else None


def scope(db: Database) -> int | None:
    """The id of the cohort this connection works on (None: the database has no cohort)."""
    cid = getattr(db, _ATTR, None)
    if cid is None:
        cid = _current_setting(db)
        if cid is not None:
            setattr(db, _ATTR, cid)
    return cid


def read_id(db: Database) -> int:
    """The scope for a read: -1 (matches nothing) when there is no cohort yet."""
    cid = scope(db)
    return -1 if cid is None else cid


def write_id(db: Database) -> int:
    """The scope for a write: refused when there is no cohort yet."""
    cid = scope(db)
    if cid is None:
        raise NoCohort("no cohort yet; run `esp-tui roster import FILE.csv` or `esp-tui demo`")
    return cid


def use(db: Database, cohort_id: int) -> None:
    """Work on this cohort on this connection (the database's current cohort is unchanged)."""
    setattr(db, _ATTR, cohort_id)


def require_open(db: Database) -> Cohort:
    """The scope's cohort, refused when closed (stamps and notes). Call inside db.atomic()."""
    cohort = get_cohort(db)
    if cohort is None:
        raise NoCohort("no cohort yet; run `esp-tui roster import FILE.csv` or `esp-tui demo`")
    if cohort.state == "closed":
        raise CohortClosed(
            f"cohort '{cohort.name}' is closed: its stamps and notes are read-only"
            " (it can still sync and report)"
        )
    return cohort


# --- reading ---------------------------------------------------------------------------------


def get_cohort(db: Database) -> Cohort | None:
    """The cohort this connection works on."""
    cid = scope(db)
    return None if cid is None else cohort_by_id(db, cid)


def cohort_by_id(db: Database, cohort_id: int) -> Cohort | None:
    r = query(db, f"SELECT {_COLS} FROM cohorts WHERE id = ?", [cohort_id]).fetchone()
    return _cohort(r) if r else None


def cohort_by_name(db: Database, name: str) -> Cohort | None:
    """Names are unique, compared without case ("nov 16" is "Nov 16")."""
    r = query(
        db, f"SELECT {_COLS} FROM cohorts WHERE name = ? COLLATE NOCASE", [name.strip()]
    ).fetchone()
    return _cohort(r) if r else None


def list_cohorts(db: Database) -> list[Cohort]:
    """Oldest day 1 first."""
    rows = query(db, f"SELECT {_COLS} FROM cohorts ORDER BY start_date, id").fetchall()
    return [_cohort(r) for r in rows]


def current_id(db: Database) -> int | None:
    """The database's current cohort (what a new connection works on)."""
    return _current_setting(db)


def agent_counts(db: Database) -> dict[int, int]:
    """cohort id -> active agents."""
    rows = query(
        db, "SELECT cohort_id, COUNT(*) AS n FROM cohort_agents WHERE active = 1 GROUP BY cohort_id"
    ).fetchall()
    return {r["cohort_id"]: r["n"] for r in rows}


# --- writing (call inside db.atomic()) --------------------------------------------------------


def _row_values(cohort: Cohort) -> list[object]:
    """name, start_date, timezone, days, schedule_json, is_demo, weekdays_only."""
    return [
        cohort.name,
        cohort.start_date.isoformat(),
        cohort.timezone,
        cohort.days,
        cohort.schedule.model_dump_json(),
        int(cohort.is_demo),
        int(cohort.weekdays_only),
    ]


def create_cohort(db: Database, cohort: Cohort, *, make_current: bool = True) -> Cohort:
    """Insert a new cohort (its name must be unused) and work on it on this connection."""
    cur = db.execute(
        """INSERT INTO cohorts (name, start_date, timezone, days, schedule_json, is_demo,
                                weekdays_only, state, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)""",
        [*_row_values(cohort), to_text(utcnow())],
    )
    cid = int(cur.lastrowid or 0)
    if make_current:
        set_current(db, cid)
    use(db, cid)
    return cohort.model_copy(update={"id": cid, "state": "active"})


def update_cohort(db: Database, cohort_id: int, cohort: Cohort) -> Cohort:
    """Rewrite a cohort's name, dates, timezone and schedule (its state is kept)."""
    db.execute(
        """UPDATE cohorts SET name = ?, start_date = ?, timezone = ?, days = ?,
               schedule_json = ?, is_demo = ?, weekdays_only = ? WHERE id = ?""",
        [*_row_values(cohort), cohort_id],
    )
    updated = cohort_by_id(db, cohort_id)
    assert updated is not None  # updated in place, in this transaction
    return updated


def save_cohort(db: Database, cohort: Cohort) -> Cohort:
    """Update the cohort this connection works on, or create the first one."""
    cid = cohort.id if cohort.id is not None else scope(db)
    if cid is None or cohort_by_id(db, cid) is None:
        return create_cohort(db, cohort)
    return update_cohort(db, cid, cohort)


def set_current(db: Database, cohort_id: int) -> None:
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [CURRENT_KEY, str(cohort_id)],
    )


def set_state(db: Database, cohort_id: int, state: str) -> None:
    db.execute(
        "UPDATE cohorts SET state = ?, closed_at = ? WHERE id = ?",
        [state, to_text(utcnow()) if state == "closed" else None, cohort_id],
    )
