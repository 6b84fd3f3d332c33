"""Wall-clock time in the cohort's zone (pure: stdlib only): parse what the TL types, convert
to and from UTC, name a zone. Re-exported by domain/attendance.py, their first home."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def require_aware(dt: datetime, what: str) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {dt.isoformat()}")


_HHMM = re.compile(r"(\d{1,2}):(\d{2})")


def parse_hhmm(text: str) -> time:
    """Parse a cohort-local "HH:MM" (a one-digit hour is fine)."""
    m = _HHMM.fullmatch(text.strip())
    if m is None or int(m[1]) > 23 or int(m[2]) > 59:
        raise ValueError(f"bad time {text!r}: expected HH:MM")
    return time(int(m[1]), int(m[2]))


_DIGITS = re.compile(r"(\d{1,2})(\d{2})")


def parse_typed_time(text: str) -> time:
    """A time as the TL types it in a hurry: "09:12", "9:12", or the digits alone, "912" or
    "0912" (the last two digits are the minutes). The config keeps the strict HH:MM."""
    m = _DIGITS.fullmatch(text.strip())
    if m is None:
        return parse_hhmm(text)
    try:
        return parse_hhmm(f"{m[1]}:{m[2]}")
    except ValueError:
        raise ValueError(f"bad time {text!r}: expected HH:MM (or HMM, e.g. 912)") from None


def to_utc(dt: datetime) -> datetime:
    """An aware datetime in UTC (naive datetimes are refused: their zone is a guess)."""
    require_aware(dt, "datetime")
    return dt.astimezone(UTC)


def local_datetime(day_date: date, t: time, tz: tzinfo) -> datetime:
    """The aware local datetime of a wall-clock time on a date, DST-correct.

    fold=0 takes the first of an ambiguous fall-back time; a nonexistent spring-forward time
    (e.g. 02:30) gets the pre-transition offset, and the round trip through UTC moves it
    forward to the real wall time (03:30).
    """
    naive = datetime.combine(day_date, t.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def format_local(dt_utc: datetime, tz: tzinfo) -> str:
    """Format as HH:MM in the cohort's zone (seconds are dropped, not rounded)."""
    return to_utc(dt_utc).astimezone(tz).strftime("%H:%M")


LOCAL_ZONE: Final = "local"


def is_local_zone(name: str) -> bool:
    """True for "local" (any case): the machine's zone, which only the service layer can read."""
    return name.strip().lower() == LOCAL_ZONE


def iana_zone(name: str) -> ZoneInfo:
    """An IANA zone by name ("local" is resolved by clock.py, which reads the machine)."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r}: expected an IANA name like 'America/Chicago' or 'local'"
        ) from None
