"""Side Meets (rooms), agents' moves between them, and the TL's status log."""

from __future__ import annotations

from datetime import datetime
from sqlite3 import Row

from sqlite_utils import Database

from esp_tui.domain.rooms import Room, RoomMove, TlStatus
from storage.clock import from_text, to_text
from storage.cohort import read_id, write_id
from storage.db import count, query

_ROOM_COLS = "id, name, purpose, meet_link, certifier, opened_at, closed_at"


def _room(r: Row) -> Room:
    return Room(
        id=r["id"],
        name=r["name"],
        purpose=r["purpose"],
        meet_link=r["meet_link"],
        certifier=r["certifier"],
        opened_at=from_text(r["opened_at"]),
        closed_at=from_text(r["closed_at"]) if r["closed_at"] else None,
    )


def list_rooms(db: Database, *, include_closed: bool = False) -> list[Room]:
    where = "" if include_closed else " AND closed_at IS NULL"
    rows = query(
        db,
        f"SELECT {_ROOM_COLS} FROM side_meets WHERE cohort_id = ?{where} ORDER BY id",
        [read_id(db)],
    ).fetchall()
    return [_room(r) for r in rows]


def get_room(db: Database, room_id: int) -> Room | None:
    r = query(
        db,
        f"SELECT {_ROOM_COLS} FROM side_meets WHERE cohort_id = ? AND id = ?",
        [read_id(db), room_id],
    ).fetchone()
    return _room(r) if r else None


def count_rooms(db: Database) -> int:
    return count(db, "SELECT COUNT(*) FROM side_meets WHERE cohort_id = ?", [read_id(db)])


def insert_room(
    db: Database, *, name: str, purpose: str, meet_link: str, certifier: str, at: datetime
) -> int:
    """Call inside db.atomic(); returns the new room's id."""
    cur = db.execute(
        "INSERT INTO side_meets (cohort_id, name, purpose, meet_link, certifier, opened_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [write_id(db), name, purpose, meet_link, certifier, to_text(at)],
    )
    return int(cur.lastrowid or 0)


def close_room(db: Database, room_id: int, at: datetime) -> None:
    """Call inside db.atomic()."""
    db.execute(
        "UPDATE side_meets SET closed_at = ? WHERE cohort_id = ? AND id = ?",
        [to_text(at), write_id(db), room_id],
    )


def insert_move(db: Database, agent_id: str, room_id: int | None, at: datetime) -> None:
    """Call inside db.atomic()."""
    db.execute(
        "INSERT INTO room_moves (cohort_id, agent_id, room_id, at) VALUES (?, ?, ?, ?)",
        [write_id(db), agent_id, room_id, to_text(at)],
    )


def list_moves(db: Database, *, agent_id: str | None = None) -> list[RoomMove]:
    """In the order they were made."""
    where, params = (" AND agent_id = ?", [agent_id]) if agent_id else ("", [])
    rows = query(
        db,
        f"SELECT agent_id, room_id, at FROM room_moves WHERE cohort_id = ?{where} ORDER BY id",
        [read_id(db), *params],
    ).fetchall()
    return [
        RoomMove(agent_id=r["agent_id"], room_id=r["room_id"], at=from_text(r["at"])) for r in rows
    ]


def current_room_ids(db: Database) -> dict[str, int]:
    """agent_id -> room id for the agents whose latest move put them in a room."""
    rows = query(
        db,
        "SELECT m.agent_id, m.room_id FROM room_moves m"
        " JOIN (SELECT agent_id, MAX(id) AS id FROM room_moves WHERE cohort_id = ?"
        " GROUP BY agent_id) last ON last.id = m.id WHERE m.room_id IS NOT NULL",
        [read_id(db)],
    ).fetchall()
    return {r["agent_id"]: r["room_id"] for r in rows}


# --- TL status -------------------------------------------------------------------------------

_TL_COLS = "status, detail, minutes, since, message"


def _tl(r: Row) -> TlStatus:
    return TlStatus(
        status=r["status"],
        detail=r["detail"],
        minutes=r["minutes"],
        since=from_text(r["since"]),
        message=r["message"],
    )


def insert_tl_status(db: Database, s: TlStatus) -> None:
    """Call inside db.atomic()."""
    db.execute(
        f"INSERT INTO tl_status_log ({_TL_COLS}) VALUES (?, ?, ?, ?, ?)",
        [s.status, s.detail, s.minutes, to_text(s.since), s.message],
    )


def latest_tl_status(db: Database) -> TlStatus | None:
    r = query(db, f"SELECT {_TL_COLS} FROM tl_status_log ORDER BY id DESC LIMIT 1").fetchone()
    return _tl(r) if r else None


def tl_status_between(db: Database, start: datetime, end: datetime) -> list[TlStatus]:
    """Entries with start <= since < end, oldest first (UTC text compares in time order)."""
    rows = query(
        db,
        f"SELECT {_TL_COLS} FROM tl_status_log WHERE since >= ? AND since < ? ORDER BY id",
        [to_text(start), to_text(end)],
    ).fetchall()
    return [_tl(r) for r in rows]
