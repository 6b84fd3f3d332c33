"""Corrections of one attendance event: void it, or correct its time, with a reason; and what a
typed time means for an agent (`t` on the roster: a new in, a replacement of the in, an out).

Append-only like every attendance write: a void is an undo event carrying the reason (who in
`entered_by`, when in `created_at`); a correction is that void plus the new stamp, in ONE
transaction, returned as one `Action` so `u` reverts exactly it. Every reader of attendance goes
through `effective_events`, so a voided event counts nowhere (flags, points, roster, readiness,
the sheet, the handoff); the agent screen's event log shows the void beside what it voided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.attendance import AttendanceEvent, effective_events, format_local
from esp_tui.domain.models import Cohort
from esp_tui.services.attendance import Action, AttendanceError, StampResult, stamp
from esp_tui.services.attendance_views import Days
from esp_tui.services.cohort_time import (
    at_field,
    check_day,
    check_not_future,
    day_window,
    resolve_at,
    zone_of,
)
from storage import attendance as events_db
from storage import notes as notes_db
from storage.agents import get_agent

AtChoice = Literal["in", "replace", "out"]
MAX_REASON = 500


def check_reason(reason: str) -> str:
    """A void's reason: required, one line, at most MAX_REASON characters."""
    text = " ".join(reason.split())
    if not text:
        raise AttendanceError("reason: say why (required to void or correct a stamp)")
    if len(text) > MAX_REASON:
        raise AttendanceError(f"reason: at most {MAX_REASON} characters, got {len(text)}")
    return text


def _live_target(db: Database, event_id: int, kinds: tuple[str, ...]) -> AttendanceEvent:
    try:
        (target,) = events_db.get_events(db, [event_id])
    except KeyError:
        raise AttendanceError(f"event #{event_id}: no such attendance event") from None
    if target.kind not in kinds:
        raise AttendanceError(f"event #{event_id}: a {target.kind} cannot be voided or corrected")
    day_events = events_db.events_for_agent(db, target.agent_id, [target.day])
    if target.id not in {e.id for e in effective_events(day_events)}:
        raise AttendanceError(f"event #{event_id}: already undone or voided")
    return target


def _name(db: Database, agent_id: str) -> str:
    agent = get_agent(db, agent_id)
    return agent.name if agent else agent_id


def _result(
    db: Database,
    config: Config,
    cohort: Cohort,
    now: datetime,
    target: AttendanceEvent,
    appended: list[AttendanceEvent],
    message: str,
) -> StampResult:
    events = events_db.events_for_agent(db, target.agent_id, [target.day])
    note = notes_db.get_note(db, target.agent_id, target.day)
    view = Days(config, cohort, now).view(target.agent_id, target.day, events, note)
    if view.badges:
        message += " · " + " · ".join(b.lower() for b in view.badges)
    action = Action(
        label=message,
        event_ids=tuple(e.id for e in appended),
        agent_ids=(target.agent_id,),
        day=target.day,
    )
    return StampResult(action=action, view=view, message=message)


def void_event(
    db: Database,
    config: Config,
    cohort: Cohort,
    event_id: int,
    *,
    reason: str,
    now: datetime,
    entered_by: str = "tl",
) -> StampResult:
    """Void one in/out/absent event with a reason (one transaction)."""
    why = check_reason(reason)
    zone = zone_of(cohort)
    with db.atomic():
        target = _live_target(db, event_id, ("in", "out", "absent"))
        void = events_db.append_void(db, target, reason=why, at=now, entered_by=entered_by)
        if target.kind == "in":  # the outs left must still follow an in (as correct_event)
            left = events_db.events_for_agent(db, target.agent_id, [target.day])
            _check_outs_have_an_in(_name(db, target.agent_id), left, cohort)
    what = target.absence_kind if target.kind == "absent" else target.kind
    when = "" if target.kind == "absent" else f" {format_local(target.at, zone)}"
    message = f"{_name(db, target.agent_id)} · day {target.day} {what}{when} voided: {why}"
    return _result(db, config, cohort, now, target, [void], message)


def _check_outs_have_an_in(name: str, events: list[AttendanceEvent], cohort: Cohort) -> None:
    """After voiding an in: no out may be left with no in before it (void the out first)."""
    stamps = [e for e in effective_events(events) if e.kind in ("in", "out")]
    outs = [e.at for e in stamps if e.kind == "out"]
    if outs and not any(e.kind == "in" for e in stamps):
        zone = zone_of(cohort)
        raise AttendanceError(
            f"voiding it would leave {name}'s out {format_local(min(outs), zone)} with no in"
            " before it: void the out first, or correct the in's time; nothing written"
        )
    _check_order(name, events, cohort)


def _check_order(name: str, events: list[AttendanceEvent], cohort: Cohort) -> None:
    stamps = [e for e in effective_events(events) if e.kind in ("in", "out")]
    ins = [e.at for e in stamps if e.kind == "in"]
    outs = [e.at for e in stamps if e.kind == "out"]
    if ins and outs and min(outs) < min(ins):
        zone = zone_of(cohort)
        raise AttendanceError(
            f"at: out {format_local(min(outs), zone)} would be before {name}'s first in"
            f" {format_local(min(ins), zone)}: nothing written"
        )


def correct_event(
    db: Database,
    config: Config,
    cohort: Cohort,
    event_id: int,
    *,
    at: str,
    reason: str,
    now: datetime,
    entered_by: str = "tl",
) -> StampResult:
    """Give one in/out stamp a new time (HH:MM on its day), with a reason: the void of the old
    stamp and the new stamp in one transaction. A time in the future, or an order where an out
    comes before the first in, is refused with nothing written."""
    why = check_reason(reason)
    zone = zone_of(cohort)
    with db.atomic():
        target = _live_target(db, event_id, ("in", "out"))
        when = resolve_at(cohort, target.day, now, at)
        check_not_future(cohort, target.day, when, now, at_field(at, target.day, when, zone))
        void = events_db.append_void(db, target, reason=why, at=now, entered_by=entered_by)
        new = events_db.append_event(
            db,
            agent_id=target.agent_id,
            day=target.day,
            kind=target.kind,
            at=when,
            entered_by=entered_by,
        )
        name = _name(db, target.agent_id)
        _check_order(name, events_db.events_for_agent(db, target.agent_id, [target.day]), cohort)
    message = (
        f"{name} · day {target.day} {target.kind} {format_local(target.at, zone)}"
        f" → {format_local(when, zone)}: {why}"
    )
    return _result(db, config, cohort, now, target, [void, new], message)


@dataclass(frozen=True)
class AtPlan:
    """What a time typed on `t` can mean for this agent, the likeliest first."""

    when: datetime
    at_local: str
    choices: tuple[tuple[AtChoice, str], ...]  # (choice, label); one "in" = no question
    replaces: str | None  # the in a "replace" voids, "HH:MM"


def plan_stamp_at(
    db: Database, cohort: Cohort, agent_id: str, day: int, now: datetime, at: str
) -> AtPlan:
    """The meanings of `t HH:MM` (read only; the stamp itself is `stamp` or `replace_in`):
    - no in yet: an in (nothing to ask);
    - the agent is in at that time, or it is before their first in: replace that in (the bulk
      `I`'s 09:00, say) or, from the first in on, an out. Replace comes first in the first half
      of the scheduled day (a late arrival), out in the second half (a departure);
    - the agent is out at that time: back in, or an out (the last out decides).
    """
    check_day(cohort, day)
    zone = zone_of(cohort)
    when = resolve_at(cohort, day, now, at)
    check_not_future(cohort, day, when, now, at_field(at, day, when, zone))  # before any question
    at_local = format_local(when, zone)
    stamps = sorted(
        (
            e
            for e in effective_events(events_db.events_for_agent(db, agent_id, [day]))
            if e.kind in ("in", "out")
        ),
        key=lambda e: (e.at, e.id),
    )
    ins = [e for e in stamps if e.kind == "in"]
    if not ins:
        return AtPlan(when, at_local, (("in", f"in at {at_local}"),), None)
    earlier = [e for e in stamps if e.at <= when]
    if earlier and earlier[-1].kind == "out":
        back: tuple[tuple[AtChoice, str], ...] = (
            ("in", f"back in at {at_local}"),
            ("out", f"out at {at_local}"),
        )
        return AtPlan(when, at_local, back, None)
    target = earlier[-1] if earlier else ins[0]
    old = format_local(target.at, zone)
    replace: tuple[AtChoice, str] = ("replace", f"in at {at_local}, replacing the in {old}")
    if not earlier:  # before the first in: an out is refused, a second in makes no sense
        return AtPlan(when, at_local, (replace,), old)
    start, end = day_window(cohort, day)
    out: tuple[AtChoice, str] = ("out", f"out at {at_local} (in since {old})")
    morning = when < start + (end - start) / 2
    return AtPlan(when, at_local, (replace, out) if morning else (out, replace), old)


def replace_in(
    db: Database,
    config: Config,
    cohort: Cohort,
    agent_id: str,
    *,
    day: int,
    now: datetime,
    at: str | datetime | None,
    entered_by: str = "tl",
) -> StampResult:
    """Void the in the agent is in since (or the first in, when `at` is before it) and stamp in
    at `at`: `stamp(..., replace=True)`, the roster's `t`/`i` and the CLI's `--replace`."""
    return stamp(
        db, config, cohort, agent_id, "in", day=day, now=now, at=at,
        entered_by=entered_by, replace=True,
    )  # fmt: skip
