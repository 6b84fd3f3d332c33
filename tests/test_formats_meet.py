"""Meet attendance reports as TLs get them (issue 15): each layout and encoding gives the same
kind of proposals `esp-tui stamp import` has always shown; bad files are one line, exit 2,
nothing written."""

from __future__ import annotations

import sqlite3
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from esp_tui.cli import main
from esp_tui.domain.tabular_time import parse_duration, parse_meet_time
from tests.conftest import FIXED_NOW, TZ

FIXTURES = Path(__file__).parent / "fixtures"
MEET = FIXTURES / "meet"
NY = ZoneInfo(TZ)


@pytest.fixture
def cli(tmp_path, capsys):
    """A cohort from day 1 = Monday 2026-11-23 (New York) holding the four fixture agents."""
    db = tmp_path / "esp.db"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[cohort]\ntimezone = "{TZ}"\n[tl]\nname = "Test TL"\n')

    def run(*argv: str) -> tuple[int, str, str]:
        with time_machine.travel(FIXED_NOW, tick=False):
            code = main([*argv, "--db", str(db), "--config", str(cfg)])
        out, err = capsys.readouterr()
        return code, out, err

    roster = FIXTURES / "roster" / "tab_separated.tsv"
    code, _, err = run(
        "roster", "import", str(roster), "--cohort", "Nov 23", "--start", "2026-11-23"
    )
    assert code == 0, err
    run.db = db  # type: ignore[attr-defined]
    return run


def events(db: Path) -> list[tuple[str, str, str]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT agent_id, kind, at FROM attendance_events ORDER BY id"
        ).fetchall()
    finally:
        con.close()


def proposals(out: str) -> list[tuple[str, str, str, str]]:
    """(agent id, in, out, matched by) of each proposal line."""
    got = []
    for line in out.splitlines():
        if " in " in line and " by " in line:
            parts = line.split()
            got.append(
                (parts[0], parts[parts.index("in") + 1], parts[parts.index("out") + 1], parts[-1])
            )
    return got


LAYOUTS = [
    (
        "workspace_report.csv",
        [("F1001", "09:04", "16:54", "email"), ("F1002", "09:30", "10:15", "name")],
        ["Pat Visitor <pat@example.org>"],
        "",
    ),
    (
        "workspace_excel_cp1252.csv",
        [
            ("F1001", "09:04", "16:54", "email"),
            ("F1002", "09:30", "10:15", "name"),  # "José Núñez" read right from cp1252
            ("F1003", "01:02", "01:03", "name"),
        ],
        [],
        "read as Windows-1252 (cp1252)",
    ),
    (
        "attendance_list_extension.csv",  # out = first seen + time in call
        [
            ("F1001", "09:02", "16:50", "name"),
            ("F1002", "09:05", "10:35", "name"),  # "Núñez, José"
            ("F1003", "09:11", "09:56", "name"),
        ],
        [],
        "",
    ),
    (
        "names_arrival.csv",
        [("F1001", "09:02", "16:58", "email"), ("F1004", "09:12", "17:01", "name")],
        [],
        "",
    ),
    (
        "time_in_out.csv",  # Dee is listed as not present: no proposal, not unmatched
        [("F1001", "09:02", "16:58", "name"), ("F1003", "09:10", "12:00", "name")],
        [],
        "",
    ),
]


@pytest.mark.parametrize(("name", "expected", "unmatched", "warning"), LAYOUTS)
def test_each_layout_gives_its_proposals(cli, name, expected, unmatched, warning):
    code, out, err = cli("stamp", "import", str(MEET / name), "--day", "1")
    assert code == 0, err
    assert proposals(out) == expected
    assert [
        line.removeprefix("unmatched: ")
        for line in out.splitlines()
        if line.startswith("unmatched")
    ] == unmatched
    assert f"{len(expected)} matched, {len(unmatched)} unmatched; nothing written" in out
    assert warning in err and (err.count("\n") == (1 if warning else 0))
    assert events(cli.db) == []


def test_the_official_report_shows_exactly_as_before(cli):
    code, out, _ = cli("stamp", "import", str(MEET / "workspace_report.csv"), "--day", "1")
    assert code == 0
    assert out.splitlines()[:3] == [
        "F1001      Ana Lima    in 09:04  out 16:54  by email",
        "F1002      José Núñez  in 09:30  out 10:15  by name",
        "unmatched: Pat Visitor <pat@example.org>",
    ]


def test_yes_stamps_an_extension_report(cli):
    code, out, err = cli("stamp", "import", str(MEET / "attendance_list_extension.csv"), "--yes")
    assert code == 0, err
    assert "stamped 3 agents on day 1 (in stamps only" in out
    assert [(a, k) for a, k, _ in events(cli.db)] == [
        ("F1001", "in"),
        ("F1002", "in"),
        ("F1003", "in"),
    ]


HEADER = "Participant,Email,First seen,Last seen\n"
BAD = [
    (
        b"Name,Joined\nAna,09:00\n",
        "no header row of a Meet report: found Name, Joined (row 1); known: Google Meet attendance"
        " report (First name, Last name, Email, Time joined, Time exited); participant list",
    ),
    (
        (HEADER + 'Ana Lima,"ana.lima@example.com,09:00,17:00\n').encode(),
        'row 2: a quote (") opens a field that is never closed',
    ),
    (
        (HEADER + "Ana Lima,ana.lima@example.com,09:00\x00,17:00\n").encode(),
        "row 2: field 'First seen': control character U+0000",
    ),
    (
        b"First name,Last name,Email,Email,Time joined,Time exited\n"
        b"Ana,Lima,a@x.com,b@x.com,9:00 AM,5:00 PM\n",
        "row 1: header 'Email' appears 2 times (columns 3, 4); keep one",
    ),
    (
        (HEADER + "Ana Lima,ana.lima@example.com,09:00,").encode() + b"1" * 5_000_000 + b"\n",
        "row 2: a field is longer than 131,072 characters",
    ),
    (
        (HEADER + "Ana Lima,,9:02 AM XYZT,17:00\n").encode(),
        "row 2: field 'First seen': bad time '9:02 AM XYZT'",
    ),
    (
        b"Full Name,First Seen,Time in Call\nAna Lima,9:02 AM,a while\n",
        "row 2: field 'Time in Call': bad duration 'a while'",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD, ids=range(len(BAD)))
def test_bad_report_is_one_line_exit_2_nothing_written(cli, tmp_path, content, message):
    f = tmp_path / "meet.csv"
    f.write_bytes(content)
    code, out, err = cli("stamp", "import", str(f), "--day", "1", "--yes")
    assert (code, out) == (2, "")
    assert err.startswith(f"esp-tui: error: {f}: {message}")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert events(cli.db) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/2/2026 9:02:13 AM", time(9, 2, 13)),
        ("9:02 AM EST", time(9, 2)),  # New York in November is EST
        ("9:02 AM EDT", time(8, 2)),
        ("10:30\u202fPM", time(22, 30)),
        ("1:02:00 AM", time(1, 2)),
        ("2026-11-23T14:02:00Z", time(9, 2)),
    ],
)
def test_times_as_exports_write_them(text, expected):
    assert parse_meet_time(text, NY, date(2026, 11, 23)) == expected


def test_a_zoned_time_follows_the_reports_day_for_daylight_saving():
    assert parse_meet_time("9:02 AM EDT", NY, date(2026, 7, 1)) == time(9, 2)
    assert parse_meet_time("9:02 AM EST", NY, date(2026, 7, 1)) == time(10, 2)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("7 hr 48 min", 468), ("1:30:00", 90), ("45 min", 45), ("1h 5m", 65), ("90 mins", 90)],
)
def test_durations(text, minutes):
    assert parse_duration(text).total_seconds() == minutes * 60


def test_a_report_dated_another_day_is_flagged_before_anything_is_written(cli):
    """QA: a report whose times carry a date was stamped onto whatever --day was given."""
    report = MEET / "names_arrival.csv"  # times dated 11/23/2026: day 1
    code, _, err = cli("stamp", "import", str(report), "--day", "1")
    assert code == 0 and err == ""
    code, out, err = cli("stamp", "import", str(report), "--day", "2")
    assert code == 0 and "nothing written" in out
    assert err.count("\n") == 1
    assert "the report's times are dated 2026-11-23, not day 2 (2026-11-24)" in err
    assert events(cli.db) == []


def test_a_time_named_with_a_date_or_moved_by_its_zone_says_its_date():
    from esp_tui.domain.tabular_time import parse_meet_moment

    on = date(2026, 11, 23)
    assert parse_meet_moment("9:02 AM", NY, on) == (time(9, 2), None)
    assert parse_meet_moment("12/2/2026 9:02:13 AM", NY, on) == (time(9, 2, 13), date(2026, 12, 2))
    assert parse_meet_moment("9:02 AM EST", NY, on) == (time(9, 2), None)  # same day in NY
    sydney = ZoneInfo("Australia/Sydney")  # 9:02 EST is 01:02 the next morning there
    assert parse_meet_moment("9:02 AM EST", sydney, on) == (time(1, 2), date(2026, 11, 24))
