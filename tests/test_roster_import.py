"""`esp-tui roster import|list`: the happy path, idempotence, and every bad input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import time_machine

from esp_tui.cli import main
from tests.conftest import FIXED_NOW

GOOD = "agent_id,name,email,team\nA1,Ann Lee,ann@example.com,Blue\nA2,Bo Yu,bo@example.com,Red\n"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def agent_rows(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    con = sqlite3.connect(db_path)
    try:
        return con.execute("SELECT count(*) FROM agents").fetchone()[0]
    finally:
        con.close()


def test_import_then_reimport_changes_nothing(tmp_path, capsys):
    f = tmp_path / "roster.csv"
    f.write_text(GOOD)
    db = tmp_path / "esp.db"
    code, out, _ = run(
        capsys,
        "--db",
        str(db),
        "roster",
        "import",
        str(f),
        "--cohort",
        "Nov",
        "--start",
        "2026-11-23",
    )
    assert code == 0
    assert "2 added, 0 updated, 0 unchanged" in out
    assert "cohort 'Nov' created (day 1 = 2026-11-23)" in out
    code, out, _ = run(capsys, "roster", "import", str(f), "--db", str(db))
    assert code == 0 and "nothing changed: 2 agents already up to date" in out
    assert agent_rows(db) == 2


def test_reimport_with_a_change_counts_it(tmp_path, capsys):
    f = tmp_path / "roster.csv"
    f.write_text(GOOD)
    db = str(tmp_path / "esp.db")
    run(capsys, "--db", db, "roster", "import", str(f))
    f.write_text(GOOD.replace("Bo Yu", "Bo Yuen") + "A3,Cy Dee,cy@example.com,\n")
    code, out, _ = run(capsys, "--db", db, "roster", "import", str(f))
    assert code == 0 and "1 added, 1 updated, 1 unchanged" in out


def test_headers_case_and_space_insensitive_and_bom(tmp_path, capsys):
    f = tmp_path / "roster.csv"
    f.write_bytes("\ufeff Agent_ID ,NAME, Email \nA1,Ann Lee,ann@example.com\n".encode())
    db = str(tmp_path / "esp.db")
    code, _, err = run(capsys, "--db", db, "roster", "import", str(f))
    assert code == 0, err
    code, out, _ = run(capsys, "--db", db, "roster", "list", "--json")
    (row,) = json.loads(out)
    assert (row["agent_id"], row["name"], row["email"], row["team"]) == (
        "A1",
        "Ann Lee",
        "ann@example.com",
        "",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"agent_id,name\nA1,Ann\n", "row 1: missing column 'email'"),
        (b"agent_id,name,email\n,Ann,ann@example.com\n", "row 2: field 'agent_id': empty"),
        (b"agent_id,name,email\nA1,,ann@example.com\n", "row 2: field 'name': empty"),
        (b"agent_id,name,email\nA1,Ann,ann.example.com\n", "row 2: field 'email': malformed"),
        (
            b"agent_id,name,email\nA1,Ann,a@example.com\nA1,Bo,b@example.com\n",
            "row 3: field 'agent_id': duplicate 'A1' (first on row 2)",
        ),
        (  # 0x81 means nothing in UTF-8 or Windows-1252
            b"agent_id,name,email\nA1,Ann \x81,a@example.com\n",
            "line 2: neither UTF-8 nor Windows-1252 text (byte 27: 0x81)",
        ),
        (b"", "the file is empty"),
        (b"agent_id,name,email\n", "no agents below the header row"),
    ],
)
def test_bad_roster_one_line_error_exit_2_nothing_written(tmp_path, capsys, content, message):
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    db = tmp_path / "esp.db"
    # A good import first, so "nothing written" is checked against existing data too.
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    run(capsys, "--db", str(db), "roster", "import", str(good))
    code, _, err = run(capsys, "--db", str(db), "roster", "import", str(f))
    assert code == 2
    assert message in err
    assert str(f) in err
    assert err.count("\n") == 1  # exactly one line
    assert agent_rows(db) == 2


def test_bad_roster_does_not_even_create_the_db(tmp_path, capsys):
    f = tmp_path / "bad.csv"
    f.write_bytes(b"agent_id\nA1\n")
    db = tmp_path / "fresh.db"
    code, _, _ = run(capsys, "--db", str(db), "roster", "import", str(f))
    assert code == 2 and not db.exists()


def test_missing_file(tmp_path, capsys):
    code, _, err = run(
        capsys, "--db", str(tmp_path / "e.db"), "roster", "import", str(tmp_path / "nope.csv")
    )
    assert code == 2 and "nope.csv: cannot read the file" in err


def test_list_on_empty_db_says_how_to_start(tmp_path, capsys):
    code, out, _ = run(capsys, "--db", str(tmp_path / "e.db"), "roster", "list")
    assert code == 0 and "esp-tui demo" in out


def test_a_second_weeks_roster_never_merges_into_the_first_weeks_database(tmp_path, capsys):
    """Issue 12's first report: week 2's import merged both weeks and re-dated week 1. Now a
    new cohort name creates that week's cohort beside the first, which stays as it was."""
    w1, w2 = tmp_path / "w1.csv", tmp_path / "w2.csv"
    w1.write_text(GOOD)
    # A2 is in both weeks (same details): one person, a member of each cohort.
    w2.write_text(
        "agent_id,name,email,team\nB1,Cy Ng,cy@example.com,\nA2,Bo Yu,bo@example.com,Red\n"
    )
    db = str(tmp_path / "esp.db")
    with time_machine.travel(FIXED_NOW, tick=False):  # day 1 of week 2: the JSON is stable
        _second_week(capsys, w1, w2, db)


def _second_week(capsys, w1: Path, w2: Path, db: str) -> None:
    assert run(capsys, "--db", db, "roster", "import", str(w1), "--cohort", "Nov 16",
               "--start", "2026-11-16")[0] == 0  # fmt: skip
    assert run(capsys, "--db", db, "note", "A1", "week 1 note", "--day", "1")[0] == 0
    week1 = json.loads(run(capsys, "--db", db, "roster", "list", "--json")[1])

    # A new name without --start, while another cohort exists: refused, nothing written.
    before = table_counts(Path(db))
    code, out, err = run(capsys, "--db", db, "roster", "import", str(w2), "--cohort", "Nov 30")
    assert code == 2 and out == ""
    assert "cohort 'Nov 30' is new: give its day 1 with --start" in err
    assert err.count("\n") == 1
    assert table_counts(Path(db)) == before
    assert [c["name"] for c in cohort_list(capsys, db)] == ["Nov 16"]

    code, out, err = run(
        capsys, "--db", db, "roster", "import", str(w2), "--cohort", "Nov 23",
        "--start", "2026-11-23",
    )  # fmt: skip
    assert code == 0, err
    assert "cohort 'Nov 23' created (day 1 = 2026-11-23)" in out
    assert "2 added, 0 updated, 0 unchanged" in out  # A2 joins week 2 too: a member, not merged
    assert [(c["name"], c["current"]) for c in cohort_list(capsys, db)] == [
        ("Nov 16", False),
        ("Nov 23", True),
    ]
    # The current cohort is week 2: only its agents, with nothing recorded.
    week2 = json.loads(run(capsys, "--db", db, "roster", "list", "--json")[1])
    assert sorted(a["agent_id"] for a in week2) == ["A2", "B1"]
    assert all(a["days"].get("1", {}).get("note") in (None, "") for a in week2)
    # Week 1 is untouched: its agents, its note on its day 1, nothing re-dated.
    code, out, _ = run(capsys, "--db", db, "roster", "list", "--json", "--cohort", "Nov 16")
    assert code == 0
    assert json.loads(out) == week1
    assert next(a for a in week1 if a["agent_id"] == "A1")["days"]["1"]["note"] == "week 1 note"
    assert sorted(a["agent_id"] for a in week1) == ["A1", "A2"]
    assert cohort_list(capsys, db)[0]["start"] == "2026-11-16"

    # Moving an existing cohort's day 1 under recorded days is still refused.
    before = table_counts(Path(db))
    code, _, err = run(capsys, "--db", db, "roster", "import", str(w1), "--cohort", "Nov 16",
                       "--start", "2026-11-23")  # fmt: skip
    assert code == 2 and "moving day 1 would re-date them" in err
    assert table_counts(Path(db)) == before
    assert cohort_list(capsys, db)[0]["start"] == "2026-11-16"
    # The same cohort's roster still updates (here week 1 gains B1), and only that cohort's.
    code, out, _ = run(capsys, "--db", db, "roster", "import", str(w2), "--cohort", "Nov 16")
    assert code == 0 and "cohort 'Nov 16' (day 1 = 2026-11-16)" in out
    assert "1 added, 0 updated, 1 unchanged" in out
    code, out, _ = run(capsys, "--db", db, "roster", "list", "--json", "--cohort", "nov 16")
    assert sorted(a["agent_id"] for a in json.loads(out)) == ["A1", "A2", "B1"]
    week2_again = json.loads(run(capsys, "--db", db, "roster", "list", "--json")[1])
    assert sorted(a["agent_id"] for a in week2_again) == ["A2", "B1"]


def table_counts(db_path: Path) -> tuple[int, ...]:
    con = sqlite3.connect(db_path)
    try:
        return tuple(
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("cohorts", "agents", "cohort_agents", "notes", "attendance_events")
        )
    finally:
        con.close()


def cohort_list(capsys, db: str) -> list[dict]:
    code, out, _ = run(capsys, "--db", db, "cohort", "list", "--json")
    assert code == 0
    return json.loads(out)


def test_a_reimport_spelling_an_id_another_way_is_the_same_agent(tmp_path, capsys):
    """Ids match across imports as rows of one file match each other: `a1` (or `A1` with a
    zero-width space) in next week's file is the agent `A1` already known, not a second one."""
    db = tmp_path / "e.db"
    first, again = tmp_path / "w1.csv", tmp_path / "w2.csv"
    first.write_text(GOOD)
    again.write_text(GOOD.replace("A1,", "a1,").replace("A2,", "A2\u200b,").replace("Red", "Gold"))
    assert run(capsys, "--db", str(db), "roster", "import", str(first))[0] == 0
    code, out, err = run(capsys, "--db", str(db), "roster", "import", str(again))
    assert code == 0, err
    assert "0 added, 1 updated, 1 unchanged" in out
    assert agent_rows(db) == 2
    listed = run(capsys, "--db", str(db), "roster", "list", "--json")[1]
    teams = {(a["agent_id"], a["team"]) for a in json.loads(listed)}
    assert teams == {("A1", "Blue"), ("A2", "Gold")}
