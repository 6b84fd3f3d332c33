"""Cohort time in the cohort's own zone: the pure rules of domain/cohort_time.py, each given the
zone the cohort's timezone setting resolves to ("local" is this machine's, clock.py).

The signatures are the ones screens and the CLI use: a cohort, a day, now.
"""

from __future__ import annotations

from datetime import datetime

from esp_tui.clock import zone_of as zone_of
from esp_tui.domain import cohort_time as rules
from esp_tui.domain.cohort_time import FUTURE_SLACK as FUTURE_SLACK
from esp_tui.domain.cohort_time import AttendanceError as AttendanceError
from esp_tui.domain.cohort_time import at_field as at_field
from esp_tui.domain.cohort_time import check_day as check_day
from esp_tui.domain.models import Cohort


def day_window(cohort: Cohort, day: int) -> tuple[datetime, datetime]:
    """Scheduled start and end of a cohort day, aware in the cohort zone (DST-safe)."""
    return rules.day_window(cohort, day, zone_of(cohort))


def is_day_over(cohort: Cohort, day: int, now: datetime) -> bool:
    """True once now is past the day's scheduled end (a past day is over too)."""
    return rules.is_day_over(cohort, day, now, zone_of(cohort))


def is_today(cohort: Cohort, day: int, now: datetime) -> bool:
    return rules.is_today(cohort, day, now, zone_of(cohort))


def today_or_error(cohort: Cohort, now: datetime) -> int:
    """Today's cohort day; outside the cohort week there is no "today" to stamp."""
    return rules.today_or_error(cohort, now, zone_of(cohort))


def resolve_at(cohort: Cohort, day: int, now: datetime, hhmm: str | None = None) -> datetime:
    """When a stamp happened: the typed HH:MM on that day, else now's wall time on that day."""
    return rules.resolve_at(cohort, day, now, zone_of(cohort), hhmm)


def check_not_future(
    cohort: Cohort, day: int, when: datetime, now: datetime, field: str = "at"
) -> None:
    """Refuse an in/out stamp later than now (+ slack): a stamp records what happened."""
    rules.check_not_future(day, when, now, zone_of(cohort), field)
