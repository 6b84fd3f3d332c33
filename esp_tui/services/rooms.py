"""Side Meets: open a room, move agents in and out, close it (its agents go back to main)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from esp_tui.domain.rooms import (
    MAIN_MEET,
    PURPOSE_LABELS,
    ROOM_PURPOSES,
    Room,
    stays,
    time_in_rooms,
)
from esp_tui.services.agents import require_agent
from storage import rooms as store
from storage.agents import get_agent


class RoomError(ValueError):
    """A room action that cannot be done; str() is one line naming the field or room."""


@dataclass(frozen=True)
class Occupant:
    agent_id: str
    name: str
    since: datetime  # when they entered this room


def _check_link(link: str) -> str:
    link = link.strip()
    if link and not link.startswith(("https://", "http://", "meet.google.com/")):
        raise RoomError(f"meet link: {link!r} is not a link (https://meet.google.com/...)")
    return link


def create_room(
    db: Database,
    *,
    purpose: str,
    now: datetime,
    name: str = "",
    meet_link: str = "",
    certifier: str = "",
) -> Room:
    """Open a side room. A call-cert room needs its certifier; the name defaults to
    "Room N" / "Cert N" (short: the roster's Where column; N counts every room ever opened,
    so names stay unique)."""
    if purpose not in ROOM_PURPOSES:
        raise RoomError(f"purpose: {purpose!r} is not one of {', '.join(ROOM_PURPOSES)}")
    certifier = certifier.strip()
    if purpose == "call_cert" and not certifier:
        raise RoomError("certifier: required for a call certification room")
    link = _check_link(meet_link)
    with db.atomic():
        n = store.count_rooms(db) + 1
        default = f"Room {n}" if purpose == "assist" else f"Cert {n}"
        room_id = store.insert_room(
            db,
            name=name.strip() or default,
            purpose=purpose,
            meet_link=link,
            certifier=certifier,
            at=now,
        )
        room = store.get_room(db, room_id)
    assert room is not None
    return room


def list_rooms(db: Database, *, include_closed: bool = False) -> list[Room]:
    return store.list_rooms(db, include_closed=include_closed)


def get_room(db: Database, room_id: int) -> Room:
    room = store.get_room(db, room_id)
    if room is None:
        raise RoomError(f"no room with id {room_id}")
    return room


def move_agent(db: Database, agent_id: str, room_id: int | None, *, now: datetime) -> None:
    """Move an agent into an open room, or back to the main Meet with room_id None."""
    with db.atomic():
        require_agent(db, agent_id, RoomError)
        if room_id is not None and not get_room(db, room_id).is_open:
            raise RoomError(f"room {room_id} is closed")
        if store.current_room_ids(db).get(agent_id) == room_id:
            return  # already there: the stay goes on
        store.insert_move(db, agent_id, room_id, now)


def close_room(db: Database, room_id: int, *, now: datetime) -> list[str]:
    """Close a room; every agent still in it goes back to the main Meet. Returns their ids."""
    with db.atomic():
        room = get_room(db, room_id)
        if not room.is_open:
            raise RoomError(f"{room.name} is already closed")
        back = sorted(a for a, r in store.current_room_ids(db).items() if r == room_id)
        for agent_id in back:
            store.insert_move(db, agent_id, None, now)
        store.close_room(db, room_id, now)
    return back


def occupants(db: Database, room_id: int) -> list[Occupant]:
    """Who is in the room now, with when they came in, in arrival order."""
    here = {a for a, r in store.current_room_ids(db).items() if r == room_id}
    out: list[Occupant] = []
    for s in stays(store.list_moves(db)):
        if s.room_id == room_id and s.end is None and s.agent_id in here:
            agent = get_agent(db, s.agent_id)
            out.append(Occupant(s.agent_id, agent.name if agent else s.agent_id, s.start))
    return out


def current_rooms(db: Database) -> dict[str, Room]:
    """agent_id -> the open room the agent is in (agents in the main Meet are absent)."""
    rooms = {r.id: r for r in store.list_rooms(db)}
    return {a: rooms[r] for a, r in store.current_room_ids(db).items() if r in rooms}


def where_by_agent(db: Database) -> dict[str, str]:
    """agent_id -> room name, for the roster's Where column (main Meet = no entry)."""
    return {a: room.name for a, room in current_rooms(db).items()}


def where_label(db: Database, agent_id: str) -> str:
    room = current_rooms(db).get(agent_id)
    return room.name if room else MAIN_MEET


def room_times(db: Database, now: datetime) -> dict[str, timedelta]:
    """Total time each agent has spent in side rooms, ongoing stays counted up to now."""
    return time_in_rooms(store.list_moves(db), now)


def room_title(room: Room) -> str:
    certifier = f" · {room.certifier}" if room.certifier else ""
    return f"{room.name} ({PURPOSE_LABELS[room.purpose]}{certifier})"
