"""Tickets: the four tracking forms, stored as JSON fields under one row per ticket."""

from __future__ import annotations

import json
from sqlite3 import Row

from sqlite_utils import Database

from esp_tui.domain.tickets import Ticket
from storage.clock import from_text, to_text
from storage.cohort import read_id, write_id
from storage.db import count, query

_COLS = "id, form, agent_id, fields_json, status, created_at, updated_at, submitted_at"


def _ticket(r: Row) -> Ticket:
    return Ticket(
        id=r["id"],
        form=r["form"],
        agent_id=r["agent_id"],
        fields=json.loads(r["fields_json"]),
        status=r["status"],
        created_at=from_text(r["created_at"]),
        updated_at=from_text(r["updated_at"]),
        submitted_at=from_text(r["submitted_at"]) if r["submitted_at"] else None,
    )


def get_ticket(db: Database, ticket_id: str) -> Ticket | None:
    r = query(
        db, f"SELECT {_COLS} FROM tickets WHERE cohort_id = ? AND id = ?", [read_id(db), ticket_id]
    ).fetchone()
    return _ticket(r) if r else None


def list_tickets(
    db: Database,
    *,
    status: str | None = None,
    form: str | None = None,
    agent_id: str | None = None,
) -> list[Ticket]:
    """Oldest first (the order they were opened), filtered by whichever filters are given."""
    where: list[str] = ["cohort_id = ?"]
    params: list[object] = [read_id(db)]
    for col, value in (("status", status), ("form", form), ("agent_id", agent_id)):
        if value is not None:
            where.append(f"{col} = ?")
            params.append(value)
    clause = f"WHERE {' AND '.join(where)}"
    rows = query(
        db, f"SELECT {_COLS} FROM tickets {clause} ORDER BY created_at, rowid", params
    ).fetchall()
    return [_ticket(r) for r in rows]


def count_tickets(db: Database, *, status: str) -> int:
    return count(
        db, "SELECT COUNT(*) FROM tickets WHERE cohort_id = ? AND status = ?", [read_id(db), status]
    )


def insert_ticket(db: Database, t: Ticket) -> None:
    """Call inside db.atomic()."""
    db.execute(
        f"INSERT INTO tickets (cohort_id, {_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            write_id(db),
            t.id,
            t.form,
            t.agent_id,
            json.dumps(t.fields, ensure_ascii=False, sort_keys=True),
            t.status,
            to_text(t.created_at),
            to_text(t.updated_at),
            to_text(t.submitted_at) if t.submitted_at else None,
        ],
    )


def save_ticket(db: Database, t: Ticket) -> None:
    """Write agent, fields, status and times of an existing ticket. Call inside db.atomic()."""
    db.execute(
        "UPDATE tickets SET agent_id = ?, fields_json = ?, status = ?, updated_at = ?,"
        " submitted_at = ? WHERE cohort_id = ? AND id = ?",
        [
            t.agent_id,
            json.dumps(t.fields, ensure_ascii=False, sort_keys=True),
            t.status,
            to_text(t.updated_at),
            to_text(t.submitted_at) if t.submitted_at else None,
            write_id(db),
            t.id,
        ],
    )


def delete_ticket(db: Database, ticket_id: str) -> None:
    """Call inside db.atomic()."""
    db.execute("DELETE FROM tickets WHERE cohort_id = ? AND id = ?", [write_id(db), ticket_id])


def counts_by_agent(db: Database) -> dict[tuple[str, str], int]:
    """(agent_id, status) -> number of tickets."""
    rows = query(
        db,
        "SELECT agent_id, status, COUNT(*) AS n FROM tickets WHERE cohort_id = ?"
        " GROUP BY agent_id, status",
        [read_id(db)],
    ).fetchall()
    return {(r["agent_id"], r["status"]): r["n"] for r in rows}
