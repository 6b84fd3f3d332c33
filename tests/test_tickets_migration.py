"""Migration 0010_tickets_any_form: tickets lose 0003's CHECK on form and nothing else; the
troubleshooting sessions that point at a ticket keep pointing at it."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from esp_tui.config import build_config
from esp_tui.services import tickets as svc
from storage import tickets as store
from storage import troubleshoot
from storage.db import connect
from storage.migrations import MIGRATIONS, latest_version
from tests.conftest import FIXED_NOW

T = "2026-11-16T14:00:00+00:00"
MIGRATION = "0010_tickets_any_form"
TICKETS = [  # id, form, agent, status, created_at: t-b and t-a share a second (rowid decides)
    ("t-b", "carrier_ticket", "A1", "submitted", T),
    ("t-gone", "carrier_ticket", "A1", "draft", T),
    ("t-a", "call_certification", "A2", "draft", T),
    ("t-c", "failed_carrier_cert_exam", "A1", "draft", "2026-11-17T09:00:00+00:00"),
]


def _schema(db: Database | sqlite3.Connection, table: str) -> dict[str, list[tuple]]:
    def rows(sql: str) -> list[tuple]:
        return [tuple(r) for r in db.execute(sql).fetchall()]

    return {
        "columns": rows(f"PRAGMA table_info({table})"),
        "foreign_keys": rows(f"PRAGMA foreign_key_list({table})"),
        "indexes": rows(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = "
            f"'{table}' ORDER BY name"
        ),
    }


@pytest.fixture
def db_0009(tmp_path):
    """A database at 0009 (foreign keys on, as the app runs) with tickets and two sessions,
    one escalated to a ticket."""
    path = tmp_path / "esp.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    MIGRATIONS.apply(Database(conn), stop_before=MIGRATION)
    conn.execute(
        "INSERT INTO cohorts (id, name, start_date, timezone, days, schedule_json, created_at)"
        f" VALUES (1, 'Nov 16', '2026-11-16', 'UTC', 5, '{{}}', '{T}')"
    )
    conn.execute("INSERT INTO settings VALUES ('current_cohort', '1')")
    for agent in ("A1", "A2"):
        conn.execute(
            f"INSERT INTO agents VALUES ('{agent}', 'Agent {agent}', 'a@x.com', '', 1, '{T}',"
            f" '{T}')"
        )
        conn.execute(f"INSERT INTO cohort_agents VALUES (1, '{agent}', 1, '{T}', NULL)")
    for tid, form, agent, status, at in TICKETS:
        conn.execute(
            "INSERT INTO tickets (id, form, agent_id, fields_json, status, created_at,"
            " updated_at, submitted_at) VALUES (?, ?, ?, '{\"carrier\": \"Aetna\"}', ?, ?, ?, ?)",
            [tid, form, agent, status, at, at, at if status == "submitted" else None],
        )
    conn.execute("DELETE FROM tickets WHERE id = 't-gone'")  # a gap in the rowids
    sessions = [("s-esc", "A1", "escalated", "t-b"), ("s-open", "A2", None, None)]
    for sid, agent, outcome, ticket in sessions:
        conn.execute(
            "INSERT INTO troubleshoot_sessions (id, agent_id, tree, state_json, outcome,"
            " ticket_id, started_at, updated_at) VALUES (?, ?, 'general', '{}', ?, ?, ?, ?)",
            [sid, agent, outcome, ticket, T, T],
        )
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):  # 0003's CHECK is here
        conn.execute("UPDATE tickets SET form = 'agent_feedback' WHERE id = 't-a'")
    before = {
        "tickets": conn.execute("SELECT rowid, * FROM tickets ORDER BY rowid").fetchall(),
        "sessions": conn.execute("SELECT * FROM troubleshoot_sessions ORDER BY id").fetchall(),
        "schema": _schema(conn, "tickets"),
        "sessions_sql": _sql(conn, "troubleshoot_sessions"),
    }
    conn.close()
    return path, before


def _sql(db: Database | sqlite3.Connection, name: str) -> str:
    return db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()[0]


def test_the_rebuild_keeps_every_row_rowid_link_column_and_index(db_0009):
    path, before = db_0009
    db = connect(path)  # migrates, foreign keys on, inside one transaction
    try:
        assert len(MIGRATIONS.applied(db)) == latest_version()
        assert MIGRATION in {m.name for m in MIGRATIONS.applied(db)}
        assert db.execute("SELECT rowid, * FROM tickets ORDER BY rowid").fetchall() == (
            before["tickets"]
        )
        assert db.execute("SELECT * FROM troubleshoot_sessions ORDER BY id").fetchall() == (
            before["sessions"]
        )
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The sessions' foreign key still names tickets (not a renamed old table).
        assert _sql(db, "troubleshoot_sessions") == before["sessions_sql"]
        assert "REFERENCES tickets(id)" in before["sessions_sql"]
        fk = db.execute("PRAGMA foreign_key_list(troubleshoot_sessions)").fetchall()
        assert ("tickets", "ticket_id", "id") in [(r[2], r[3], r[4]) for r in fk]
        # Same columns (types, NOT NULL, defaults, key), foreign keys and indexes.
        assert _schema(db, "tickets") == before["schema"]
        assert {n for n, _ in before["schema"]["indexes"]} >= {
            "tickets_status", "tickets_agent", "tickets_cohort"
        }  # fmt: skip
        sql = _sql(db, "tickets")
        assert "CHECK (status IN ('draft', 'submitted'))" in sql and "carrier_ticket" not in sql
        assert not db.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE 'tickets_%' AND type = 'table'"
        ).fetchall()
        # Read back through storage: same order (created_at, then rowid), same link.
        assert [t.id for t in store.list_tickets(db)] == ["t-b", "t-a", "t-c"]
        assert troubleshoot.get_session(db, "s-esc").ticket_id == "t-b"  # type: ignore[union-attr]
        # The link is enforced still, and the status CHECK kept.
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            db.execute("UPDATE troubleshoot_sessions SET ticket_id = 'nope' WHERE id = 's-open'")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            db.execute("UPDATE tickets SET status = 'done' WHERE id = 't-a'")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            db.execute("DELETE FROM tickets WHERE id = 't-b'")
    finally:
        db.close()


def test_the_table_takes_any_form_and_the_service_refuses_an_unknown_one(db_0009):
    path, _ = db_0009
    db = connect(path)
    try:
        db.execute("UPDATE tickets SET form = 'agent_feedback' WHERE id = 't-a'")  # no CHECK
        db.execute("UPDATE tickets SET form = 'call_certification' WHERE id = 't-a'")
        config = build_config({}, "test")
        with pytest.raises(svc.TicketError) as e:
            svc.new_ticket(db, config, "pizza", "A1", {"carrier": "x"}, now=FIXED_NOW)
        assert str(e.value) == (
            "unknown form 'pizza'; valid: carrier_cert_completion, call_certification, "
            "failed_carrier_cert_exam, carrier_ticket"
        )
        with pytest.raises(svc.TicketError, match="unknown form 'pizza'"):
            svc.create_ticket(db, "pizza", "A1", {}, now=FIXED_NOW)
        assert db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 3  # nothing written
        with pytest.raises(svc.TicketError, match="unknown form 'pizza'"):
            svc.list_tickets(db, form="pizza")
    finally:
        db.close()


def test_dropping_the_parent_with_only_deferred_foreign_keys_would_fail(tmp_path):
    """Why the migration lifts the sessions' links around the drop: with foreign keys on,
    PRAGMA defer_foreign_keys alone lets the rebuild run but COMMIT refuses it."""
    conn = sqlite3.connect(str(tmp_path / "t.db"), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("CREATE TABLE p (id TEXT PRIMARY KEY, kind TEXT CHECK (kind IN ('a')))")
    conn.execute("CREATE TABLE c (id TEXT PRIMARY KEY, p_id TEXT REFERENCES p(id))")
    conn.execute("INSERT INTO p VALUES ('x', 'a')")
    conn.execute("INSERT INTO c VALUES ('1', 'x')")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("PRAGMA defer_foreign_keys = ON")
    conn.execute("CREATE TABLE p_new (id TEXT PRIMARY KEY, kind TEXT)")
    conn.execute("INSERT INTO p_new SELECT * FROM p")
    conn.execute("DROP TABLE p")
    conn.execute("ALTER TABLE p_new RENAME TO p")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        conn.execute("COMMIT")
    conn.execute("ROLLBACK")
    conn.close()
