"""`esp-tui stamp`, `esp-tui stamp import`, `esp-tui note` and the roster JSON keys."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import time_machine

from esp_tui.cli import main
from storage.attendance import all_events, event_count
from storage.notes import get_note
from tests.conftest import FIXED_NOW

DAY1_1730 = "2026-11-23 22:30Z"  # 17:30 New York, day 1: after the day's typed times
DAY2_1000 = "2026-11-24 15:00Z"  # 10:00 New York, day 2
DAY1_1040 = "2026-11-23 15:40Z"  # 10:40 New York, day 1: after the report's first-seen times


@pytest.fixture
def cli(seeded_db, db_path, capsys):
    """Run the CLI on the seeded DB at FIXED_NOW (09:14 New York, day 1), or at `now`."""

    def run(*argv: str, now: datetime | str = FIXED_NOW) -> tuple[int, str, str]:
        with time_machine.travel(now, tick=False):
            code = main(["--db", str(db_path), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_stamp_in_now_out_at_and_absent_with_kind(cli, seeded_db):
    code, out, _ = cli("stamp", "D1001", "in")
    assert code == 0 and out.startswith("Kai Everly · in 09:14 · late 10+  (day 1, event #")
    code, out, _ = cli("stamp", "D1001", "out", "--at", "16:45", now=DAY1_1730)
    assert code == 0 and "out 16:45" in out and "early 10+" in out
    code, out, _ = cli("stamp", "D1002", "absent", "--kind", "ncns", "--day", "2")
    assert code == 0 and out.startswith("Morgan Underhill · day 2 · absent ncns")
    assert [(e.agent_id, e.day, e.kind, e.absence_kind) for e in all_events(seeded_db)] == [
        ("D1001", 1, "in", None),
        ("D1001", 1, "out", None),
        ("D1002", 2, "absent", "ncns"),
    ]


def test_plain_absent_defaults_to_the_absent_kind(cli, seeded_db):
    assert cli("stamp", "D1001", "absent")[0] == 0
    assert all_events(seeded_db)[0].absence_kind == "absent"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        # the services' own messages (issue 13: the CLI no longer re-validates), the field
        # said as the argument typed
        (("stamp", "NOPE", "in"), "AGENT_ID 'NOPE': not in the roster of cohort 'Demo cohort'"),
        (("stamp", "D1001", "in", "--at", "25:00"), "--at '25:00': bad time, expected HH:MM"),
        (("stamp", "D1001", "in", "--at", "nine"), "--at 'nine'"),
        (("stamp", "D1001", "in", "--day", "0"), "--day 0: outside the cohort's days 1..5"),
        (("stamp", "D1001", "in", "--day", "6"), "--day 6: outside"),
        (("stamp", "D1001", "lunch"), "kind 'lunch': expected one of in, out, absent"),
        (("stamp", "D1001", "in", "--kind", "ncns"), "--kind ncns: only for 'absent'"),
        (("stamp", "D1001", "absent", "--kind", "sick"), "--kind sick: expected one of"),
        (("stamp", "D1001", "in", "--yes"), "--yes: only for `esp-tui stamp import"),
        (("note", "NOPE", "hello"), "AGENT_ID 'NOPE': not in the roster of cohort 'Demo"),
        (("note", "D1001", "hello", "--day", "9"), "--day 9: outside"),
        (("stamp", "import", "missing.csv"), "missing.csv: cannot read the file"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(cli, seeded_db, argv, message):
    code, _, err = cli(*argv)
    assert code == 2
    assert err.startswith("esp-tui: error: ") and message in err and err.count("\n") == 1
    assert event_count(seeded_db) == 0
    assert seeded_db.execute("SELECT count(*) FROM notes").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("stamp", "D1001", "in", "--at", "12:59"),
            "esp-tui: error: --at '12:59': day 1 12:59 is in the future (now Mon 09:14)\n",
        ),
        (("stamp", "D1001", "out", "--at", "16:50"), "day 1 16:50 is in the future"),
        (("stamp", "D1001", "in", "--day", "2"), "error: --day 2: day 2 09:14 is in the future"),
        (("stamp", "D1001", "in", "--at", "08:00", "--day", "3"), "day 3 08:00 is in the future"),
    ],
)
def test_a_future_stamp_exits_2_and_writes_nothing(cli, seeded_db, argv, message):
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert err.startswith("esp-tui: error: ") and message in err and err.count("\n") == 1
    assert event_count(seeded_db) == 0


def test_an_absence_ahead_is_allowed_but_an_out_before_the_first_in_is_not(cli, seeded_db):
    code, out, _ = cli("stamp", "D1001", "absent", "--kind", "excused", "--day", "3")
    assert code == 0 and out.startswith("Kai Everly · day 3 · absent excused")
    assert cli("stamp", "D1002", "in", "--at", "09:05")[0] == 0
    code, _, err = cli("stamp", "D1002", "out", "--at", "08:30")
    assert code == 2
    assert err == (
        "esp-tui: error: --at '08:30': out 08:30 is before Morgan Underhill's first in 09:05"
        " on day 1\n"
    )
    assert [e.kind for e in all_events(seeded_db)] == ["absent", "in"]


def test_stamping_in_while_already_in_says_so(cli, seeded_db):
    assert cli("stamp", "D1001", "in", "--at", "09:02")[0] == 0
    code, _, err = cli("stamp", "D1001", "in")  # nothing written; --replace would (rollcall)
    assert code == 2 and err == (
        "esp-tui: error: Kai Everly is already in since 09:02 on day 1: nothing written;"
        " add --replace to void that in and stamp in now\n"
    )
    assert [e.kind for e in all_events(seeded_db)] == ["in"]


def test_a_day_number_that_is_not_a_number_is_a_usage_error(cli):
    with pytest.raises(SystemExit) as e:
        cli("stamp", "D1001", "in", "--day", "two")
    assert e.value.code == 2


def test_without_a_day_outside_the_cohort_week_asks_for_one(seeded_db, db_path, capsys):
    with time_machine.travel("2026-12-15 15:00Z", tick=False):
        code = main(["--db", str(db_path), "stamp", "D1001", "in"])
    assert code == 2 and "pass --day N" in capsys.readouterr().err
    assert event_count(seeded_db) == 0


def test_note_sets_and_clears(cli, seeded_db):
    code, out, _ = cli("note", "D1001", "Left at 2 for a doctor appt", "--day", "2")
    assert code == 0 and out.strip() == "note saved: Kai Everly · day 2"
    assert get_note(seeded_db, "D1001", 2) == "Left at 2 for a doctor appt"
    assert cli("note", "D1001", "")[1].strip() == "note cleared: Kai Everly · day 1"


MEET = (
    "Meeting code: abc-defg-hij\n"
    "First name,Last name,Email,Duration,Time joined,Time exited\n"
    "Kai,Everly,kai.everly@example.com,7 hr 50 min,9:02 AM,4:52 PM\n"
    "Dana,Larkspur,,1 hr,9:30 AM,10:30 AM\n"
    "Pat,Visitor,pat@example.org,30 min,10:00 AM,10:30 AM\n"
)


def test_stamp_import_shows_proposals_and_writes_only_with_yes(cli, seeded_db, tmp_path):
    report = tmp_path / "meet.csv"
    report.write_text(MEET)
    code, out, _ = cli("stamp", "import", str(report))
    assert code == 0
    assert "D1001" in out and "in 09:02" in out and "by email" in out
    assert "D1005" in out and "by name" in out
    assert "unmatched: Pat Visitor <pat@example.org>" in out
    assert "nothing written" in out and event_count(seeded_db) == 0

    code, out, _ = cli("stamp", "import", str(report), "--yes", now=DAY1_1040)
    assert code == 0 and "stamped 2 agents on day 1 (in stamps only" in out
    assert [(e.agent_id, e.kind) for e in all_events(seeded_db)] == [
        ("D1001", "in"),
        ("D1005", "in"),
    ]


def test_stamp_import_on_a_finished_day_adds_the_outs(seeded_db, db_path, tmp_path, capsys):
    report = tmp_path / "meet.csv"
    report.write_text(MEET)
    argv = ["--db", str(db_path), "stamp", "import", str(report), "--day", "1", "--yes"]
    with time_machine.travel("2026-11-24 23:00Z", tick=False):
        assert main(argv) == 0
    assert "(in and out stamps)" in capsys.readouterr().out
    assert [e.kind for e in all_events(seeded_db)] == ["in", "out", "in", "out"]


@pytest.mark.parametrize("yes", [(), ("--yes",)])
def test_stamp_import_for_a_day_outside_the_cohort_is_refused_by_the_service(
    cli, seeded_db, tmp_path, yes
):
    report = tmp_path / "meet.csv"
    report.write_text(MEET)
    code, out, err = cli("stamp", "import", str(report), "--day", "9", *yes)
    assert (code, out) == (2, "")
    assert err == "esp-tui: error: --day 9: outside the cohort's days 1..5\n"
    assert event_count(seeded_db) == 0


def test_stamp_import_yes_keeps_the_tls_own_stamps_like_the_review_screen(cli, seeded_db, tmp_path):
    """Issue 13: `--yes` used to send every proposal, adding a second `in` at 09:02 after the
    TL's own `in`; the service now skips agents already stamped that day, for both."""
    report = tmp_path / "meet.csv"
    report.write_text(MEET)
    assert cli("stamp", "D1001", "in", "--at", "09:10")[0] == 0
    code, out, _ = cli("stamp", "import", str(report), "--yes", now=DAY1_1040)
    assert code == 0 and "stamped 1 agent on day 1" in out
    assert "1 already stamped, left as they were" in out
    assert [(e.agent_id, e.kind) for e in all_events(seeded_db)] == [
        ("D1001", "in"),  # the TL's 09:10, alone
        ("D1005", "in"),
    ]


def test_stamp_import_yes_refuses_stamps_in_the_future_and_writes_nothing(
    seeded_db, db_path, tmp_path, capsys
):
    """Issue 13: a report for the wrong day wrote an `in` at 09:30 at 05:26."""
    report = tmp_path / "meet.csv"
    report.write_text(MEET)
    argv = ["--db", str(db_path), "stamp", "import", str(report), "--day", "1", "--yes"]
    with time_machine.travel("2026-11-23 10:26Z", tick=False):  # 05:26 New York, day 1
        assert main(argv) == 2
    err = capsys.readouterr().err
    assert "is in the future" in err and err.count("\n") == 1
    assert event_count(seeded_db) == 0


def test_roster_list_json_gains_days_and_points(cli):
    cli("stamp", "D1001", "absent", "--kind", "ncns")
    cli("stamp", "D1002", "in", "--at", "09:00", "--day", "2", now=DAY2_1000)
    cli("note", "D1002", "great start", "--day", "2")
    code, out, _ = cli("roster", "list", "--json")
    assert code == 0
    rows = {r["agent_id"]: r for r in json.loads(out)}
    assert rows["D1001"]["points"] == 2.0
    assert rows["D1001"]["days"]["1"] == {
        "in": None,
        "out": None,
        "flags": ["absent"],
        "note": None,
    }
    assert rows["D1002"]["days"]["2"] == {
        "in": "09:00",
        "out": None,
        "flags": [],
        "note": "great start",
    }
    assert rows["D1003"]["days"]["1"]["flags"] == []  # day 1 is not over at 09:14
