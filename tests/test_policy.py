"""The Attendance Policy: config parity with the shipped TOML, points, the ladder, badges."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from esp_tui.config import AttendanceSettings
from esp_tui.domain.attendance import (
    AttendanceConfig,
    AttendanceEvent,
    DayAttendance,
    LadderStep,
    badge_label,
    day_badges,
    evaluate_day,
    ladder_step,
    points_for_day,
    total_points,
)

CFG = AttendanceConfig()


def shipped_attendance_table(*, config_keys: bool = False) -> dict[str, object]:
    """[attendance] of the shipped TOML: the policy's keys (and the app's own with config_keys,
    such as auto_out_at_day_end, which the domain policy does not know)."""
    text = resources.files("esp_tui").joinpath("data/default_config.toml").read_text("utf-8")
    table = tomllib.loads(text)["attendance"]
    if config_keys:
        return table
    app_only = set(AttendanceSettings.model_fields) - set(AttendanceConfig.model_fields)
    return {k: v for k, v in table.items() if k not in app_only}


# --- config -----


def test_defaults_equal_the_shipped_toml() -> None:
    assert AttendanceConfig.model_validate(shipped_attendance_table()) == AttendanceConfig()
    full = shipped_attendance_table(config_keys=True)
    assert AttendanceSettings.model_validate(full) == AttendanceSettings()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"late_minor_minutes": 0}, "greater than 0"),
        ({"early_major_minutes": -5}, "greater than 0"),
        ({"late_minor_minutes": 240}, "late_minor_minutes \\(240\\) must be less than"),
        ({"early_minor_minutes": 300}, "early_minor_minutes \\(300\\) must be less than"),
        ({"ladder": [{"min_points": 4, "name": "b"}, {"min_points": 1, "name": "a"}]}, "sorted"),
        ({"ladder": [{"min_points": 1, "name": "a"}, {"min_points": 1, "name": "b"}]}, "sorted"),
        ({"ladder": [{"min_points": 0, "name": "a"}]}, "greater than 0"),
        ({"ladder": [{"min_points": 1, "name": "a", "color": "red"}]}, "Extra inputs"),
        ({"grace_minutes": 5}, "Extra inputs"),
        ({"points": {**CFG.points, "late10m": 0.5}}, "unknown points key"),
        ({"points": {k: v for k, v in CFG.points.items() if k != "ncns"}}, "missing points key"),
        ({"points": {**CFG.points, "absent": -1}}, "points must be >= 0"),
    ],
)
def test_bad_config_is_refused(change: dict[str, object], message: str) -> None:
    data = {**shipped_attendance_table(), **change}
    with pytest.raises(ValidationError, match=message):
        AttendanceConfig.model_validate(data)


# --- ladder -----


@pytest.mark.parametrize(
    ("total", "step"),
    [
        (0, None),
        (0.5, None),
        (0.99, None),
        (1, "verbal warning"),
        (3.5, "verbal warning"),
        (3.99, "verbal warning"),
        (4, "written CAP"),
        (4.5, "written CAP"),
        (5, "final CAP"),
        (5.5, "final CAP"),
        (6, "termination review"),
        (10, "termination review"),
    ],
)
def test_ladder_at_every_step_edge(total: float, step: str | None) -> None:
    reached = ladder_step(total, CFG)
    assert (reached.name if reached else None) == step


def test_ladder_from_config() -> None:
    cfg = AttendanceConfig(
        ladder=[LadderStep(min_points=2, name="talk"), LadderStep(min_points=3, name="CAP")]
    )
    assert ladder_step(1.5, cfg) is None
    assert ladder_step(2, cfg) == LadderStep(min_points=2, name="talk")
    assert ladder_step(9, cfg) == LadderStep(min_points=3, name="CAP")
    assert ladder_step(100, AttendanceConfig(ladder=[])) is None


@given(st.floats(0, 50), st.floats(0, 50))
def test_ladder_is_monotone(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    rank = {None: -1, **{s.name: i for i, s in enumerate(CFG.ladder)}}
    step_lo, step_hi = ladder_step(lo, CFG), ladder_step(hi, CFG)
    assert rank[step_lo.name if step_lo else None] <= rank[step_hi.name if step_hi else None]


# --- points -----


@pytest.mark.parametrize(
    ("kind", "points"), [("absent", 1.0), ("excused", 0.0), ("ncns", 2.0), ("unresponsive", 0.5)]
)
def test_points_per_absence_kind(kind: str, points: float) -> None:
    day = DayAttendance(flags=["absent"], absence_kind=kind)
    assert points_for_day(day, CFG) == points


@pytest.mark.parametrize(
    ("flags", "points"),
    [
        ([], 0.0),
        (["late_10m"], 0.5),
        (["early_10m"], 0.5),
        (["late_4h"], 1.0),
        (["early_4h"], 1.0),
        (["late_10m", "early_10m"], 1.0),
        (["late_4h", "early_10m"], 1.5),
        (["late_4h", "early_4h"], 2.0),
    ],
)
def test_points_per_flag_sum(flags: list[str], points: float) -> None:
    assert points_for_day(DayAttendance(flags=flags), CFG) == points


def test_points_come_from_config() -> None:
    cfg = AttendanceConfig(points={**CFG.points, "late_10m": 0.25, "excused": 0.1})
    assert points_for_day(DayAttendance(flags=["late_10m"]), cfg) == 0.25
    assert points_for_day(DayAttendance(flags=["absent"], absence_kind="excused"), cfg) == 0.1


def test_a_week_end_to_end_reaches_final_cap() -> None:
    """Mon late 10+, Tue ncns, Wed excused, Thu late 4h+ and early 10+, Fri absent: 5 points."""
    base = datetime(2026, 3, 9, 9, tzinfo=UTC)

    def day(n: int, *events: tuple[str, timedelta, str | None]) -> DayAttendance:
        start = base + timedelta(days=n - 1)
        evs = [
            AttendanceEvent(
                id=i, agent_id="A1", day=n, kind=kind, at=start + offset, absence_kind=absence
            )
            for i, (kind, offset, absence) in enumerate(events, start=1)
        ]
        return evaluate_day(
            evs,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=8),
            config=CFG,
            day_over=True,
        )

    week = [
        day(1, ("in", timedelta(minutes=10), None), ("out", timedelta(hours=8), None)),
        day(2, ("absent", timedelta(0), "ncns")),
        day(3, ("absent", timedelta(0), "excused")),
        day(4, ("in", timedelta(hours=4), None), ("out", timedelta(hours=7, minutes=50), None)),
        day(5),
    ]
    assert [points_for_day(d, CFG) for d in week] == [0.5, 2.0, 0.0, 1.5, 1.0]
    assert total_points(week, CFG) == 5.0
    assert ladder_step(total_points(week, CFG), CFG) == CFG.ladder[2]
    assert [day_badges(d) for d in week] == [
        ["LATE 10+"],
        ["ABSENT ncns"],
        ["ABSENT excused"],
        ["LATE 4H+", "EARLY 10+"],
        ["ABSENT"],
    ]


@given(st.lists(st.sampled_from(["late_10m", "late_4h", "early_10m", "early_4h"]), max_size=2))
def test_total_is_the_sum_of_the_days(flags: list[str]) -> None:
    days = [DayAttendance(flags=flags), DayAttendance(flags=["absent"], absence_kind="ncns")]
    total = total_points(days, CFG)
    assert total == points_for_day(days[0], CFG) + 2.0
    assert total >= 2.0


# --- badges -----


@pytest.mark.parametrize(
    ("flag", "kind", "label"),
    [
        ("late_10m", None, "LATE 10+"),
        ("late_4h", None, "LATE 4H+"),
        ("early_10m", None, "EARLY 10+"),
        ("early_4h", None, "EARLY 4H+"),
        ("absent", None, "ABSENT"),
        ("absent", "absent", "ABSENT"),
        ("absent", "ncns", "ABSENT ncns"),
        ("absent", "excused", "ABSENT excused"),
        ("absent", "unresponsive", "ABSENT unresponsive"),
    ],
)
def test_badge_labels(flag: str, kind: str | None, label: str) -> None:
    assert badge_label(flag, kind) == label


def test_unknown_flag_has_no_badge() -> None:
    with pytest.raises(ValueError, match="unknown attendance flag 'tardy'"):
        badge_label("tardy")


@pytest.mark.parametrize(
    ("total", "expected"),
    [(0, "verbal warning"), (3.5, "written CAP"), (4, "final CAP"), (5.5, "termination review")],
)
def test_next_ladder_step_is_the_first_not_reached(total, expected):
    from esp_tui.domain.attendance import AttendanceConfig, next_ladder_step

    step = next_ladder_step(total, AttendanceConfig())
    assert step is not None and step.name == expected


def test_no_next_step_past_the_last():
    from esp_tui.domain.attendance import AttendanceConfig, next_ladder_step

    assert next_ladder_step(6, AttendanceConfig()) is None
