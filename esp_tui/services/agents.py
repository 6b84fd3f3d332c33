"""The one rule for "the agent must exist": in the roster of the cohort being worked on."""

from __future__ import annotations

from sqlite_utils import Database

from esp_tui.domain.models import Agent
from storage.agents import get_agent
from storage.cohort import get_cohort


def unknown_agent_message(db: Database, agent_id: str) -> str:
    cohort = get_cohort(db)
    where = f"the roster of cohort '{cohort.name}'" if cohort else "the roster (no cohort yet)"
    return f"agent {agent_id!r}: not in {where}"


def require_agent(db: Database, agent_id: str, error: type[Exception] = LookupError) -> Agent:
    """The agent, or `error` (the caller's own error type, so its handlers stay as they are)
    with the one message every screen and command shows."""
    agent = get_agent(db, agent_id.strip())
    if agent is None:
        raise error(unknown_agent_message(db, agent_id.strip()))
    return agent
