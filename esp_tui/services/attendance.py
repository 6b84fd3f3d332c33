"""Attendance actions (stamp, absence mark, undo, bulk in, note, Meet import) and day views.

Every action is ONE transaction and returns an `Action`: the event ids it appended, so the
screen can undo it as a unit (an undo appends undo events; nothing is ever deleted).
Times are entered and shown in the cohort's timezone and stored in UTC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.attendance import (
    ABSENCE_KINDS,
    ABSENT,
    UNRESPONSIVE,
    AttendanceEvent,
    LadderStep,
    day_badges,
    effective_events,
    evaluate_day,
    format_local,
    ladder_step,
    local_datetime,
    parse_hhmm,
    points_for_day,
)
from esp_tui.domain.models import Agent, Cohort
from storage import attendance as events_db
from storage import notes as notes_db
from storage.agents import get_agent, list_agents

if TYPE_CHECKING:
    from esp_tui.domain.meet_report import Proposal

StampKind = Literal["in", "out", "absent"]
STAMP_KINDS: tuple[StampKind, ...] = ("in", "out", "absent")


class AttendanceError(ValueError):
    """Bad input for an attendance action; str() is one line naming the field. Nothing written."""


@dataclass(frozen=True)
class Action:
    """One undoable action of this run: the events it appended."""

    label: str
    event_ids: tuple[int, ...]
    agent_ids: tuple[str, ...]
    day: int


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


@dataclass(frozen=True)
class StampResult:
    action: Action
    view: DayView  # the stamped day, after the stamp
    message: str  # the toast: "Kai Everly · in 09:14 · late 10+"


@dataclass(frozen=True)
class MeetPreview:
    """What a Meet report proposes, before anything is written."""

    proposals: tuple[Proposal, ...]
    unmatched: tuple[str, ...]
    names: dict[str, str]  # agent_id -> name


def meet_defaults(
    db: Database, cohort: Cohort, day: int, preview: MeetPreview, now: datetime
) -> tuple[set[str], set[str], bool]:
    """What the review screen starts with: (ticked agent ids, agents already stamped that day,
    include outs). Agents already stamped start unticked (the TL's own stamps come first), and
    outs are proposed only once the day is over (a mid-day report would fake early leaves)."""
    stamped = set(preview.names) - set(agents_without_stamp(db, cohort, day))
    chosen = {p.agent_id for p in preview.proposals if p.agent_id not in stamped}
    return chosen, stamped, is_day_over(cohort, day, now)


# --- time -----


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    from esp_tui.services.clock import cohort_zone

    return cohort_zone(name)


def zone_of(cohort: Cohort) -> ZoneInfo:
    return _zone(cohort.timezone)


def day_window(cohort: Cohort, day: int) -> tuple[datetime, datetime]:
    """Scheduled start and end of a cohort day, aware in the cohort zone (DST-safe)."""
    zone = zone_of(cohort)
    hours = cohort.schedule.for_day(day)
    d = cohort.date_of(day)
    return local_datetime(d, hours.start, zone), local_datetime(d, hours.end, zone)


def is_day_over(cohort: Cohort, day: int, now: datetime) -> bool:
    """True once now is past the day's scheduled end (a past day is over too)."""
    return now >= day_window(cohort, day)[1]


def is_today(cohort: Cohort, day: int, now: datetime) -> bool:
    return cohort.day_of(now.astimezone(zone_of(cohort)).date()) == day


def today_or_error(cohort: Cohort, now: datetime) -> int:
    """Today's cohort day; outside the cohort week there is no "today" to stamp."""
    local = now.astimezone(zone_of(cohort)).date()
    day = cohort.day_of(local)
    if day is None:
        raise AttendanceError(
            f"day: today ({local}) is not a day of the cohort"
            f" ({cohort.date_of(1)}..{cohort.date_of(cohort.days)}); pass the day"
        )
    return day


def resolve_at(cohort: Cohort, day: int, now: datetime, hhmm: str | None = None) -> datetime:
    """When a stamp happened: the typed HH:MM on that day, else now's wall time on that day."""
    zone = zone_of(cohort)
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


def _at_field(at: str | datetime | None, day: int, when: datetime, zone: ZoneInfo) -> str:
    """The field an error about a stamp time names: the typed time, or the day stamped."""
    if isinstance(at, str):
        return f"at {at!r}"
    if isinstance(at, datetime):
        return f"at {format_local(when, zone)}"
    return f"day {day}"


def check_not_future(
    cohort: Cohort, day: int, when: datetime, now: datetime, field: str = "at"
) -> None:
    """Refuse an in/out stamp later than now (+ slack): a stamp records what happened."""
    if when > now + FUTURE_SLACK:
        zone = zone_of(cohort)
        raise AttendanceError(
            f"{field}: day {day} {format_local(when, zone)} is in the future"
            f" (now {now.astimezone(zone):%a %H:%M})"
        )


# --- validation -----


def _check_day(cohort: Cohort, day: int) -> None:
    if not 1 <= day <= cohort.days:
        raise AttendanceError(f"day {day}: outside the cohort's days 1..{cohort.days}")


def _check_agent(db: Database, agent_id: str) -> Agent:
    agent = get_agent(db, agent_id)
    if agent is None:
        raise AttendanceError(f"agent {agent_id!r}: no such agent id in the roster")
    return agent


def _check_kind(kind: str, absence_kind: str | None) -> None:
    if kind not in STAMP_KINDS:
        raise AttendanceError(f"kind {kind!r}: expected one of {', '.join(STAMP_KINDS)}")
    if absence_kind is not None:
        if kind != "absent":
            raise AttendanceError(f"absence kind {absence_kind!r}: only for 'absent'")
        if absence_kind not in ABSENCE_KINDS:
            raise AttendanceError(
                f"absence kind {absence_kind!r}: expected one of {', '.join(ABSENCE_KINDS)}"
            )


# --- views -----


class _Days:
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
    agent = _check_agent(db, agent_id)
    days = range(1, cohort.days + 1)
    events = events_db.events_for_agent(db, agent_id, days)
    notes = {d: t for d in days if (t := notes_db.get_note(db, agent_id, d)) is not None}
    return _Days(config, cohort, now).week(agent, events, notes)


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
    days = _Days(config, cohort, now)
    return {
        a.agent_id: days.week(a, by_agent.get(a.agent_id, ()), notes.get(a.agent_id, {}))
        for a in list_agents(db)
    }


def day_view(
    db: Database, config: Config, cohort: Cohort, agent_id: str, day: int, now: datetime
) -> DayView:
    _check_day(cohort, day)
    events = events_db.events_for_agent(db, agent_id, [day])
    note = notes_db.get_note(db, agent_id, day)
    return _Days(config, cohort, now).view(agent_id, day, events, note)


def _live_stamp_agents(db: Database, day: int) -> set[str]:
    """Agents with a live in/out/absent event on the day."""
    by_agent: dict[str, list[AttendanceEvent]] = defaultdict(list)
    for e in events_db.events_for_day(db, day):
        by_agent[e.agent_id].append(e)
    return {a for a, evs in by_agent.items() if effective_events(evs)}


def agents_without_stamp(
    db: Database, cohort: Cohort, day: int, agent_ids: Iterable[str] | None = None
) -> list[str]:
    """Active agents (of `agent_ids`, if given) with no live stamp or mark on the day."""
    _check_day(cohort, day)
    stamped = _live_stamp_agents(db, day)
    pool = [a.agent_id for a in list_agents(db)]
    if agent_ids is not None:
        wanted = set(agent_ids)
        pool = [a for a in pool if a in wanted]
    return [a for a in pool if a not in stamped]


# --- actions -----


def _agents(n: int) -> str:
    return f"{n} agent" if n == 1 else f"{n} agents"


def _describe(
    name: str,
    day: int,
    view: DayView,
    kind: str,
    at_local: str,
    today: bool,
    in_since: str | None = None,
) -> str:
    parts = [name]
    if not today:
        parts.append(f"day {day}")
    if kind == "absent":
        kind_text = view.absence_kind or ABSENT
        parts.append("absent" if kind_text == ABSENT else f"absent {kind_text}")
    else:
        parts.append(f"{kind} {at_local}")
        if in_since is not None:
            parts.append(f"already in since {in_since}")
        # First in and last out decide: say so when this stamp is not the one that counts.
        if kind == "in" and view.in_local and view.in_local not in (at_local, in_since):
            parts.append(f"first in stays {view.in_local}")
        if kind == "out" and view.out_local != at_local:
            parts.append(f"last out {view.out_local}" if view.out_local else "back in later")
        parts.extend(b.lower() for b in view.badges)
    return " · ".join(parts)


def _check_in_out_order(
    name: str,
    day: int,
    kind: str,
    when: datetime,
    events: Sequence[AttendanceEvent],
    field: str,
    cohort: Cohort,
) -> datetime | None:
    """Refuse an `out` before the day's first `in`; for an `in`, when the agent has been in
    since if they already were at `when` (last in/out at or before it is an `in`), else None."""
    stamps = sorted(
        (e for e in effective_events(events) if e.kind in ("in", "out")),
        key=lambda e: (e.at, e.id),
    )
    ins = [e.at for e in stamps if e.kind == "in"]
    if kind == "out" and ins and when < ins[0]:
        zone = zone_of(cohort)
        raise AttendanceError(
            f"{field}: out {format_local(when, zone)} is before {name}'s first in"
            f" {format_local(ins[0], zone)} on day {day}"
        )
    if kind != "in":
        return None
    earlier = [e for e in stamps if e.at <= when]
    return earlier[-1].at if earlier and earlier[-1].kind == "in" else None


def stamp(
    db: Database,
    config: Config,
    cohort: Cohort,
    agent_id: str,
    kind: str,
    *,
    day: int,
    now: datetime,
    at: str | datetime | None = None,
    absence_kind: str | None = None,
    entered_by: str = "tl",
) -> StampResult:
    """Stamp in/out or mark absent, at `at` (HH:MM on the day, or an aware datetime) or now.

    An `in` clears a live absent/ncns/excused mark of that day in the same transaction (the
    agent turned up after all); an `unresponsive` mark stays, the agent was there.
    An in/out later than now (+1 min) or an `out` before the day's first `in` is refused;
    an `in` while already in is kept and the message says "already in since HH:MM".
    """
    _check_kind(kind, absence_kind)
    _check_day(cohort, day)
    when = at if isinstance(at, datetime) else resolve_at(cohort, day, now, at)
    if when.tzinfo is None:
        raise AttendanceError(f"at {when.isoformat()}: a naive time, expected timezone-aware")
    in_since: datetime | None = None
    # The checks read inside the (IMMEDIATE) write transaction: another esp-tui writing the
    # same agent between our check and our write cannot slip an event in between.
    with db.atomic():
        agent = _check_agent(db, agent_id)
        if kind != "absent":  # marking an absence ahead (an excused day off) is fine
            field = _at_field(at, day, when, zone_of(cohort))
            check_not_future(cohort, day, when, now, field)
            before = events_db.events_for_agent(db, agent_id, [day])
            in_since = _check_in_out_order(agent.name, day, kind, when, before, field, cohort)
        appended = [
            events_db.append_event(
                db,
                agent_id=agent_id,
                day=day,
                kind=kind,
                at=when,
                absence_kind=(absence_kind or ABSENT) if kind == "absent" else None,
                entered_by=entered_by,
            )
        ]
        day_events = events_db.events_for_agent(db, agent_id, [day])
        if kind == "in":
            cleared = [
                e.id
                for e in effective_events(day_events)
                if e.kind == "absent" and e.absence_kind != UNRESPONSIVE
            ]
            if cleared:
                undos = events_db.append_undos(db, cleared, at=when)
                appended += undos
                day_events = events_db.events_for_agent(db, agent_id, [day])
    note = notes_db.get_note(db, agent_id, day)
    view = _Days(config, cohort, now).view(agent_id, day, day_events, note)
    message = _describe(
        agent.name,
        day,
        view,
        kind,
        format_local(when, zone_of(cohort)),
        is_today(cohort, day, now),
        format_local(in_since, zone_of(cohort)) if in_since else None,
    )
    if len(appended) > 1:
        message += " · absence mark cleared"
    action = Action(
        label=message,
        event_ids=tuple(e.id for e in appended),
        agent_ids=(agent_id,),
        day=day,
    )
    return StampResult(action=action, view=view, message=message)


def undo(db: Database, action: Action, now: datetime) -> Action:
    """Cancel an action by appending one undo event per event it appended (one transaction)."""
    with db.atomic():
        undos = events_db.append_undos(db, action.event_ids, at=now)
    return Action(
        label=f"undo: {action.label}",
        event_ids=tuple(u.id for u in undos),
        agent_ids=action.agent_ids,
        day=action.day,
    )


def bulk_in(
    db: Database,
    config: Config,
    cohort: Cohort,
    day: int,
    now: datetime,
    agent_ids: Iterable[str] | None = None,
) -> Action:
    """Stamp every agent with no stamp on the day in at the scheduled start (one transaction)."""
    start, _ = day_window(cohort, day)
    with db.atomic():
        todo = agents_without_stamp(db, cohort, day, agent_ids)
        appended = [
            events_db.append_event(db, agent_id=a, day=day, kind="in", at=start) for a in todo
        ]
    zone = zone_of(cohort)
    return Action(
        label=f"{_agents(len(appended))} in at {format_local(start, zone)} (day {day})",
        event_ids=tuple(e.id for e in appended),
        agent_ids=tuple(todo),
        day=day,
    )


def note_problem(text: str) -> str | None:
    """None when `text` can be an agent's note, else the one line saying why not: a note is a
    cell of the tracker sheet, which holds at most 50,000 characters (the note editors in the
    app validate with this, keeping the text; the CLI exits 2)."""
    from esp_tui.domain.limits import cell_text_problem

    return cell_text_problem(text.strip(), "the note")


class NoteChanged(AttendanceError):
    """The note changed in the database (another esp-tui, the CLI) while the editor was open."""

    def __init__(self, message: str, current: str | None) -> None:
        super().__init__(message)
        self.current = current


def current_note(db: Database, agent_id: str, day: int) -> str | None:
    """The note as the database holds it now (what an editor must open with)."""
    return notes_db.get_note(db, agent_id, day)


def set_note(
    db: Database,
    cohort: Cohort,
    agent_id: str,
    day: int,
    text: str,
    *,
    expected: str | object | None = ...,
) -> None:
    """Write an agent's note for a day (empty text clears it), history kept; one transaction.
    A note too long for its sheet cell is refused (AttendanceError), nothing written.
    With `expected` (the note the editor opened with), a note that changed meanwhile in the
    database is not overwritten: NoteChanged, nothing written."""
    problem = note_problem(text)
    if problem:
        raise AttendanceError(problem)
    _check_day(cohort, day)
    with db.atomic():
        agent = _check_agent(db, agent_id)
        if expected is not ...:
            now_there = notes_db.get_note(db, agent_id, day)
            if (now_there or "") != (expected or ""):
                raise NoteChanged(
                    f"{agent.name}'s day {day} note changed while you typed (another esp-tui"
                    " or the CLI wrote it): nothing saved; your text is kept, the new note is"
                    " shown",
                    now_there,
                )
        notes_db.set_note(db, agent_id, day, text)


# --- Google Meet attendance report -----


def preview_meet_report(db: Database, cohort: Cohort, path: Path) -> MeetPreview:
    """Parse a Meet report and match it to the roster; nothing is written."""
    from esp_tui.domain.meet_report import MeetReportError, parse_meet_report, propose_stamps

    try:
        text = path.read_text("utf-8-sig")
    except OSError as e:
        raise AttendanceError(f"{path}: cannot read the file: {e.strerror}") from None
    except UnicodeDecodeError:
        raise AttendanceError(f"{path}: not a UTF-8 text file") from None
    try:
        rows = parse_meet_report(text, str(path), zone_of(cohort))
    except MeetReportError as e:
        raise AttendanceError(str(e)) from None
    agents = list_agents(db)
    proposals, unmatched = propose_stamps(rows, [(a.agent_id, a.name, a.email) for a in agents])
    return MeetPreview(
        proposals=tuple(proposals),
        unmatched=tuple(unmatched),
        names={a.agent_id: a.name for a in agents},
    )


def accept_meet_proposals(
    db: Database,
    cohort: Cohort,
    day: int,
    proposals: Iterable[Proposal],
    *,
    include_out: bool = True,
) -> Action:
    """Stamp in at first seen (and out at last seen) for each accepted proposal; one transaction."""
    _check_day(cohort, day)
    zone = zone_of(cohort)
    d = cohort.date_of(day)
    chosen = list(proposals)
    for p in chosen:
        _check_agent(db, p.agent_id)
    appended: list[AttendanceEvent] = []
    with db.atomic():
        for p in chosen:
            stamps = [("in", p.first_seen)] + ([("out", p.last_seen)] if include_out else [])
            for kind, seen in stamps:
                appended.append(
                    events_db.append_event(
                        db,
                        agent_id=p.agent_id,
                        day=day,
                        kind=kind,
                        at=local_datetime(d, seen, zone),
                        entered_by="meet",
                    )
                )
    return Action(
        label=f"Meet report: {_agents(len(chosen))} stamped (day {day})",
        event_ids=tuple(e.id for e in appended),
        agent_ids=tuple(p.agent_id for p in chosen),
        day=day,
    )
