"""Numbered schema migrations. Append new ones at the end; never edit an applied one.

The schema version is the number of applied migrations, mirrored into PRAGMA user_version.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from storage.migration_0009_cohorts import m0009_cohorts
from storage.migration_0010_tickets_any_form import m0010_tickets_any_form
from storage.migration_0011_attendance_void import m0011_attendance_void
from storage.migration_0012_intro import m0012_intro
from storage.migration_0013_coaching import m0013_coaching

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


@MIGRATIONS(name="0002_progress")
def m0002_progress(db: Database) -> None:
    """Task progress, exam attempts, CAPs and red flags (issue 4)."""
    db.execute(
        """
        CREATE TABLE task_progress (
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            task_key TEXT NOT NULL,
            status TEXT NOT NULL CHECK (
                status IN ('not_started', 'in_progress', 'passed', 'failed', 'waived')),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (agent_id, task_key)
        )"""
    )
    db.execute(
        """
        CREATE TABLE exam_attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            task_key TEXT NOT NULL,
            attempt_no INTEGER NOT NULL CHECK (attempt_no >= 1),
            score REAL CHECK (score IS NULL OR score BETWEEN 0 AND 100),
            passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
            at TEXT NOT NULL,
            UNIQUE (agent_id, task_key, attempt_no)
        )"""
    )
    db.execute(
        """
        CREATE TABLE caps (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            level TEXT NOT NULL CHECK (level IN ('verbal', 'written', 'final')),
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            day INTEGER
        )"""
    )
    db.execute("CREATE INDEX caps_agent ON caps(agent_id)")
    db.execute(
        """
        CREATE TABLE red_flags (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            kind TEXT NOT NULL CHECK (
                kind IN ('background_check', 'conduct', 'attendance', 'other')),
            text TEXT NOT NULL,
            raised_at TEXT NOT NULL,
            pm_notified_at TEXT,
            resolved_at TEXT
        )"""
    )
    db.execute("CREATE INDEX red_flags_agent ON red_flags(agent_id)")


@MIGRATIONS(name="0003_tickets_rooms")
def m0003_tickets_rooms(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE tickets (
            id TEXT PRIMARY KEY,
            form TEXT NOT NULL CHECK (form IN ('carrier_cert_completion', 'call_certification',
                'failed_carrier_cert_exam', 'carrier_ticket')),
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            fields_json TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            submitted_at TEXT
        )"""
    )
    db.execute("CREATE INDEX tickets_status ON tickets(status, form)")
    db.execute("CREATE INDEX tickets_agent ON tickets(agent_id)")
    db.execute(
        """
        CREATE TABLE side_meets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            purpose TEXT NOT NULL CHECK (purpose IN ('assist', 'call_cert')),
            meet_link TEXT NOT NULL DEFAULT '',
            certifier TEXT NOT NULL DEFAULT '',
            opened_at TEXT NOT NULL,
            closed_at TEXT
        )"""
    )
    # Append-only: an agent's room is their latest move; room_id NULL = back in the main Meet.
    db.execute(
        """
        CREATE TABLE room_moves (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            room_id INTEGER REFERENCES side_meets(id),
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX room_moves_agent ON room_moves(agent_id, id)")
    db.execute(
        """
        CREATE TABLE tl_status_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            status TEXT NOT NULL CHECK (status IN ('available', 'assisting', 'break')),
            detail TEXT NOT NULL DEFAULT '',
            minutes INTEGER,
            since TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT ''
        )"""
    )


@MIGRATIONS(name="0004_troubleshoot")
def m0004_troubleshoot(db: Database) -> None:
    # state_json is the wizard engine's to_state() (the path answered so far); it is rewritten
    # after every answer so a crash loses nothing. outcome NULL = open (resumable).
    db.execute(
        """
        CREATE TABLE troubleshoot_sessions (
            id TEXT PRIMARY KEY,
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            tree TEXT NOT NULL,
            state_json TEXT NOT NULL,
            outcome TEXT CHECK (outcome IN ('resolved', 'escalated', 'abandoned')),
            ticket_id TEXT REFERENCES tickets(id),
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX troubleshoot_sessions_agent ON troubleshoot_sessions(agent_id)")
    # At most one open session per agent: "resume" is never ambiguous.
    db.execute(
        "CREATE UNIQUE INDEX troubleshoot_sessions_open ON troubleshoot_sessions(agent_id)"
        " WHERE outcome IS NULL"
    )


@MIGRATIONS(name="0005_sync")
def m0005_sync(db: Database) -> None:
    # Only runs the sheet accepted are recorded: a failed sync leaves no trace, so a rerun
    # starts from the same snapshot and converges.
    db.execute(
        """
        CREATE TABLE sync_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            outcome TEXT NOT NULL,
            requests INTEGER NOT NULL,
            cells_written INTEGER NOT NULL,
            rows_appended INTEGER NOT NULL,
            conflicts_json TEXT NOT NULL DEFAULT '[]'
        )"""
    )
    # value = the sheet's cell as last agreed; local = our value it was agreed against (equal
    # after a push, different after the TL chose keep-sheet, so the choice sticks).
    db.execute(
        """
        CREATE TABLE sync_snapshot (
            sheet TEXT NOT NULL,
            row_key TEXT NOT NULL,
            header TEXT NOT NULL,
            value TEXT NOT NULL,
            local TEXT NOT NULL,
            PRIMARY KEY (sheet, row_key, header)
        )"""
    )


@MIGRATIONS(name="0006_cohort_weekdays")
def m0006_cohort_weekdays(db: Database) -> None:
    # Cohort days are weekdays: a cohort starting on a Thursday runs Thu, Fri, Mon, Tue, Wed.
    db.execute("ALTER TABLE cohort ADD COLUMN weekdays_only INTEGER NOT NULL DEFAULT 1")


@MIGRATIONS(name="0007_snapshot_pushed")
def m0007_snapshot_pushed(db: Database) -> None:
    # Who last pushed our value of a cell and when (the run's finish time), for the Close
    # screen's conflict view. NULL for cells pushed before this migration: nothing is lost.
    db.execute("ALTER TABLE sync_snapshot ADD COLUMN pushed_at TEXT")
    db.execute("ALTER TABLE sync_snapshot ADD COLUMN pushed_by TEXT")


@MIGRATIONS(name="0008_settings")
def m0008_settings(db: Database) -> None:
    # Small per-database answers the TL gave once (e.g. their name for the TL column).
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


# 0009 is long (it rebuilds four tables): it lives in its own module.
MIGRATIONS(name="0009_cohorts")(m0009_cohorts)
# 0010 rebuilds tickets without 0003's CHECK on form (the service checks the form registry).
MIGRATIONS(name="0010_tickets_any_form")(m0010_tickets_any_form)
# 0011: an attendance event can void an earlier one, with a reason (issue 14, roll call).
MIGRATIONS(name="0011_attendance_void")(m0011_attendance_void)
# 0012: the Day-1 intro's timer and ticks, per cohort (they lived in memory).
MIGRATIONS(name="0012_intro")(m0012_intro)
# 0013: coaching recorded (the Failed Cert Exams Guide's first step), per cohort.
MIGRATIONS(name="0013_coaching")(m0013_coaching)


def migrate(db: Database) -> int:
    """Apply pending migrations (each in its own transaction); return the schema version."""
    if MIGRATIONS.pending(db):
        # One IMMEDIATE transaction around the whole upgrade (each migration is a savepoint in
        # it): two processes opening a new or old DB at once cannot both apply a migration.
        with db.atomic():
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
