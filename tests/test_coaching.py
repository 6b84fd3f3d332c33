"""Coaching recorded (the Failed Cert Exams Guide's first step): migration 0013, the service,
the task list's `c`, the handoff and the tracker's CAP cell through a real sync."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database
from textual.widgets import DataTable, Static

from esp_tui.app import make_app
from esp_tui.screens.prompts import TextPrompt
from esp_tui.screens.tasks import TaskListScreen
from esp_tui.services import progress as svc
from esp_tui.services.exam_guide import coaching_record, record_coaching
from esp_tui.services.handoff import handoff_markdown
from esp_tui.services.progress_base import ProgressError
from storage.coaching import list_coaching
from storage.cohort import get_cohort
from storage.db import connect
from storage.flags import add_cap
from storage.migrations import MIGRATIONS, latest_version
from tests.conftest import FIXED_NOW, TL_NAME
from tests.test_sync_emulator import EVENING, TRACKER, init, rows_by_key, sync
from tests.test_sync_emulator import emu as emu  # the module-scoped emulator fixture
from tests.test_sync_emulator import sheet as sheet

AGENT = "D1001"
LINE = "Went over the Part D questions she missed"
T = "2026-11-23T14:00:00+00:00"


def fail_ahip_final(db: Database, config, score: float = 70) -> None:
    svc.record_attempt(db, config, AGENT, "ahip_final", score, now=FIXED_NOW)


# ----------------------------------------------------------------------------- migration
def test_migration_0013_adds_coaching_to_a_0012_database(tmp_path) -> None:
    path = tmp_path / "esp.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    MIGRATIONS.apply(Database(conn), stop_before="0013_coaching")
    conn.execute(
        "INSERT INTO cohorts (id, name, start_date, timezone, days, schedule_json, created_at)"
        f" VALUES (1, 'Nov 23', '2026-11-23', 'UTC', 5, '{{}}', '{T}')"
    )
    conn.execute("INSERT INTO settings VALUES ('current_cohort', '1')")
    conn.execute(f"INSERT INTO agents VALUES ('A1', 'Agent A1', 'a@x.com', '', 1, '{T}', '{T}')")
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'coaching'").fetchone() is None
    conn.close()

    db = connect(path)  # opening it applies 0013, in one transaction
    try:
        assert len(MIGRATIONS.applied(db)) == latest_version()
        assert db.execute("PRAGMA user_version").fetchone()[0] == latest_version()
        with db.atomic():
            from storage.coaching import add_coaching

            made = add_coaching(
                db, "A1", "ahip_final", carrier="", fails=1, coach="TL", text="x",
                at=datetime(2026, 11, 23, 15, tzinfo=UTC),
            )  # fmt: skip
        assert list_coaching(db) == [made] and made.id == 1
        with pytest.raises(sqlite3.IntegrityError):  # an unknown agent is refused
            db.execute(
                "INSERT INTO coaching (cohort_id, agent_id, task_key, fails, coach, text, at)"
                f" VALUES (1, 'nobody', 'k', 1, 'TL', 'x', '{T}')"
            )
    finally:
        db.close()


# ----------------------------------------------------------------------------- service
def test_record_coaching_keeps_who_when_what_per_cohort(seeded_db, config) -> None:
    fail_ahip_final(seeded_db, config)
    assert coaching_record(seeded_db, config, AGENT, "ahip_final") is None
    made = record_coaching(seeded_db, config, AGENT, "ahip_final", f"  {LINE}\n ", now=FIXED_NOW)
    assert (made.coach, made.at, made.text, made.fails) == (TL_NAME, FIXED_NOW, LINE, 1)
    assert coaching_record(seeded_db, config, AGENT, "ahip_final") == made
    cohort_id = get_cohort(seeded_db).id
    row = seeded_db.execute("SELECT cohort_id, agent_id, task_key FROM coaching").fetchone()
    assert tuple(row) == (cohort_id, AGENT, "ahip_final")
    # a second failed attempt moves the guide on: that coaching was for the first
    svc.record_attempt(seeded_db, config, AGENT, "ahip_final", 60, now=FIXED_NOW)
    assert coaching_record(seeded_db, config, AGENT, "ahip_final") is None


def test_record_coaching_carries_the_exams_carrier(seeded_db, config) -> None:
    svc.record_attempt(seeded_db, config, AGENT, "cert_aetna", 60, now=FIXED_NOW)
    made = record_coaching(seeded_db, config, AGENT, "cert_aetna", LINE, now=FIXED_NOW)
    assert made.carrier == "Aetna"


@pytest.mark.parametrize(
    ("task", "text", "error"),
    [
        ("ahip_final", "   ", "say in one line what was covered"),
        ("cert_aetna", LINE, "is not a failed exam: nothing to coach"),
        ("ahip_final", "x" * 50_001, "a Google Sheets cell holds at most"),
    ],
)
def test_record_coaching_refusals_write_nothing(seeded_db, config, task, text, error) -> None:
    fail_ahip_final(seeded_db, config)
    with pytest.raises(ProgressError, match=error):
        record_coaching(seeded_db, config, AGENT, task, text, now=FIXED_NOW)
    assert list_coaching(seeded_db) == []


# ----------------------------------------------------------------------------- the screen
async def test_c_on_the_coaching_step_records_it(seeded_db, config, clock) -> None:
    fail_ahip_final(seeded_db, config)
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        roster = app.screen.query_one("#roster", DataTable)
        roster.move_cursor(row=roster.get_row_index(AGENT))
        await pilot.press("p")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TaskListScreen)
        table = screen.query_one("#tasks", DataTable)
        table.move_cursor(row=table.get_row_index("ahip_final"))
        await pilot.pause()
        guide = screen.query_one("#guide", Static)
        assert "c records the coaching" in str(guide.render())
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"Went over Part D", "enter")
        await pilot.pause()
        assert app.screen is screen
        (made,) = list_coaching(seeded_db, AGENT)
        assert (made.text, made.coach, made.task_key) == ("Went over Part D", TL_NAME, "ahip_final")
        text = str(guide.render())
        assert "coached 2026-11-23: Went over Part D (AHIP final exam, Test TL)" in text
        assert "c records" not in text


# ----------------------------------------------------------------------------- handoff, sheet
def test_the_handoff_lists_the_coaching(seeded_db, config) -> None:
    fail_ahip_final(seeded_db, config)
    record_coaching(seeded_db, config, AGENT, "ahip_final", LINE, now=FIXED_NOW)
    text = handoff_markdown(seeded_db, config, now=FIXED_NOW + timedelta(days=5))
    (section,) = [s for s in text.split("\n## ") if f"({AGENT})" in s.splitlines()[0]]
    assert f"- Coaching: coached 2026-11-23: {LINE} (AHIP final exam, {TL_NAME})" in section


def test_a_sync_writes_the_coaching_into_the_cap_cell(seeded_db, config, sheet) -> None:
    fail_ahip_final(seeded_db, config)
    # 21:30 New York on day 1: the date is the cohort's (02:30 UTC is already the 24th)
    late = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    record_coaching(seeded_db, config, AGENT, "ahip_final", LINE, now=late)
    with seeded_db.atomic():
        add_cap(seeded_db, AGENT, "written", "Second failed AHIP final", EVENING, 1)
    init(seeded_db, config, sheet)
    report = sync(seeded_db, config, sheet)
    assert report.outcome == "written" and report.conflicts == []
    row = rows_by_key(sheet, TRACKER)[AGENT]
    caps = row[config.sheet.headers.caps]
    assert caps == (
        "written CAP (day 1): Second failed AHIP final; "
        f"coached 2026-11-23: {LINE} (AHIP final exam, {TL_NAME})"
    )
