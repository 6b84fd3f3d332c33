"""The TL's availability: set it (logged, with a one-line message for the Meet chat), read it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from esp_tui.domain.rooms import TL_STATES, TlStatus, chat_message, header_text
from esp_tui.services.agents import require_agent
from storage import rooms as store

MAX_MINUTES = 8 * 60


class TlStatusError(ValueError):
    """A status that cannot be set; str() is one line naming the field."""


def _check_minutes(status: str, minutes: int | None) -> int | None:
    if minutes is None:
        if status == "break":
            raise TlStatusError("minutes: required for a break (how long, e.g. 10)")
        return None
    if status == "available":
        return None
    if not 1 <= minutes <= MAX_MINUTES:
        raise TlStatusError(f"minutes: {minutes} is outside 1 to {MAX_MINUTES}")
    return minutes


def parse_minutes(text: str) -> int | None:
    """ "10", "10m", "" (None); anything else is a TlStatusError naming the field."""
    text = text.strip().lower().removesuffix("min").removesuffix("m").strip()
    if not text:
        return None
    if not text.isdigit():
        raise TlStatusError(f"minutes: {text!r} is not a whole number of minutes")
    return int(text)


def set_status(
    db: Database,
    status: str,
    *,
    now: datetime,
    minutes: int | None = None,
    room_id: int | None = None,
    agent_id: str | None = None,
    message: str | None = None,
) -> TlStatus:
    """Log the TL's new status. Assisting names a room (room_id) or an agent (agent_id);
    `message` overrides the generated Meet-chat line."""
    if status not in TL_STATES:
        raise TlStatusError(f"status: {status!r} is not one of {', '.join(TL_STATES)}")
    minutes = _check_minutes(status, minutes)
    detail, where = "", ""
    if status == "assisting":
        if room_id is not None:
            room = store.get_room(db, room_id)
            if room is None or not room.is_open:
                raise TlStatusError(f"room: {room_id} is not an open room")
            detail = where = room.name
        elif agent_id is not None:
            # the chat line does not name the agent in front of everyone
            detail = require_agent(db, agent_id, TlStatusError).name
    line = (message or "").strip() or chat_message(status, where=where, minutes=minutes)
    entry = TlStatus(status=status, detail=detail, minutes=minutes, since=now, message=line)
    with db.atomic():
        store.insert_tl_status(db, entry)
    return entry


def current_status(db: Database) -> TlStatus | None:
    return store.latest_tl_status(db)


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def day_log(db: Database, day: date, zone: ZoneInfo) -> list[TlStatus]:
    """The status changes of one local calendar day, oldest first."""
    return store.tl_status_between(db, *_day_bounds(day, zone))


def today_status(db: Database, now: datetime) -> TlStatus | None:
    """The latest status if it was set today (local to `now`): yesterday's break is over."""
    current = store.latest_tl_status(db)
    if current is None or current.since.astimezone(now.tzinfo).date() != now.date():
        return None
    return current


def header_segment(db: Database, now: datetime) -> str | None:
    """ "TL on break 4m/10m" etc.; None until the TL has set a status today."""
    current = today_status(db, now)
    return header_text(current, now) if current else None
