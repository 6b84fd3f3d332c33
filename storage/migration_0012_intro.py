"""Migration 0012: the Day-1 intro (`D`) kept per cohort (issue 14, item 5). Registered in
storage/migrations.py; never edit it once applied.

Before it, the intro's timer and ticks lived in the app's memory and a restart lost them.
`intro_timers` holds when a cohort's intro timer started (one row per cohort, rewritten by a
restart of the timer); `intro_ticks` the resources ticked, by their title in config (a
reordered `[[intro.resources]]` list keeps its ticks)."""

from __future__ import annotations

from sqlite_utils import Database


def m0012_intro(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE intro_timers (
            cohort_id INTEGER PRIMARY KEY REFERENCES cohorts(id),
            started_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE intro_ticks (
            cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
            resource TEXT NOT NULL,
            ticked_at TEXT NOT NULL,
            PRIMARY KEY (cohort_id, resource)
        )"""
    )
