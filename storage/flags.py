"""CAPs (corrective action plans) and red flags for the PMs."""

from __future__ import annotations

from datetime import datetime
from sqlite3 import Row

from sqlite_utils import Database

from esp_tui.domain.progress import CapLevel, RedFlagKind

# moved: the models live in esp_tui.domain.records; re-exported for the screens that still
# import them from here (screens/flags.py, screens/tasks.py).
from esp_tui.domain.records import Cap as Cap
from esp_tui.domain.records import RedFlag as RedFlag
from storage.clock import from_text, to_text
from storage.cohort import read_id, write_id
from storage.db import query


def _opt(text: str | None) -> datetime | None:
    return from_text(text) if text else None


_CAP_COLS = "id, agent_id, level, reason, created_at, day"
_FLAG_COLS = "id, agent_id, kind, text, raised_at, pm_notified_at, resolved_at"


def _cap(r: Row) -> Cap:
    return Cap(
        id=r["id"],
        agent_id=r["agent_id"],
        level=r["level"],
        reason=r["reason"],
        created_at=from_text(r["created_at"]),
        day=r["day"],
    )


def _flag(r: Row) -> RedFlag:
    return RedFlag(
        id=r["id"],
        agent_id=r["agent_id"],
        kind=r["kind"],
        text=r["text"],
        raised_at=from_text(r["raised_at"]),
        pm_notified_at=_opt(r["pm_notified_at"]),
        resolved_at=_opt(r["resolved_at"]),
    )


# --- CAPs ------------------------------------------------------------------------------------


def add_cap(
    db: Database, agent_id: str, level: CapLevel, reason: str, at: datetime, day: int | None
) -> Cap:
    """Record a CAP. Call inside db.atomic()."""
    cur = db.execute(
        "INSERT INTO caps (cohort_id, agent_id, level, reason, created_at, day)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [write_id(db), agent_id, level, reason, to_text(at), day],
    )
    cap = get_cap(db, int(cur.lastrowid or 0))
    assert cap is not None  # just inserted, in this transaction
    return cap


def get_cap(db: Database, cap_id: int) -> Cap | None:
    r = query(
        db, f"SELECT {_CAP_COLS} FROM caps WHERE cohort_id = ? AND id = ?", [read_id(db), cap_id]
    ).fetchone()
    return _cap(r) if r else None


def list_caps(db: Database, agent_id: str | None = None) -> list[Cap]:
    """CAPs oldest first, for one agent or all."""
    if agent_id is None:
        rows = query(
            db, f"SELECT {_CAP_COLS} FROM caps WHERE cohort_id = ? ORDER BY id", [read_id(db)]
        ).fetchall()
    else:
        rows = query(
            db,
            f"SELECT {_CAP_COLS} FROM caps WHERE cohort_id = ? AND agent_id = ? ORDER BY id",
            [read_id(db), agent_id],
        ).fetchall()
    return [_cap(r) for r in rows]


# --- red flags -------------------------------------------------------------------------------


def add_flag(db: Database, agent_id: str, kind: RedFlagKind, text: str, at: datetime) -> RedFlag:
    """Record a red flag (not yet notified). Call inside db.atomic()."""
    cur = db.execute(
        "INSERT INTO red_flags (cohort_id, agent_id, kind, text, raised_at) VALUES (?, ?, ?, ?, ?)",
        [write_id(db), agent_id, kind, text, to_text(at)],
    )
    flag = get_flag(db, int(cur.lastrowid or 0))
    assert flag is not None  # just inserted, in this transaction
    return flag


def get_flag(db: Database, flag_id: int) -> RedFlag | None:
    r = query(
        db,
        f"SELECT {_FLAG_COLS} FROM red_flags WHERE cohort_id = ? AND id = ?",
        [read_id(db), flag_id],
    ).fetchone()
    return _flag(r) if r else None


def list_flags(db: Database, agent_id: str | None = None) -> list[RedFlag]:
    """Red flags oldest first, for one agent or all."""
    if agent_id is None:
        rows = query(
            db, f"SELECT {_FLAG_COLS} FROM red_flags WHERE cohort_id = ? ORDER BY id", [read_id(db)]
        ).fetchall()
    else:
        rows = query(
            db,
            f"SELECT {_FLAG_COLS} FROM red_flags WHERE cohort_id = ? AND agent_id = ? ORDER BY id",
            [read_id(db), agent_id],
        ).fetchall()
    return [_flag(r) for r in rows]


def unnotified_flags(db: Database) -> list[RedFlag]:
    """Open flags no PM has been told about yet."""
    rows = query(
        db,
        f"SELECT {_FLAG_COLS} FROM red_flags"
        " WHERE cohort_id = ? AND pm_notified_at IS NULL AND resolved_at IS NULL ORDER BY id",
        [read_id(db)],
    ).fetchall()
    return [_flag(r) for r in rows]


# A holdover's open flag is copied into the new cohort (storage/carry.py): the copies are the
# same flag (same agent, kind, text and raise time), so telling the PM or resolving it in one
# week marks every copy, and last week's closed record does not go on asking for a PM.
_SAME_FLAG = (
    " WHERE (agent_id, kind, text, raised_at) = (SELECT agent_id, kind, text, raised_at"
    " FROM red_flags WHERE cohort_id = ? AND id = ?)"
)


def mark_notified(db: Database, flag_id: int, at: datetime) -> None:
    """Record when the PM was told (the first time only), on every copy of the flag. Call
    inside db.atomic()."""
    db.execute(
        f"UPDATE red_flags SET pm_notified_at = ?{_SAME_FLAG} AND pm_notified_at IS NULL",
        [to_text(at), write_id(db), flag_id],
    )


def mark_resolved(db: Database, flag_id: int, at: datetime) -> None:
    """Record when the flag was resolved (the first time only), on every copy of the flag."""
    db.execute(
        f"UPDATE red_flags SET resolved_at = ?{_SAME_FLAG} AND resolved_at IS NULL",
        [to_text(at), write_id(db), flag_id],
    )
