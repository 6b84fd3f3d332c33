"""The Day-1 intro kept in the database per cohort (issue 14, item 5): migration 0012 from the
schema before it, the checklist and the timer's start back after a restart of the app (two app
runs on one database file), and each cohort its own intro."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from sqlite_utils import Database
from textual.widgets import Static

from esp_tui.app import make_app
from esp_tui.domain.models import Agent
from esp_tui.screens.intro import IntroScreen, IntroTable
from esp_tui.services import cohorts
from esp_tui.services import intro as svc
from storage import cohort as store
from storage.db import connect
from storage.migrations import MIGRATIONS, latest_version, migrate
from tests.conftest import DAY1, FIXED_NOW

T = "2026-11-16T14:00:00+00:00"


def test_migration_0012_adds_the_intro_tables_to_an_existing_database(tmp_path):
    path = tmp_path / "esp.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    MIGRATIONS.apply(Database(conn), stop_before="0012_intro")
    conn.execute(
        "INSERT INTO cohorts (id, name, start_date, timezone, days, schedule_json, created_at)"
        f" VALUES (1, 'Nov 16', '2026-11-16', 'UTC', 5, '{{}}', '{T}')"
    )
    conn.execute("INSERT INTO settings VALUES ('current_cohort', '1')")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "intro_timers" not in tables
    conn.close()
    db = connect(path)  # what esp-tui does on open: pending migrations run
    try:
        assert migrate(db) == latest_version()
        assert svc.load_intro(db) == svc.Intro(None, frozenset())
        started = svc.start_intro(db, FIXED_NOW)
        assert svc.toggle_tick(db, "Attendance Policy", FIXED_NOW) is True
        assert svc.load_intro(db) == svc.Intro(started, frozenset({"Attendance Policy"}))
        assert db.execute("SELECT name FROM cohorts").fetchall() == [("Nov 16",)]
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            db.execute("INSERT INTO intro_timers VALUES (99, ?)", [T])  # no such cohort
    finally:
        db.close()


def timer(app) -> str:
    return str(app.screen.query_one("#timer", Static).render())


def ticks(app) -> list[str]:
    table = app.screen.query_one(IntroTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_the_intro_survives_a_restart_of_the_app(seeded_db, db_path, config, clock):
    app = make_app(config, seeded_db, db_path=db_path, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("D")
        assert isinstance(app.screen, IntroScreen)
        await pilot.press("space", "down", "space")  # the first two resources reviewed
        assert ticks(app)[:3] == ["✓", "✓", "☐"]
        assert "0:00:00 of 90 min · 2 of 6 reviewed" in timer(app)
    seeded_db.close()  # the app is gone, and its connection

    clock.now = FIXED_NOW + timedelta(minutes=25)
    again = connect(db_path)  # a new esp-tui on the same file
    try:
        app = make_app(config, again, db_path=db_path, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("D")
            assert ticks(app)[:3] == ["✓", "✓", "☐"]
            assert "0:25:00 of 90 min · 2 of 6 reviewed" in timer(app)  # the clock kept going
            await pilot.press("down", "down", "space", "t")  # a third, and the timer restarted
            assert "0:00:00 of 90 min · 3 of 6 reviewed" in timer(app)
        intro = svc.load_intro(again)
        assert intro.started_at == clock.now and len(intro.ticked) == 3
    finally:
        again.close()


def agent(agent_id: str) -> Agent:
    return Agent(agent_id=agent_id, name=f"Agent {agent_id}", email=f"{agent_id}@example.com")


async def test_each_cohort_has_its_own_intro(db_path, config, clock):
    db = connect(db_path)
    past, _ = cohorts.new_cohort(db, config, "Nov 16", date(2026, 11, 16), roster=[agent("A1")])
    cohorts.new_cohort(db, config, "Nov 23", DAY1, roster=[agent("B1")])  # current
    app = make_app(config, db, db_path=db_path, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("D", "space")
        assert "1 of 6 reviewed" in timer(app)
    db.close()

    clock.now = FIXED_NOW + timedelta(hours=1)
    other = connect(db_path)
    assert past.id is not None
    store.use(other, past.id)  # `esp-tui --cohort "Nov 16"`
    try:
        app = make_app(config, other, db_path=db_path, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("D")
            assert ticks(app) == ["☐"] * 6 and "0:00:00 of 90 min · 0 of 6" in timer(app)
        assert svc.load_intro(other).started_at == clock.now  # Nov 16's own timer
        current = store.current_id(other)
        assert current is not None
        store.use(other, current)
        now_week = svc.load_intro(other)
        assert now_week.started_at == FIXED_NOW and len(now_week.ticked) == 1
    finally:
        other.close()
