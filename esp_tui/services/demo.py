"""The demo cohort: invented agents (fictional names, example.com emails), day 1 = today."""

from __future__ import annotations

import random
from datetime import date

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


def seed_demo(db: Database, config: Config, *, agents: int, today: date) -> tuple[Cohort, bool]:
    """Create the demo cohort if the DB is empty; reuse it if it is already the demo.

    Returns (cohort, created). Never writes into a database that holds a real cohort.
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
    return cohort, True
