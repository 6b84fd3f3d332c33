"""Clock times and durations as attendance exports write them (pure), parsed by dateutil.

`10:30 PM` (with a narrow no-break space), `1:02:00 AM` (Excel), `12/2/2026 9:02:13 AM`,
`9:02 AM EST`, `2026-03-09T13:04:00Z`, `16:54`. Only two guards are ours: the text must hold a
clock (`9` alone is a day of the month to dateutil, not a time) and an AM/PM hour is 1..12.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Final

from dateutil import parser as _dateutil
from dateutil.tz import tzoffset

_HOUR: Final = 3600
# North American zone abbreviations as exports print them (dateutil knows UTC/GMT/Z itself).
_ZONES: Final = {
    name: tzoffset(name, hours * _HOUR)
    for name, hours in (
        ("EST", -5), ("EDT", -4), ("CST", -6), ("CDT", -5), ("MST", -7), ("MDT", -6),
        ("PST", -8), ("PDT", -7), ("AKST", -9), ("AKDT", -8), ("HST", -10),
    )
}  # fmt: skip
_CLOCK = re.compile(r"\d:\d\d")
_AMPM_HOUR = re.compile(r"(\d{1,2}):\d\d(?::\d\d(?:\.\d+)?)?\s*[ap]\.?m\b", re.IGNORECASE)
_DURATION_CLOCK = re.compile(r"(\d+):(\d{2})(?::(\d{2}))?")
_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*(h|hr|hrs|hour|hours|m|min|mins|minute|minutes|s|sec|secs|second|seconds)\b"
)


def parse_meet_time(text: str, tz: tzinfo | None = None, on: date | None = None) -> time:
    """The wall-clock time in `text` (a date in it is ignored: see `parse_meet_moment`)."""
    return parse_meet_moment(text, tz, on)[0]


def parse_meet_moment(
    text: str, tz: tzinfo | None = None, on: date | None = None
) -> tuple[time, date | None]:
    """The wall-clock time in `text`, and the date it falls on when the text names one or a
    zone moves it (`12/2/2026 9:02:13 AM`; `9:02 AM EST` read in Sydney is the next day), else
    None: the caller compares that date with the day the report is imported for.

    A time with a zone (`9:02 AM EST`, `…Z`, `+00:00`) is converted to `tz` when given, on the
    date the text names, else on `on` (the report's day: it decides daylight saving time).
    """
    s = unicodedata.normalize("NFKC", text).strip()
    ampm = _AMPM_HOUR.search(s)
    if not _CLOCK.search(s) or (ampm is not None and not 1 <= int(ampm.group(1)) <= 12):
        raise ValueError(f"bad time {text!r}")
    default = datetime.combine(on or date(2000, 1, 1), time())
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            dt: datetime = _dateutil.parse(s, default=default, tzinfos=_ZONES)
            # parsed again with another default: a date the text names does not move
            other: datetime = _dateutil.parse(s, default=datetime(1999, 2, 3), tzinfos=_ZONES)
    except (ValueError, OverflowError):
        raise ValueError(f"bad time {text!r}") from None
    if caught:  # dateutil's UnknownTimezoneWarning: "9:02 AM XYZT" would be read as local
        raise ValueError(f"bad time {text!r}")
    named = dt.date() == other.date()
    if dt.tzinfo is not None and tz is not None:
        moved = dt.astimezone(tz)
        named = named or moved.date() != dt.date()
        dt = moved
    return dt.time().replace(microsecond=0, tzinfo=None), dt.date() if named else None


def parse_duration(text: str) -> timedelta:
    """`1:23:45`, `83:10` (minutes:seconds is never meant: H:MM), `1 hr 23 min`, `1h 5m`,
    `45 mins`, `90 min`, `30 sec`."""
    s = unicodedata.normalize("NFKC", text).strip().casefold()
    m = _DURATION_CLOCK.fullmatch(s)
    if m is not None:
        return timedelta(hours=int(m[1]), minutes=int(m[2]), seconds=int(m[3] or 0))
    parts = _DURATION_PART.findall(s)
    if not parts or _DURATION_PART.sub("", s).strip(" ,") != "":
        raise ValueError(f"bad duration {text!r}")
    total = timedelta()
    for amount, unit in parts:
        seconds = {"h": _HOUR, "m": 60, "s": 1}[unit[0]]
        total += timedelta(seconds=float(amount) * seconds)
    return total


def add_clamped(start: time, length: timedelta) -> time:
    """`start + length` on the same day, at most 23:59:59."""
    end = datetime.combine(date(2000, 1, 1), start) + length
    if end.date() != date(2000, 1, 1):
        return time(23, 59, 59)
    return end.time()
