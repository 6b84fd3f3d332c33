"""Config: shipped defaults, merging, and errors that name the file, key and expectation."""

from __future__ import annotations

import tomllib

import pytest

from esp_tui.cli import main as run_cli
from esp_tui.config import Config, ConfigError, default_config_text, load_config


def test_runs_on_shipped_defaults_without_any_file():
    cfg = load_config(None, {})
    assert cfg.schedule.start == "09:00" and cfg.schedule.end == "17:00"
    assert [t.key for t in cfg.tasks][:2] == ["ahip_m1", "ahip_m2"]
    assert cfg.call_cert.calls == 5
    assert cfg.attendance.points["ncns"] == 2.0


def test_default_toml_matches_model_defaults_for_plain_tables():
    data = tomllib.loads(default_config_text())
    model = Config()
    assert data["cohort"] == model.cohort.model_dump()
    assert data["sheet"]["headers"] == model.sheet.headers.model_dump()
    assert data["trees"] == model.trees.model_dump()


def test_user_file_overrides_one_key(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[schedule]\nstart = "08:30"\n')
    cfg = load_config(str(p), {})
    assert cfg.schedule.start == "08:30" and cfg.schedule.end == "17:00"


def test_env_var_selects_the_file_and_spreadsheet_env_overrides(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[sheet]\nspreadsheet = "from-file"\n')
    cfg = load_config(None, {"ESP_TUI_CONFIG": str(p), "ESP_TUI_SPREADSHEET": "from-env"})
    assert cfg.sheet.spreadsheet == "from-env"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[schedule]\nstart = "9am"\n', "key 'schedule.start': expected a time as HH:MM"),
        ('[attendance]\nlate_minor_minutes = "ten"\n', "key 'attendance.late_minor_minutes'"),
        ('[cohort]\ntimezone = "Mars/Base"\n', "key 'cohort.timezone': expected an IANA"),
        ("[bogus]\nx = 1\n", "key 'bogus': unknown key"),
        ('[[tasks]]\nkey = "x"\nlabel = "X"\nkind = "nope"\ndue_day = 1\n', "tasks[0].kind"),
        ("[schedule\n", "not valid TOML"),
    ],
)
def test_invalid_config_names_file_and_key(tmp_path, body, expected):
    p = tmp_path / "bad.toml"
    p.write_text(body)
    with pytest.raises(ConfigError) as e:
        load_config(str(p), {})
    assert str(p) in str(e.value)
    assert expected in str(e.value)
    assert "\n" not in str(e.value)


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(str(tmp_path / "nope.toml"), {})


def test_cli_exits_2_on_invalid_config(tmp_path, capsys):
    p = tmp_path / "bad.toml"
    p.write_text('[schedule]\nend = "25:00"\n')
    code = run_cli(["--config", str(p), "--db", str(tmp_path / "x.db"), "roster", "list"])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.toml" in err and "schedule.end" in err
