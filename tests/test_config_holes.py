"""Config holes of issue 15: checks across keys (a day's end after its start, days inside the
cohort) give one line naming the key, and a bad config leaves no database file behind."""

from __future__ import annotations

import pytest

from esp_tui.cli import main as run_cli
from esp_tui.config import ConfigError, build_config, load_config

TASK = '[[tasks]]\nkey = "late"\nlabel = "Late module"\nkind = "module"\ndue_day = {day}\n'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[schedule]\nstart = "17:00"\nend = "09:00"\n',
            "key 'schedule.end': end 09:00 must be after start 17:00",
        ),
        (
            '[schedule]\nstart = "09:00"\nend = "09:00"\n',
            "key 'schedule.end': end 09:00 must be after start 09:00",
        ),
        (
            '[schedule.days.2]\nstart = "18:00"\n',
            "key 'schedule.days.2.end': end 17:00 must be after start 18:00",
        ),
        (
            '[schedule.days.9]\nstart = "10:00"\n',
            "key 'schedule.days.9': day 9 is after the cohort's last day (5, from cohort.days)",
        ),
        (
            TASK.format(day=9),
            "key 'tasks[0].due_day': task 'late' is due on day 9, after the cohort's last day"
            " (5, from cohort.days)",
        ),
        (
            '[cohort]\ndays = 3\n[schedule.days.4]\nstart = "10:00"\n',
            "key 'schedule.days.4': day 4 is after the cohort's last day (3, from cohort.days)",
        ),
    ],
)
def test_cross_key_problems_are_one_line_naming_the_key(tmp_path, body, expected):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(str(path), {})
    assert str(e.value) == f"{path}: {expected}"


def test_days_inside_a_longer_cohort_are_accepted():
    days = {f"{d}": {"start": "08:00", "end": "12:00"} for d in (6, 7)}
    cfg = build_config(
        {
            "cohort": {"days": 7},
            "schedule": {"days": days},
            "tasks": [{"key": "late", "label": "Late", "kind": "module", "due_day": 7}],
        },
        "t",
    )
    assert cfg.schedule.to_schedule().for_day(7).end.hour == 12
    assert cfg.tasks[0].due_day == 7
    assert cfg.source == "t"


def test_the_shipped_defaults_pass_the_cross_checks():
    cfg = load_config(None, {})
    assert max(t.due_day for t in cfg.tasks) == cfg.cohort.days == 5


BAD_CONFIGS = {
    "end before start": '[schedule]\nstart = "17:00"\nend = "09:00"\n',
    "day 9": '[schedule.days.9]\nstart = "10:00"\n',
    "due day 9": TASK.format(day=9),
    "keymap takes quit's key": '[keymap]\nstamp_in = "q"\n',
    "unknown binding": '[keymap]\nno_such = "z"\n',
    "bad TOML": "[schedule\n",
}
COMMANDS = {
    "app": [],
    "roster import": ["roster", "import", "{csv}", "--cohort", "X", "--start", "2026-11-23"],
    "roster list": ["roster", "list"],
    "demo": ["demo", "--seed-only"],
    "backup": ["backup"],
}


@pytest.mark.parametrize("command", COMMANDS, ids=str)
@pytest.mark.parametrize("bad", BAD_CONFIGS, ids=str)
def test_a_config_error_is_exit_2_and_leaves_no_database_file(tmp_path, capsys, bad, command):
    config = tmp_path / "config.toml"
    config.write_text(BAD_CONFIGS[bad], encoding="utf-8")
    csv = tmp_path / "roster.csv"
    csv.write_text("agent_id,name,email\nE1,Ann Ames,ann@example.com\n", encoding="utf-8")
    data = tmp_path / "data"
    args = [a.format(csv=csv) for a in COMMANDS[command]]
    code = run_cli(["--config", str(config), "--db", str(data / "esp.db"), *args])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith(f"esp-tui: error: {config}: ")
    assert len(err.splitlines()) == 1
    assert not data.exists()  # no database, not even its folder


@pytest.mark.parametrize(
    "argv",
    [
        ("stamp", "D1001", "in"),
        ("stamp", "import", "missing.csv"),
        ("note", "D1001", "text"),
        ("check",),
        ("tickets", "list"),
        ("progress", "list"),
        ("report", "handoff"),
        ("backup",),
        ("sync", "--dry-run"),
    ],
)
def test_a_command_on_a_path_with_no_database_creates_none(tmp_path, capsys, argv):
    """Only the app, `roster import` and `cohort new` start a database: any other command on
    a path with none says so in one line, exit 2, and leaves no file (QA: `check` and
    `stamp import` left an empty esp.db behind)."""
    from esp_tui.cli import main

    db = tmp_path / "nested" / "esp.db"
    assert main(["--db", str(db), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("no esp-tui database here yet" in err or argv == ("backup",))
    assert str(db) in err
    assert not db.exists() and not db.with_name("esp.db-wal").exists()


def test_the_lists_with_no_database_say_so_and_create_none(tmp_path, capsys):
    from esp_tui.cli import main

    db = tmp_path / "esp.db"
    for what in ("cohort", "roster"):
        assert main(["--db", str(db), what, "list", "--json"]) == 0
        assert capsys.readouterr().out.strip() == "[]" and not db.exists()
    assert main(["--db", str(db), "roster", "list"]) == 0
    assert "no agents yet" in capsys.readouterr().out and not db.exists()
