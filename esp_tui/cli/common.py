"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
from datetime import date

from esp_tui.cli.context import CliContext, CliError


def add_global_options(p: argparse.ArgumentParser, *, suppress: bool) -> None:
    """--db and --config work before or after the subcommand."""
    default = argparse.SUPPRESS if suppress else None
    p.add_argument(
        "--db",
        metavar="PATH",
        default=default,
        help="the SQLite database (else $ESP_TUI_DB, else the user data dir)",
    )
    p.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="the TOML config (else $ESP_TUI_CONFIG, else the user config dir)",
    )


COHORT_HELP = "work on cohort NAME (default: the current cohort; `esp-tui cohort list` names them)"


def add_cohort_option(
    p: argparse.ArgumentParser, *, suppress: bool = True, help: str = COHORT_HELP
) -> None:
    """`--cohort NAME` (dest `cohort_scope`) for every command that reads or writes a cohort's
    data: CliContext.db then works on that cohort instead of the current one. The subcommand
    copies default to SUPPRESS so they never clobber a `--cohort` given before the command."""
    p.add_argument(
        "--cohort",
        dest="cohort_scope",
        metavar="NAME",
        default=argparse.SUPPRESS if suppress else None,
        help=help,
    )


def add_command(
    sub: argparse._SubParsersAction, name: str, help: str, **kw
) -> argparse.ArgumentParser:
    """A subcommand parser that also takes --db/--config."""
    p = sub.add_parser(name, help=help, description=help, **kw)
    add_global_options(p, suppress=True)
    return p


def require_cohort(ctx: CliContext):
    """The cohort in the DB, or a clear error telling the TL how to create one."""
    from storage.cohort import get_cohort

    cohort = get_cohort(ctx.db)
    if cohort is None:
        raise CliError(
            f"{ctx.db_path}: no cohort yet; run `esp-tui roster import FILE.csv` or `esp-tui demo`"
        )
    return cohort


def parse_date(value: str) -> date:
    """An argparse type: YYYY-MM-DD (a bad one is argparse's usage error, exit 2)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from None


def parse_day(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day number 1..5, got {value!r}") from None
    return n


def check_day(ctx: CliContext, day: int | None) -> int:
    """The day to act on: --day N (validated against the cohort) or the cohort's current day."""
    from esp_tui.domain.cohort_time import AttendanceError
    from esp_tui.services.cohort_time import check_day as cohort_day_rule

    cohort = require_cohort(ctx)
    if day is None:
        return cohort.current_day(ctx.today())
    try:
        cohort_day_rule(cohort, day)  # the services' rule and message
    except AttendanceError as e:
        raise CliError(f"--{e}") from None  # "--day 9: outside the cohort's days 1..5"
    return day
