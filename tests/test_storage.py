"""Storage: migrations, schema version, file mode, pragmas, transactions, locking."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from esp_tui.domain.models import Agent
from storage.agents import list_agents, upsert_agents
from storage.db import DatabaseBusy, StorageError, connect, resolve_db_path
from storage.migrations import MIGRATIONS, latest_version, schema_version


def test_new_db_is_migrated_to_the_latest_version(db):
    assert schema_version(db) == latest_version() >= 1
    assert db.execute("PRAGMA user_version").fetchone()[0] == latest_version()
    tables = set(db.table_names())
    assert {"cohorts", "cohort_agents", "agents", "attendance_events", "notes"} <= tables
    assert "notes_history" in tables and "cohort" not in tables


def test_reopening_applies_nothing_twice(db_path):
    first = connect(db_path)
    applied = [m.name for m in MIGRATIONS.applied(first)]
    first.close()
    second = connect(db_path)
    assert [m.name for m in MIGRATIONS.applied(second)] == applied
    second.close()


def test_file_mode_is_0600_and_wal_is_on(db, db_path):
    db.execute("CREATE TABLE IF NOT EXISTS t (x)")  # forces the WAL file into existence
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    wal = db_path.with_name(db_path.name + "-wal")
    if wal.exists():
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600


def test_a_failed_write_rolls_back_entirely(db):
    agents = [Agent(agent_id="A1", name="Ann", email="ann@example.com")]
    from datetime import date

    from esp_tui.domain.models import Cohort
    from storage.cohort import create_cohort, list_cohorts

    with pytest.raises(sqlite3.IntegrityError), db.atomic():
        create_cohort(db, Cohort(name="Nov 16", start_date=date(2026, 11, 16), timezone="UTC"))
        upsert_agents(db, agents)
        # Half-way failure: a foreign key that does not exist.
        db.execute(
            "INSERT INTO notes (agent_id, day, text, updated_at) VALUES ('nobody', 1, 'x', 'now')"
        )
    assert list_agents(db) == [] and list_cohorts(db) == []


def test_db_path_resolution_order(tmp_path):
    assert resolve_db_path(str(tmp_path / "a.db"), {"ESP_TUI_DB": "/x/b.db"}) == tmp_path / "a.db"
    assert str(resolve_db_path(None, {"ESP_TUI_DB": "/x/b.db"})) == "/x/b.db"
    assert resolve_db_path(None, {}).name == "esp.db"
    assert "esp-tui" in resolve_db_path(None, {}).parts


def test_a_second_writer_waits_then_gets_a_clear_error(db_path, monkeypatch):
    first = connect(db_path)
    first.execute("BEGIN IMMEDIATE")  # hold the write lock, as a stuck second instance would
    monkeypatch.setattr("storage.db.BUSY_TIMEOUT_MS", 200)
    try:
        other = connect(db_path)
        with pytest.raises(DatabaseBusy, match="another esp-tui is writing"), other.atomic():
            other.execute("INSERT INTO agents VALUES ('A', 'A', 'a@example.com', '', 1, 'x', 'x')")
        other.close()
    finally:
        first.execute("ROLLBACK")
        first.close()
    reopened = connect(db_path)
    assert reopened.execute("SELECT count(*) FROM agents").fetchone()[0] == 0
    assert reopened.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match=r"bad\.db"):
        connect(bad)


def test_opening_a_fresh_db_while_another_holds_the_lock_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "new.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr("storage.db.BUSY_TIMEOUT_MS", 100)
    try:
        with pytest.raises(StorageError, match="locked by another esp-tui"):
            connect(path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
