"""Attendance actions on a real SQLite file: stamps, absences, undo, bulk in, notes, views."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esp_tui.config import build_config
from esp_tui.domain.attendance import effective_events
from esp_tui.domain.models import Agent
from esp_tui.services import attendance as svc
from esp_tui.services import meet_import as meet
from esp_tui.services.demo import seed_demo
from esp_tui.services.report import roster_report
from esp_tui.services.roster import cohort_from_config
from esp_tui.services.roster_view import roster_row, roster_rows
from storage.agents import upsert_agents
from storage.attendance import all_events, event_count
from storage.clock import from_text
from storage.cohort import get_cohort, save_cohort
from storage.db import connect
from storage.notes import get_note
from tests.conftest import DAY1, FIXED_NOW, TZ

NY = ZoneInfo(TZ)
KAI = "D1001"  # Kai Everly


def ny(d: date, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm, ss), tzinfo=NY)


# Day 1 at 23:00 New York: every typed time of day 1 is in the past (a stamp records what
# happened; FIXED_NOW, 09:14, would refuse the afternoon times these tests type).
DAY1_EVENING = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


@pytest.fixture
def cohort(seeded_db):
    return get_cohort(seeded_db)


def stamp(db, config, cohort, kind="in", agent=KAI, *, day=1, now=FIXED_NOW, **kw):
    return svc.stamp(db, config, cohort, agent, kind, day=day, now=now, **kw)


# --- stamping -----


def test_stamp_in_now_is_committed_in_utc_and_toasted(seeded_db, config, cohort):
    result = stamp(seeded_db, config, cohort)
    assert result.message == "Kai Everly · in 09:14 · late 10+"
    assert result.view.in_local == "09:14" and result.view.flags == ("late_10m",)
    row = seeded_db.execute(
        "SELECT agent_id, day, kind, at FROM attendance_events WHERE id = ?",
        [result.action.event_ids[0]],
    ).fetchone()
    assert row[:3] == (KAI, 1, "in")
    assert from_text(row[3]) == FIXED_NOW and row[3].endswith("+00:00")


@pytest.mark.parametrize(
    ("kind", "hhmm", "flags"),
    [
        ("in", "09:09", ()),
        ("in", "09:10", ("late_10m",)),
        ("in", "12:59", ("late_10m",)),
        ("in", "13:00", ("late_4h",)),
        ("out", "16:51", ()),
        ("out", "16:50", ("early_10m",)),
        ("out", "13:01", ("early_10m",)),
        ("out", "13:00", ("early_4h",)),
    ],
)
def test_typed_times_hit_the_policy_edges(seeded_db, config, cohort, kind, hhmm, flags):
    result = stamp(seeded_db, config, cohort, kind, at=hhmm, now=DAY1_EVENING)
    assert result.view.flags == flags
    assert (result.view.in_local if kind == "in" else result.view.out_local) == hhmm


def test_several_ins_and_outs_first_in_last_out_and_time_away(seeded_db, config, cohort):
    for kind, hhmm in [("in", "08:58"), ("out", "12:00"), ("in", "12:45"), ("out", "17:00")]:
        last = stamp(seeded_db, config, cohort, kind, at=hhmm, now=DAY1_EVENING)
    v = last.view
    assert (v.in_local, v.out_local, v.flags) == ("08:58", "17:00", ())
    assert v.away == timedelta(minutes=45)
    # a later `in` that is not the first says so in the toast
    stamp(seeded_db, config, cohort, "out", at="12:50", now=DAY1_EVENING)
    late_in = stamp(seeded_db, config, cohort, "in", at="13:00", now=DAY1_EVENING)
    assert "first in stays 08:58" in late_in.message


def test_absent_kinds_earn_their_points_and_the_ladder_step(seeded_db, config, cohort):
    r = stamp(seeded_db, config, cohort, "absent", absence_kind="ncns")
    assert r.message == "Kai Everly · absent ncns"
    assert r.view.badges == ("ABSENT ncns",) and r.view.points == 2.0
    stamp(seeded_db, config, cohort, "absent", day=2, absence_kind="absent")
    stamp(seeded_db, config, cohort, "absent", day=3, absence_kind="excused")
    stamp(seeded_db, config, cohort, "in", day=4, at="13:30", now=DAY1_EVENING + timedelta(days=3))
    week = svc.agent_week(seeded_db, config, cohort, KAI, FIXED_NOW)
    assert [d.points for d in week.days] == [2.0, 1.0, 0.0, 1.0, 0.0]
    assert week.points == 4.0 and week.step is not None and week.step.name == "written CAP"


def test_an_in_clears_an_absence_mark_but_not_unresponsive(seeded_db, config, cohort):
    stamp(seeded_db, config, cohort, "absent", absence_kind="ncns")
    r = stamp(seeded_db, config, cohort, "in", at="10:45", now=DAY1_EVENING)
    assert r.view.flags == ("late_10m",) and r.message.endswith("absence mark cleared")
    assert len(r.action.event_ids) == 2  # the in and the undo of the mark: one action
    stamp(seeded_db, config, cohort, "absent", absence_kind="unresponsive")
    stamp(seeded_db, config, cohort, "out", at="13:00", now=DAY1_EVENING)
    r = stamp(seeded_db, config, cohort, "in", at="14:00", now=DAY1_EVENING)
    assert r.view.badges == ("ABSENT unresponsive",) and len(r.action.event_ids) == 1


def test_a_day_without_a_stamp_is_absent_only_once_it_is_over(seeded_db, config, cohort):
    before_end = ny(DAY1, 16, 59)
    assert svc.day_view(seeded_db, config, cohort, KAI, 1, before_end).flags == ()
    assert svc.day_view(seeded_db, config, cohort, KAI, 1, ny(DAY1, 17, 0)).flags == ("absent",)
    assert svc.is_day_over(cohort, 1, ny(DAY1 + timedelta(days=1), 8, 0))
    assert not svc.is_day_over(cohort, 2, ny(DAY1 + timedelta(days=1), 8, 0))


def test_stamping_another_day_uses_now_wall_time_on_that_day(seeded_db, config, cohort):
    r = stamp(seeded_db, config, cohort, "in", day=1, now=FIXED_NOW + timedelta(days=2))
    assert r.message == "Kai Everly · day 1 · in 09:14 · late 10+"
    ev = all_events(seeded_db)[-1]
    assert ev.at == ny(DAY1, 9, 14).astimezone(UTC)


@pytest.mark.parametrize(
    ("args", "kw", "message"),
    [
        (("in", "NOPE"), {}, "agent 'NOPE': not in the roster of cohort 'Demo cohort'"),
        (("lunch", KAI), {}, "kind 'lunch'"),
        (("in", KAI), {"day": 0}, "day 0: outside the cohort's days 1..5"),
        (("in", KAI), {"day": 6}, "day 6"),
        (("in", KAI), {"at": "25:00"}, "at '25:00': bad time"),
        (("in", KAI), {"at": "9h05"}, "at '9h05'"),
        (("in", KAI), {"absence_kind": "ncns"}, "only for 'absent'"),
        (("absent", KAI), {"absence_kind": "sick"}, "absence kind 'sick'"),
    ],
)
def test_bad_input_is_one_clear_error_and_writes_nothing(
    seeded_db, config, cohort, args, kw, message
):
    before = event_count(seeded_db)
    kind, agent = args
    with pytest.raises(svc.AttendanceError, match=message):
        stamp(seeded_db, config, cohort, kind, agent, **kw)
    assert event_count(seeded_db) == before


# --- a stamp records what happened: no future, no out before the first in -----


@pytest.mark.parametrize(
    ("kind", "kw", "message"),
    [
        ("in", {"at": "12:59"}, r"^at '12:59': day 1 12:59 is in the future \(now Mon 09:14\)$"),
        ("out", {"at": "16:50"}, r"^at '16:50': day 1 16:50 is in the future \(now Mon 09:14\)$"),
        ("in", {"at": "9:16"}, r"^at '9:16': day 1 09:16 is in the future"),  # past the slack
        ("in", {"at": "08:00", "day": 2}, r"^at '08:00': day 2 08:00 is in the future"),
        ("in", {"day": 3}, r"^day 3: day 3 09:14 is in the future \(now Mon 09:14\)$"),
        ("out", {"at": ny(DAY1, 10, 0)}, r"^at 10:00: day 1 10:00 is in the future"),
    ],
)
def test_a_future_in_or_out_is_refused_and_writes_nothing(
    seeded_db, config, cohort, kind, kw, message
):
    before = event_count(seeded_db)
    with pytest.raises(svc.AttendanceError, match=message):
        stamp(seeded_db, config, cohort, kind, **kw)
    assert event_count(seeded_db) == before


@pytest.mark.parametrize("hhmm", ["09:14", "9:15"])  # now, and within the one-minute slack
def test_a_time_up_to_a_minute_ahead_is_now(seeded_db, config, cohort, hhmm):
    assert stamp(seeded_db, config, cohort, "in", at=hhmm).view.in_local == hhmm.zfill(5)


def test_an_absence_can_be_marked_ahead_for_a_later_day(seeded_db, config, cohort):
    r = stamp(seeded_db, config, cohort, "absent", day=4, absence_kind="excused")
    assert r.message == "Kai Everly · day 4 · absent excused" and event_count(seeded_db) == 1


def test_an_out_before_the_days_first_in_is_refused(seeded_db, config, cohort):
    stamp(seeded_db, config, cohort, "in", at="09:05")
    with pytest.raises(
        svc.AttendanceError, match=r"^at '08:30': out 08:30 is before Kai Everly's first in 09:05"
    ):
        stamp(seeded_db, config, cohort, "out", at="08:30")
    assert event_count(seeded_db) == 1
    # at the first in is not before it; an out with no in at all is still taken
    assert stamp(seeded_db, config, cohort, "out", at="09:05").view.out_local == "09:05"
    assert stamp(seeded_db, config, cohort, "out", "D1002", at="08:30").view.out_local == "08:30"


def test_an_in_while_already_in_writes_nothing_and_offers_to_replace(seeded_db, config, cohort):
    first = stamp(seeded_db, config, cohort, "in", at="09:02")
    assert "already in" not in first.message
    with pytest.raises(svc.AlreadyIn) as refused:
        stamp(seeded_db, config, cohort, "in", at="09:12")
    assert str(refused.value) == (
        "Kai Everly is already in since 09:02 on day 1: nothing written"
        " (replace that in with in 09:12?)"
    )
    assert refused.value.in_local == "09:02" and event_count(seeded_db) == 1
    again = stamp(seeded_db, config, cohort, "in", at="09:12", replace=True)
    assert again.message == "Kai Everly · in 09:12 · replaces 09:02 · late 10+"
    assert again.view.in_local == "09:12" and event_count(seeded_db) == 3
    # after an out, an in is a return, not "already in"
    stamp(seeded_db, config, cohort, "out", at="09:13")
    back = stamp(seeded_db, config, cohort, "in")
    assert back.message == "Kai Everly · in 09:14 · first in stays 09:12 · late 10+"


# --- undo and bulk -----


def test_undo_appends_undo_events_and_restores_the_view(seeded_db, config, cohort):
    first = stamp(seeded_db, config, cohort, "in", at="09:00")
    late = stamp(seeded_db, config, cohort, "absent", absence_kind="ncns")
    undone = svc.undo(seeded_db, late.action, FIXED_NOW)
    assert len(undone.event_ids) == 1
    v = svc.day_view(seeded_db, config, cohort, KAI, 1, FIXED_NOW)
    assert (v.in_local, v.flags) == ("09:00", ())
    svc.undo(seeded_db, first.action, FIXED_NOW)
    assert svc.day_view(seeded_db, config, cohort, KAI, 1, FIXED_NOW).in_local is None
    kinds = [e.kind for e in all_events(seeded_db)]
    assert kinds == ["in", "absent", "undo", "undo"]  # nothing deleted


def test_bulk_in_marks_only_agents_without_a_stamp_and_undoes_as_one(seeded_db, config, cohort):
    later = ny(DAY1, 9, 45)
    stamp(seeded_db, config, cohort, "in", "D1002", at="09:20", now=later)
    stamp(seeded_db, config, cohort, "absent", "D1003", absence_kind="ncns")
    undone = stamp(seeded_db, config, cohort, "in", "D1004", at="09:30", now=later)
    svc.undo(seeded_db, undone.action, FIXED_NOW)  # an undone stamp is no stamp
    action = svc.bulk_in(seeded_db, config, cohort, 1, FIXED_NOW)
    assert len(action.event_ids) == 22 and set(action.agent_ids).isdisjoint({"D1002", "D1003"})
    assert "D1004" in action.agent_ids
    views = {a: svc.day_view(seeded_db, config, cohort, a, 1, FIXED_NOW) for a in action.agent_ids}
    assert {v.in_local for v in views.values()} == {"09:00"}
    assert svc.agents_without_stamp(seeded_db, cohort, 1) == []
    svc.undo(seeded_db, action, FIXED_NOW)
    assert len(svc.agents_without_stamp(seeded_db, cohort, 1)) == 22
    assert svc.day_view(seeded_db, config, cohort, "D1002", 1, FIXED_NOW).in_local == "09:20"


def test_bulk_in_can_be_scoped_to_some_agents(seeded_db, config, cohort):
    day2 = FIXED_NOW + timedelta(days=1)
    action = svc.bulk_in(seeded_db, config, cohort, 2, day2, ["D1001", "D1002", "NOPE"])
    assert action.agent_ids == ("D1001", "D1002") and action.day == 2


# --- notes -----


def test_notes_are_set_cleared_and_kept_in_history(seeded_db, config, cohort):
    svc.set_note(seeded_db, cohort, KAI, 1, "  Doctor appt at 2, back 3  ")
    assert get_note(seeded_db, KAI, 1) == "Doctor appt at 2, back 3"
    assert svc.day_view(seeded_db, config, cohort, KAI, 1, FIXED_NOW).note == get_note(
        seeded_db, KAI, 1
    )
    svc.set_note(seeded_db, cohort, KAI, 1, "")
    assert get_note(seeded_db, KAI, 1) is None
    history = seeded_db.execute("SELECT count(*) FROM notes_history").fetchone()[0]
    assert history == 2
    with pytest.raises(svc.AttendanceError, match="day 9"):
        svc.set_note(seeded_db, cohort, KAI, 9, "x")


# --- DST and timezones -----


def _dst_db(tmp_path: Path, start: date):
    config = build_config({"cohort": {"timezone": TZ}}, "t")
    db = connect(tmp_path / "dst.db")
    cohort = cohort_from_config(config, "DST", start)
    with db.atomic():
        save_cohort(db, cohort)
        upsert_agents(db, [Agent(agent_id="A1", name="Ann Example", email="ann@example.com")])
    return db, config, cohort


@pytest.mark.parametrize(
    ("start", "offsets"),
    [
        (date(2026, 10, 31), [13, 14, 14]),  # fall back on Sun 1 Nov: EDT, then EST
        (date(2026, 3, 7), [14, 13, 13]),  # spring forward on Sun 8 Mar: EST, then EDT
    ],
)
def test_nine_oclock_is_nine_oclock_across_dst(tmp_path, start, offsets):
    db, config, cohort = _dst_db(tmp_path, start)
    late_now = datetime.combine(start + timedelta(days=4), time(23, 0), tzinfo=UTC)
    for day in (1, 2, 3):
        r = svc.stamp(db, config, cohort, "A1", "in", day=day, now=late_now, at="09:00")
        assert r.view.in_local == "09:00" and r.view.flags == ()
    hours = [e.at.hour for e in all_events(db)]
    assert hours == offsets
    for day in (1, 2, 3):
        s, e = svc.day_window(cohort, day)
        assert e - s == timedelta(hours=8)  # a DST day is still 09:00-17:00 on the wall


# --- read models -----


def test_roster_rows_carry_attendance_and_policy(seeded_db, config, cohort):
    stamp(seeded_db, config, cohort, "absent", absence_kind="ncns")
    svc.set_note(seeded_db, cohort, KAI, 1, "no answer on 3 calls")
    rows = {r.agent_id: r for r in roster_rows(seeded_db, config, cohort, 1, FIXED_NOW)}
    assert len(rows) == 24
    kai = rows[KAI]
    assert (kai.in_time, kai.badges, kai.points, kai.step) == (
        "",
        ("ABSENT ncns",),
        2.0,
        "verbal warning",
    )
    assert kai.step_rank == 1 and kai.has_note
    assert rows["D1002"].points == 0 and rows["D1002"].step is None and not rows["D1002"].has_stamp
    one = roster_row(seeded_db, config, cohort, 1, FIXED_NOW, KAI)
    assert (one.badges, one.points, one.note) == (kai.badges, kai.points, kai.note)
    assert [r.matches("blue") for r in (kai, rows["D1002"])] == [True, False]
    assert kai.matches("d1001") and kai.matches("EVERLY") and not kai.matches("zz")


def test_roster_report_days_and_points_shape(seeded_db, config, cohort):
    now = ny(DAY1, 16, 58)  # after the out, before the day is over (D1002 is not absent yet)
    stamp(seeded_db, config, cohort, "in", at="09:12", now=now)
    stamp(seeded_db, config, cohort, "out", at="16:55", now=now)
    svc.set_note(seeded_db, cohort, KAI, 1, "ok")
    report = {r["agent_id"]: r for r in roster_report(seeded_db, config, now=now)}
    kai = report[KAI]
    assert kai["days"]["1"] == {"in": "09:12", "out": "16:55", "flags": ["late_10m"], "note": "ok"}
    assert set(kai["days"]) == {"1", "2", "3", "4", "5"}
    assert kai["days"]["2"] == {"in": None, "out": None, "flags": [], "note": None}
    assert kai["points"] == 0.5
    assert report["D1002"]["points"] == 0


# --- demo -----


@pytest.mark.parametrize(
    ("local_now", "stamped", "late", "ncns"),
    [
        ((8, 30), 0, False, False),
        ((9, 14), 22, False, False),  # everyone but the late one and the ncns
        ((9, 29), 23, True, False),
        ((23, 0), 23, True, True),
    ],
)
def test_demo_day_one_stamps_are_never_in_the_future(db, config, local_now, stamped, late, ncns):
    now = ny(DAY1, *local_now)
    seed_demo(db, config, agents=24, today=DAY1, now=now)
    events = all_events(db)
    assert all(e.at <= now for e in events)
    assert sum(1 for e in events if e.kind == "in") == stamped
    cohort = get_cohort(db)
    rows = {r.agent_id: r for r in roster_rows(db, config, cohort, 1, now)}
    assert (rows["D1003"].flags == ("late_10m",)) is late
    assert (rows["D1008"].badges == ("ABSENT ncns",)) is ncns
    assert sum(1 for r in rows.values() if r.in_time == "09:00") >= min(stamped, 20)


# --- Meet report -----


def test_meet_report_preview_writes_nothing_and_accept_is_one_action(
    seeded_db, config, cohort, tmp_path
):
    csv = tmp_path / "meet.csv"
    csv.write_text(
        "Participant,Email,First seen,Last seen\n"
        "Kai Everly,kai.everly@example.com,9:02 AM,4:58 PM\n"
        "Dana Larkspur,,09:20,16:30\n"
        "Pat Visitor,pat@example.org,10:00,10:30\n"
    )
    before = event_count(seeded_db)
    preview = meet.preview_meet_report(seeded_db, cohort, csv)
    assert event_count(seeded_db) == before
    assert [(p.agent_id, p.matched_by) for p in preview.proposals] == [
        (KAI, "email"),
        ("D1005", "name"),
    ]
    assert preview.unmatched == ("Pat Visitor <pat@example.org>",)
    evening = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # day 1 is over: outs are in the past
    action = meet.accept_meet_proposals(seeded_db, cohort, 1, preview.proposals, now=evening)
    assert len(action.event_ids) == 4
    kai = svc.day_view(seeded_db, config, cohort, KAI, 1, FIXED_NOW)
    assert (kai.in_local, kai.out_local) == ("09:02", "16:58")
    svc.undo(seeded_db, action, FIXED_NOW)
    assert svc.day_view(seeded_db, config, cohort, KAI, 1, FIXED_NOW).in_local is None


def test_the_review_defaults_refuse_a_day_outside_the_cohort_as_accepting_does(
    seeded_db, cohort, tmp_path
):
    """`stamp import` no longer checks --day itself (issue 13): the service's defaults refuse a
    day outside the cohort, with the same rule and words as accepting does."""
    csv = tmp_path / "meet.csv"
    csv.write_text("Participant,Email,First seen,Last seen\nKai Everly,,9:02 AM,4:58 PM\n")
    preview = meet.preview_meet_report(seeded_db, cohort, csv)
    for day in (0, 6):
        with pytest.raises(svc.AttendanceError) as defaults:
            meet.meet_defaults(seeded_db, cohort, day, preview, FIXED_NOW)
        with pytest.raises(svc.AttendanceError) as accept:
            meet.accept_meet_proposals(seeded_db, cohort, day, preview.proposals, now=FIXED_NOW)
        assert str(defaults.value) == str(accept.value) == (
            f"day {day}: outside the cohort's days 1..5"
        )
    chosen, stamped, include_out = meet.meet_defaults(seeded_db, cohort, 1, preview, FIXED_NOW)
    assert (chosen, stamped, include_out) == ({KAI}, set(), False)


def test_set_note_returns_the_agent_it_wrote_for(seeded_db, cohort):
    agent = svc.set_note(seeded_db, cohort, KAI, 2, "doctor at 2")
    assert (agent.agent_id, agent.name) == (KAI, "Kai Everly")
    assert get_note(seeded_db, KAI, 2) == "doctor at 2"


def test_meet_report_errors_name_the_file(seeded_db, cohort, tmp_path):
    with pytest.raises(svc.AttendanceError, match="cannot read"):
        meet.preview_meet_report(seeded_db, cohort, tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("Participant,Email,First seen,Last seen\nKai,,nine,10:00\n")
    with pytest.raises(svc.AttendanceError, match=r"bad\.csv: row 2: field 'First seen'"):
        meet.preview_meet_report(seeded_db, cohort, bad)


# --- property: any stamp sequence, then undo everything, is an empty day -----

_ops = st.lists(
    st.tuples(st.sampled_from(["in", "out", "absent"]), st.integers(7 * 60, 19 * 60)),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=_ops)
def test_undoing_every_action_in_reverse_leaves_an_empty_day(tmp_path_factory, ops):
    db, config, cohort = _dst_db(tmp_path_factory.mktemp("p"), DAY1)
    now = ny(DAY1, 19, 30)  # after every typed time: none is in the future
    actions = []
    for kind, minute in ops:
        hhmm = f"{minute // 60:02d}:{minute % 60:02d}"
        kw = {"absence_kind": "ncns"} if kind == "absent" else {"at": hhmm}
        if kind == "in":
            kw["replace"] = True  # an in while in replaces it (void + in): undone as one
        ins = [e.at for e in effective_events(all_events(db)) if e.kind == "in"]
        before = event_count(db)
        if kind == "out" and ins and ny(DAY1, minute // 60, minute % 60) < min(ins):
            with pytest.raises(svc.AttendanceError, match="before Ann Example's first in"):
                svc.stamp(db, config, cohort, "A1", kind, day=1, now=now, **kw)
            assert event_count(db) == before
            continue
        r = svc.stamp(db, config, cohort, "A1", kind, day=1, now=now, **kw)
        actions.append(r.action)
        # the repainted view always equals a fresh read
        assert r.view == svc.day_view(db, config, cohort, "A1", 1, now)
    for action in reversed(actions):
        svc.undo(db, action, now)
    v = svc.day_view(db, config, cohort, "A1", 1, ny(DAY1, 12, 0))
    assert (v.in_local, v.out_local, v.flags, v.has_stamp) == (None, None, (), False)
    v = svc.day_view(db, config, cohort, "A1", 1, now)  # the day is over: empty is absent
    assert (v.in_local, v.out_local, v.flags, v.has_stamp) == (None, None, ("absent",), False)
    db.close()
