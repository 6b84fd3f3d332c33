"""Migration 0009_cohorts: a one-cohort database becomes cohort 1 of many, losing nothing."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from sqlite_utils import Database

from esp_tui.domain.models import Agent, Cohort
from storage import agents, attendance, cohort, flags, notes, progress, rooms, tickets, troubleshoot
from storage import sync as sync_store
from storage.db import connect
from storage.migrations import MIGRATIONS, latest_version

T = "2026-11-16T14:00:00+00:00"

# Every record table of the one-cohort schema (0008), with the rows a real week leaves.
OLD_ROWS = {
    "agents": [
        "('A1', 'Ann Lee', 'ann@example.com', 'Blue', 1, '{T}', '{T}')",
        "('A2', 'Bo Yu', 'bo@example.com', '', 0, '{T}', '{T}')",
    ],
    "attendance_events (agent_id, day, kind, at, absence_kind, undoes, entered_by, created_at)": [
        "('A1', 1, 'in', '{T}', NULL, NULL, 'tl', '{T}')",
        "('A1', 1, 'out', '{T}', NULL, NULL, 'tl', '{T}')",
        "('A2', 2, 'absent', '{T}', 'ncns', NULL, 'tl', '{T}')",
        "('A2', 2, 'undo', '{T}', NULL, 3, 'tl', '{T}')",
    ],
    "notes": ["('A1', 1, 'day one note', '{T}')", "('A2', 2, 'day two note', '{T}')"],
    "notes_history (agent_id, day, text, changed_at)": [
        "('A1', 1, 'first try', '{T}')",
        "('A1', 1, 'day one note', '{T}')",
    ],
    "task_progress": ["('A1', 'ahip', 'passed', '{T}')", "('A2', 'aetna', 'failed', '{T}')"],
    "exam_attempts (agent_id, task_key, attempt_no, score, passed, at)": [
        "('A2', 'aetna', 1, 61, 0, '{T}')",
        "('A2', 'aetna', 2, 70, 0, '{T}')",
    ],
    "caps (agent_id, level, reason, created_at, day)": ["('A2', 'verbal', 'late twice', '{T}', 2)"],
    "red_flags (agent_id, kind, text, raised_at, pm_notified_at, resolved_at)": [
        "('A2', 'conduct', 'rude in chat', '{T}', NULL, NULL)",
    ],
    "tickets (id, form, agent_id, fields_json, status, created_at, updated_at, submitted_at)": [
        "('t-1', 'carrier_ticket', 'A1', '{{\"carrier\": \"Aetna\"}}', 'submitted', '{T}', '{T}',"
        " '{T}')",
    ],
    "side_meets (name, purpose, meet_link, certifier, opened_at, closed_at)": [
        "('AHIP help', 'assist', '', '', '{T}', NULL)",
    ],
    "room_moves (agent_id, room_id, at)": ["('A1', 1, '{T}')"],
    "troubleshoot_sessions (id, agent_id, tree, state_json, outcome, ticket_id, started_at,"
    " updated_at)": ["('s-1', 'A1', 'general', '{{\"path\": []}}', NULL, NULL, '{T}', '{T}')"],
    "sync_runs (started_at, finished_at, outcome, requests, cells_written, rows_appended)": [
        "('{T}', '{T}', 'written', 4, 12, 2)",
    ],
    "sync_snapshot (sheet, row_key, header, value, local, pushed_at, pushed_by)": [
        "('ESP Tracker', 'Nov 16\u241fA1', 'Day 1 Notes', 'day one note', 'day one note', '{T}',"
        " 'Test TL')",
    ],
    "settings": ["('tl_name', 'Test TL')"],
}


def _table(spec: str) -> str:
    return spec.split(" ")[0]


@pytest.fixture
def old_db(tmp_path):
    """A database written by the one-cohort version (schema 0008), with a row in every table."""
    path = tmp_path / "esp.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    db = Database(conn)
    MIGRATIONS.apply(db, stop_before="0009_cohorts")
    db.execute(
        "INSERT INTO cohort (id, name, start_date, timezone, days, schedule_json, is_demo,"
        " created_at, weekdays_only) VALUES (1, 'Nov 16', '2026-11-16', 'America/New_York', 5,"
        f" '{{}}', 0, '{T}', 1)"
    )
    for spec, rows in OLD_ROWS.items():
        for row in rows:
            db.execute(f"INSERT INTO {spec} VALUES {row.format(T=T)}")
    counts = {_table(s): db.execute(f"SELECT COUNT(*) FROM {_table(s)}").fetchone()[0]
              for s in OLD_ROWS}  # fmt: skip
    conn.close()
    return path, counts


def test_every_row_is_kept_and_belongs_to_the_one_cohort(old_db):
    path, before = old_db
    db = connect(path)
    try:
        assert len(MIGRATIONS.applied(db)) == latest_version()
        added = {"settings": 1}  # the current cohort
        for table, n in before.items():
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == n + added.get(
                table, 0
            ), table
            if table not in ("agents", "settings"):
                ids = {r[0] for r in db.execute(f"SELECT DISTINCT cohort_id FROM {table}")}
                assert ids == {1}, table
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        c = cohort.get_cohort(db)
        assert c is not None and (c.id, c.name, c.start_date, c.timezone, c.state) == (
            1, "Nov 16", date(2026, 11, 16), "America/New_York", "active",
        )  # fmt: skip
        assert cohort.current_id(db) == 1
        # membership keeps who was active
        roster = agents.list_agents(db, include_inactive=True)
        assert [(a.agent_id, a.active) for a in roster] == [("A1", True), ("A2", False)]
        # and every record reads back through the storage layer, attached to cohort 1
        assert len(attendance.all_events(db)) == 4
        assert notes.all_notes(db) == {("A1", 1): "day one note", ("A2", 2): "day two note"}
        assert progress.failed_count(db, "A2", "aetna") == 2
        assert progress.get_status(db, "A1", "ahip") == "passed"
        assert [f.text for f in flags.list_flags(db)] == ["rude in chat"]
        assert [cap.reason for cap in flags.list_caps(db)] == ["late twice"]
        assert [t.id for t in tickets.list_tickets(db)] == ["t-1"]
        assert [r.name for r in rooms.list_rooms(db)] == ["AHIP help"]
        assert rooms.current_room_ids(db) == {"A1": 1}
        assert troubleshoot.open_session(db, "A1") is not None
        assert sync_store.count_runs(db) == 1
        snap = sync_store.load_snapshot(db)
        assert snap[("ESP Tracker", "Nov 16\u241fA1", "Day 1 Notes")].value == "day one note"
    finally:
        db.close()


def test_a_second_cohort_reuses_agent_ids_days_and_keys_without_touching_the_first(old_db):
    path, _ = old_db
    db = connect(path)
    try:
        with db.atomic():
            cohort.create_cohort(
                db, Cohort(name="Nov 23", start_date=date(2026, 11, 23), timezone="UTC")
            )
            agents.upsert_agents(db, [Agent(agent_id="A1", name="Ann Lee", email="ann@example.com",
                                            team="Blue")])  # fmt: skip
            notes.set_note(db, "A1", 1, "week two note")  # same (agent, day) as week 1
            progress.set_status(db, "A1", "ahip", "in_progress", attendance.utcnow())
        assert cohort.current_id(db) == 2
        assert notes.all_notes(db) == {("A1", 1): "week two note"}
        assert [a.agent_id for a in agents.list_agents(db)] == ["A1"]
        assert attendance.all_events(db) == []
        cohort.use(db, 1)
        assert notes.all_notes(db)[("A1", 1)] == "day one note"
        assert progress.get_status(db, "A1", "ahip") == "passed"
        assert len(attendance.all_events(db)) == 4
    finally:
        db.close()


def test_a_new_database_starts_with_no_cohort_and_refuses_writes_until_one_exists(tmp_path):
    db = connect(tmp_path / "new.db")
    try:
        assert cohort.get_cohort(db) is None and cohort.list_cohorts(db) == []
        assert agents.list_agents(db) == []
        with pytest.raises(cohort.NoCohort, match="no cohort yet"), db.atomic():
            notes.set_note(db, "A1", 1, "x")
    finally:
        db.close()


def test_a_closed_cohort_refuses_stamps_and_notes_and_keeps_everything(old_db):
    path, before = old_db
    db = connect(path)
    try:
        with db.atomic():
            cohort.set_state(db, 1, "closed")
        with pytest.raises(cohort.CohortClosed, match="'Nov 16' is closed"), db.atomic():
            notes.set_note(db, "A1", 1, "overwrite")
        with pytest.raises(cohort.CohortClosed), db.atomic():
            attendance.append_event(db, agent_id="A1", day=2, kind="in", at=attendance.utcnow())
        assert notes.all_notes(db)[("A1", 1)] == "day one note"
        assert len(attendance.all_events(db)) == before["attendance_events"]
    finally:
        db.close()
