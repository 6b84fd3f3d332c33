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


def _refuse_another_week(
    db: Database, path: Path, existing: Cohort, name: str | None, start: date | None
) -> None:
    """One database holds one cohort (for now): a roster for another cohort, or a new day 1
    under recorded days, would merge two weeks and re-read week 1's stamps against week 2's
    dates. Refused before anything is written."""
    held = f"this database holds cohort '{existing.name}' (day 1 = {existing.start_date})"
    fresh = "start the new cohort in its own database: add --db PATH (e.g. --db ~/esp-week2.db)"
    if name is not None and name.strip() != existing.name:
        raise RosterError(f"{path}: {held}; {fresh}; nothing was imported")
    if start is not None and start != existing.start_date and _has_records(db):
        raise RosterError(
            f"{path}: --start {start}: {held} and days already recorded; moving day 1 would"
            f" re-date them. {fresh[0].upper()}{fresh[1:]}; nothing was imported"
        )


def _has_records(db: Database) -> bool:
    for table in ("attendance_events", "notes", "exam_attempts", "tickets"):
        if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            return True
    return False


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
    if existing is not None:
        _refuse_another_week(db, path, existing, cohort_name, start)
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
