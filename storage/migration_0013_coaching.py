"""Migration 0013: coaching sessions recorded (issue 14, item 4). Registered in
storage/migrations.py; never edit it once applied.

The Failed Cert Exams Guide's first step is "coach the agent": before this table it created
nothing, so nothing showed that it happened. One row per coaching: the cohort, the agent, the
exam (task key) and its carrier, the failed attempts it followed, who coached (the TL's name),
when, and one line of what was covered."""

from __future__ import annotations

from sqlite_utils import Database


def m0013_coaching(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE coaching (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            task_key TEXT NOT NULL,
            carrier TEXT NOT NULL DEFAULT '',
            fails INTEGER NOT NULL CHECK (fails >= 1),
            coach TEXT NOT NULL,
            text TEXT NOT NULL CHECK (length(trim(text)) > 0),
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX coaching_agent ON coaching(cohort_id, agent_id)")
