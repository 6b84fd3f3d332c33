"""Troubleshooting sessions: one row per wizard walk, its engine state kept as JSON."""

from __future__ import annotations

import json
from datetime import datetime
from sqlite3 import Row
from typing import Any

from sqlite_utils import Database

from esp_tui.domain.records import SessionOutcome

# moved: the model lives in esp_tui.domain.records; re-exported for the screens that still
# import it from here (screens/tree_picker.py, screens/wizard.py).
from esp_tui.domain.records import TroubleshootSession as TroubleshootSession
from storage.clock import from_text, to_text
from storage.cohort import read_id, write_id
from storage.db import query

_COLS = "id, agent_id, tree, state_json, outcome, ticket_id, started_at, updated_at"


def _session(r: Row) -> TroubleshootSession:
    return TroubleshootSession(
        id=r["id"],
        agent_id=r["agent_id"],
        tree=r["tree"],
        state=json.loads(r["state_json"]),
        outcome=r["outcome"],
        ticket_id=r["ticket_id"],
        started_at=from_text(r["started_at"]),
        updated_at=from_text(r["updated_at"]),
    )


def _dump(state: dict[str, Any]) -> str:
    return json.dumps(state, ensure_ascii=False, sort_keys=True)


def get_session(db: Database, session_id: str) -> TroubleshootSession | None:
    r = query(
        db,
        f"SELECT {_COLS} FROM troubleshoot_sessions WHERE cohort_id = ? AND id = ?",
        [read_id(db), session_id],
    ).fetchone()
    return _session(r) if r else None


def open_session(db: Database, agent_id: str) -> TroubleshootSession | None:
    """The agent's unfinished session (a unique index allows at most one)."""
    r = query(
        db,
        f"SELECT {_COLS} FROM troubleshoot_sessions"
        " WHERE cohort_id = ? AND agent_id = ? AND outcome IS NULL",
        [read_id(db), agent_id],
    ).fetchone()
    return _session(r) if r else None


def session_for_ticket(db: Database, ticket_id: str) -> TroubleshootSession | None:
    """The session that escalated to this ticket, if any."""
    r = query(
        db,
        f"SELECT {_COLS} FROM troubleshoot_sessions WHERE cohort_id = ? AND ticket_id = ?"
        " ORDER BY rowid DESC LIMIT 1",
        [read_id(db), ticket_id],
    ).fetchone()
    return _session(r) if r else None


def sessions_for_agent(db: Database, agent_id: str) -> list[TroubleshootSession]:
    """Newest first."""
    rows = query(
        db,
        f"SELECT {_COLS} FROM troubleshoot_sessions WHERE cohort_id = ? AND agent_id = ?"
        " ORDER BY started_at DESC, rowid DESC",
        [read_id(db), agent_id],
    ).fetchall()
    return [_session(r) for r in rows]


def last_tree(db: Database, agent_id: str | None = None) -> str | None:
    """The tree of the most recently started session (of one agent, or of anyone)."""
    where, params = (" AND agent_id = ?", [agent_id]) if agent_id else ("", [])
    r = query(
        db,
        f"SELECT tree FROM troubleshoot_sessions WHERE cohort_id = ?{where}"
        " ORDER BY started_at DESC, rowid DESC LIMIT 1",
        [read_id(db), *params],
    ).fetchone()
    return r[0] if r else None


def insert_session(db: Database, s: TroubleshootSession) -> None:
    """Call inside db.atomic()."""
    db.execute(
        f"INSERT INTO troubleshoot_sessions (cohort_id, {_COLS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            write_id(db),
            s.id,
            s.agent_id,
            s.tree,
            _dump(s.state),
            s.outcome,
            s.ticket_id,
            to_text(s.started_at),
            to_text(s.updated_at),
        ],
    )


def update_session(
    db: Database,
    session_id: str,
    *,
    state: dict[str, Any],
    outcome: SessionOutcome | None,
    ticket_id: str | None,
    at: datetime,
) -> None:
    """Rewrite a session's state, outcome and ticket. Call inside db.atomic()."""
    cur = db.execute(
        "UPDATE troubleshoot_sessions SET state_json = ?, outcome = ?, ticket_id = ?,"
        " updated_at = ? WHERE cohort_id = ? AND id = ?",
        [_dump(state), outcome, ticket_id, to_text(at), write_id(db), session_id],
    )
    if cur.rowcount != 1:
        raise KeyError(f"no troubleshooting session {session_id!r}")
