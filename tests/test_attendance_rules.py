"""Attendance rules (DESIGN.md §4): boundaries, several stamps, undo, absences, DST, timezones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from esp_tui.domain.attendance import (
    ABSENCE_KINDS,
    AttendanceConfig,
    AttendanceEvent,
    DayAttendance,
    effective_events,
    evaluate_day,
    format_local,
    iana_zone,
    is_local_zone,
    local_datetime,
    parse_hhmm,
    to_utc,
)

CFG = AttendanceConfig()
DAY = date(2026, 3, 10)
START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
END = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
NY = ZoneInfo("America/New_York")


class Log:
    """Builds one agent's day of events with increasing ids, as storage would append them."""

    def __init__(self, agent_id: str = "A1", day: int = 1) -> None:
        self.events: list[AttendanceEvent] = []
        self.agent_id, self.day = agent_id, day

    def add(self, kind: str, at: datetime = START, **kw: object) -> int:
        ev = AttendanceEvent(
            id=len(self.events) + 1, agent_id=self.agent_id, day=self.day, kind=kind, at=at, **kw
        )
        self.events.append(ev)
        return ev.id

    def stamp_in(self, at: datetime) -> int:
        return self.add("in", at)

    def stamp_out(self, at: datetime) -> int:
        return self.add("out", at)

    def undo(self, event_id: int) -> int:
        return self.add("undo", START, undoes=event_id)


def evaluate(log: Log, *, day_over: bool = False, config: AttendanceConfig = CFG) -> DayAttendance:
    return evaluate_day(
        log.events, scheduled_start=START, scheduled_end=END, config=config, day_over=day_over
    )


def hms(h: int = 0, m: int = 0, s: int = 0) -> timedelta:
    return timedelta(hours=h, minutes=m, seconds=s)


# --- boundaries -----


@pytest.mark.parametrize(
    ("late_by", "expected"),
    [
        (-hms(m=30), []),
        (hms(), []),
        (hms(m=9, s=59), []),
        (hms(m=10), ["late_10m"]),
        (hms(m=10, s=1), ["late_10m"]),
        (hms(3, 59, 59), ["late_10m"]),
        (hms(4), ["late_4h"]),
        (hms(4, 0, 1), ["late_4h"]),
        (hms(7, 59), ["late_4h"]),
    ],
)
def test_late_boundaries(late_by: timedelta, expected: list[str]) -> None:
    log = Log()
    log.stamp_in(START + late_by)
    log.stamp_out(END)
    assert evaluate(log).flags == expected


@pytest.mark.parametrize(
    ("early_by", "expected"),
    [
        (-hms(m=45), []),
        (hms(), []),
        (hms(m=9, s=59), []),
        (hms(m=10), ["early_10m"]),
        (hms(3, 59, 59), ["early_10m"]),
        (hms(4), ["early_4h"]),
        (hms(4, 0, 1), ["early_4h"]),
    ],
)
def test_early_boundaries(early_by: timedelta, expected: list[str]) -> None:
    log = Log()
    log.stamp_in(START)
    log.stamp_out(END - early_by)
    assert evaluate(log).flags == expected


def test_late_and_early_on_the_same_day() -> None:
    log = Log()
    log.stamp_in(START + hms(m=12))
    log.stamp_out(END - hms(4, 30))
    assert evaluate(log).flags == ["late_10m", "early_4h"]


def test_thresholds_come_from_config() -> None:
    cfg = AttendanceConfig(
        late_minor_minutes=5, late_major_minutes=60, early_minor_minutes=15, early_major_minutes=90
    )
    log = Log()
    log.stamp_in(START + hms(m=5))
    log.stamp_out(END - hms(m=14, s=59))
    assert evaluate(log, config=cfg).flags == ["late_10m"]
    log2 = Log()
    log2.stamp_in(START + hms(1))
    log2.stamp_out(END - hms(m=90))
    assert evaluate(log2, config=cfg).flags == ["late_4h", "early_4h"]


# --- several in/outs -----


def test_several_stamps_first_in_and_last_out_decide_and_away_is_summed() -> None:
    log = Log()
    log.stamp_in(START + hms(m=2))
    log.stamp_out(START + hms(3))  # lunch 12:00-13:00
    log.stamp_in(START + hms(4))
    log.stamp_out(START + hms(5, 30))  # 14:30-14:45
    log.stamp_in(START + hms(5, 45))
    log.stamp_out(END)
    day = evaluate(log)
    assert day.first_in == START + hms(m=2)
    assert day.last_out == END
    assert day.away == hms(1, 15)
    assert day.flags == []
    assert [s.at for s in day.stamps] == sorted(s.at for s in log.events)


def test_back_in_after_the_last_out_leaves_the_day_open() -> None:
    log = Log()
    log.stamp_in(START)
    log.stamp_out(START + hms(1))  # 10:00 out: would be early_4h if it were the last out
    log.stamp_in(START + hms(1, 20))
    day = evaluate(log)
    assert day.last_out is None
    assert day.away == hms(m=20)
    assert day.flags == []


def test_left_and_never_came_back_last_out_decides() -> None:
    log = Log()
    log.stamp_in(START)
    log.stamp_out(START + hms(3))
    assert evaluate(log, day_over=True).flags == ["early_4h"]


def test_stamps_typed_out_of_order_are_ordered_by_time() -> None:
    log = Log()
    log.stamp_out(END)  # the TL typed the departure first
    log.stamp_in(START + hms(m=11))  # then the arrival with `t`
    day = evaluate(log)
    assert (day.first_in, day.last_out) == (START + hms(m=11), END)
    assert day.flags == ["late_10m"]
    assert [s.kind for s in day.stamps] == ["in", "out"]


def test_repeated_in_keeps_the_first_and_repeated_out_keeps_the_last() -> None:
    log = Log()
    log.stamp_in(START + hms(m=3))
    log.stamp_in(START + hms(m=30))
    log.stamp_out(START + hms(3))
    log.stamp_out(START + hms(3, 30))
    log.stamp_in(START + hms(4))
    log.stamp_out(END - hms(m=20))
    day = evaluate(log)
    assert day.first_in == START + hms(m=3)
    assert day.away == hms(m=30)
    assert day.flags == ["early_10m"]


def test_an_out_without_an_in_is_present_but_lateness_is_unknown() -> None:
    log = Log()
    log.stamp_out(END - hms(m=10))
    day = evaluate(log, day_over=True)
    assert day.first_in is None
    assert day.flags == ["early_10m"]


# --- undo -----


def test_undo_cancels_a_stamp_and_is_dropped_itself() -> None:
    log = Log()
    wrong = log.stamp_in(START + hms(m=15))
    log.undo(wrong)
    log.stamp_in(START + hms(m=5))
    assert [e.id for e in effective_events(log.events)] == [3]
    day = evaluate(log)
    assert day.first_in == START + hms(m=5)
    assert day.flags == []


def test_undo_of_the_last_out_reopens_the_day() -> None:
    log = Log()
    log.stamp_in(START)
    out = log.stamp_out(START + hms(2))
    log.undo(out)
    day = evaluate(log)
    assert day.last_out is None
    assert day.flags == []


def test_undo_of_an_undo_reinstates_the_event() -> None:
    log = Log()
    stamp = log.stamp_in(START + hms(m=20))
    first_undo = log.undo(stamp)
    log.undo(first_undo)
    assert [e.id for e in effective_events(log.events)] == [stamp]
    assert evaluate(log).flags == ["late_10m"]


def test_undo_naming_a_later_or_missing_event_does_nothing() -> None:
    log = Log()
    log.add("undo", START, undoes=2)  # names an event that does not exist yet
    log.stamp_in(START)
    log.undo(99)
    assert [e.id for e in effective_events(log.events)] == [2]


def test_undoing_everything_on_a_finished_day_is_absent() -> None:
    log = Log()
    log.undo(log.stamp_in(START))
    assert evaluate(log, day_over=True).flags == ["absent"]
    assert evaluate(log, day_over=False).flags == []


# --- absences and day_over -----


@pytest.mark.parametrize("kind", ABSENCE_KINDS)
def test_absent_mark_carries_its_kind(kind: str) -> None:
    log = Log()
    log.add("absent", absence_kind=kind)
    day = evaluate(log)
    assert day.flags == ["absent"]
    assert day.absence_kind == kind


def test_absent_mark_overrides_stamps_and_the_latest_mark_wins() -> None:
    log = Log()
    log.stamp_in(START + hms(m=30))
    log.add("absent", START + hms(1), absence_kind="ncns")
    log.add("absent", START + hms(2), absence_kind="excused")
    day = evaluate(log)
    assert day.flags == ["absent"]
    assert day.absence_kind == "excused"
    assert (day.first_in, day.last_out) == (None, None)
    assert [s.kind for s in day.stamps] == ["in", "absent", "absent"]  # the log keeps them


def test_undone_absent_mark_gives_the_stamps_back() -> None:
    log = Log()
    log.stamp_in(START + hms(m=30))
    log.undo(log.add("absent", absence_kind="ncns"))
    day = evaluate(log)
    assert day.flags == ["late_10m"]
    assert day.absence_kind is None


def test_undoing_the_latest_absent_mark_falls_back_to_the_previous_one() -> None:
    log = Log()
    log.add("absent", absence_kind="ncns")
    log.undo(log.add("absent", absence_kind="excused"))
    assert evaluate(log).absence_kind == "ncns"


@pytest.mark.parametrize(
    ("day_over", "flags", "kind"), [(False, [], None), (True, ["absent"], "absent")]
)
def test_no_arrival_is_absent_only_once_the_day_is_over(
    day_over: bool, flags: list[str], kind: str | None
) -> None:
    day = evaluate(Log(), day_over=day_over)
    assert day.flags == flags
    assert day.absence_kind == kind


def test_an_arrival_is_never_absent_even_when_the_day_is_over() -> None:
    log = Log()
    log.stamp_in(START + hms(5))
    assert evaluate(log, day_over=True).flags == ["late_4h"]


# --- validation -----


def test_event_times_are_stored_in_utc_and_naive_times_are_refused() -> None:
    local = datetime(2026, 3, 10, 9, 5, tzinfo=NY)
    ev = AttendanceEvent(id=1, agent_id="A1", day=1, kind="in", at=local)
    assert ev.at.tzinfo is UTC
    assert ev.at == local
    with pytest.raises(ValidationError, match="timezone-aware"):
        AttendanceEvent(id=1, agent_id="A1", day=1, kind="in", at=datetime(2026, 3, 10, 9))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "in", "absence_kind": "ncns"}, "only for absent events"),
        ({"kind": "undo"}, "names the event it undoes"),
        ({"kind": "in", "undoes": 3}, "names the event it undoes"),
        ({"kind": "absent", "absence_kind": "sick"}, "absence_kind"),
        ({"kind": "lunch"}, "kind"),
    ],
)
def test_inconsistent_events_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AttendanceEvent.model_validate({"id": 1, "agent_id": "A1", "day": 1, "at": START, **fields})


def test_absent_without_a_kind_is_a_plain_absence() -> None:
    ev = AttendanceEvent(id=1, agent_id="A1", day=1, kind="absent", at=START)
    assert ev.absence_kind == "absent"


def test_evaluate_day_refuses_mixed_agents_and_naive_schedules() -> None:
    log = Log()
    log.stamp_in(START)
    other = Log(agent_id="A2")
    other.stamp_in(START)
    with pytest.raises(ValueError, match="one agent's events of one day"):
        evaluate_day(
            log.events + other.events,
            scheduled_start=START,
            scheduled_end=END,
            config=CFG,
            day_over=False,
        )
    with pytest.raises(ValueError, match="scheduled_start must be timezone-aware"):
        evaluate_day(
            log.events,
            scheduled_start=datetime(2026, 3, 10, 9),
            scheduled_end=END,
            config=CFG,
            day_over=False,
        )


# --- time helpers -----


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", time(9)), ("9:05", time(9, 5)), (" 17:30 ", time(17, 30)), ("00:00", time(0))],
)
def test_parse_hhmm(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text", ["9:7x", "24:00", "12:60", "", "0900", "9.05", "09:00:00", "-1:00"]
)
def test_parse_hhmm_rejects_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_hhmm(text)
    assert str(err.value) == f"bad time {text!r}: expected HH:MM"


def test_format_local_drops_seconds_and_refuses_naive() -> None:
    assert format_local(datetime(2026, 3, 10, 14, 9, 59, tzinfo=UTC), NY) == "10:09"
    with pytest.raises(ValueError, match="timezone-aware"):
        to_utc(datetime(2026, 3, 10, 9))


# --- DST and other zones -----


@pytest.mark.parametrize(
    ("day_date", "start_utc", "prev_day_start_utc"),
    [
        (
            date(2026, 3, 8),
            datetime(2026, 3, 8, 13, tzinfo=UTC),
            datetime(2026, 3, 7, 14, tzinfo=UTC),
        ),
        (
            date(2026, 11, 1),
            datetime(2026, 11, 1, 14, tzinfo=UTC),
            datetime(2026, 10, 31, 13, tzinfo=UTC),
        ),
    ],
)
def test_dst_days_in_new_york(
    day_date: date, start_utc: datetime, prev_day_start_utc: datetime
) -> None:
    start = local_datetime(day_date, parse_hhmm("09:00"), NY)
    end = local_datetime(day_date, parse_hhmm("17:00"), NY)
    assert to_utc(start) == start_utc
    # The offset really changed overnight: this is the DST day, not an ordinary one.
    assert to_utc(local_datetime(day_date - timedelta(days=1), time(9), NY)) == prev_day_start_utc
    stamp_local = local_datetime(day_date, parse_hhmm("09:10"), NY)
    ev = AttendanceEvent(id=1, agent_id="A1", day=1, kind="in", at=to_utc(stamp_local))
    assert ev.at == start_utc + hms(m=10)
    assert format_local(ev.at, NY) == "09:10"  # UTC storage round-trips to the typed time
    day = evaluate_day([ev], scheduled_start=start, scheduled_end=end, config=CFG, day_over=False)
    assert day.flags == ["late_10m"]
    just_in_time = to_utc(local_datetime(day_date, parse_hhmm("09:09"), NY))
    ontime = AttendanceEvent(id=1, agent_id="A1", day=1, kind="in", at=just_in_time)
    assert (
        evaluate_day(
            [ontime], scheduled_start=start, scheduled_end=end, config=CFG, day_over=False
        ).flags
        == []
    )


def test_nonexistent_spring_forward_time_resolves_forward() -> None:
    dt = local_datetime(date(2026, 3, 8), time(2, 30), NY)
    assert (dt.hour, dt.minute) == (3, 30)
    assert to_utc(dt) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_ambiguous_fall_back_time_takes_the_first_occurrence() -> None:
    dt = local_datetime(date(2026, 11, 1), time(1, 30), NY)
    assert to_utc(dt) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # EDT, before the clocks go back
    assert format_local(to_utc(dt), NY) == "01:30"


def test_kolkata_half_hour_offset() -> None:
    ist = iana_zone("Asia/Kolkata")
    start = local_datetime(date(2026, 3, 10), time(9), ist)
    end = local_datetime(date(2026, 3, 10), time(17), ist)
    assert to_utc(start) == datetime(2026, 3, 10, 3, 30, tzinfo=UTC)
    at = to_utc(local_datetime(date(2026, 3, 10), parse_hhmm("09:10"), ist))
    out = to_utc(local_datetime(date(2026, 3, 10), parse_hhmm("16:50"), ist))
    events = [
        AttendanceEvent(id=1, agent_id="A1", day=1, kind="in", at=at),
        AttendanceEvent(id=2, agent_id="A1", day=1, kind="out", at=out),
    ]
    day = evaluate_day(events, scheduled_start=start, scheduled_end=end, config=CFG, day_over=True)
    assert day.flags == ["late_10m", "early_10m"]
    assert (format_local(at, ist), format_local(out, ist)) == ("09:10", "16:50")


# --- timezone names (the machine's "local" zone: tests/test_clock.py) -----


def test_iana_zone_by_name_and_unknown_zone() -> None:
    assert iana_zone("America/Chicago") == ZoneInfo("America/Chicago")
    assert iana_zone(" Asia/Kolkata ").key == "Asia/Kolkata"
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus'"):
        iana_zone("Mars/Olympus")


def test_local_is_recognised_in_any_case_but_not_resolved_by_the_domain() -> None:
    assert is_local_zone("local") and is_local_zone(" LOCAL ")
    assert not is_local_zone("America/Chicago")
    with pytest.raises(ValueError, match="unknown timezone 'local'"):
        iana_zone("local")


# --- properties -----

SEVERITY = {
    "late": {None: 0, "late_10m": 1, "late_4h": 2},
    "early": {None: 0, "early_10m": 1, "early_4h": 2},
}


def _severity(flags: list[str], side: str) -> int:
    mine = [f for f in flags if f.startswith(side)]
    assert len(mine) <= 1, flags  # never both the minor and the major flag of one side
    return SEVERITY[side][mine[0] if mine else None]


configs = st.tuples(st.integers(1, 300), st.integers(1, 300)).filter(lambda t: t[0] < t[1])
offsets = st.integers(-3 * 3600, 8 * 3600)


@given(configs, offsets, offsets)
def test_late_flags_are_monotone_and_exclusive(thresholds: tuple[int, int], a: int, b: int) -> None:
    cfg = AttendanceConfig(late_minor_minutes=thresholds[0], late_major_minutes=thresholds[1])
    lo, hi = sorted((a, b))
    results = []
    for late in (lo, hi):
        log = Log()
        log.stamp_in(START + timedelta(seconds=late))
        results.append(_severity(evaluate(log, config=cfg).flags, "late"))
    assert results[0] <= results[1]


@given(configs, offsets, offsets)
def test_early_flags_are_monotone_and_exclusive(
    thresholds: tuple[int, int], a: int, b: int
) -> None:
    cfg = AttendanceConfig(early_minor_minutes=thresholds[0], early_major_minutes=thresholds[1])
    lo, hi = sorted((a, b))
    results = []
    for early in (lo, hi):
        log = Log()
        log.stamp_in(START - hms(1))
        log.stamp_out(END - timedelta(seconds=early))
        results.append(_severity(evaluate(log, config=cfg).flags, "early"))
    assert results[0] <= results[1]


stamp_lists = st.lists(
    st.tuples(st.sampled_from(["in", "out"]), st.integers(0, 10 * 3600)), min_size=1, max_size=12
)


@given(stamp_lists)
def test_first_in_last_out_and_away_agree_with_the_stamps(stamps: list[tuple[str, int]]) -> None:
    log = Log()
    for kind, sec in stamps:
        log.add(kind, START - hms(1) + timedelta(seconds=sec))
    day = evaluate(log, day_over=True)
    ins = [e.at for e in log.events if e.kind == "in"]
    outs = [e.at for e in log.events if e.kind == "out"]
    assert day.first_in == (min(ins) if ins else None)
    if day.last_out is not None:
        assert day.last_out == max(outs)
        assert all(t <= day.last_out for t in ins)
    elif outs:
        assert ins and max(ins) >= max(outs)  # open only because the agent came back
    assert day.away >= timedelta(0)
    span = max(e.at for e in log.events) - min(e.at for e in log.events)
    assert day.away <= span
    assert "absent" not in day.flags


@given(stamp_lists, st.sampled_from(["in", "out"]), st.integers(0, 10 * 3600))
def test_a_stamp_and_its_undo_change_nothing(
    stamps: list[tuple[str, int]], kind: str, sec: int
) -> None:
    log = Log()
    for k, s in stamps:
        log.add(k, START + timedelta(seconds=s))
    before = evaluate(log, day_over=True)
    log.undo(log.add(kind, START + timedelta(seconds=sec)))
    after = evaluate(log, day_over=True)
    assert after.model_dump(exclude={"stamps"}) == before.model_dump(exclude={"stamps"})
    assert after.stamps == before.stamps
