"""Attendance rules and the Attendance Policy (pure: pydantic + stdlib).

A day's arrival, departure and flags are derived from its append-only events (DESIGN.md §4):
first `in` and last `out` decide; an `absent` mark overrides the stamps; an `undo` cancels an
earlier event, and a void is an undo with a reason (a correction): every reader goes through
`effective_events`, so a voided stamp counts nowhere. Times are aware datetimes: entered and
shown in the cohort's timezone, stored in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The wall-clock helpers live in wall_time.py; their historic home re-exports them.
from esp_tui.domain.wall_time import LOCAL_ZONE as LOCAL_ZONE
from esp_tui.domain.wall_time import format_local as format_local
from esp_tui.domain.wall_time import iana_zone as iana_zone
from esp_tui.domain.wall_time import is_local_zone as is_local_zone
from esp_tui.domain.wall_time import local_datetime as local_datetime
from esp_tui.domain.wall_time import parse_hhmm as parse_hhmm
from esp_tui.domain.wall_time import parse_typed_time as parse_typed_time
from esp_tui.domain.wall_time import require_aware as _require_aware
from esp_tui.domain.wall_time import to_utc as to_utc

# --- codes -----

LATE_10M: Final = "late_10m"
LATE_4H: Final = "late_4h"
EARLY_10M: Final = "early_10m"
EARLY_4H: Final = "early_4h"
ABSENT: Final = "absent"
FLAGS: Final = (LATE_10M, LATE_4H, EARLY_10M, EARLY_4H, ABSENT)

EXCUSED: Final = "excused"
NCNS: Final = "ncns"
UNRESPONSIVE: Final = "unresponsive"
ABSENCE_KINDS: Final = (ABSENT, EXCUSED, NCNS, UNRESPONSIVE)

Flag = Literal["late_10m", "late_4h", "early_10m", "early_4h", "absent"]
AbsenceKind = Literal["absent", "excused", "ncns", "unresponsive"]
EventKind = Literal["in", "out", "absent", "undo"]

# Every key the policy must price: the flags plus the absence kinds ("absent" is both).
POINT_KEYS: Final = frozenset(FLAGS) | frozenset(ABSENCE_KINDS)

_BADGES: Final = {
    LATE_10M: "LATE 10+",
    LATE_4H: "LATE 4H+",
    EARLY_10M: "EARLY 10+",
    EARLY_4H: "EARLY 4H+",
    ABSENT: "ABSENT",
}

# --- config -----


class LadderStep(BaseModel):
    """One step of the policy ladder: reached when the cohort total is >= min_points."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    min_points: float = Field(gt=0)
    name: str = Field(min_length=1)


def _default_points() -> dict[str, float]:
    return {
        LATE_10M: 0.5,
        EARLY_10M: 0.5,
        LATE_4H: 1.0,
        EARLY_4H: 1.0,
        ABSENT: 1.0,
        NCNS: 2.0,
        UNRESPONSIVE: 0.5,
        EXCUSED: 0.0,
    }


def _default_ladder() -> list[LadderStep]:
    return [
        LadderStep(min_points=1.0, name="verbal warning"),
        LadderStep(min_points=4.0, name="written CAP"),
        LadderStep(min_points=5.0, name="final CAP"),
        LadderStep(min_points=6.0, name="termination review"),
    ]


class AttendanceConfig(BaseModel):
    """The `[attendance]` table of the config; defaults equal the shipped TOML."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    late_minor_minutes: int = Field(default=10, gt=0)
    late_major_minutes: int = Field(default=240, gt=0)
    early_minor_minutes: int = Field(default=10, gt=0)
    early_major_minutes: int = Field(default=240, gt=0)
    points: dict[str, float] = Field(default_factory=_default_points)
    ladder: list[LadderStep] = Field(default_factory=_default_ladder)

    @field_validator("points")
    @classmethod
    def _points_complete(cls, v: dict[str, float]) -> dict[str, float]:
        # A typo'd key would silently price a flag at nothing: require exactly the known keys.
        unknown = sorted(set(v) - POINT_KEYS)
        if unknown:
            raise ValueError(f"unknown points key(s) {unknown}: expected {sorted(POINT_KEYS)}")
        missing = sorted(POINT_KEYS - set(v))
        if missing:
            raise ValueError(f"missing points key(s) {missing}")
        negative = sorted(k for k, p in v.items() if p < 0)
        if negative:
            raise ValueError(f"points must be >= 0: {negative}")
        return v

    @field_validator("ladder")
    @classmethod
    def _ladder_sorted(cls, v: list[LadderStep]) -> list[LadderStep]:
        mins = [s.min_points for s in v]
        if any(b <= a for a, b in pairwise(mins)):
            raise ValueError(f"ladder must be sorted by min_points, strictly increasing: {mins}")
        return v

    @model_validator(mode="after")
    def _minor_below_major(self) -> AttendanceConfig:
        for side in ("late", "early"):
            minor = getattr(self, f"{side}_minor_minutes")
            major = getattr(self, f"{side}_major_minutes")
            if minor >= major:
                raise ValueError(
                    f"{side}_minor_minutes ({minor}) must be less than "
                    f"{side}_major_minutes ({major})"
                )
        return self


# --- events -----


class AttendanceEvent(BaseModel):
    """One append-only attendance event; `at` is stored in UTC."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: int
    agent_id: str
    day: int
    kind: EventKind
    at: datetime
    absence_kind: AbsenceKind | None = None
    undoes: int | None = None
    created_at: datetime | None = None
    reason: str | None = None  # set on a void: an undo the TL gave a reason for
    entered_by: str = "tl"

    @property
    def is_void(self) -> bool:
        """A void (a correction with a reason), as opposed to `u` undoing this run's action."""
        return self.kind == "undo" and self.reason is not None

    @field_validator("at", "created_at")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return None
        _require_aware(v, "event time")
        return v.astimezone(UTC)

    @model_validator(mode="before")
    @classmethod
    def _default_absence_kind(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("kind") != "absent":
            return data
        if data.get("absence_kind") is not None:
            return data
        return {**data, "absence_kind": ABSENT}

    @model_validator(mode="after")
    def _consistent(self) -> AttendanceEvent:
        if self.kind != "absent" and self.absence_kind is not None:
            raise ValueError(f"absence_kind is only for absent events, not {self.kind!r}")
        if (self.kind == "undo") != (self.undoes is not None):
            raise ValueError("an undo event (and only an undo event) names the event it undoes")
        if self.reason is not None and (self.kind != "undo" or not self.reason.strip()):
            raise ValueError("a reason is only for a void (an undo), and cannot be blank")
        return self


def effective_events(events: Iterable[AttendanceEvent]) -> list[AttendanceEvent]:
    """The events still in force: undone or voided events and the undos/voids are dropped.

    An undo of an undo reinstates the original event (redo). Undos are walked newest first, so
    every undo's own fate is settled before it acts; an undo can only target an older event.
    """
    by_id = sorted(events, key=lambda e: e.id)
    cancelled: set[int] = set()
    for ev in reversed(by_id):
        live_undo = ev.kind == "undo" and ev.id not in cancelled
        if live_undo and ev.undoes is not None and ev.undoes < ev.id:
            cancelled.add(ev.undoes)
    return [e for e in by_id if e.kind != "undo" and e.id not in cancelled]


# --- the day -----


class DayAttendance(BaseModel):
    """What one agent's day amounts to."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    first_in: datetime | None = None
    last_out: datetime | None = None  # None while the agent is in (or never left)
    flags: list[str] = Field(default_factory=list)
    absence_kind: str | None = None
    away: timedelta = timedelta(0)  # time out between stamps, when there are several in/outs
    stamps: list[AttendanceEvent] = Field(default_factory=list)  # effective, ordered by time

    @property
    def is_absent(self) -> bool:
        return ABSENT in self.flags


def _stamp_order(e: AttendanceEvent) -> tuple[datetime, int]:
    return (e.at, e.id)


def _check_one_day(events: Sequence[AttendanceEvent]) -> None:
    keys = {(e.agent_id, e.day) for e in events}
    if len(keys) > 1:
        raise ValueError(f"evaluate_day needs one agent's events of one day, got {sorted(keys)}")


def _walk_stamps(
    stamps: Sequence[AttendanceEvent],
) -> tuple[datetime | None, datetime | None, timedelta]:
    """First in, last out (None when back in after it) and time away between stamps.

    A repeated `in` keeps the first, a repeated `out` keeps the last, like the day's rule.
    """
    first_in: datetime | None = None
    out_at: datetime | None = None  # pending departure, cleared by a later `in`
    away = timedelta(0)
    for e in stamps:
        if e.kind == "in":
            if first_in is None:
                first_in = e.at
            elif out_at is not None:
                away += e.at - out_at
            out_at = None
        elif e.kind == "out":
            out_at = e.at
    return first_in, out_at, away


def evaluate_day(
    events: Iterable[AttendanceEvent],
    *,
    scheduled_start: datetime,
    scheduled_end: datetime,
    config: AttendanceConfig,
    day_over: bool,
) -> DayAttendance:
    """Apply DESIGN.md §4 to one agent's events of one day (raw: undos are honoured here)."""
    _require_aware(scheduled_start, "scheduled_start")
    _require_aware(scheduled_end, "scheduled_end")
    raw = list(events)
    _check_one_day(raw)
    live = effective_events(raw)
    stamps = sorted((e for e in live if e.kind in ("in", "out", "absent")), key=_stamp_order)

    absences = [e for e in live if e.kind == "absent"]
    if absences:
        latest = max(absences, key=lambda e: e.id)  # the latest mark the TL entered wins
        return DayAttendance(flags=[ABSENT], absence_kind=latest.absence_kind, stamps=stamps)

    first_in, last_out, away = _walk_stamps([e for e in stamps if e.kind != "absent"])
    flags: list[str] = []
    if first_in is None and last_out is None:
        if day_over:
            flags.append(ABSENT)
        return DayAttendance(flags=flags, absence_kind=ABSENT if day_over else None, stamps=stamps)

    # An `out` with no `in` means the arrival was never stamped: present, lateness unknown.
    if first_in is not None:
        late = first_in - scheduled_start
        if late >= timedelta(minutes=config.late_major_minutes):
            flags.append(LATE_4H)
        elif late >= timedelta(minutes=config.late_minor_minutes):
            flags.append(LATE_10M)
    if last_out is not None:
        early = scheduled_end - last_out
        if early >= timedelta(minutes=config.early_major_minutes):
            flags.append(EARLY_4H)
        elif early >= timedelta(minutes=config.early_minor_minutes):
            flags.append(EARLY_10M)
    return DayAttendance(
        first_in=first_in, last_out=last_out, flags=flags, away=away, stamps=stamps
    )


# --- policy -----


def points_for_day(day: DayAttendance, config: AttendanceConfig) -> float:
    """Points one day earns: an absence by its kind, otherwise the sum of its flags."""
    if day.is_absent:
        return config.points[day.absence_kind or ABSENT]
    return sum((config.points[f] for f in day.flags), 0.0)


def total_points(days: Iterable[DayAttendance], config: AttendanceConfig) -> float:
    """Points summed over the cohort's days."""
    return sum((points_for_day(d, config) for d in days), 0.0)


def ladder_step(total: float, config: AttendanceConfig) -> LadderStep | None:
    """The highest ladder step the total reaches, or None below the first step."""
    reached = [s for s in config.ladder if total >= s.min_points]
    return reached[-1] if reached else None


def next_ladder_step(total: float, config: AttendanceConfig) -> LadderStep | None:
    """The first ladder step the total has not reached yet (None past the last one)."""
    return next((s for s in config.ladder if s.min_points > total), None)


def badge_label(flag: str, absence_kind: str | None = None) -> str:
    """Short badge text: "LATE 10+", "ABSENT ncns" (a plain absence shows just "ABSENT")."""
    try:
        label = _BADGES[flag]
    except KeyError:
        raise ValueError(f"unknown attendance flag {flag!r}: expected one of {FLAGS}") from None
    if flag == ABSENT and absence_kind and absence_kind != ABSENT:
        return f"{label} {absence_kind}"
    return label


def day_badges(day: DayAttendance) -> list[str]:
    """The badge texts of a day, in flag order."""
    return [badge_label(f, day.absence_kind) for f in day.flags]
