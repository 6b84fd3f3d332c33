"""Agents: the roster. An agent (a person, by agent id) belongs to cohorts through
`cohort_agents`; every function here reads or writes the connection's cohort."""

from __future__ import annotations

from sqlite3 import Row

from sqlite_utils import Database

from esp_tui.domain.models import Agent, ImportCounts
from storage.clock import to_text, utcnow
from storage.cohort import read_id, write_id
from storage.db import query

_FIELDS = ("name", "email", "team")


_SELECT = (
    "SELECT a.agent_id, a.name, a.email, a.team, m.active FROM agents a"
    " JOIN cohort_agents m ON m.agent_id = a.agent_id AND m.cohort_id = ?"
)


def _agent(r: Row) -> Agent:
    return Agent(
        agent_id=r["agent_id"],
        name=r["name"],
        email=r["email"],
        team=r["team"],
        active=bool(r["active"]),
    )


def list_agents(db: Database, *, include_inactive: bool = False) -> list[Agent]:
    """The cohort's roster, by name."""
    where = "" if include_inactive else " WHERE m.active = 1"
    rows = query(db, f"{_SELECT}{where} ORDER BY a.name, a.agent_id", [read_id(db)]).fetchall()
    return [_agent(r) for r in rows]


def get_agent(db: Database, agent_id: str) -> Agent | None:
    """The agent, if they belong to the cohort."""
    r = query(db, f"{_SELECT} WHERE a.agent_id = ?", [read_id(db), agent_id]).fetchone()
    return _agent(r) if r else None


def agent_ids(db: Database) -> set[str]:
    rows = query(
        db, "SELECT agent_id FROM cohort_agents WHERE cohort_id = ?", [read_id(db)]
    ).fetchall()
    return {r[0] for r in rows}


def known_agent_ids(db: Database) -> list[str]:
    """Every agent id the database knows, in any cohort, as first written."""
    return [r["agent_id"] for r in query(db, "SELECT agent_id FROM agents ORDER BY agent_id")]


def _person(db: Database, agent_id: str) -> Agent | None:
    """The agent as a person, whichever cohorts they belong to."""
    r = query(
        db,
        "SELECT agent_id, name, email, team, 1 AS active FROM agents WHERE agent_id = ?",
        [agent_id],
    ).fetchone()
    return _agent(r) if r else None


def upsert_agents(db: Database, agents: list[Agent]) -> ImportCounts:
    """Add new agents to the cohort, update changed ones, leave the rest. An agent id already
    known from another cohort is the same person: their details are updated and they join this
    cohort. Call inside db.atomic()."""
    cid = write_id(db)
    members = {a.agent_id: a for a in list_agents(db, include_inactive=True)}
    counts = ImportCounts()
    now = to_text(utcnow())
    for a in agents:
        member = members.get(a.agent_id)
        person = member or _person(db, a.agent_id)
        if person is None:
            db.execute(
                "INSERT INTO agents (agent_id, name, email, team, active, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 1, ?, ?)",
                [a.agent_id, a.name, a.email, a.team, now, now],
            )
        elif any(getattr(person, f) != getattr(a, f) for f in _FIELDS):
            db.execute(
                "UPDATE agents SET name = ?, email = ?, team = ?, updated_at = ?"
                " WHERE agent_id = ?",
                [a.name, a.email, a.team, now, a.agent_id],
            )
        if member is None:
            db.execute(
                "INSERT INTO cohort_agents (cohort_id, agent_id, active, joined_at)"
                " VALUES (?, ?, 1, ?)",
                [cid, a.agent_id, now],
            )
            counts.added += 1
        elif not member.active or any(getattr(member, f) != getattr(a, f) for f in _FIELDS):
            db.execute(
                "UPDATE cohort_agents SET active = 1 WHERE cohort_id = ? AND agent_id = ?",
                [cid, a.agent_id],
            )
            counts.updated += 1
        else:
            counts.unchanged += 1
    return counts
