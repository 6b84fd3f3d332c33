"""End-of-day readiness: gather the day's facts from storage and apply the pure rules."""

from __future__ import annotations

from sqlite_utils import Database

from esp_tui.domain.attendance import effective_events
from esp_tui.domain.readiness import Readiness, ReadinessInput, readiness
from storage.agents import list_agents
from storage.attendance import events_for_day
from storage.flags import unnotified_flags
from storage.notes import notes_for_day
from storage.tickets import list_tickets


def attended(db: Database, day: int) -> set[str]:
    """Agents with an in stamp or an absence still in force (undos honoured) on `day`."""
    events = events_for_day(db, day)
    return {e.agent_id for e in effective_events(events) if e.kind in ("in", "absent")}


def readiness_input(db: Database, day: int) -> ReadinessInput:
    agents = list_agents(db)
    notes = notes_for_day(db, day)
    return ReadinessInput(
        day=day,
        agents=[(a.agent_id, a.name) for a in agents],
        has_attendance=attended(db, day),
        has_note={agent_id for agent_id, text in notes.items() if text.strip()},
        draft_tickets=[(t.id, t.form, t.agent_id) for t in list_tickets(db, status="draft")],
        unnotified_flags=[(f.id, f.agent_id, f.kind) for f in unnotified_flags(db)],
    )


def check_day(db: Database, day: int) -> Readiness:
    """Every gap left before the TL can close `day`."""
    return readiness(readiness_input(db, day))
