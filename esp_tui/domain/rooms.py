"""Side Meets (rooms) and the TL's availability: models and pure rules. pydantic + stdlib only.

An agent's room is derived from an append-only list of moves (room None = the main Meet), so
the time each agent spent in each room can always be recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

RoomPurpose = Literal["assist", "call_cert"]
ROOM_PURPOSES: tuple[RoomPurpose, ...] = ("assist", "call_cert")
PURPOSE_LABELS: dict[str, str] = {"assist": "assist", "call_cert": "call cert"}

TlState = Literal["available", "assisting", "break"]
TL_STATES: tuple[TlState, ...] = ("available", "assisting", "break")

MAIN_MEET = "main Meet"


class Room(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: int
    name: str
    purpose: RoomPurpose
    meet_link: str = ""
    certifier: str = ""
    opened_at: datetime
    closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RoomMove(BaseModel):
    model_config = ConfigDict(defer_build=True)

    agent_id: str
    room_id: int | None  # None = back to the main Meet
    at: datetime


class Stay(BaseModel):
    """One agent's time in one room; `end` None = still there."""

    model_config = ConfigDict(defer_build=True)

    agent_id: str
    room_id: int
    start: datetime
    end: datetime | None = None

    def duration(self, now: datetime) -> timedelta:
        return (self.end or now) - self.start


class TlStatus(BaseModel):
    model_config = ConfigDict(defer_build=True)

    status: TlState
    detail: str = ""  # the room or agent assisted
    minutes: int | None = None  # expected length (break, or assisting when given)
    since: datetime
    message: str = ""  # the one line for the Meet chat

    def elapsed(self, now: datetime) -> timedelta:
        return max(timedelta(0), now - self.since)


def stays(moves: Iterable[RoomMove]) -> list[Stay]:
    """Each agent's stays in rooms, from their moves in time order (moves for any agents)."""
    open_stay: dict[str, Stay] = {}
    out: list[Stay] = []
    for m in sorted(moves, key=lambda m: m.at):
        current = open_stay.pop(m.agent_id, None)
        if current is not None:
            if current.room_id == m.room_id:  # a repeated move: the stay goes on
                open_stay[m.agent_id] = current
                continue
            current.end = m.at
        if m.room_id is not None:
            stay = Stay(agent_id=m.agent_id, room_id=m.room_id, start=m.at)
            open_stay[m.agent_id] = stay
            out.append(stay)
    return out


def time_in_rooms(moves: Iterable[RoomMove], now: datetime) -> dict[str, timedelta]:
    """Total time each agent has spent in side rooms (an open stay counts up to `now`)."""
    totals: dict[str, timedelta] = {}
    for s in stays(moves):
        totals[s.agent_id] = totals.get(s.agent_id, timedelta(0)) + s.duration(now)
    return totals


def short_duration(delta: timedelta) -> str:
    """ "4m", "1h05m": the header's "time since"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h{minutes % 60:02d}m"


def chat_message(status: TlState, *, where: str = "", minutes: int | None = None) -> str:
    """The one line the TL pastes into the main Meet chat.

    `where` is a room name for assisting in a room ("" when assisting an agent in the main Meet).
    """
    back = f"Back in {minutes} min" if minutes else "Back shortly"
    if status == "available":
        return "I'm back and available - ask away in the chat"
    if status == "break":
        return f"{back} - on a short break"
    place = f"in {where}" if where else "another agent"
    return f"{back} - assisting {place}"


def header_text(status: TlStatus | None, now: datetime) -> str:
    """The header segment: "TL available", "TL on break 4m/10m", "TL assisting Room 2 7m"."""
    if status is None or status.status == "available":
        return "TL available"
    took = short_duration(status.elapsed(now))
    if status.minutes:
        took += f"/{status.minutes}m"
    if status.status == "break":
        return f"TL on break {took}"
    detail = f" {status.detail}" if status.detail else ""
    return f"TL assisting{detail} {took}"

