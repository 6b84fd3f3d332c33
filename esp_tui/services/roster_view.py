"""The roster's row view model: what each row shows, computed from storage + the pure rules.

The screen only renders `RosterRow`s. Features that own a column (progress, where) fill it in
`fill_extras` below with one line each; a stamp repaints only the attendance fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Cohort
from esp_tui.services.attendance import AgentWeek, agent_week, cohort_weeks


@dataclass(slots=True)
class RosterRow:
    agent_id: str
    name: str
    team: str
    email: str = ""
    # attendance, for the viewed day (times in the cohort zone, "" when none)
    in_time: str = ""
    out_time: str = ""
    flags: tuple[str, ...] = ()
    badges: tuple[str, ...] = ()
    absence_kind: str | None = None
    away: timedelta = timedelta(0)
    has_stamp: bool = False
    note: str | None = None
    # the Attendance Policy, over the whole cohort
    points: float = 0.0
    step: str | None = None  # the ladder step crossed, e.g. "verbal warning"
    step_rank: int = 0  # 1 = first ladder step, 0 = none (drives the highlight colour)
    # filled by other features in fill_extras
    progress: str = ""
    behind: bool = False
    where: str = ""
    number: int = 0  # 1-based roster position: typing it on the roster jumps to the row

    @property
    def has_note(self) -> bool:
        return bool(self.note)

    def matches(self, text: str) -> bool:
        """The `/` filter: a case-insensitive substring of name, id or team."""
        needle = text.strip().casefold()
        return not needle or any(
            needle in v.casefold() for v in (self.name, self.agent_id, self.team)
        )


def _apply_week(row: RosterRow, week: AgentWeek, day: int, config: Config) -> None:
    v = week.day(day)
    row.in_time = v.in_local or ""
    row.out_time = v.out_local or ""
    row.flags = v.flags
    row.badges = v.badges
    row.absence_kind = v.absence_kind
    row.away = v.away
    row.has_stamp = v.has_stamp
    row.note = v.note
    row.points = week.points
    row.step = week.step.name if week.step else None
    row.step_rank = config.attendance.ladder.index(week.step) + 1 if week.step else 0


def _row(week: AgentWeek, day: int, config: Config) -> RosterRow:
    a = week.agent
    row = RosterRow(agent_id=a.agent_id, name=a.name, team=a.team, email=a.email)
    _apply_week(row, week, day, config)
    return row


def fill_extras(
    db: Database,
    config: Config,
    cohort: Cohort,
    day: int,
    now: datetime,
    rows: dict[str, RosterRow],
) -> None:
    """Features fill their own fields here (progress/behind, where), one call each.

    `rows` holds every row on a reload and a single row on a repaint: query in bulk.
    """
    from esp_tui.services.progress import progress_by_agent
    from esp_tui.services.rooms import where_by_agent

    where = where_by_agent(db)  # the side room each agent is in ("" = the main Meet)
    for agent_id, row in rows.items():
        row.where = where.get(agent_id, "")
    progress = progress_by_agent(db, config, now=now)  # passed/total vs the timeframe
    for agent_id, row in rows.items():
        if (p := progress.get(agent_id)) is not None:
            row.progress, row.behind = f"{p.passed}/{p.total}", bool(p.behind)


def roster_rows(
    db: Database, config: Config, cohort: Cohort, day: int, now: datetime
) -> list[RosterRow]:
    """Every active agent's row for the viewed day, in roster order."""
    rows = {aid: _row(w, day, config) for aid, w in cohort_weeks(db, config, cohort, now).items()}
    fill_extras(db, config, cohort, day, now, rows)
    for n, row in enumerate(rows.values(), start=1):
        row.number = n
    return list(rows.values())


def roster_row(
    db: Database, config: Config, cohort: Cohort, day: int, now: datetime, agent_id: str
) -> RosterRow:
    """One agent's full row (after an action that may change any column)."""
    from storage.agents import list_agents

    rows = {agent_id: _row(agent_week(db, config, cohort, agent_id, now), day, config)}
    fill_extras(db, config, cohort, day, now, rows)
    order = [a.agent_id for a in list_agents(db)]
    rows[agent_id].number = order.index(agent_id) + 1 if agent_id in order else 0
    return rows[agent_id]


def refresh_attendance(
    db: Database, config: Config, cohort: Cohort, day: int, now: datetime, row: RosterRow
) -> RosterRow:
    """Recompute only the attendance fields of a row in place (the per-stamp fast path)."""
    _apply_week(row, agent_week(db, config, cohort, row.agent_id, now), day, config)
    return row
