"""Numbered schema migrations. Append new ones at the end; never edit an applied one.

The schema version is the number of applied migrations, mirrored into PRAGMA user_version.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("esp-tui")


@MIGRATIONS(name="0001_foundation")
def m0001_foundation(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE cohort (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            name TEXT NOT NULL,
            start_date TEXT NOT NULL,
            timezone TEXT NOT NULL,
            days INTEGER NOT NULL DEFAULT 5,
            schedule_json TEXT NOT NULL,
            is_demo INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE agents (
            agent_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT NOT NULL,
            team TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE attendance_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            day INTEGER NOT NULL CHECK (day BETWEEN 1 AND 31),
            kind TEXT NOT NULL CHECK (kind IN ('in', 'out', 'absent', 'undo')),
            at TEXT NOT NULL,
            absence_kind TEXT,
            undoes INTEGER REFERENCES attendance_events(id),
            entered_by TEXT NOT NULL DEFAULT 'tl',
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX attendance_events_day ON attendance_events(day, agent_id)")
    db.execute(
        """
        CREATE TABLE notes (
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            day INTEGER NOT NULL,
            text TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (agent_id, day)
        )"""
    )
    db.execute(
        """
        CREATE TABLE notes_history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            agent_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            text TEXT NOT NULL,
            changed_at TEXT NOT NULL
        )"""
    )


# --- later migrations go below, one function each, numbered in order -------------------------


def migrate(db: Database) -> int:
    """Apply pending migrations (each in its own transaction); return the schema version."""
    if MIGRATIONS.pending(db):
        MIGRATIONS.apply(db)
    version = schema_version(db)
    # Only write when it changed: opening a DB another instance is writing must not block.
    if db.execute("PRAGMA user_version").fetchone()[0] != version:
        db.execute(f"PRAGMA user_version = {version}")
    return version


def schema_version(db: Database) -> int:
    return len(MIGRATIONS.applied(db))


def latest_version() -> int:
    return len(MIGRATIONS._migrations)
