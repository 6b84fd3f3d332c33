"""Roll call in the services, the CLI and the schema (issue 14, item 1): a void (an undo with a
reason) and a correction are append-only, one transaction each; every reader of attendance
ignores a voided stamp; `I` never stamps a time not reached; migration 0011 from 0010."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
import time_machine
from sqlite_utils import Database

from esp_tui.cli import main
from esp_tui.domain.attendance import AttendanceEvent, parse_typed_time
from esp_tui.services import attendance as svc
from esp_tui.services import attendance_fix as fix
from esp_tui.services.handoff import handoff_markdown
from esp_tui.services.readiness import attended
from esp_tui.sync.desired import attendance_cells
from storage.attendance import all_events, event_count
from storage.cohort import get_cohort
from storage.db import connect
from storage.migrations import MIGRATIONS, latest_version
from tests.conftest import FIXED_NOW

KAI = "D1001"  # Kai Everly


@pytest.fixture
def cohort(seeded_db):
    return get_cohort(seeded_db)


def _bulk(db, config, cohort):
    return svc.bulk_in(db, config, cohort, 1, FIXED_NOW)


def test_typed_times_take_the_digits_alone():
    assert [f"{parse_typed_time(t):%H:%M}" for t in ("912", "0912", "9:12", "1712")] == [
        "09:12", "09:12", "09:12", "17:12",
    ]  # fmt: skip
    for bad in ("960", "2412", "12", "9.12"):
        with pytest.raises(ValueError, match="bad time"):
            parse_typed_time(bad)


def test_a_void_needs_a_reason_and_only_an_undo_carries_one():
    at = FIXED_NOW
    with pytest.raises(ValueError, match="reason"):
        AttendanceEvent(id=2, agent_id="A", day=1, kind="in", at=at, reason="x")
    with pytest.raises(ValueError, match="blank"):
        AttendanceEvent(id=2, agent_id="A", day=1, kind="undo", at=at, undoes=1, reason=" ")
    void = AttendanceEvent(id=2, agent_id="A", day=1, kind="undo", at=at, undoes=1, reason="r")
    assert void.is_void and not void.model_copy(update={"reason": None}).is_void


def test_replace_is_one_action_void_plus_in_and_undo_reverts_it(seeded_db, config, cohort):
    _bulk(seeded_db, config, cohort)
    before = event_count(seeded_db)
    r = fix.replace_in(seeded_db, config, cohort, KAI, day=1, now=FIXED_NOW, at="09:12")
    assert r.message == "Kai Everly · in 09:12 · replaces 09:00 · late 10+"
    assert r.view.in_local == "09:12" and r.view.flags == ("late_10m",)
    void, new = all_events(seeded_db)[before:]
    assert (void.kind, void.undoes, void.reason) == ("undo", void.undoes, "replaced by in 09:12")
    assert r.action.event_ids == (void.id, new.id) and new.kind == "in"
    svc.undo(seeded_db, r.action, FIXED_NOW)
    view = svc.day_view(seeded_db, config, cohort, KAI, 1, FIXED_NOW)
    assert (view.in_local, view.flags) == ("09:00", ())


def test_four_hours_late_is_computed_from_the_new_time(seeded_db, config, cohort):
    afternoon = FIXED_NOW + timedelta(hours=5)  # 14:14
    svc.bulk_in(seeded_db, config, cohort, 1, afternoon)
    r = fix.replace_in(seeded_db, config, cohort, KAI, day=1, now=afternoon, at="13:05")
    assert r.view.flags == ("late_4h",) and r.view.points == 1.0


def test_void_and_correct_with_a_reason(seeded_db, config, cohort):
    _bulk(seeded_db, config, cohort)
    bulk_in = next(e for e in all_events(seeded_db) if e.agent_id == KAI)
    with pytest.raises(svc.AttendanceError, match=r"^reason: say why"):
        fix.void_event(seeded_db, config, cohort, bulk_in.id, reason="  ", now=FIXED_NOW)
    with pytest.raises(svc.AttendanceError, match=r"^at '09:30': day 1 09:30 is in the future"):
        fix.correct_event(
            seeded_db, config, cohort, bulk_in.id, at="09:30", reason="x", now=FIXED_NOW
        )
    n = event_count(seeded_db)
    r = fix.correct_event(
        seeded_db, config, cohort, bulk_in.id, at="09:11", reason="joined late", now=FIXED_NOW
    )
    assert r.message == "Kai Everly · day 1 in 09:00 → 09:11: joined late · late 10+"
    assert event_count(seeded_db) == n + 2
    with pytest.raises(svc.AttendanceError, match="already undone or voided"):
        fix.void_event(seeded_db, config, cohort, bulk_in.id, reason="again", now=FIXED_NOW)
    new_in = all_events(seeded_db)[-1]
    r = fix.void_event(seeded_db, config, cohort, new_in.id, reason="not her", now=FIXED_NOW)
    assert r.message == "Kai Everly · day 1 in 09:11 voided: not her"
    assert r.view.in_local is None and not r.view.has_stamp


def test_a_correction_that_puts_an_out_before_the_first_in_is_refused(seeded_db, config, cohort):
    evening = FIXED_NOW + timedelta(hours=9)
    first = svc.stamp(seeded_db, config, cohort, KAI, "in", day=1, now=evening, at="09:00")
    svc.stamp(seeded_db, config, cohort, KAI, "out", day=1, now=evening, at="12:00")
    n = event_count(seeded_db)
    with pytest.raises(svc.AttendanceError, match="out 12:00 would be before Kai Everly's first"):
        fix.correct_event(
            seeded_db, config, cohort, first.action.event_ids[0], at="13:00", reason="r",
            now=evening,
        )  # fmt: skip
    assert event_count(seeded_db) == n


def test_every_reader_ignores_a_voided_stamp(seeded_db, config, cohort):
    r = svc.stamp(seeded_db, config, cohort, KAI, "in", day=1, now=FIXED_NOW, at="09:12")
    assert KAI in attended(seeded_db, 1)
    fix.void_event(
        seeded_db, config, cohort, r.action.event_ids[0], reason="wrong row", now=FIXED_NOW
    )
    assert KAI not in attended(seeded_db, 1)  # readiness: no attendance for Kai
    cells = attendance_cells(seeded_db, config, cohort, FIXED_NOW, 1)
    assert "09:12" not in " ".join(cells.get(KAI, {}).values())  # the sheet's tracker column
    assert "LATE" not in handoff_markdown(seeded_db, config, now=FIXED_NOW)
    week = svc.agent_week(seeded_db, config, cohort, KAI, FIXED_NOW)
    assert week.points == 0 and week.day(1).in_local is None


def test_plan_of_a_typed_time(seeded_db, config, cohort):
    def plan(at, now=FIXED_NOW):
        return [c for c, _ in fix.plan_stamp_at(seeded_db, cohort, KAI, 1, now, at).choices]

    assert plan("09:05") == ["in"]  # no in yet: nothing to ask
    _bulk(seeded_db, config, cohort)
    assert plan("09:12") == ["replace", "out"]  # the morning: a late arrival first
    assert plan("08:55") == ["replace"]  # before the in: no out
    evening = FIXED_NOW + timedelta(hours=9)
    assert plan("16:30", evening) == ["out", "replace"]
    svc.stamp(seeded_db, config, cohort, KAI, "out", day=1, now=evening, at="12:00")
    assert plan("12:40", evening) == ["in", "out"]  # out at that time: back in


def test_bulk_in_never_stamps_a_time_not_reached(seeded_db, config, cohort):
    early = FIXED_NOW - timedelta(minutes=34)  # 08:40 on day 1
    assert svc.bulk_in_time(cohort, 1, early) == early
    action = svc.bulk_in(seeded_db, config, cohort, 1, early)
    assert "in at 08:40" in action.label and all(e.at == early for e in all_events(seeded_db))
    n = event_count(seeded_db)
    with pytest.raises(svc.AttendanceError, match=r"^day 2: day 2 09:00 is in the future"):
        svc.bulk_in(seeded_db, config, cohort, 2, FIXED_NOW)
    assert event_count(seeded_db) == n


def _cli(db_path, capsys, *argv):
    with time_machine.travel(FIXED_NOW, tick=False):
        code = main(["--db", str(db_path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_stamp_in_on_an_agent_already_in_offers_replace(
    seeded_db, config, cohort, db_path, capsys
):
    _bulk(seeded_db, config, cohort)
    n = event_count(seeded_db)
    code, _, err = _cli(db_path, capsys, "stamp", KAI, "in", "--at", "09:12")
    assert code == 2 and event_count(seeded_db) == n
    assert err == (
        "esp-tui: error: Kai Everly is already in since 09:00 on day 1: nothing written;"
        " add --replace to void that in and stamp in at 09:12\n"
    )
    code, out, _ = _cli(db_path, capsys, "stamp", KAI, "in", "--at", "09:12", "--replace")
    assert code == 0
    assert out.startswith("Kai Everly · in 09:12 · replaces 09:00 · late 10+  (day 1, event #")
    assert sum(e.is_void for e in all_events(seeded_db)) == 1
    code, _, err = _cli(db_path, capsys, "stamp", KAI, "out", "--replace")
    assert code == 2 and "--replace: only for `in`" in err


def test_migration_0011_adds_the_reason_to_existing_events(tmp_path):
    path = tmp_path / "esp.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    MIGRATIONS.apply(Database(conn), stop_before="0011_attendance_void")
    t = "2026-11-23T14:00:00+00:00"
    conn.execute(
        "INSERT INTO cohorts (id, name, start_date, timezone, days, schedule_json, created_at)"
        f" VALUES (1, 'Nov 23', '2026-11-23', 'UTC', 5, '{{}}', '{t}')"
    )
    conn.execute("INSERT INTO settings VALUES ('current_cohort', '1')")
    conn.execute(f"INSERT INTO agents VALUES ('A1', 'Ann', 'a@x.com', '', 1, '{t}', '{t}')")
    for kind, undoes in (("in", None), ("undo", 1)):
        conn.execute(
            "INSERT INTO attendance_events (agent_id, day, kind, at, undoes, created_at)"
            " VALUES ('A1', 1, ?, ?, ?, ?)",
            [kind, t, undoes, t],
        )
    conn.close()
    db = connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == latest_version()
        events = all_events(db)
        assert [(e.kind, e.reason, e.is_void) for e in events] == [
            ("in", None, False), ("undo", None, False),
        ]  # fmt: skip
    finally:
        db.close()


def test_voiding_the_only_in_under_an_out_is_refused(seeded_db, config, cohort):
    """Review: voiding the in left "out 12:00 · EARLY 4H+" with no in, and an in at 13:00 could
    then be stamped behind that out; correct_event already refused the same order."""
    evening = FIXED_NOW + timedelta(hours=9)
    first = svc.stamp(seeded_db, config, cohort, KAI, "in", day=1, now=evening, at="09:00")
    out = svc.stamp(seeded_db, config, cohort, KAI, "out", day=1, now=evening, at="12:00")
    n = event_count(seeded_db)
    with pytest.raises(svc.AttendanceError, match="leave Kai Everly's out 12:00 with no in"):
        fix.void_event(
            seeded_db, config, cohort, first.action.event_ids[0], reason="wrong", now=evening
        )
    assert event_count(seeded_db) == n  # nothing written
    # the out first, then the in: both voids are accepted
    fix.void_event(seeded_db, config, cohort, out.action.event_ids[0], reason="w", now=evening)
    r = fix.void_event(
        seeded_db, config, cohort, first.action.event_ids[0], reason="wrong", now=evening
    )
    assert not r.view.has_stamp and event_count(seeded_db) == n + 2
