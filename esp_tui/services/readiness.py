"""End-of-day readiness: gather the day's facts from storage and apply the pure rules."""

from __future__ import annotations

from sqlite_utils import Database

from esp_tui.config import Config
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


def still_in(db: Database, day: int) -> set[str]:
    """Agents present on `day` whose last stamp is an in: never stamped out (or back in after
    their last out). An absence in force wins, as on the roster; undos are honoured."""
    live = effective_events(events_for_day(db, day))
    absent = {e.agent_id for e in live if e.kind == "absent"}
    last: dict[str, str] = {}
    for e in sorted((e for e in live if e.kind in ("in", "out")), key=lambda e: (e.at, e.id)):
        last[e.agent_id] = e.kind
    return {a for a, kind in last.items() if kind == "in" and a not in absent}


def readiness_input(db: Database, day: int, config: Config | None = None) -> ReadinessInput:
    """The day's facts. Without a config the day's end is not an out (every present agent needs
    an out stamp), as with the shipped default of `[attendance] auto_out_at_day_end`."""
    agents = list_agents(db)
    notes = notes_for_day(db, day)
    return ReadinessInput(
        day=day,
        agents=[(a.agent_id, a.name) for a in agents],
        has_attendance=attended(db, day),
        has_note={agent_id for agent_id, text in notes.items() if text.strip()},
        still_in=still_in(db, day),
        day_end_is_out=bool(config and config.attendance.auto_out_at_day_end),
        draft_tickets=[(t.id, t.form, t.agent_id) for t in list_tickets(db, status="draft")],
        unnotified_flags=[(f.id, f.agent_id, f.kind) for f in unnotified_flags(db)],
    )


def check_day(db: Database, day: int, config: Config | None = None) -> Readiness:
    """Every gap left before the TL can close `day` (pass the config: its day-end rule)."""
    return readiness(readiness_input(db, day, config))
