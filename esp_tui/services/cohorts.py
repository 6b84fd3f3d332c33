"""Cohort actions: create, list, switch, close and reopen a cohort, carry a holdover.

One entry point per action, each one transaction; the CLI (`esp-tui cohort ...`) and the app's
cohort picker call these and only format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Agent, Cohort, ImportCounts
from storage import cohort as store
from storage.agents import get_agent
from storage.carry import Carried, carry_record, cohorts_of


class CohortError(ValueError):
    """A cohort action refused; str() is one line and nothing was written."""


@dataclass(frozen=True)
class CohortRow:
    """One line of `esp-tui cohort list` and of the app's cohort picker."""

    id: int
    name: str
    start: date
    days: int
    agents: int
    state: str
    current: bool

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "start": self.start.isoformat(),
            "days": self.days,
            "agents": self.agents,
            "state": self.state,
            "current": self.current,
        }


def cohort_rows(db: Database) -> list[CohortRow]:
    """Every cohort, oldest day 1 first; `current` marks the database's current cohort."""
    counts = store.agent_counts(db)
    current = store.current_id(db)
    return [
        CohortRow(
            id=c.id or 0,
            name=c.name,
            start=c.start_date,
            days=c.days,
            agents=counts.get(c.id or 0, 0),
            state=c.state,
            current=c.id == current,
        )
        for c in store.list_cohorts(db)
    ]


def find(db: Database, name: str) -> Cohort:
    """The cohort called `name` (case does not matter), or a one-line error."""
    cohort = store.cohort_by_name(db, name)
    if cohort is None:
        known = ", ".join(f"'{c.name}'" for c in store.list_cohorts(db)) or "none yet"
        raise CohortError(f"no cohort named '{name.strip()}' (cohorts: {known})")
    return cohort


def scope_to(db: Database, name: str) -> Cohort:
    """Work on cohort `name` on this connection only (`--cohort NAME`)."""
    cohort = find(db, name)
    store.use(db, cohort.stored_id)
    return cohort


def new_cohort(
    db: Database,
    config: Config,
    name: str,
    start: date,
    *,
    roster: list[Agent] | None = None,
) -> tuple[Cohort, ImportCounts]:
    """Create a cohort (and its roster), make it current. A used name is refused."""
    from esp_tui.services.roster import cohort_from_config
    from storage.agents import upsert_agents

    name = name.strip()
    if not name:
        raise CohortError("a cohort needs a name")
    if any(c.is_demo for c in store.list_cohorts(db)):
        raise CohortError(
            "this database holds the demo cohort; create real cohorts in your own database"
        )
    with db.atomic():
        if store.cohort_by_name(db, name) is not None:
            raise CohortError(f"cohort '{name}' already exists; nothing was written")
        cohort = store.create_cohort(db, cohort_from_config(config, name, start))
        counts = upsert_agents(db, roster) if roster else ImportCounts()
    return cohort, counts


def use_cohort(db: Database, name: str) -> Cohort:
    """Make `name` the database's current cohort (what the app and the CLI open by default)."""
    cohort = find(db, name)
    with db.atomic():
        store.set_current(db, cohort.stored_id)
    store.use(db, cohort.stored_id)
    return cohort


def set_closed(db: Database, name: str, closed: bool = True) -> Cohort:
    """Close a cohort (its stamps and notes become read-only; it still syncs and reports), or
    reopen it."""
    cohort = find(db, name)
    with db.atomic():
        store.set_state(db, cohort.stored_id, "closed" if closed else "active")
    return cohort.model_copy(update={"state": "closed" if closed else "active"})


@dataclass(frozen=True)
class CarryResult:
    agent: Agent
    source: Cohort
    target: Cohort
    carried: Carried

    def summary(self) -> str:
        c = self.carried
        return (
            f"{self.agent.agent_id} ({self.agent.name}) joined '{self.target.name}' from"
            f" '{self.source.name}': {c.tasks} passed/waived/failed tasks,"
            f" {c.attempts} exam attempts, {c.caps} CAPs, {c.flags} open red flags carried;"
            f" attendance and notes stay in '{self.source.name}'"
        )


def _default_source(db: Database, agent_id: str, target: Cohort) -> Cohort:
    """The connection's cohort if the agent is in it, else the latest cohort they were in."""
    member_of = cohorts_of(db, agent_id)
    ids = [i for i in member_of if i != target.id]
    if not ids:
        than = f" than '{target.name}'" if target.id in member_of else ""
        raise CohortError(f"agent '{agent_id}' is in no other cohort{than}; nothing to carry")
    here = store.scope(db)
    found = store.cohort_by_id(db, here if here in ids else ids[0])
    assert found is not None  # ids come from cohort_agents joined with cohorts
    return found


def carry(db: Database, agent_id: str, to: str, *, source: str | None = None) -> CarryResult:
    """A holdover joins cohort `to`, bringing passed and waived tasks, exam attempts (and a
    failed exam's status), CAPs and open red flags from `source` (default: the connection's
    cohort if the agent is in it, else the latest cohort they were in). The old cohort keeps
    their whole record."""
    agent_id = agent_id.strip()
    target = find(db, to)
    src = find(db, source) if source is not None else _default_source(db, agent_id, target)
    if src.id == target.id:
        raise CohortError(f"agent '{agent_id}' cannot be carried from '{src.name}' to itself")
    here = store.scope(db)
    try:  # the lookups scope the connection; it is put back as it was
        store.use(db, src.stored_id)
        agent = get_agent(db, agent_id)
        if agent is None:
            raise CohortError(
                f"agent '{agent_id}' is not in cohort '{src.name}'; nothing carried"
            )
        with db.atomic():
            store.use(db, target.stored_id)
            if get_agent(db, agent_id) is not None:
                raise CohortError(f"agent '{agent_id}' is already in cohort '{target.name}'")
            carried = carry_record(db, agent_id, src.stored_id, target.stored_id)
    finally:
        if here is not None:
            store.use(db, here)
    return CarryResult(agent, src, target, carried)
