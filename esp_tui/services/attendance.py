"""Attendance actions: stamp, absence mark, undo, bulk in, note (corrections of one stamp, the
void and the replace, are in attendance_fix.py).

Every action is ONE transaction and returns an `Action`: the event ids it appended, so the
screen can undo it as a unit (an undo appends undo events; nothing is ever deleted).
Times are entered and shown in the cohort's timezone and stored in UTC. Cohort time is in
services/cohort_time.py (its rules in domain/cohort_time.py), the day and week views in
attendance_views.py, the Meet report in meet_import.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.attendance import (
    ABSENCE_KINDS,
    ABSENT,
    UNRESPONSIVE,
    AttendanceEvent,
    effective_events,
    format_local,
)
from esp_tui.domain.models import Agent, Cohort
from esp_tui.services.agents import require_agent
from esp_tui.services.attendance_views import AgentWeek as AgentWeek
from esp_tui.services.attendance_views import Days, DayView
from esp_tui.services.attendance_views import agent_week as agent_week
from esp_tui.services.attendance_views import agents_without_stamp as agents_without_stamp
from esp_tui.services.attendance_views import cohort_weeks as cohort_weeks
from esp_tui.services.attendance_views import day_view as day_view
from esp_tui.services.cohort_time import FUTURE_SLACK as FUTURE_SLACK
from esp_tui.services.cohort_time import AttendanceError as AttendanceError
from esp_tui.services.cohort_time import at_field, check_day, check_not_future, resolve_at
from esp_tui.services.cohort_time import day_window as day_window
from esp_tui.services.cohort_time import is_day_over as is_day_over
from esp_tui.services.cohort_time import is_today as is_today
from esp_tui.services.cohort_time import today_or_error as today_or_error
from esp_tui.services.cohort_time import zone_of as zone_of
from storage import attendance as events_db
from storage import notes as notes_db

StampKind = Literal["in", "out", "absent"]
STAMP_KINDS: tuple[StampKind, ...] = ("in", "out", "absent")


@dataclass(frozen=True)
class Action:
    """One undoable action of this run: the events it appended."""

    label: str
    event_ids: tuple[int, ...]
    agent_ids: tuple[str, ...]
    day: int


class AlreadyIn(AttendanceError):
    """An `in` for an agent who is already in at that time (the bulk `I` or any in): nothing is
    written; `stamp(..., replace=True)` voids `target` and stamps the new time instead."""

    def __init__(self, message: str, target: AttendanceEvent, in_local: str) -> None:
        super().__init__(message)
        self.target = target
        self.in_local = in_local


@dataclass(frozen=True)
class StampResult:
    action: Action
    view: DayView  # the stamped day, after the stamp
    message: str  # the toast: "Kai Everly · in 09:14 · late 10+"


# --- validation -----


def _check_agent(db: Database, agent_id: str) -> Agent:
    return require_agent(db, agent_id, AttendanceError)


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
    replaced: str | None = None,
) -> str:
    parts = [name]
    if not today:
        parts.append(f"day {day}")
    if kind == "absent":
        kind_text = view.absence_kind or ABSENT
        parts.append("absent" if kind_text == ABSENT else f"absent {kind_text}")
    else:
        parts.append(f"{kind} {at_local}")
        if replaced is not None:
            parts.append(f"replaces {replaced}")
        # First in and last out decide: say so when this stamp is not the one that counts.
        if kind == "in" and view.in_local and view.in_local != at_local:
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
) -> AttendanceEvent | None:
    """Refuse an `out` before the day's first `in`. For an `in`, the in it would duplicate: the
    in the agent is in since at `when` (last in/out at or before it is an `in`), or the first in
    when `when` is before it (the new time would silently take its place); else None."""
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
    if not earlier:
        return next((e for e in stamps if e.kind == "in"), None)
    return earlier[-1] if earlier[-1].kind == "in" else None


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
    replace: bool = False,
) -> StampResult:
    """Stamp in/out or mark absent, at `at` (HH:MM on the day, or an aware datetime) or now.

    An `in` clears a live absent/ncns/excused mark of that day in the same transaction (the
    agent turned up after all); an `unresponsive` mark stays, the agent was there.
    An in/out later than now (+1 min) or an `out` before the day's first `in` is refused.
    An `in` for an agent already in at that time (after `I`, say), or before their first in,
    raises AlreadyIn with nothing written; with `replace`, the same transaction voids that in
    (reason "replaced by in HH:MM") and stamps the new time: one action, undone as one.
    """
    _check_kind(kind, absence_kind)
    check_day(cohort, day)
    when = at if isinstance(at, datetime) else resolve_at(cohort, day, now, at)
    if when.tzinfo is None:
        raise AttendanceError(f"at {when.isoformat()}: a naive time, expected timezone-aware")
    duplicate: AttendanceEvent | None = None
    zone = zone_of(cohort)
    # The checks read inside the (IMMEDIATE) write transaction: another esp-tui writing the
    # same agent between our check and our write cannot slip an event in between.
    with db.atomic():
        agent = _check_agent(db, agent_id)
        if kind != "absent":  # marking an absence ahead (an excused day off) is fine
            field = at_field(at, day, when, zone_of(cohort))
            check_not_future(cohort, day, when, now, field)
            before = events_db.events_for_agent(db, agent_id, [day])
            duplicate = _check_in_out_order(agent.name, day, kind, when, before, field, cohort)
        appended: list[AttendanceEvent] = []
        if duplicate is not None:
            old = format_local(duplicate.at, zone)
            if not replace:
                raise AlreadyIn(
                    f"{agent.name} is already in since {old} on day {day}: nothing written"
                    f" (replace that in with in {format_local(when, zone)}?)",
                    duplicate,
                    old,
                )
            appended.append(
                events_db.append_void(
                    db,
                    duplicate,
                    reason=f"replaced by in {format_local(when, zone)}",
                    at=now,
                    entered_by=entered_by,
                )
            )
        appended.append(
            events_db.append_event(
                db,
                agent_id=agent_id,
                day=day,
                kind=kind,
                at=when,
                absence_kind=(absence_kind or ABSENT) if kind == "absent" else None,
                entered_by=entered_by,
            )
        )
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
    view = Days(config, cohort, now).view(agent_id, day, day_events, note)
    message = _describe(
        agent.name,
        day,
        view,
        kind,
        format_local(when, zone_of(cohort)),
        is_today(cohort, day, now),
        format_local(duplicate.at, zone) if duplicate else None,
    )
    if any(e.kind == "undo" and not e.is_void for e in appended):
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


def bulk_in_time(cohort: Cohort, day: int, now: datetime) -> datetime:
    """When `I` stamps everyone in: the day's scheduled start, or now when the start has not
    come yet today (a stamp records what happened: never a time not yet reached). A day whose
    start is still ahead and that is not today is refused like any future stamp."""
    start, _ = day_window(cohort, day)
    if start <= now:
        return start
    if is_today(cohort, day, now):
        return now
    check_not_future(cohort, day, start, now, f"day {day}")
    return start  # within the one-minute slack


def bulk_in(
    db: Database,
    config: Config,
    cohort: Cohort,
    day: int,
    now: datetime,
    agent_ids: Iterable[str] | None = None,
) -> Action:
    """Stamp every agent with no stamp on the day in at `bulk_in_time` (one transaction): the
    scheduled start, or now before it."""
    start = bulk_in_time(cohort, day, now)
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
) -> Agent:
    """Write an agent's note for a day (empty text clears it), history kept; one transaction.
    A note too long for its sheet cell is refused (AttendanceError), nothing written.
    With `expected` (the note the editor opened with), a note that changed meanwhile in the
    database is not overwritten: NoteChanged, nothing written. Returns the agent."""
    problem = note_problem(text)
    if problem:
        raise AttendanceError(problem)
    check_day(cohort, day)
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
    return agent
