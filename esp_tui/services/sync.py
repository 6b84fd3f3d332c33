"""The "sync to the sheet" user action: ONE entry point, `sync_cohort`, that the CLI
(`esp-tui sync`) and the Close screen (through `sync_day`, in its worker thread) both run.

It owns the policy: reach the sheet, ask the TL's name once when nothing gives it (a caller
that cannot ask gets a warning), plan, let the caller confirm a write, push, back up after
it. Every error becomes one SyncFailed, worded by esp_tui/sync/errors.py (the one place those
words live), with its exit code and, once the sheet was reached, the failed run's JSON report.
Callers only talk to the TL and format. Google libraries load on first call, not at import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Cohort

if TYPE_CHECKING:
    from esp_tui.sync.engine import InitReport, SyncReport, Target
    from esp_tui.sync.plan import CellKey, Choice, Conflict, Resolution

Say = Callable[[str], None]
Progress = Callable[[float, str], None]

TL_COLUMN_EMPTY = (
    "the tracker's TL column stays empty: set [tl] name in the config "
    "(or run `esp-tui sync` once in a terminal and answer)"
)


class SyncFailed(RuntimeError):
    """The sheet could not be synced; str() is the one line to show (esp_tui/sync/errors.py
    worded it). `bad_input`: our own data or config was wrong and nothing was sent.
    `report`: the failed run as `esp-tui sync --json` prints it (None: the sheet was never
    reached, so there is no run to report)."""

    def __init__(
        self, message: str, *, bad_input: bool = False, report: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.bad_input = bad_input
        self.report = report

    @property
    def exit_code(self) -> int:
        """The CLI's: 2 for bad input (nothing was sent), 1 when something failed."""
        from esp_tui.sync.errors import EXIT_BAD_INPUT, EXIT_FAIL

        return EXIT_BAD_INPUT if self.bad_input else EXIT_FAIL


def failed(err: BaseException, target: Target | None = None) -> SyncFailed:
    """Any exception met reaching the sheet, as the one SyncFailed every caller shows."""
    from esp_tui.sync.errors import describe

    said = describe(
        err,
        identity=target.identity if target else None,
        spreadsheet=target.key if target else None,
    )
    report: dict[str, Any] | None = None
    if target is not None:
        from esp_tui.sync.limits import CellsOverLimit

        report = {
            "requests": target.requests,
            "cells_written": 0,
            "rows_appended": 0,
            "conflicts": [],
            "outcome": "failed",
            "batches": 0,
            "error": said.message,
        }
        if isinstance(err, CellsOverLimit):
            report["cells_over_limit"] = [c.to_json() for c in err.cells]
    return SyncFailed(said.message, bad_input=said.bad_input, report=report)


def describe_error(exc: BaseException) -> str:
    """One line for any exception (the app's failed-worker dialog uses it)."""
    return str(exc) if isinstance(exc, SyncFailed) else str(failed(exc))


def still_valid(
    resolutions: Mapping[CellKey, Resolution], conflicts: Iterable[Conflict]
) -> dict[CellKey, Resolution]:
    """The TL's choices that still apply: one made against a sheet value that has changed
    since is dropped (the TL decides again on what the sheet says now)."""
    shown = {c.key: c.sheet for c in conflicts}
    return {k: r for k, r in resolutions.items() if k not in shown or r.sheet_value == shown[k]}


def overwrites_pm_edits(
    conflicts: Iterable[Conflict], resolutions: Mapping[CellKey, Resolution]
) -> list[Conflict]:
    """The conflicts the next sync would overwrite with ours (resolved keep-local): a PM's
    edit is lost unless the TL confirms."""
    return [
        c
        for c in conflicts
        if (r := resolutions.get(c.key)) is not None and r.choice == "keep-local"
    ]


def keep(choice: str, sheet_value: str) -> Resolution:
    """The TL's choice for one conflicted cell (keep-sheet / keep-local), valid while the sheet
    still shows `sheet_value`."""
    from esp_tui.sync.plan import CHOICES, Resolution

    if choice not in CHOICES:
        raise ValueError(f"choice {choice!r}: expected one of {', '.join(CHOICES)}")
    return Resolution(choice, sheet_value)


# ----------------------------------------------------------------------------- the sheet
def open_sheet(config: Config, env: Mapping[str, str], *, interactive: bool = False) -> Target:
    """The spreadsheet and the identity to reach it as (no request sent yet); its warnings
    (e.g. a key file others can read) are in `.warnings`. Raises SyncFailed."""
    from esp_tui.sync.engine import connect

    try:
        return connect(config, env, interactive=interactive)
    except Exception as err:  # no key, a bad endpoint, unusable credentials: one line
        raise failed(err) from err


def check_access(target: Target) -> str:
    """The spreadsheet's title, once it opens as the target's identity. Raises SyncFailed."""
    from esp_tui.sync.engine import check_identity

    try:
        return check_identity(target)[1]
    except Exception as err:
        raise failed(err, target) from err


def init_sheet(db: Database, config: Config, cohort: Cohort, target: Target) -> InitReport:
    """Create the missing tabs and headers for the cohort (never moves a column)."""
    from esp_tui.sync.engine import init_sheet as init
    from storage.agents import list_agents

    try:
        agents = len(list_agents(db, include_inactive=True))
        return init(target, config, cohort.days, agents=agents)
    except Exception as err:
        raise failed(err, target) from err


# ----------------------------------------------------------------------------- the sync
def _noop(_fraction: float, _label: str) -> None:
    pass


def _tl_name(
    db: Database, config: Config, ask: Callable[[], str] | None, advise: Say | None
) -> None:
    """The TL column's value: asked once when neither [tl] name nor an earlier answer gives
    it; a caller that cannot ask is told the column stays empty."""
    from esp_tui.services.tl_profile import TlNameError, set_tl_name, tl_name

    if tl_name(db, config):
        return
    answer = ask() if ask is not None else ""
    if answer.strip():
        try:
            set_tl_name(db, answer)
        except TlNameError as e:
            raise SyncFailed(str(e), bad_input=True) from None
        return
    if advise is not None:
        advise(TL_COLUMN_EMPTY)


def _gaps(db: Database, config: Config, cohort: Cohort, now: datetime, advise: Say) -> None:
    """A sync with readiness gaps open goes ahead, saying so (the Close screen asks first)."""
    from esp_tui.clock import cohort_zone
    from esp_tui.services.readiness import check_day

    today = now.astimezone(cohort_zone(cohort.timezone)).date()
    gaps = check_day(db, cohort.current_day(today), config).gaps
    if gaps:
        advise(f"{len(gaps)} readiness gaps today (`esp-tui check`); syncing what is there")


def sync_cohort(
    db: Database,
    config: Config,
    cohort: Cohort,
    env: Mapping[str, str],
    *,
    now: Callable[[], datetime],
    dry_run: bool = False,
    resolutions: Mapping[CellKey, Resolution] | None = None,
    resolve_all: Choice | None = None,
    confirm: Callable[[str], bool] | None = None,
    ask_tl_name: Callable[[], str] | None = None,
    warn: Say | None = None,
    advise: Say | None = None,
    progress: Progress = _noop,
    backup_path: Path | None = None,
) -> SyncReport | None:
    """Sync (or dry-run) the cohort on `db` to the sheet; the one entry point.

    - `resolutions` / `resolve_all`: the TL's answers to conflicts (per cell, or all of them);
    - `confirm(plan summary)`: asked before a write (None: write, the caller asked already);
      a no returns None, nothing written;
    - `ask_tl_name()`: asks the TL's name when nothing gives it (a real sync only); None:
      cannot ask, `advise` says the TL column stays empty;
    - `warn`: the sheet's warnings, as they arise; `advise`: what a TL reading along should
      know (readiness gaps open, the TL column empty); None: not told;
    - `backup_path`: the database file, backed up after a real sync (a failed backup is a
      warning in the report, never a failed sync).

    Raises SyncFailed (one line, its exit code and the failed run's report).
    """
    from esp_tui.sync.engine import run_sync

    target = open_sheet(config, env)
    for warning in target.warnings:
        if warn is not None:
            warn(warning)
    try:
        if not dry_run:
            _tl_name(db, config, ask_tl_name, advise)
        if advise is not None:
            _gaps(db, config, cohort, now(), advise)
        report = run_sync(
            db, config, cohort, target, now=now, dry_run=dry_run, resolutions=resolutions,
            resolve_all=resolve_all, progress=progress, confirm=confirm,
        )  # fmt: skip
    except (SyncFailed, BrokenPipeError):  # worded already; a closed stdout exits quietly
        raise
    except Exception as err:  # every error becomes one line (sync/errors.py): never a crash
        raise failed(err, target) from err
    if report is None or dry_run:  # declined, or nothing written: nothing to back up
        return report
    from esp_tui.services.backup import backup_after

    not_backed_up = backup_after(db, backup_path, config, "sync")
    if not_backed_up:
        report.warnings.append(not_backed_up)
    return report


def sync_day(
    db: Database,
    db_path: Path | None,
    config: Config,
    cohort: Cohort,
    env: Mapping[str, str],
    *,
    now: Callable[[], datetime],
    dry_run: bool,
    resolutions: Mapping[CellKey, Resolution],
    progress: Callable[[float, str], None],
) -> SyncReport:
    """The Close screen's sync (or dry run): `sync_cohort` on a connection of its own. Call
    from a worker thread: it opens its own SQLite connection when the DB has a path, so a
    stamp typed during the sync can never land inside the sync's transaction."""
    from storage.db import connect as connect_db

    own = db
    try:
        own = connect_db(db_path) if db_path else db
        if own is not db and cohort.id is not None:
            from storage.cohort import use

            use(own, cohort.id)  # the worker's connection syncs the cohort the TL is on
        report = sync_cohort(
            own, config, cohort, env, now=now, dry_run=dry_run, resolutions=resolutions,
            progress=progress, backup_path=db_path,
        )  # fmt: skip
    except SyncFailed:
        raise
    except Exception as err:  # the database failing to open: one line too
        raise failed(err) from err
    finally:
        if own is not db:
            own.close()
    assert report is not None  # nothing to confirm: only a declined write returns None
    return report
