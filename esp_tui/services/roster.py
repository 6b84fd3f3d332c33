"""Roster actions: read a roster file or Google Sheet tab, import it (one transaction)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Agent, Cohort, ImportCounts
from esp_tui.domain.roster_csv import RosterError, RosterFile, read_roster, read_roster_rows
from storage.agents import known_agent_ids, upsert_agents
from storage.cohort import (
    cohort_by_name,
    create_cohort,
    get_cohort,
    list_cohorts,
    read_id,
    update_cohort,
    use,
)


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


def read_roster_file(path: Path, columns: Mapping[str, Sequence[str]] | None = None) -> list[Agent]:
    """Parse the whole file before anything touches the database."""
    return read_roster_source(path, columns=columns).agents


def read_roster_source(
    source: Path | str,
    *,
    columns: Mapping[str, Sequence[str]] | None = None,
    config: Config | None = None,
    env: Mapping[str, str] | None = None,
    tab: str | None = None,
    interactive: bool = False,
) -> RosterFile:
    """A roster file, or a Google Sheet tab when `source` is a Sheets URL (then `config` is
    needed; a failure to reach it raises SheetReadError with its exit code). Everything is read
    and checked before anything touches the database; RosterError names the row and field."""
    from esp_tui.services.sheet_source import SheetValues, read_source

    if config is not None and columns is None:
        columns = config.roster.columns.aliases()
    got = read_source(source, config, env, tab=tab, interactive=interactive, error=RosterError)
    if isinstance(got, SheetValues):
        return read_roster_rows(got.values, got.source, columns)
    return read_roster(got, str(source), columns)


def _has_records(db: Database) -> bool:
    """Whether the connection's cohort has days recorded (moving its day 1 would re-date them)."""
    cid = read_id(db)
    for table in ("attendance_events", "notes", "exam_attempts", "tickets"):
        if db.execute(f"SELECT 1 FROM {table} WHERE cohort_id = ? LIMIT 1", [cid]).fetchone():
            return True
    return False


def _refuse_demo(db: Database, path: Path | str) -> None:
    if any(c.is_demo for c in list_cohorts(db)):
        raise RosterError(
            f"{path}: this database holds the demo cohort; import real rosters into your own"
            " database (drop --db / ESP_TUI_DB pointing at the demo)"
        )


def import_roster(
    db: Database,
    config: Config,
    path: Path | str,
    agents: list[Agent],
    *,
    cohort_name: str | None,
    start: date | None,
    today: date,
) -> ImportResult:
    """Write the roster of ONE cohort, in one transaction: `cohort_name` of an existing cohort
    updates that cohort's roster; a new name creates the cohort (day 1 = `start`) and makes it
    current; no name = the current cohort. One cohort's agents never merge into another's."""
    _refuse_demo(db, path)
    with db.atomic():
        target = cohort_by_name(db, cohort_name) if cohort_name else get_cohort(db)
        created = target is None
        if target is None:
            if start is None and list_cohorts(db):
                raise RosterError(
                    f"{path}: cohort '{(cohort_name or '').strip()}' is new: give its day 1 with"
                    " --start YYYY-MM-DD; nothing was imported"
                )
            target = create_cohort(
                db,
                cohort_from_config(
                    config, cohort_name or config.cohort.default_name, start or today
                ),
            )
        else:
            use(db, target.stored_id)
            if start is not None and start != target.start_date:
                if _has_records(db):
                    raise RosterError(
                        f"{path}: --start {start}: cohort '{target.name}' (day 1 ="
                        f" {target.start_date}) has days recorded; moving day 1 would re-date"
                        " them. A new week is a new cohort: give another --cohort NAME;"
                        " nothing was imported"
                    )
                target = update_cohort(
                    db, target.stored_id, target.model_copy(update={"start_date": start})
                )
        counts = upsert_agents(db, known_spelling(db, agents))
    return ImportResult(cohort=target, counts=counts, cohort_created=created)


def known_spelling(db: Database, agents: list[Agent]) -> list[Agent]:
    """Each agent under the id the database already knows them by, when the file spells it
    another way (`e1` for `E1`, a zero-width space): ids match as the file's rows match each
    other (NFKC, invisible characters removed, case folded), so a re-import never makes a
    second agent of the same person."""
    from esp_tui.domain.tabular import key

    known = {key(agent_id): agent_id for agent_id in known_agent_ids(db)}
    return [
        a.model_copy(update={"agent_id": known[k]})
        if (k := key(a.agent_id)) in known and known[k] != a.agent_id
        else a
        for a in agents
    ]
