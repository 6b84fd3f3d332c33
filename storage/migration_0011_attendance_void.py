"""Migration 0011: an attendance event can void one earlier event, with a reason (issue 14).
Registered in storage/migrations.py; never edit it once applied.

A void is an `undo` row that carries a `reason` (who: `entered_by`; when: `created_at`): it
cancels its target exactly as an undo does (append-only, an undo of the void reinstates the
target), and the audit tells the two apart by the reason. A column, not a new `kind`: SQLite
cannot widen 0001's CHECK on `kind` without rebuilding a table that references itself.
"""

from __future__ import annotations

from sqlite_utils import Database


def m0011_attendance_void(db: Database) -> None:
    """Add `attendance_events.reason` (NULL on every existing row: they are not voids)."""
    db.execute("ALTER TABLE attendance_events ADD COLUMN reason TEXT")
