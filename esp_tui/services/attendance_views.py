"""Attendance as the screens show it: an agent's day and week (flags, badges, points, the
ladder step, the note), and who has no stamp yet. Reads only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.attendance import (
    AttendanceEvent,
    LadderStep,
    day_badges,
    effective_events,
    evaluate_day,
    format_local,
    ladder_step,
    points_for_day,
)
from esp_tui.domain.models import Agent, Cohort
from esp_tui.services.agents import require_agent
from esp_tui.services.cohort_time import AttendanceError, check_day, day_window, zone_of
from storage import attendance as events_db
from storage import notes as notes_db
from storage.agents import list_agents


@dataclass(frozen=True)
class DayView:
    """One agent's day, ready to show."""

    agent_id: str
    day: int
    in_local: str | None  # "HH:MM" in the cohort zone
    out_local: str | None
    flags: tuple[str, ...]
    badges: tuple[str, ...]
    absence_kind: str | None
    away: timedelta
    note: str | None
    points: float  # this day's points
    has_stamp: bool  # any live in/out/absent event
    day_over: bool


@dataclass(frozen=True)
class AgentWeek:
    """An agent's cohort so far: every day, the raw event log, the points and the ladder step."""

    agent: Agent
    days: tuple[DayView, ...]  # day 1..cohort.days
    points: float
    step: LadderStep | None
    events: tuple[AttendanceEvent, ...] = field(default=())  # raw, undos included, id order

    def day(self, n: int) -> DayView:
        return self.days[n - 1]


class Days:
    """One call's view of the cohort days: windows computed once, and the view of a day
    without events computed once per day (most agent-days of a roster reload are empty)."""

    def __init__(self, config: Config, cohort: Cohort, now: datetime) -> None:
        self.config = config
        self.cohort = cohort
        self.now = now
        self.zone = zone_of(cohort)
        self._windows: dict[int, tuple[datetime, datetime]] = {}
        self._empty: dict[int, DayView] = {}

    def view(
        self, agent_id: str, day: int, events: Sequence[AttendanceEvent], note: str | None
    ) -> DayView:
        if events:
            return self._compute(agent_id, day, events, note)
        base = self._empty.get(day)
        if base is None:
            base = self._empty[day] = self._compute("", day, (), None)
        # positional copy: dataclasses.replace costs ~10x more, and this runs per agent-day
        b = base
        return DayView(
            agent_id, day, b.in_local, b.out_local, b.flags, b.badges, b.absence_kind,
            b.away, note, b.points, b.has_stamp, b.day_over,
        )  # fmt: skip

    def _compute(
        self, agent_id: str, day: int, events: Sequence[AttendanceEvent], note: str | None
    ) -> DayView:
        if day not in self._windows:
            self._windows[day] = day_window(self.cohort, day)
        start, end = self._windows[day]
        over = self.now >= end
        result = evaluate_day(
            events,
            scheduled_start=start,
            scheduled_end=end,
            config=self.config.attendance,
            day_over=over,
        )
        return DayView(
            agent_id=agent_id,
            day=day,
            in_local=format_local(result.first_in, self.zone) if result.first_in else None,
            out_local=format_local(result.last_out, self.zone) if result.last_out else None,
            flags=tuple(result.flags),
            badges=tuple(day_badges(result)),
            absence_kind=result.absence_kind if result.is_absent else None,
            away=result.away,
            note=note,
            points=points_for_day(result, self.config.attendance),
            has_stamp=bool(result.stamps),
            day_over=over,
        )

    def week(
        self, agent: Agent, events: Sequence[AttendanceEvent], notes: dict[int, str]
    ) -> AgentWeek:
        by_day: dict[int, list[AttendanceEvent]] = defaultdict(list)
        for e in events:
            by_day[e.day].append(e)
        days = tuple(
            self.view(agent.agent_id, d, by_day.get(d, ()), notes.get(d))
            for d in range(1, self.cohort.days + 1)
        )
        total = sum((v.points for v in days), 0.0)
        return AgentWeek(
            agent=agent,
            days=days,
            points=total,
            step=ladder_step(total, self.config.attendance),
            events=tuple(events),
        )


def agent_week(
    db: Database, config: Config, cohort: Cohort, agent_id: str, now: datetime
) -> AgentWeek:
    """One agent's whole cohort (two small queries)."""
    agent = require_agent(db, agent_id, AttendanceError)
    days = range(1, cohort.days + 1)
    events = events_db.events_for_agent(db, agent_id, days)
    notes = {d: t for d in days if (t := notes_db.get_note(db, agent_id, d)) is not None}
    return Days(config, cohort, now).week(agent, events, notes)


def cohort_weeks(
    db: Database, config: Config, cohort: Cohort, now: datetime
) -> dict[str, AgentWeek]:
    """Every active agent's week, in roster order (one query for events, one for notes)."""
    by_agent: dict[str, list[AttendanceEvent]] = defaultdict(list)
    for e in events_db.all_events(db):
        by_agent[e.agent_id].append(e)
    notes: dict[str, dict[int, str]] = defaultdict(dict)
    for (agent_id, day), text in notes_db.all_notes(db).items():
        notes[agent_id][day] = text
    days = Days(config, cohort, now)
    return {
        a.agent_id: days.week(a, by_agent.get(a.agent_id, ()), notes.get(a.agent_id, {}))
        for a in list_agents(db)
    }


def day_view(
    db: Database, config: Config, cohort: Cohort, agent_id: str, day: int, now: datetime
) -> DayView:
    check_day(cohort, day)
    events = events_db.events_for_agent(db, agent_id, [day])
    note = notes_db.get_note(db, agent_id, day)
    return Days(config, cohort, now).view(agent_id, day, events, note)


def live_stamp_agents(db: Database, day: int) -> set[str]:
    """Agents with a live in/out/absent event on the day."""
    by_agent: dict[str, list[AttendanceEvent]] = defaultdict(list)
    for e in events_db.events_for_day(db, day):
        by_agent[e.agent_id].append(e)
    return {a for a, evs in by_agent.items() if effective_events(evs)}


def agents_without_stamp(
    db: Database, cohort: Cohort, day: int, agent_ids: Iterable[str] | None = None
) -> list[str]:
    """Active agents (of `agent_ids`, if given) with no live stamp or mark on the day."""
    check_day(cohort, day)
    stamped = live_stamp_agents(db, day)
    pool = [a.agent_id for a in list_agents(db)]
    if agent_ids is not None:
        wanted = set(agent_ids)
        pool = [a for a in pool if a in wanted]
    return [a for a in pool if a not in stamped]
