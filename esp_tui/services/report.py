"""Read models shared by the CLI's JSON output and the screens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from esp_tui.config import Config
from storage.agents import list_agents


def roster_report(db: Database, config: Config, *, now: datetime) -> list[dict[str, Any]]:
    """One dict per agent: agent_id, name, email, team (features add their own keys)."""
    rows = [
        {"agent_id": a.agent_id, "name": a.name, "email": a.email, "team": a.team}
        for a in list_agents(db)
    ]
    _add_progress(db, config, now, rows)
    _add_attendance(db, config, now, rows)
    _add_rooms_and_tickets(db, rows)
    return rows


def _add_rooms_and_tickets(db: Database, rows: list[dict[str, Any]]) -> None:
    """keys `where` (the side room the agent is in, None = the main Meet) and
    `tickets` ({"draft": n, "submitted": n})."""
    from esp_tui.services.rooms import where_by_agent
    from storage.tickets import counts_by_agent

    where = where_by_agent(db)
    counts = counts_by_agent(db)
    for r in rows:
        aid = r["agent_id"]
        r["where"] = where.get(aid)
        r["tickets"] = {s: counts.get((aid, s), 0) for s in ("draft", "submitted")}


def _add_attendance(
    db: Database, config: Config, now: datetime, rows: list[dict[str, Any]]
) -> None:
    """keys `days`: {"1": {in, out, flags, note}, ...} (times HH:MM, cohort zone), `points`."""
    from esp_tui.services.attendance import cohort_weeks
    from storage.cohort import get_cohort

    cohort = get_cohort(db)
    weeks = cohort_weeks(db, config, cohort, now) if cohort is not None else {}
    for r in rows:
        week = weeks.get(r["agent_id"])
        r["days"] = {
            str(v.day): {
                "in": v.in_local,
                "out": v.out_local,
                "flags": list(v.flags),
                "note": v.note,
            }
            for v in (week.days if week else ())
        }
        r["points"] = week.points if week else 0.0


def _add_progress(db: Database, config: Config, now: datetime, rows: list[dict[str, Any]]) -> None:
    """key `progress`: {passed, total, behind: [task keys]} against the timeframe."""
    from esp_tui.services.progress import progress_by_agent

    progress = progress_by_agent(db, config, now=now)
    for r in rows:
        p = progress[r["agent_id"]]
        r["progress"] = {"passed": p.passed, "total": p.total, "behind": p.behind}
