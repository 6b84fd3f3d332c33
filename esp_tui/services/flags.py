"""Red flags (raise, notify a PM, resolve) and CAPs (create, list): one transaction each."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from esp_tui.clock import cohort_zone
from esp_tui.config import Config
from esp_tui.domain.limits import cell_text_problem
from esp_tui.domain.progress import CAP_LEVELS, RED_FLAG_KINDS, pm_message
from esp_tui.domain.records import Cap, RedFlag
from esp_tui.services.agents import require_agent
from storage import flags as store
from storage.agents import get_agent
from storage.clock import utcnow
from storage.cohort import get_cohort


class FlagError(ValueError):
    """Bad input for a flag or a CAP; str() is one line naming the field."""


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def _zone(db: Database, config: Config) -> ZoneInfo:
    cohort = get_cohort(db)
    return cohort_zone(cohort.timezone if cohort else config.cohort.timezone)


# --- red flags -------------------------------------------------------------------------------


def raise_flag(
    db: Database,
    config: Config,
    agent_id: str,
    kind: str,
    text: str,
    *,
    now: datetime | None = None,
) -> RedFlag:
    """Record a red flag the PMs must hear about today (not yet notified)."""
    if kind not in RED_FLAG_KINDS:
        raise FlagError(f"kind {kind!r}: expected one of {', '.join(RED_FLAG_KINDS)}")
    body = " ".join(text.split())
    if not body:
        raise FlagError("text: describe the red flag (it must not be empty)")
    problem = cell_text_problem(body, "text")  # the Red Flags tab's Details cell
    if problem:
        raise FlagError(problem)
    require_agent(db, agent_id, FlagError)
    with db.atomic():
        return store.add_flag(db, agent_id, kind, body, _now(now))


def flag_message(db: Database, config: Config, flag: RedFlag) -> str:
    """The message a TL sends the PM about `flag` (domain wording, cohort-local time)."""
    cohort = get_cohort(db)
    agent = get_agent(db, flag.agent_id)
    raised = flag.raised_at.astimezone(_zone(db, config)).strftime("%a %d %b %H:%M")
    return pm_message(
        agent.name if agent else flag.agent_id,
        flag.agent_id,
        flag.kind,
        flag.text,
        cohort.name if cohort else config.cohort.default_name,
        raised,
    )


def notify_pm(
    db: Database, config: Config, flag_id: int, *, now: datetime | None = None
) -> tuple[RedFlag, str]:
    """Compose the PM message and record when the PM was notified (the first time counts).

    Returns the updated flag and the message, which the caller copies or sends.
    """
    message = flag_message(db, config, _require_flag(db, flag_id))
    with db.atomic():
        store.mark_notified(db, flag_id, _now(now))
    return _require_flag(db, flag_id), message


def resolve_flag(db: Database, flag_id: int, *, now: datetime | None = None) -> RedFlag:
    _require_flag(db, flag_id)
    with db.atomic():
        store.mark_resolved(db, flag_id, _now(now))
    return _require_flag(db, flag_id)


def _require_flag(db: Database, flag_id: int) -> RedFlag:
    flag = store.get_flag(db, flag_id)
    if flag is None:
        raise FlagError(f"red flag #{flag_id}: no such flag")
    return flag


def flags_to_notify(db: Database) -> list[RedFlag]:
    return store.unnotified_flags(db)


def list_flags(db: Database, agent_id: str | None = None) -> list[RedFlag]:
    return store.list_flags(db, agent_id)


def notify_text(count: int) -> str:
    """Header segment: "1 flag to notify" / "3 flags to notify" ("" when none)."""
    if count <= 0:
        return ""
    return f"{count} flag to notify" if count == 1 else f"{count} flags to notify"


# --- CAPs ------------------------------------------------------------------------------------


def create_cap(
    db: Database,
    config: Config,
    agent_id: str,
    level: str,
    reason: str,
    *,
    now: datetime | None = None,
) -> Cap:
    """Record a CAP for the agent on today's cohort day."""
    if level not in CAP_LEVELS:
        raise FlagError(f"level {level!r}: expected one of {', '.join(CAP_LEVELS)}")
    body = " ".join(reason.split())
    if not body:
        raise FlagError("reason: say why the CAP is issued (it must not be empty)")
    problem = cell_text_problem(body, "reason")  # goes into the tracker's CAPs cell
    if problem:
        raise FlagError(problem)
    require_agent(db, agent_id, FlagError)
    at = _now(now)
    cohort = get_cohort(db)
    day = cohort.day_of(at.astimezone(_zone(db, config)).date()) if cohort else None
    with db.atomic():
        return store.add_cap(db, agent_id, level, body, at, day)


def list_caps(db: Database, agent_id: str | None = None) -> list[Cap]:
    return store.list_caps(db, agent_id)
