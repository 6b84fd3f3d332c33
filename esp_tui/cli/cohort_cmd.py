"""`esp-tui cohort new|list|use|close|reopen|carry`: one database, many weekly cohorts.

Each subcommand calls one action of esp_tui.services.cohorts and only formats; a refused action
(an unknown or reused name, a carry that cannot be) is one line on stderr, exit 2, nothing
written.
"""

from __future__ import annotations

import argparse
import sys

from esp_tui.cli.common import add_command, parse_date
from esp_tui.cli.context import EXIT_OK, CliContext, CliError
from esp_tui.cli.path_args import source_arg

_SUBCOMMANDS = "{new,list,use,close,reopen,carry}"


def register(sub: argparse._SubParsersAction) -> None:
    cohort = add_command(
        sub, "cohort", "create, list, switch, close and reopen cohorts; carry a holdover"
    )
    csub = cohort.add_subparsers(dest="cohort_cmd", metavar=_SUBCOMMANDS, required=True)

    new = add_command(
        csub, "new", "create a cohort (optionally with its roster); it becomes current"
    )
    new.add_argument("name", metavar="NAME", help="the cohort's name, e.g. 'Nov 23'")
    new.add_argument(
        "--start", type=parse_date, required=True, metavar="YYYY-MM-DD", help="date of day 1"
    )
    new.add_argument(
        "--roster",
        type=source_arg,
        metavar="FILE.csv|URL",
        help="its agents, from a roster file or a Google Sheet URL (as `roster import`)",
    )
    new.add_argument(
        "--tab", metavar="NAME", help="the Google Sheet's tab (default: the URL's, else the first)"
    )
    new.set_defaults(func=run_new, creates_db=True)

    lst = add_command(csub, "list", "list the cohorts (oldest day 1 first; * = current)")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    lst.set_defaults(func=run_list)

    use = add_command(csub, "use", "make a cohort current (what the app and commands open)")
    use.add_argument("name", metavar="NAME")
    use.set_defaults(func=run_use)

    close = add_command(
        csub, "close", "close a cohort: its stamps and notes become read-only (sync, report work)"
    )
    close.add_argument("name", metavar="NAME")
    close.set_defaults(func=run_close, closed=True)

    reopen = add_command(csub, "reopen", "reopen a closed cohort (stamps and notes again)")
    reopen.add_argument("name", metavar="NAME")
    reopen.set_defaults(func=run_close, closed=False)

    carry = add_command(
        csub,
        "carry",
        "a holdover joins another cohort with their passed tasks, exam attempts, CAPs and open"
        " red flags",
    )
    carry.add_argument("agent_id", metavar="AGENT_ID")
    carry.add_argument("--to", required=True, metavar="NAME", help="the cohort they join")
    carry.add_argument(
        "--from",
        dest="source",
        metavar="NAME",
        help="the cohort they come from (default: their latest other cohort)",
    )
    carry.set_defaults(func=run_carry)


def _refused(e: Exception) -> CliError:
    return CliError(str(e))


def run_new(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.domain.roster_csv import RosterError
    from esp_tui.domain.text import visible
    from esp_tui.services.cohorts import CohortError, new_cohort
    from esp_tui.services.roster import read_roster_source
    from esp_tui.services.sheet_source import SheetReadError

    agents = None
    if args.roster is not None:
        try:  # the whole file or tab, before the DB is opened; as `roster import` reads it
            roster = read_roster_source(
                args.roster, config=ctx.config, env=ctx.env, tab=args.tab,
                interactive=sys.stdin.isatty(),
            )  # fmt: skip
        except RosterError as e:
            raise CliError(str(e)) from None
        except SheetReadError as e:
            raise CliError(str(e), e.exit_code) from None
        for warning in roster.warnings:
            ctx.warn(warning)
        agents = roster.agents
    try:
        cohort, counts = new_cohort(ctx.db, ctx.config, args.name, args.start, roster=agents)
    except CohortError as e:
        raise _refused(e) from None
    ctx.out(f"cohort '{visible(cohort.name)}' created (day 1 = {cohort.start_date}), now current")
    if agents is not None:
        ctx.out(counts.summary())
    return EXIT_OK


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.domain.text import visible
    from esp_tui.services.cohorts import cohort_rows

    # No database yet means no cohorts: say so without creating the file.
    rows = cohort_rows(ctx.db) if (ctx.db_path.exists() or ctx.db_path.is_symlink()) else []
    if args.json:
        ctx.print_json([r.to_json() for r in rows])
        return EXIT_OK
    if not rows:
        ctx.out(
            "no cohorts yet: run `esp-tui cohort new NAME --start YYYY-MM-DD`"
            " or `esp-tui roster import FILE.csv`"
        )
        return EXIT_OK
    names = [visible(r.name) for r in rows]  # user text: one line, escapes shown
    width = max(len("NAME"), *(len(n) for n in names))
    ctx.out(f"  {'NAME':<{width}}  {'DAY 1':<10}  DAYS  AGENTS  STATE")
    for r, name in zip(rows, names, strict=True):
        mark = "*" if r.current else " "
        ctx.out(
            f"{mark} {name:<{width}}  {r.start.isoformat():<10}  {r.days:>4}  {r.agents:>6}"
            f"  {r.state}"
        )
    ctx.out("* = current (`esp-tui cohort use NAME` switches)")
    return EXIT_OK


def run_use(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.domain.text import visible
    from esp_tui.services.cohorts import CohortError, use_cohort

    try:
        cohort = use_cohort(ctx.db, args.name)
    except CohortError as e:
        raise _refused(e) from None
    closed = " (closed: stamps and notes are read-only)" if cohort.state == "closed" else ""
    ctx.out(f"cohort '{visible(cohort.name)}' (day 1 = {cohort.start_date}) is now current{closed}")
    return EXIT_OK


def run_close(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.domain.text import visible
    from esp_tui.services.cohorts import CohortError, find, set_closed

    try:
        was = find(ctx.db, args.name).state
        cohort = set_closed(ctx.db, args.name, closed=args.closed)
    except CohortError as e:
        raise _refused(e) from None
    name = visible(cohort.name)
    already = " already" if was == cohort.state else ""
    if args.closed:
        ctx.out(
            f"cohort '{name}' is{already} closed: its stamps and notes are"
            f"{'' if already else ' now'} read-only;"
            f" sync and report still work (`esp-tui cohort reopen '{name}'` undoes this)"
        )
    else:
        ctx.out(f"cohort '{name}' is{already} open: stamps and notes can be written again")
    return EXIT_OK


def run_carry(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.domain.text import visible
    from esp_tui.services.cohorts import CohortError, carry

    try:
        result = carry(ctx.db, args.agent_id, args.to, source=args.source)
    except CohortError as e:
        raise _refused(e) from None
    ctx.out(visible(result.summary()))
    return EXIT_OK
