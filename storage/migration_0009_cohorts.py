"""Migration 0009: many cohorts in one database (issue 12). Registered in storage/migrations.py;
never edit it once applied."""

from __future__ import annotations

from sqlite_utils import Database


def m0009_cohorts(db: Database) -> None:
    """Many cohorts in one database (issue 12). The one `cohort` row becomes cohort 1 of
    `cohorts`; every record (stamp, note, task, attempt, CAP, flag, ticket, room, session,
    sync run and snapshot cell) gets `cohort_id`, and the rows already here belong to cohort 1.
    An agent (a person) belongs to cohorts through `cohort_agents`; `agents.active` is no
    longer read (membership is per cohort)."""
    db.execute(
        """
        CREATE TABLE cohorts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            start_date TEXT NOT NULL,
            timezone TEXT NOT NULL,
            days INTEGER NOT NULL DEFAULT 5,
            schedule_json TEXT NOT NULL,
            is_demo INTEGER NOT NULL DEFAULT 0,
            weekdays_only INTEGER NOT NULL DEFAULT 1,
            state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'closed')),
            created_at TEXT NOT NULL,
            closed_at TEXT
        )"""
    )
    db.execute(
        """INSERT INTO cohorts (id, name, start_date, timezone, days, schedule_json, is_demo,
                                weekdays_only, state, created_at)
           SELECT 1, name, start_date, timezone, days, schedule_json, is_demo, weekdays_only,
                  'active', created_at FROM cohort"""
    )
    had_cohort = db.execute("SELECT COUNT(*) FROM cohorts").fetchone()[0] > 0
    db.execute("DROP TABLE cohort")
    db.execute(
        """
        CREATE TABLE cohort_agents (
            cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            active INTEGER NOT NULL DEFAULT 1,
            joined_at TEXT NOT NULL,
            carried_from INTEGER REFERENCES cohorts(id),
            PRIMARY KEY (cohort_id, agent_id)
        )"""
    )
    if had_cohort:
        db.execute(
            "INSERT INTO cohort_agents (cohort_id, agent_id, active, joined_at)"
            " SELECT 1, agent_id, active, created_at FROM agents"
        )
        db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('current_cohort', '1')")
    # Plain columns, no REFERENCES (ALTER TABLE cannot add one with a non-NULL default; the
    # rebuilt tables match): records written before any cohort existed still migrate.
    for table in (
        "attendance_events", "notes_history", "caps", "red_flags", "tickets", "side_meets",
        "room_moves", "troubleshoot_sessions", "sync_runs",
    ):  # fmt: skip
        db.execute(f"ALTER TABLE {table} ADD COLUMN cohort_id INTEGER NOT NULL DEFAULT 1")
    db.execute("DROP INDEX attendance_events_day")
    db.execute("CREATE INDEX attendance_events_day ON attendance_events(cohort_id, day, agent_id)")
    db.execute("DROP INDEX troubleshoot_sessions_open")
    db.execute(
        "CREATE UNIQUE INDEX troubleshoot_sessions_open"
        " ON troubleshoot_sessions(cohort_id, agent_id) WHERE outcome IS NULL"
    )
    for index, table in (
        ("tickets_cohort", "tickets"),
        ("red_flags_cohort", "red_flags"),
        ("caps_cohort", "caps"),
        ("room_moves_cohort", "room_moves"),
    ):
        db.execute(f"CREATE INDEX {index} ON {table}(cohort_id)")
    # Tables whose key gains the cohort are rebuilt (SQLite cannot alter a primary key).
    _rebuild(
        db,
        "notes",
        """CREATE TABLE notes (
            cohort_id INTEGER NOT NULL DEFAULT 1,
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            day INTEGER NOT NULL,
            text TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (cohort_id, agent_id, day)
        )""",
        "agent_id, day, text, updated_at",
    )
    _rebuild(
        db,
        "task_progress",
        """CREATE TABLE task_progress (
            cohort_id INTEGER NOT NULL DEFAULT 1,
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            task_key TEXT NOT NULL,
            status TEXT NOT NULL CHECK (
                status IN ('not_started', 'in_progress', 'passed', 'failed', 'waived')),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (cohort_id, agent_id, task_key)
        )""",
        "agent_id, task_key, status, updated_at",
    )
    _rebuild(
        db,
        "exam_attempts",
        """CREATE TABLE exam_attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            cohort_id INTEGER NOT NULL DEFAULT 1,
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            task_key TEXT NOT NULL,
            attempt_no INTEGER NOT NULL CHECK (attempt_no >= 1),
            score REAL CHECK (score IS NULL OR score BETWEEN 0 AND 100),
            passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
            at TEXT NOT NULL,
            UNIQUE (cohort_id, agent_id, task_key, attempt_no)
        )""",
        "id, agent_id, task_key, attempt_no, score, passed, at",
    )
    _rebuild(
        db,
        "sync_snapshot",
        """CREATE TABLE sync_snapshot (
            cohort_id INTEGER NOT NULL DEFAULT 1,
            sheet TEXT NOT NULL,
            row_key TEXT NOT NULL,
            header TEXT NOT NULL,
            value TEXT NOT NULL,
            local TEXT NOT NULL,
            pushed_at TEXT,
            pushed_by TEXT,
            PRIMARY KEY (cohort_id, sheet, row_key, header)
        )""",
        "sheet, row_key, header, value, local, pushed_at, pushed_by",
    )


def _rebuild(db: Database, table: str, create: str, columns: str) -> None:
    """Recreate `table` from `create`, copying `columns`; the new cohort_id takes its
    default (1): every row that existed belonged to the one cohort."""
    db.execute(f"ALTER TABLE {table} RENAME TO {table}_old")
    db.execute(create)
    db.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}_old")
    db.execute(f"DROP TABLE {table}_old")
