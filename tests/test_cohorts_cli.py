"""`esp-tui cohort new|list|use|close|reopen|carry` and `--cohort NAME` on the other commands,
through esp_tui.cli.main on a real SQLite file at the frozen clock (issue 12).

Two weekly cohorts back to back: 'Nov 16' (day 1 = Mon 16 Nov) and 'Nov 23' (day 1 = Mon 23 Nov,
today at FIXED_NOW), with a holdover, H1, carried from the first into the second.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import time_machine

from esp_tui.cli import main
from esp_tui.config import load_config
from esp_tui.services.flags import resolve_flag
from esp_tui.services.progress import act_on_guide
from storage import cohort as cohort_store
from storage.attendance import all_events
from storage.db import connect
from storage.flags import list_caps, list_flags
from tests.conftest import FIXED_NOW, TL_NAME, TZ

W1 = (
    "agent_id,name,email,team\n"
    "H1,Hal Ode,hal@example.com,Blue\n"
    "A1,Ann Lee,ann@example.com,Blue\n"
    "A2,Bo Yu,bo@example.com,Red\n"
)
W2 = "agent_id,name,email,team\nB1,Cy Ng,cy@example.com,Red\nB2,Di Fox,di@example.com,Blue\n"
MEET = (  # a Google Meet attendance report: Bo Yu (A2) attended Nov 16's day 5
    "Meeting code: abc-defg-hij\n"
    "First name,Last name,Email,Duration,Time joined,Time exited\n"
    "Bo,Yu,bo@example.com,7 hr 50 min,9:02 AM,4:52 PM\n"
)
TABLES = (
    "cohorts",
    "cohort_agents",
    "agents",
    "attendance_events",
    "notes",
    "task_progress",
    "exam_attempts",
    "caps",
    "red_flags",
    "settings",
)


@pytest.fixture
def env(tmp_path: Path):
    """(db path, config path, w1.csv, w2.csv): a New York config, nothing imported yet."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[cohort]\ntimezone = "{TZ}"\n[tl]\nname = "{TL_NAME}"\n')
    w1, w2 = tmp_path / "w1.csv", tmp_path / "w2.csv"
    w1.write_text(W1)
    w2.write_text(W2)
    return tmp_path / "esp.db", cfg, w1, w2


@pytest.fixture
def cli(env, capsys):
    """Run the CLI on the test DB at FIXED_NOW (Mon 23 Nov 09:14 New York): (code, out, err)."""
    db_path, cfg, _, _ = env

    def run(*argv: str) -> tuple[int, str, str]:
        with time_machine.travel(FIXED_NOW, tick=False):
            code = main(["--db", str(db_path), "--config", str(cfg), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def ok(cli, *argv: str) -> str:
    code, out, err = cli(*argv)
    assert code == 0, err
    return out


def refused(cli, *argv: str) -> str:
    """The command exits 2 with one line on stderr and nothing on stdout; returns the line."""
    code, out, err = cli(*argv)
    assert code == 2, out
    assert out == ""
    assert err.startswith("esp-tui: error: ") and err.count("\n") == 1
    return err


def counts(db_path: Path) -> dict[str, int]:
    con = sqlite3.connect(db_path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def cohort_id(db_path: Path, name: str) -> int:
    con = sqlite3.connect(db_path)
    try:
        return con.execute("SELECT id FROM cohorts WHERE name = ?", [name]).fetchone()[0]
    finally:
        con.close()


def rows_of(db_path: Path, table: str, name: str) -> int:
    con = sqlite3.connect(db_path)
    try:
        return con.execute(
            f"SELECT count(*) FROM {table} WHERE cohort_id = ?", [cohort_id(db_path, name)]
        ).fetchone()[0]
    finally:
        con.close()


def scoped(db_path: Path, name: str):
    """A connection of our own working on cohort `name` (the caller closes it)."""
    db = connect(db_path)
    cohort_store.use(db, cohort_id(db_path, name))
    return db


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["agent_id"]: r for r in rows}


def record(cli, db_path: Path, name: str) -> dict:
    """Everything the CLI and storage show of cohort `name`: to compare before and after."""
    db = scoped(db_path, name)
    try:
        caps = [c.model_dump() for c in list_caps(db)]
        flags = [f.model_dump() for f in list_flags(db)]
        events = [e.model_dump() for e in all_events(db)]
    finally:
        db.close()
    return {
        "roster": json.loads(ok(cli, "roster", "list", "--json", "--cohort", name)),
        "progress": json.loads(ok(cli, "progress", "list", "--json", "--cohort", name)),
        "handoff": ok(cli, "report", "handoff", "--cohort", name),
        "caps": caps,
        "flags": flags,
        "events": events,
    }


def week_one(cli, env) -> None:
    """Week 1 through the CLI: import, stamps, a note, progress (2 failed Aetna attempts for
    H1), open and resolved red flags. The CAP the guide calls for and the resolve have no
    command: they go through the services the app's task list and flag screen call."""
    db_path, cfg, w1, _ = env
    out = ok(cli, "roster", "import", str(w1), "--cohort", "Nov 16", "--start", "2026-11-16")
    assert "cohort 'Nov 16' created (day 1 = 2026-11-16)" in out
    ok(cli, "stamp", "H1", "in", "--day", "1", "--at", "09:00")
    ok(cli, "stamp", "H1", "out", "--day", "1", "--at", "17:00")
    ok(cli, "stamp", "A1", "absent", "--day", "2", "--kind", "excused")
    ok(cli, "note", "H1", "Retakes Aetna next week", "--day", "3")
    for task, status in (("ahip_m1", "passed"), ("ahip_m2", "passed"), ("ahip_final", "passed"),
                         ("tbt_citrix", "waived"), ("ahip_m3", "in_progress")):  # fmt: skip
        ok(cli, "progress", "set", "H1", task, status)
    out = ok(cli, "progress", "set", "H1", "cert_aetna", "failed", "--score", "70")
    assert "attempt 1 failed with 70%" in out
    out = ok(cli, "progress", "set", "H1", "cert_aetna", "failed", "--score", "60")
    assert "attempt 2 failed with 60%" in out and "the guide calls for a CAP" in out
    assert "red flag #1 raised" in ok(cli, "flag", "H1", "conduct", "Left the Meet twice")
    assert "red flag #2 raised" in ok(cli, "flag", "H1", "background_check", "Result pending")
    db = scoped(db_path, "Nov 16")
    try:
        config = load_config(cfg, {})
        with time_machine.travel(FIXED_NOW, tick=False):
            cap = act_on_guide(db, config, "H1", "cert_aetna")
            resolve_flag(db, 2)
        assert cap is not None and cap.level == "written"
    finally:
        db.close()


# --------------------------------------------------------------------------- the whole story


def test_two_cohorts_back_to_back_with_a_holdover(cli, env):
    db_path, _, _, w2 = env
    week_one(cli, env)
    nov16_before = record(cli, db_path, "Nov 16")
    assert len(nov16_before["caps"]) == 1 and len(nov16_before["flags"]) == 2
    assert len(nov16_before["events"]) == 3

    out = ok(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(w2))
    assert out.splitlines() == [
        "cohort 'Nov 23' created (day 1 = 2026-11-23), now current",
        "2 added, 0 updated, 0 unchanged",
    ]
    out = ok(cli, "cohort", "carry", "H1", "--to", "Nov 23")
    assert len(out.splitlines()) == 1  # CarryResult.summary(), as the service words it
    assert out.startswith("H1 (Hal Ode) joined 'Nov 23' from 'Nov 16': ")
    assert "2 exam attempts, 1 CAPs, 1 open red flags carried" in out
    assert out.rstrip().endswith("attendance and notes stay in 'Nov 16'")

    # Nov 23 is current: its roster is week 2's agents and the holdover, nothing recorded.
    roster = by_id(json.loads(ok(cli, "roster", "list", "--json")))
    assert sorted(roster) == ["B1", "B2", "H1"]
    assert roster == by_id(json.loads(ok(cli, "roster", "list", "--json", "--cohort", "Nov 23")))
    h1 = roster["H1"]
    assert h1["progress"]["passed"] == 4
    assert [(d["in"], d["out"], d["note"]) for d in h1["days"].values()] == [(None, None, None)] * 5
    assert rows_of(db_path, "attendance_events", "Nov 23") == 0
    assert rows_of(db_path, "notes", "Nov 23") == 0
    # Passed and waived tasks came, the in-progress one did not; the failed exam came with
    # both its attempts, and the Failed Cert Exams Guide's next step is the one for 2 fails.
    h1 = by_id(json.loads(ok(cli, "progress", "list", "--json")))["H1"]
    tasks = h1["tasks"]
    assert {k: v["status"] for k, v in tasks.items() if v["status"] != "not_started"} == {
        "ahip_m1": "passed",
        "ahip_m2": "passed",
        "ahip_final": "passed",
        "tbt_citrix": "waived",
        "cert_aetna": "failed",
    }
    assert tasks["cert_aetna"] == {"status": "failed", "attempts": 2, "last_score": 60.0}
    assert h1["next_actions"][0] == (
        "Aetna certification: Issue a written CAP; the next attempt is the last and is"
        " proctored. (1 attempt left)"
    )
    # The CAP and only the open red flag.
    db = scoped(db_path, "Nov 23")
    try:
        caps, flags = list_caps(db, "H1"), list_flags(db, "H1")
    finally:
        db.close()
    assert [(c.level, c.reason, c.day) for c in caps] == [
        (c["level"], c["reason"], None) for c in nov16_before["caps"]
    ]
    assert [(f.kind, f.text, f.resolved_at) for f in flags] == [
        ("conduct", "Left the Meet twice", None)
    ]
    handoff = ok(cli, "report", "handoff")
    assert handoff.startswith("# ESP handoff · Nov 23")
    assert "- CAPs: written CAP: Failed Aetna certification 2 times (last score 60%)." in handoff
    assert "Left the Meet twice (PM NOT notified)" in handoff
    assert "Result pending" not in handoff
    # Week 1 still holds H1's whole record, unchanged.
    assert record(cli, db_path, "Nov 16") == nov16_before

    # The guide counts the two failures carried over: the next fail is the third and last.
    out = ok(cli, "progress", "set", "H1", "cert_aetna", "failed", "--score", "50")
    assert out.splitlines() == [
        "H1 Hal Ode: Aetna certification: attempt 3 failed with 50% (pass mark 85%). Next:"
        " The agent cannot sell for this carrier: raise a red flag to the PMs today."
        " (no attempts left)",
        "the guide calls for a red flag: the task list (p) creates it with c",
    ]
    nxt = by_id(json.loads(ok(cli, "progress", "list", "--json")))["H1"]["next_actions"]
    assert nxt[0] == (
        "Aetna certification: The agent cannot sell for this carrier: raise a red flag to the"
        " PMs today."
    )
    assert record(cli, db_path, "Nov 16") == nov16_before  # the attempt went to Nov 23 only


def test_a_closed_cohort_refuses_stamps_and_notes_but_still_reports(cli, env):
    db_path, _, _, w2 = env
    week_one(cli, env)
    ok(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(w2))
    nov16 = record(cli, db_path, "Nov 16")

    out = ok(cli, "cohort", "close", "Nov 16")
    assert "cohort 'Nov 16' is closed" in out
    assert "stamps and notes are now read-only" in out and "sync and report still work" in out
    assert "is already closed" in ok(cli, "cohort", "close", "Nov 16")
    before = counts(db_path)
    meet = db_path.with_name("meet.csv")
    meet.write_text(MEET)
    preview = ok(cli, "stamp", "import", str(meet), "--day", "5", "--cohort", "Nov 16")
    assert "A2" in preview and "nothing written" in preview  # reading is fine
    err = refused(cli, "stamp", "import", str(meet), "--day", "5", "--yes", "--cohort", "Nov 16")
    assert "cohort 'Nov 16' is closed" in err
    for argv in (
        ("stamp", "A1", "in", "--day", "4", "--at", "09:00"),
        ("stamp", "A1", "absent", "--day", "5"),
        ("note", "A1", "late note", "--day", "4"),
        ("note", "H1", "", "--day", "3"),  # clearing is a write too
    ):
        err = refused(cli, *argv, "--cohort", "Nov 16")
        assert "cohort 'Nov 16' is closed" in err, argv
    assert counts(db_path) == before
    # Reading, reporting and the other cohort's writes still work.
    assert record(cli, db_path, "Nov 16") == nov16
    assert ok(cli, "report", "handoff", "--cohort", "Nov 16").startswith("# ESP handoff · Nov 16")
    assert "Close day" in cli("check", "--day", "5", "--cohort", "Nov 16")[1]
    ok(cli, "stamp", "B1", "in")
    assert rows_of(db_path, "attendance_events", "Nov 23") == 1
    states = {c["name"]: c["state"] for c in json.loads(ok(cli, "cohort", "list", "--json"))}
    assert states == {"Nov 16": "closed", "Nov 23": "active"}

    out = ok(cli, "cohort", "reopen", "nov 16")
    assert "cohort 'Nov 16' is open" in out
    assert "is already open" in ok(cli, "cohort", "reopen", "Nov 16")
    ok(cli, "stamp", "A1", "in", "--day", "4", "--at", "09:00", "--cohort", "Nov 16")
    ok(cli, "note", "A1", "late note", "--day", "4", "--cohort", "Nov 16")
    out = ok(cli, "stamp", "import", str(meet), "--day", "5", "--yes", "--cohort", "Nov 16")
    assert "stamped 1 agent on day 5 (in and out stamps)" in out
    assert rows_of(db_path, "attendance_events", "Nov 16") == len(nov16["events"]) + 3
    assert rows_of(db_path, "notes", "Nov 16") == 2


# --------------------------------------------------------------------------- list / use


def test_cohort_list_json_and_use_flips_current(cli, env):
    _, _, w1, w2 = env
    assert json.loads(ok(cli, "cohort", "list", "--json")) == []
    assert "no cohorts yet" in ok(cli, "cohort", "list")
    ok(cli, "roster", "import", str(w1), "--cohort", "Nov 16", "--start", "2026-11-16")
    ok(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(w2))
    listed = json.loads(ok(cli, "cohort", "list", "--json"))
    assert listed == [
        {"name": "Nov 16", "start": "2026-11-16", "days": 5, "agents": 3, "state": "active",
         "current": False},
        {"name": "Nov 23", "start": "2026-11-23", "days": 5, "agents": 2, "state": "active",
         "current": True},
    ]  # fmt: skip
    text = ok(cli, "cohort", "list").splitlines()
    assert text[1].startswith("  Nov 16  2026-11-16") and text[2].startswith("* Nov 23")

    out = ok(cli, "cohort", "use", "NOV 16")
    assert out.strip() == "cohort 'Nov 16' (day 1 = 2026-11-16) is now current"
    assert [c["current"] for c in json.loads(ok(cli, "cohort", "list", "--json"))] == [True, False]
    assert "* Nov 16" in ok(cli, "cohort", "list")
    roster = json.loads(ok(cli, "roster", "list", "--json"))  # commands follow the current one
    assert sorted(r["agent_id"] for r in roster) == ["A1", "A2", "H1"]


def test_cohort_new_without_roster_and_roster_errors_write_nothing(cli, env, tmp_path):
    db_path, _, w1, _ = env
    assert ok(cli, "cohort", "new", "Nov 16", "--start", "2026-11-16").splitlines() == [
        "cohort 'Nov 16' created (day 1 = 2026-11-16), now current"
    ]
    ok(cli, "roster", "import", str(w1))  # into the current cohort
    before = counts(db_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("agent_id,name\nZ1,Zed\n")
    err = refused(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(bad))
    assert "missing column 'email'" in err
    err = refused(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster",
                  str(tmp_path / "nope.csv"))  # fmt: skip
    assert "cannot read the file" in err
    assert counts(db_path) == before


def test_a_bad_roster_file_does_not_even_create_the_db(cli, env, tmp_path):
    db_path = env[0]
    bad = tmp_path / "bad.csv"
    bad.write_text("agent_id\nZ1\n")
    refused(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(bad))
    assert not db_path.exists()


def test_cohort_new_roster_reads_like_roster_import(cli, env, tmp_path):
    """`cohort new --roster` finds columns by the config's [roster.columns] and says when a
    file was read as cp1252, as `roster import` does (QA: it used the built-in aliases only)."""
    _, cfg, _, _ = env
    cfg.write_text(cfg.read_text() + '[roster.columns]\nagent_id = ["Badge Number"]\n')
    badge = tmp_path / "badge.csv"
    badge.write_bytes("Badge Number,Name,Email\nB9,José Ruiz,jose@example.com\n".encode("cp1252"))
    code, out, err = cli("cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(badge))
    assert code == 0, err
    assert "1 added" in out
    assert "Windows-1252" in err
    roster = json.loads(ok(cli, "roster", "list", "--json"))
    assert [(r["agent_id"], r["name"]) for r in roster] == [("B9", "José Ruiz")]


# --------------------------------------------------------------------------- refusals


def test_a_used_name_in_another_case_is_refused(cli, env):
    db_path, _, w1, w2 = env
    ok(cli, "roster", "import", str(w1), "--cohort", "Nov 16", "--start", "2026-11-16")
    before = counts(db_path)
    err = refused(cli, "cohort", "new", "nov 16", "--start", "2026-11-30", "--roster", str(w2))
    assert "cohort 'nov 16' already exists; nothing was written" in err
    assert counts(db_path) == before


@pytest.mark.parametrize(
    "argv",
    [
        ("roster", "list", "--cohort", "Dec 7"),
        ("stamp", "H1", "in", "--cohort", "Dec 7"),
        ("note", "H1", "x", "--day", "1", "--cohort", "Dec 7"),
        ("progress", "set", "H1", "ahip_m1", "passed", "--cohort", "Dec 7"),
        ("flag", "H1", "conduct", "x", "--cohort", "Dec 7"),
        ("tickets", "list", "--cohort", "Dec 7"),
        ("check", "--cohort", "Dec 7"),
        ("report", "handoff", "--cohort", "Dec 7"),
        ("--cohort", "Dec 7", "progress", "list"),
        ("cohort", "use", "Dec 7"),
        ("cohort", "close", "Dec 7"),
        ("cohort", "reopen", "Dec 7"),
        ("cohort", "carry", "H1", "--to", "Dec 7"),
        ("cohort", "carry", "H1", "--to", "Nov 16", "--from", "Dec 7"),
    ],
)
def test_an_unknown_cohort_name_is_exit_2_nothing_written(cli, env, argv):
    db_path, _, w1, _ = env
    ok(cli, "roster", "import", str(w1), "--cohort", "Nov 16", "--start", "2026-11-16")
    before = counts(db_path)
    err = refused(cli, *argv)
    assert "no cohort named 'Dec 7' (cohorts: 'Nov 16')" in err
    assert counts(db_path) == before


def test_carry_refusals(cli, env):
    db_path, _, w1, w2 = env
    ok(cli, "roster", "import", str(w1), "--cohort", "Nov 16", "--start", "2026-11-16")
    ok(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(w2))
    ok(cli, "cohort", "carry", "H1", "--to", "Nov 23")
    before = counts(db_path)
    err = refused(cli, "cohort", "carry", "H1", "--to", "Nov 23")
    assert "agent 'H1' is already in cohort 'Nov 23'" in err
    err = refused(cli, "cohort", "carry", "H1", "--to", "Nov 23", "--from", "Nov 16")
    assert "already in cohort 'Nov 23'" in err
    err = refused(cli, "cohort", "carry", "B1", "--to", "Nov 23", "--from", "Nov 16")
    assert "agent 'B1' is not in cohort 'Nov 16'" in err
    err = refused(cli, "cohort", "carry", "ZZ", "--to", "Nov 23")
    assert "agent 'ZZ' is in no other cohort" in err
    err = refused(cli, "cohort", "carry", "A1", "--to", "Nov 16", "--from", "Nov 16")
    assert "to itself" in err
    assert counts(db_path) == before


@pytest.mark.parametrize(
    "argv",
    [
        ("cohort", "new", "Dec 7", "--start", "2026-13-01"),
        ("cohort", "new", "Dec 7", "--start", "7 Dec"),
        ("cohort", "new", "Dec 7"),  # --start is required
        ("cohort",),
        ("cohort", "carry", "H1"),  # --to is required
    ],
)
def test_bad_arguments_are_argparse_errors_exit_2(cli, env, argv, capsys):
    db_path = env[0]
    with pytest.raises(SystemExit) as exc:
        cli(*argv)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err
    assert not db_path.exists()


# --------------------------------------------------------------------------- --cohort plumbing


def test_cohort_before_the_command_and_on_every_data_command(cli, env):
    _, _, w1, w2 = env
    ok(cli, "roster", "import", str(w1), "--cohort", "Nov 16", "--start", "2026-11-16")
    ok(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(w2))
    after = json.loads(ok(cli, "roster", "list", "--json", "--cohort", "Nov 16"))
    before = json.loads(ok(cli, "--cohort", "Nov 16", "roster", "list", "--json"))
    assert before == after and sorted(r["agent_id"] for r in after) == ["A1", "A2", "H1"]
    # given before and after the command: the command's own (the later one) counts
    both = json.loads(
        ok(cli, "--cohort", "Nov 23", "roster", "list", "--json", "--cohort", "Nov 16")
    )
    assert sorted(r["agent_id"] for r in both) == ["A1", "A2", "H1"]
    # writes land in the named cohort only
    ok(cli, "progress", "set", "A1", "ahip_m1", "passed", "--cohort", "Nov 16")
    ok(cli, "flag", "A1", "conduct", "Rude", "--cohort", "Nov 16")
    out = ok(cli, "tickets", "new", "carrier_ticket", "--agent", "A1", "--json", "--cohort",
             "Nov 16")  # fmt: skip
    ticket = json.loads(out)["id"]
    assert json.loads(ok(cli, "tickets", "list", "--json")) == []
    assert [t["id"] for t in json.loads(ok(cli, "tickets", "list", "--json", "--cohort",
                                           "Nov 16"))] == [ticket]  # fmt: skip
    err = refused(cli, "tickets", "submit", ticket[:8])  # not a ticket of the current cohort
    assert ticket[:8] in err
    tasks16 = by_id(json.loads(ok(cli, "progress", "list", "--json", "--cohort", "Nov 16")))
    assert tasks16["A1"]["tasks"]["ahip_m1"]["status"] == "passed"
    assert "A1" not in by_id(json.loads(ok(cli, "progress", "list", "--json")))
    # `roster import` keeps its own --cohort (create or update), before the command too
    db_path = env[0]
    w3 = w2.with_name("w3.csv")
    w3.write_text("agent_id,name,email\nC1,Eve Po,eve@example.com\n")
    out = ok(cli, "--cohort", "Nov 30", "roster", "import", str(w3), "--start", "2026-11-30")
    assert "cohort 'Nov 30' created (day 1 = 2026-11-30)" in out
    before_counts = counts(db_path)
    err = refused(cli, "--cohort", "Nov 16", "roster", "import", str(w3), "--cohort", "Nov 30")
    assert "--cohort: given twice" in err
    assert counts(db_path) == before_counts


@pytest.mark.parametrize(
    "argv",
    [
        ("roster", "list"),
        ("stamp", "import", "x.csv"),
        ("note", "A", "t"),
        ("progress", "set", "A", "t", "passed"),
        ("progress", "list"),
        ("flag", "A", "k", "t"),
        ("tickets", "list"),
        ("tickets", "new", "carrier_ticket", "--agent", "A"),
        ("tickets", "submit", "x"),
        ("check",),
        ("sync",),
        ("sheet", "init"),
        ("report", "handoff"),
    ],
)
def test_every_data_command_takes_cohort(argv):
    from esp_tui.cli import build_parser

    args = build_parser().parse_args([*argv, "--cohort", "Nov 16"])
    assert args.cohort_scope == "Nov 16"
    # and without it the top-level default survives (no subcommand default clobbers it)
    assert build_parser().parse_args(["--cohort", "X", *argv]).cohort_scope == "X"
    assert build_parser().parse_args(list(argv)).cohort_scope is None


def test_roster_import_keeps_its_own_cohort_option():
    from esp_tui.cli import build_parser

    args = build_parser().parse_args(["roster", "import", "f.csv", "--cohort", "Nov 30"])
    assert (args.cohort, args.cohort_scope) == ("Nov 30", None)


def test_the_bare_app_opens_on_the_named_cohort(cli, env, monkeypatch):
    _, _, w1, w2 = env
    ok(cli, "roster", "import", str(w1), "--cohort", "Nov 16", "--start", "2026-11-16")
    ok(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(w2))
    opened: list[str] = []
    import asyncio

    import esp_tui.app

    real_make_app = esp_tui.app.make_app

    def headless(config, db, db_path=None):
        """The real app, run headless instead of in the terminal: what its header names."""
        app = real_make_app(config, db, db_path=db_path)

        async def show() -> None:
            async with app.run_test() as pilot:
                await pilot.pause()
                opened.append(app.header_left().split(" · ")[1])

        app.run = lambda: asyncio.run(show())  # type: ignore[method-assign]
        return app

    monkeypatch.setattr(esp_tui.app, "make_app", headless)
    assert cli("--cohort", "nov 16") == (0, "", "")
    assert cli() == (0, "", "")
    assert opened == ["Nov 16", "Nov 23"]
    refused(cli, "--cohort", "Dec 7")
    assert opened == ["Nov 16", "Nov 23"]


def test_now_is_in_the_scoped_cohorts_timezone(cli, env, tmp_path):
    """FIXED_NOW is 09:14 in New York and 23:14 in Tokyo, both on Mon 23 Nov."""
    _, _, _, w2 = env
    tokyo = tmp_path / "tokyo.toml"
    tokyo.write_text('[cohort]\ntimezone = "Asia/Tokyo"\n')
    w3 = tmp_path / "w3.csv"
    w3.write_text("agent_id,name,email\nT1,Tam Oki,tam@example.com\n")
    ok(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(w2))
    ok(cli, "--config", str(tokyo), "cohort", "new", "Tokyo", "--start", "2026-11-23",
       "--roster", str(w3))  # fmt: skip
    ok(cli, "cohort", "use", "Nov 23")
    assert " in 23:14" in ok(cli, "stamp", "T1", "in", "--cohort", "Tokyo")
    assert " in 09:14" in ok(cli, "stamp", "B1", "in")
    refused(cli, "stamp", "T1", "in")  # T1 is not in the current cohort's roster


# --------------------------------------------------------------------------- no crossing


def test_the_cli_writing_one_cohort_never_crosses_another_connections_cohort(cli, env):
    db_path, _, w1, w2 = env
    ok(cli, "roster", "import", str(w1), "--cohort", "Nov 16", "--start", "2026-11-16")
    ok(cli, "stamp", "H1", "in", "--day", "1", "--at", "09:00")
    ok(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(w2))

    pinned = connect(db_path)  # e.g. an open app, working on Nov 16 by choice
    fixed = connect(db_path)  # another, on the current cohort as it was when first used
    try:
        cohort_store.use(pinned, cohort_id(db_path, "Nov 16"))
        assert cohort_store.get_cohort(fixed).name == "Nov 23"
        week1 = [e.model_dump() for e in all_events(pinned)]
        assert len(week1) == 1

        ok(cli, "stamp", "B1", "in", "--cohort", "Nov 23")
        ok(cli, "cohort", "use", "Nov 16")  # the current cohort moves under `fixed`
        ok(cli, "stamp", "B2", "in", "--cohort", "Nov 23")
        ok(cli, "stamp", "H1", "in", "--day", "2", "--at", "09:05")  # current: Nov 16

        assert cohort_store.get_cohort(pinned).name == "Nov 16"
        assert cohort_store.get_cohort(fixed).name == "Nov 23"
        assert [(e.agent_id, e.day) for e in all_events(fixed)] == [("B1", 1), ("B2", 1)]
        got = [e.model_dump() for e in all_events(pinned)]
        assert got[:1] == week1 and [(e["agent_id"], e["day"]) for e in got[1:]] == [("H1", 2)]
    finally:
        pinned.close()
        fixed.close()


def test_a_carried_holdover_keeps_the_coaching_of_a_failed_exam(cli, env):
    """The guide's coaching step, recorded in week 1 after one failed attempt, comes along with
    the attempt it followed: week 2 does not ask for the coaching again (handoff, sheet)."""
    from esp_tui.services.exam_guide import coaching_record, record_coaching

    db_path, cfg, w1, w2 = env
    ok(cli, "roster", "import", str(w1), "--cohort", "Nov 16", "--start", "2026-11-16")
    ok(cli, "progress", "set", "H1", "cert_aetna", "failed", "--score", "70")
    config = load_config(cfg, {})
    db = scoped(db_path, "Nov 16")
    try:
        with time_machine.travel(FIXED_NOW, tick=False):
            record_coaching(db, config, "H1", "cert_aetna", "went over module 4", now=FIXED_NOW)
    finally:
        db.close()
    ok(cli, "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", str(w2))
    ok(cli, "cohort", "carry", "H1", "--to", "Nov 23")
    db = scoped(db_path, "Nov 23")
    try:
        done = coaching_record(db, config, "H1", "cert_aetna")
    finally:
        db.close()
    assert done is not None and done.text == "went over module 4"
    assert "coached 2026-11-23: went over module 4" in ok(cli, "report", "handoff")
