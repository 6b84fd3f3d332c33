"""The demo cohort: invented agents (fictional names, example.com emails), day 1 = today."""

from __future__ import annotations

import random
from datetime import date, datetime, time

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Agent, Cohort
from esp_tui.services.roster import cohort_from_config
from storage.agents import list_agents, upsert_agents
from storage.cohort import get_cohort, save_cohort

DEMO_COHORT_NAME = "Demo cohort"
_FIRST = [
    "Avery",
    "Blake",
    "Casey",
    "Dana",
    "Emerson",
    "Finley",
    "Gray",
    "Harper",
    "Indigo",
    "Jordan",
    "Kai",
    "Logan",
    "Morgan",
    "Noel",
    "Oakley",
    "Parker",
    "Quinn",
    "Reese",
    "Sage",
    "Taylor",
    "Umber",
    "Vale",
    "Wren",
    "Xen",
    "Yael",
    "Zion",
    "Rowan",
    "Ellis",
    "Arden",
    "Lane",
]
_LAST = [
    "Ashford",
    "Brightwater",
    "Calloway",
    "Dunmore",
    "Everly",
    "Fairbanks",
    "Greenfield",
    "Holloway",
    "Ironwood",
    "Juniper",
    "Kestrel",
    "Larkspur",
    "Merriweather",
    "Northcott",
    "Oakhurst",
    "Pemberton",
    "Quillfeather",
    "Ravensdale",
    "Stillwater",
    "Thistlewood",
    "Underhill",
    "Vantassel",
    "Whitlock",
    "Yarborough",
    "Zellweger",
]
_TEAMS = ("Blue", "Red", "Green", "Gold")


class DemoError(RuntimeError):
    pass


def demo_agents(n: int, seed: int = 7) -> list[Agent]:
    rng = random.Random(seed)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    agents = []
    for i, name in enumerate(names, start=1):
        first, last = name.lower().split()
        agents.append(
            Agent(
                agent_id=f"D{1000 + i}",
                name=name,
                email=f"{first}.{last}@example.com",
                team=_TEAMS[(i - 1) % len(_TEAMS)],
            )
        )
    return agents


def seed_demo(
    db: Database, config: Config, *, agents: int, today: date, now: datetime | None = None
) -> tuple[Cohort, bool]:
    """Create the demo cohort if the DB is empty; reuse it if it is already the demo.

    Returns (cohort, created). Never writes into a database that holds a real cohort.
    With `now`, day 1 gets the attendance stamps that are not in the future at that time.
    """
    existing = get_cohort(db)
    if existing is not None:
        if not existing.is_demo:
            raise DemoError(
                f"this database holds the real cohort '{existing.name}'; the demo needs its own"
                " database (pass another --db)"
            )
        return existing, False
    if list_agents(db, include_inactive=True):
        raise DemoError("this database already holds agents; the demo needs its own database")
    cohort = cohort_from_config(config, DEMO_COHORT_NAME, today, is_demo=True)
    with db.atomic():
        save_cohort(db, cohort)
        upsert_agents(db, demo_agents(agents))
        seed_demo_progress(db, config, cohort, now=now)
        if now is not None:
            seed_demo_attendance(db, cohort, now)
    return cohort, True


def seed_demo_progress(
    db: Database, config: Config, cohort: Cohort, *, now: datetime | None = None
) -> None:
    """Day-1 progress for the demo (deterministic): most agents passed AHIP module 1, many
    module 2, one failed the AHIP final once, one background-check flag not yet notified.
    Stamped at the day's scheduled start, or at `now` when that is earlier (a demo created
    before 09:00 must not show a flag "raised 09:00" in the future). Call inside seed_demo's
    transaction."""
    from esp_tui.clock import cohort_zone
    from esp_tui.domain.attendance import local_datetime
    from storage.flags import add_flag
    from storage.progress import add_attempt, set_status

    at = local_datetime(
        cohort.start_date, cohort.schedule.for_day(1).start, cohort_zone(cohort.timezone)
    )
    if now is not None:
        at = min(at, now)
    ids = sorted(a.agent_id for a in list_agents(db))
    known = {t.key for t in config.tasks}

    def passed(agent_id: str, *keys: str) -> None:
        for key in keys:
            if key in known:
                set_status(db, agent_id, key, "passed", at)

    for i, agent_id in enumerate(ids):
        if i % 6 != 5:
            passed(agent_id, "ahip_m1")
        if i % 4 != 3:
            passed(agent_id, "ahip_m2")
    if len(ids) > 4 and "ahip_final" in known:
        passed(ids[4], "ahip_m1", "ahip_m2", "ahip_m3", "ahip_m4", "ahip_m5")
        add_attempt(db, ids[4], "ahip_final", 72.0, False, at)
        set_status(db, ids[4], "ahip_final", "failed", at)
    if len(ids) > 10:
        add_flag(
            db,
            ids[10],
            "background_check",
            "Carrier background check returned an item that may block the appointment.",
            at,
        )


def seed_demo_attendance(db: Database, cohort: Cohort, now: datetime) -> None:
    """Day-1 stamps for the demo (deterministic): most agents in at 09:00, a couple a few
    minutes either side, one late 10+, one marked absent ncns. Only stamps not in the future
    relative to `now` are written. Call inside seed_demo's transaction."""
    from esp_tui.clock import cohort_zone
    from esp_tui.domain.attendance import local_datetime
    from storage.attendance import append_event

    zone = cohort_zone(cohort.timezone)
    day1 = cohort.start_date

    def at(hh: int, mm: int) -> datetime:
        return local_datetime(day1, time(hh, mm), zone)

    ids = sorted(a.agent_id for a in list_agents(db))
    late, ncns = (ids[2], ids[7]) if len(ids) > 7 else (None, None)
    early_birds = {ids[i]: at(8, 54 + i) for i in (1, 5) if i < len(ids)}
    for agent_id in ids:
        if agent_id == ncns:
            when, kind, absence = at(9, 30), "absent", "ncns"
        else:
            when = at(9, 23) if agent_id == late else early_birds.get(agent_id, at(9, 0))
            kind, absence = "in", None
        if when <= now:
            append_event(db, agent_id=agent_id, day=1, kind=kind, at=when, absence_kind=absence)
