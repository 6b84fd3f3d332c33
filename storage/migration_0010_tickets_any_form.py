"""Migration 0010: the tickets table takes any form name (issue 13). Registered in
storage/migrations.py; never edit it once applied.

The forms are declared once, in esp_tui.domain.forms.FORMS, and the tickets service refuses a
name that is not there: the CHECK listing the four names in 0003 would make every new form a
migration. SQLite cannot drop a CHECK, so `tickets` is rebuilt with every other column,
constraint, index and rowid as it was.

The rebuild runs inside migrate()'s transaction with foreign keys ON (PRAGMA foreign_keys cannot
change inside a transaction) and `troubleshoot_sessions.ticket_id REFERENCES tickets(id)`:
- the old table is never renamed (SQLite would rewrite the sessions' REFERENCES to the new
  name): the new table is created, filled, the old one dropped, the new one renamed to tickets;
- dropping the old table deletes its rows first, which would count one violation per session
  pointing at a ticket. PRAGMA defer_foreign_keys only postpones that count to COMMIT, and the
  rename does not take it back (COMMIT then fails), so the sessions' links are lifted before the
  drop and put back, unchanged, once `tickets` exists again.
"""

from __future__ import annotations

from sqlite_utils import Database

_COLUMNS = (
    "id, form, agent_id, fields_json, status, created_at, updated_at, submitted_at, cohort_id"
)


def m0010_tickets_any_form(db: Database) -> None:
    """Rebuild `tickets` without the CHECK on `form` (0003's columns plus 0009's cohort_id)."""
    db.execute(
        """
        CREATE TABLE tickets_any_form (
            id TEXT PRIMARY KEY,
            form TEXT NOT NULL,
            agent_id TEXT NOT NULL REFERENCES agents(agent_id),
            fields_json TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            submitted_at TEXT,
            cohort_id INTEGER NOT NULL DEFAULT 1
        )"""
    )
    # rowid too: lists order tickets opened in the same second by it.
    db.execute(
        f"INSERT INTO tickets_any_form (rowid, {_COLUMNS}) SELECT rowid, {_COLUMNS} FROM tickets"
    )
    links = db.execute(
        "SELECT id, ticket_id FROM troubleshoot_sessions WHERE ticket_id IS NOT NULL"
    ).fetchall()
    db.execute("UPDATE troubleshoot_sessions SET ticket_id = NULL WHERE ticket_id IS NOT NULL")
    db.execute("DROP TABLE tickets")  # its indexes go with it
    db.execute("ALTER TABLE tickets_any_form RENAME TO tickets")
    db.conn.executemany(
        "UPDATE troubleshoot_sessions SET ticket_id = ? WHERE id = ?",
        [(ticket_id, session_id) for session_id, ticket_id in links],
    )
    db.execute("CREATE INDEX tickets_status ON tickets(status, form)")
    db.execute("CREATE INDEX tickets_agent ON tickets(agent_id)")
    db.execute("CREATE INDEX tickets_cohort ON tickets(cohort_id)")
