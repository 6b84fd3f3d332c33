"""`esp-tui demo`: seeding, reuse, and never touching a real cohort."""

from __future__ import annotations

import re

from esp_tui.cli import main
from esp_tui.services.demo import demo_agents, seed_demo
from storage.agents import list_agents
from storage.cohort import get_cohort


def test_demo_agents_are_invented_and_unique():
    agents = demo_agents(24)
    assert len({a.agent_id for a in agents}) == 24
    assert len({a.name for a in agents}) == 24
    assert all(a.email.endswith("@example.com") for a in agents)
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+@example\.com", a.email) for a in agents)


def test_seed_creates_then_reuses(db, config):
    from datetime import date

    cohort, created = seed_demo(db, config, agents=24, today=date(2026, 11, 23))
    assert created and cohort.is_demo and cohort.start_date == date(2026, 11, 23)
    assert len(list_agents(db)) == 24
    again, created = seed_demo(db, config, agents=10, today=date(2026, 11, 24))
    assert not created and again.start_date == date(2026, 11, 23)
    assert len(list_agents(db)) == 24


def test_demo_cli_seed_only_and_refuses_a_real_db(tmp_path, capsys):
    demo_db = tmp_path / "demo.db"
    assert main(["demo", "--db", str(demo_db), "--seed-only", "--agents", "7"]) == 0
    assert "demo cohort created" in capsys.readouterr().out
    assert main(["demo", "--db", str(demo_db), "--seed-only"]) == 0
    assert "demo cohort reused" in capsys.readouterr().out

    real = tmp_path / "real.db"
    roster = tmp_path / "r.csv"
    roster.write_text("agent_id,name,email\nA1,Ann,ann@example.com\n")
    assert main(["--db", str(real), "roster", "import", str(roster), "--cohort", "Nov"]) == 0
    capsys.readouterr()
    assert main(["demo", "--db", str(real), "--seed-only"]) == 2
    assert "holds the real cohort 'Nov'" in capsys.readouterr().err
    from storage.db import connect

    db = connect(real)
    assert get_cohort(db).name == "Nov" and len(list_agents(db)) == 1


def test_demo_default_db_sits_beside_the_normal_one(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ESP_TUI_DB", str(tmp_path / "mine" / "esp.db"))
    assert main(["demo", "--seed-only"]) == 0
    assert (tmp_path / "mine" / "demo.db").exists()
    assert not (tmp_path / "mine" / "esp.db").exists()


def test_real_import_refuses_the_demo_db(tmp_path, capsys):
    demo_db = tmp_path / "demo.db"
    main(["demo", "--db", str(demo_db), "--seed-only"])
    roster = tmp_path / "r.csv"
    roster.write_text("agent_id,name,email\nA1,Ann,ann@example.com\n")
    assert main(["--db", str(demo_db), "roster", "import", str(roster)]) == 2
    assert "holds the demo cohort" in capsys.readouterr().err


def test_demo_progress_is_never_stamped_in_the_future(db, config):
    """The seeded flag and attempt are at 09:00 day 1, or at `now` when the demo starts
    earlier (a flag "raised 09:00" at 08:30 would be in the future)."""
    from datetime import UTC, date, datetime

    from storage.flags import list_flags
    from storage.progress import list_attempts

    early = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # 08:30 New York, day 1
    seed_demo(db, config, agents=24, today=date(2026, 11, 23), now=early)
    [flag] = list_flags(db)
    assert flag.raised_at == early
    attempts = list_attempts(db, "D1005")  # the demo's failed AHIP final
    assert attempts and all(a.at <= early for a in attempts)


def test_demo_progress_after_nine_is_stamped_at_nine(db, config):
    from datetime import UTC, date, datetime

    from storage.flags import list_flags

    later = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 11:00 New York
    seed_demo(db, config, agents=24, today=date(2026, 11, 23), now=later)
    [flag] = list_flags(db)
    assert flag.raised_at == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 09:00 New York
