"""Core domain models: the cohort, its schedule and its agents (pure: pydantic + stdlib)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

COHORT_DAYS = 5


class DaySchedule(BaseModel):
    """Scheduled start and end of one cohort day, in cohort-local time."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    start: time = time(9, 0)
    end: time = time(17, 0)

    @model_validator(mode="after")
    def _start_before_end(self) -> DaySchedule:
        if self.end <= self.start:
            raise ValueError(f"end {self.end:%H:%M} must be after start {self.start:%H:%M}")
        return self


class Schedule(BaseModel):
    """The default day plus per-day overrides (keyed by day number)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    default: DaySchedule = DaySchedule()
    days: dict[int, DaySchedule] = Field(default_factory=dict)

    def for_day(self, day: int) -> DaySchedule:
        return self.days.get(day, self.default)


class Cohort(BaseModel):
    """A one-week ESP cohort: day 1 is `start_date`; the following days are the next weekdays
    (Saturdays and Sundays are skipped unless `weekdays_only` is off)."""

    model_config = ConfigDict(defer_build=True)

    name: str
    start_date: date
    timezone: str
    days: int = COHORT_DAYS
    schedule: Schedule = Schedule()
    is_demo: bool = False
    weekdays_only: bool = True
    id: int | None = None  # set once stored
    state: Literal["active", "closed"] = "active"  # closed: stamps and notes are read-only

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    @property
    def stored_id(self) -> int:
        """The id of a cohort read from or written to the database (a new one has none yet)."""
        if self.id is None:
            raise ValueError(f"cohort '{self.name}' is not stored yet: it has no id")
        return self.id

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("cohort name must not be empty")
        return v

    def dates(self) -> list[date]:
        """The calendar date of each cohort day, day 1 first."""
        out = [self.start_date]
        d = self.start_date
        while len(out) < self.days:
            d += timedelta(days=1)
            if self.weekdays_only and d.weekday() >= 5:
                continue
            out.append(d)
        return out

    def date_of(self, day: int) -> date:
        if not 1 <= day <= self.days:
            raise ValueError(f"day {day} is outside 1..{self.days}")
        return self.dates()[day - 1]

    def day_of(self, on: date) -> int | None:
        """The cohort day number of a date, or None outside the cohort's days (weekends too)."""
        try:
            return self.dates().index(on) + 1
        except ValueError:
            return None

    def current_day(self, today: date) -> int:
        """The day the TL works on: today's number; on a weekend inside the week, the last day
        before it; clamped into 1..days."""
        passed = sum(1 for d in self.dates() if d <= today)
        return min(max(passed, 1), self.days)


class Agent(BaseModel):
    model_config = ConfigDict(defer_build=True)

    agent_id: str
    name: str
    email: str
    team: str = ""
    active: bool = True


class ImportCounts(BaseModel):
    model_config = ConfigDict(defer_build=True)

    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
