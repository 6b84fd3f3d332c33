"""Roster actions: import a CSV (one transaction), read the roster."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Agent, Cohort, ImportCounts
from esp_tui.domain.roster_csv import RosterError, parse_roster
from storage.agents import upsert_agents
from storage.cohort import get_cohort, save_cohort


@dataclass(frozen=True)
class ImportResult:
    cohort: Cohort
    counts: ImportCounts
    cohort_created: bool


def cohort_from_config(config: Config, name: str, start: date, *, is_demo: bool = False) -> Cohort:
    return Cohort(
        name=name,
        start_date=start,
        timezone=config.cohort.timezone,
        days=config.cohort.days,
        schedule=config.schedule.to_schedule(),
        is_demo=is_demo,
        weekdays_only=config.cohort.weekdays_only,
    )


def read_roster_file(path: Path) -> list[Agent]:
    """Parse the whole file before anything touches the database."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RosterError(f"{path}: cannot read the file: {e.strerror}") from None
    return parse_roster(data, str(path))


def import_roster(
    db: Database,
    config: Config,
    path: Path,
    agents: list[Agent],
    *,
    cohort_name: str | None,
    start: date | None,
    today: date,
) -> ImportResult:
    """Write cohort + agents in ONE transaction."""
    existing = get_cohort(db)
    if existing is not None and existing.is_demo:
        raise RosterError(
            f"{path}: this database holds the demo cohort; import real rosters into your own"
            " database (drop --db / ESP_TUI_DB pointing at the demo)"
        )
    with db.atomic():
        created = existing is None
        if created or cohort_name or start:
            cohort = cohort_from_config(
                config,
                cohort_name or (existing.name if existing else config.cohort.default_name),
                start or (existing.start_date if existing else today),
            )
            if existing is not None:
                cohort = cohort.model_copy(
                    update={"timezone": existing.timezone, "schedule": existing.schedule}
                )
            save_cohort(db, cohort)
        else:
            cohort = existing
        counts = upsert_agents(db, agents)
    return ImportResult(cohort=cohort, counts=counts, cohort_created=created)
