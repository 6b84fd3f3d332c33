"""The app's notion of "now", in the cohort's timezone (injectable for tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def cohort_zone(name: str) -> ZoneInfo:
    from esp_tui.domain.attendance import resolve_timezone

    return resolve_timezone(name)
