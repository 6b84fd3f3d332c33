"""`esp-tui progress set|list` and `esp-tui flag` through esp_tui.cli.main."""

from __future__ import annotations

import json

import pytest
import time_machine

from esp_tui.cli import main
from storage import progress as store
from storage.db import connect
from storage.flags import list_flags
from tests.conftest import FIXED_NOW

UNKNOWN = "error: agent 'NOPE': not in the roster of cohort 'Demo cohort'\n"  # the one message


@pytest.fixture
def run(seeded_db, db_path, capsys):
    """Run the CLI on the seeded DB (tz America/New_York via a config file); (code, out, err)."""
    cfg = db_path.parent / "config.toml"
    cfg.write_text('[cohort]\ntimezone = "America/New_York"\n')

    def _run(*argv: str) -> tuple[int, str, str]:
        code = main([*argv, "--db", str(db_path), "--config", str(cfg)])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def counts(db) -> tuple[int, ...]:
    return tuple(
        db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("task_progress", "exam_attempts", "caps", "red_flags")
    )


def test_set_a_status(run, seeded_db):
    code, out, _ = run("progress", "set", "D1001", "ahip_m3", "in_progress")
    assert code == 0
    assert out.strip() == "D1001 Kai Everly: AHIP module 3 → in_progress"
    assert store.get_status(seeded_db, "D1001", "ahip_m3") == "in_progress"


def test_set_with_a_score_records_an_attempt(run, seeded_db):
    code, out, _ = run("progress", "set", "D1001", "cert_aetna", "failed", "--score", "70")
    assert code == 0
    assert "attempt 1 failed with 70% (pass mark 85%). Next: Coach" in out
    code, out, _ = run("progress", "set", "D1001", "cert_aetna", "failed", "--score", "60")
    assert "the guide calls for a CAP" in out
    code, out, _ = run("progress", "set", "D1001", "cert_aetna", "passed", "--score", "85")
    assert code == 0 and "passed with 85% (attempt 3)" in out
    got = store.list_attempts(seeded_db, "D1001", "cert_aetna")
    assert [(a.score, a.passed) for a in got] == [(70, False), (60, False), (85, True)]
    assert store.get_status(seeded_db, "D1001", "cert_aetna") == "passed"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("NOPE", "ahip_m1", "passed"), UNKNOWN),
        (("D1001", "ahip_m9", "passed"), "task 'ahip_m9': not in the task catalog"),
        (("D1001", "ahip_final", "failed", "--score", "101"), "score: 101 is outside 0..100"),
        (("D1001", "ahip_final", "failed", "--score", "-5"), "score: -5 is outside 0..100"),
        (("D1001", "ahip_final", "failed", "--score", "95"), "score 95 passes AHIP final"),
        (("D1001", "ahip_final", "passed", "--score", "50"), "score 50 is below the pass mark"),
        (("D1001", "ahip_m1", "passed", "--score", "90"), "(AHIP module 1) is a module"),
        (("D1001", "ahip_final", "waived", "--score", "90"), "a score goes with passed or failed"),
    ],
)
def test_set_errors_exit_2_and_write_nothing(run, seeded_db, argv, message):
    before = counts(seeded_db)
    code, out, err = run("progress", "set", *argv)
    assert code == 2
    assert err.startswith("esp-tui: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""
    assert counts(seeded_db) == before


def test_set_rejects_an_unknown_status(run, seeded_db):
    before = counts(seeded_db)
    with pytest.raises(SystemExit) as exc:
        run("progress", "set", "D1001", "ahip_m1", "done")
    assert exc.value.code == 2
    assert counts(seeded_db) == before


def test_list_json(run, seeded_db):
    run("progress", "set", "D1001", "ahip_final", "failed", "--score", "72")
    # 17:30 New York on day 1: the day is over, modules 1-2 are behind for who lacks them.
    with time_machine.travel(FIXED_NOW.replace(hour=22, minute=30), tick=False):
        code, out, _ = run("progress", "list", "--json")
    assert code == 0
    rows = {r["agent_id"]: r for r in json.loads(out)}
    assert len(rows) == 24
    me = rows["D1001"]
    assert me["tasks"]["ahip_final"] == {"status": "failed", "attempts": 1, "last_score": 72.0}
    assert me["tasks"]["ahip_m1"]["status"] == "passed"
    assert me["behind"] == []
    assert me["next_actions"] == [
        "AHIP final exam: Coach the agent on the missed sections before the next attempt."
        " (2 attempts left)"
    ]
    assert rows["D1006"]["behind"] == ["ahip_m1"]
    assert rows["D1006"]["next_actions"] == ["AHIP module 1: behind, was due day 1"]


def test_list_text(run):
    with time_machine.travel(FIXED_NOW.replace(hour=22, minute=30), tick=False):
        code, out, _ = run("progress", "list")
    assert code == 0
    assert "D1006" in out and "behind: ahip_m1" in out
    assert out.strip().endswith("24 agents, 8 behind")


def test_flag(run, seeded_db):
    code, out, _ = run("flag", "D1002", "conduct", "Shouting in the main Meet")
    assert code == 0 and "red flag #2 raised for D1002 (conduct)" in out
    flag = list_flags(seeded_db, "D1002")[0]
    assert (flag.kind, flag.text, flag.pm_notified_at) == (
        "conduct",
        "Shouting in the main Meet",
        None,
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("D1002", "gossip", "x"), "kind 'gossip': expected one of"),
        (("D1002", "conduct", "  "), "text: describe the red flag"),
        (("NOPE", "conduct", "x"), UNKNOWN),
    ],
)
def test_flag_errors(run, seeded_db, argv, message):
    before = counts(seeded_db)
    code, _, err = run("flag", *argv)
    assert code == 2 and message in err
    assert counts(seeded_db) == before


def test_no_cohort_is_a_clear_error(db_path, capsys):
    code = main(["progress", "set", "D1", "ahip_m1", "passed", "--db", str(db_path)])
    assert code == 2
    assert "no esp-tui database here yet" in capsys.readouterr().err
    assert not db_path.exists()  # nothing written, not even an empty database
    connect(db_path).close()  # a database with no cohort yet
    code = main(["progress", "set", "D1", "ahip_m1", "passed", "--db", str(db_path)])
    assert code == 2
    assert "no cohort yet" in capsys.readouterr().err
