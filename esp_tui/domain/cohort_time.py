"""Cohort time, pure: the days' windows in the cohort's zone, "today", typed stamp times, and
the rule that a stamp records what happened (never the future). No I/O, no database.

Every rule takes the cohort's zone: a cohort's timezone may be "local" (this machine's zone),
which only the service layer can read (clock.py; services/cohort_time.py binds these
rules to the cohort's resolved zone).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from esp_tui.domain.attendance import format_local, local_datetime, parse_hhmm
from esp_tui.domain.models import Cohort


class AttendanceError(ValueError):
    """Bad input for an attendance action; str() is one line naming the field. Nothing written."""


def day_window(cohort: Cohort, day: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """Scheduled start and end of a cohort day, aware in the cohort zone (DST-safe)."""
    hours = cohort.schedule.for_day(day)
    d = cohort.date_of(day)
    return local_datetime(d, hours.start, zone), local_datetime(d, hours.end, zone)


def is_day_over(cohort: Cohort, day: int, now: datetime, zone: tzinfo) -> bool:
    """True once now is past the day's scheduled end (a past day is over too)."""
    return now >= day_window(cohort, day, zone)[1]


def is_today(cohort: Cohort, day: int, now: datetime, zone: tzinfo) -> bool:
    return cohort.day_of(now.astimezone(zone).date()) == day


def today_or_error(cohort: Cohort, now: datetime, zone: tzinfo) -> int:
    """Today's cohort day; outside the cohort week there is no "today" to stamp."""
    local = now.astimezone(zone).date()
    day = cohort.day_of(local)
    if day is None:
        raise AttendanceError(
            f"day: today ({local}) is not a day of the cohort"
            f" ({cohort.date_of(1)}..{cohort.date_of(cohort.days)}); pass the day"
        )
    return day


def resolve_at(
    cohort: Cohort, day: int, now: datetime, zone: tzinfo, hhmm: str | None = None
) -> datetime:
    """When a stamp happened: the typed HH:MM on that day, else now's wall time on that day."""
    if hhmm is not None:
        try:
            t = parse_hhmm(hhmm)
        except ValueError:
            raise AttendanceError(f"at {hhmm!r}: bad time, expected HH:MM (24h)") from None
    else:
        local_now = now.astimezone(zone)
        if local_now.date() == cohort.date_of(day):
            return local_now
        t = local_now.time().replace(microsecond=0)
    return local_datetime(cohort.date_of(day), t, zone)


# A typed HH:MM has minute resolution: "09:15" typed at 09:14:30 is "now", not the future.
FUTURE_SLACK = timedelta(minutes=1)


def at_field(at: str | datetime | None, day: int, when: datetime, zone: tzinfo) -> str:
    """The field an error about a stamp time names: the typed time, or the day stamped."""
    if isinstance(at, str):
        return f"at {at!r}"
    if isinstance(at, datetime):
        return f"at {format_local(when, zone)}"
    return f"day {day}"


def check_not_future(
    day: int, when: datetime, now: datetime, zone: tzinfo, field: str = "at"
) -> None:
    """Refuse an in/out stamp later than now (+ slack): a stamp records what happened."""
    if when > now + FUTURE_SLACK:
        raise AttendanceError(
            f"{field}: day {day} {format_local(when, zone)} is in the future"
            f" (now {now.astimezone(zone):%a %H:%M})"
        )


def check_day(cohort: Cohort, day: int) -> None:
    if not 1 <= day <= cohort.days:
        raise AttendanceError(f"day {day}: outside the cohort's days 1..{cohort.days}")
