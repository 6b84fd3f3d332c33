"""Read models shared by the CLI's JSON output and the screens."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from esp_tui.config import Config
from storage.agents import list_agents


def roster_report(db: Database, config: Config, *, now: datetime) -> list[dict]:
    """One dict per agent: agent_id, name, email, team (features add their own keys)."""
    return [
        {"agent_id": a.agent_id, "name": a.name, "email": a.email, "team": a.team}
        for a in list_agents(db)
    ]
