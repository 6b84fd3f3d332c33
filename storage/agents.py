"""Agents: the roster."""

from __future__ import annotations

from sqlite_utils import Database

from esp_tui.domain.models import Agent, ImportCounts
from storage.clock import to_text, utcnow

_FIELDS = ("name", "email", "team")


def list_agents(db: Database, *, include_inactive: bool = False) -> list[Agent]:
    where = "" if include_inactive else "WHERE active = 1"
    rows = db.execute(
        f"SELECT agent_id, name, email, team, active FROM agents {where} ORDER BY name, agent_id"
    ).fetchall()
    return [Agent(agent_id=r[0], name=r[1], email=r[2], team=r[3], active=bool(r[4])) for r in rows]


def get_agent(db: Database, agent_id: str) -> Agent | None:
    r = db.execute(
        "SELECT agent_id, name, email, team, active FROM agents WHERE agent_id = ?", [agent_id]
    ).fetchone()
    if r is None:
        return None
    return Agent(agent_id=r[0], name=r[1], email=r[2], team=r[3], active=bool(r[4]))


def agent_ids(db: Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT agent_id FROM agents").fetchall()}


def upsert_agents(db: Database, agents: list[Agent]) -> ImportCounts:
    """Add new agents, update changed ones, leave the rest. Call inside db.atomic()."""
    existing = {a.agent_id: a for a in list_agents(db, include_inactive=True)}
    counts = ImportCounts()
    now = to_text(utcnow())
    for a in agents:
        old = existing.get(a.agent_id)
        if old is None:
            db.execute(
                "INSERT INTO agents (agent_id, name, email, team, active, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 1, ?, ?)",
                [a.agent_id, a.name, a.email, a.team, now, now],
            )
            counts.added += 1
        elif any(getattr(old, f) != getattr(a, f) for f in _FIELDS) or not old.active:
            db.execute(
                "UPDATE agents SET name = ?, email = ?, team = ?, active = 1, updated_at = ?"
                " WHERE agent_id = ?",
                [a.name, a.email, a.team, now, a.agent_id],
            )
            counts.updated += 1
        else:
            counts.unchanged += 1
    return counts
