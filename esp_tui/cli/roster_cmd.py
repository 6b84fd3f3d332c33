"""`esp-tui roster import|list` and `esp-tui demo`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from esp_tui.cli.common import add_cohort_option, add_command, parse_date
from esp_tui.cli.context import EXIT_OK, CliContext, CliError
from esp_tui.cli.path_args import source_arg


def register(sub: argparse._SubParsersAction) -> None:
    roster = add_command(sub, "roster", "import and list the cohort's agents")
    rsub = roster.add_subparsers(dest="roster_cmd", metavar="{import,list}", required=True)
    imp = add_command(
        rsub,
        "import",
        "import agents from a roster file (CSV, semicolon or tab separated, any Excel encoding)"
        " or a Google Sheet URL: an id, a name, an email and an optional team, found by the"
        " header texts of [roster.columns]",
    )
    imp.add_argument("file", type=source_arg, metavar="FILE.csv|URL")
    imp.add_argument(
        "--tab", metavar="NAME", help="the Google Sheet's tab (default: the URL's, else the first)"
    )
    # Its own --cohort (dest `cohort`): an existing cohort's roster is updated, a new name
    # creates the cohort. Not the `cohort_scope` of the other commands.
    imp.add_argument(
        "--cohort",
        metavar="NAME",
        help="the cohort: an existing one is updated, a new name creates it (needs --start"
        " when other cohorts exist) and makes it current (default: the current cohort)",
    )
    imp.add_argument(
        "--start",
        type=parse_date,
        metavar="YYYY-MM-DD",
        help="date of day 1 (default: today for a new cohort)",
    )
    imp.set_defaults(func=run_import, creates_db=True)
    lst = add_command(rsub, "list", "list the agents")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    add_cohort_option(lst)
    lst.set_defaults(func=run_list)

    demo = add_command(sub, "demo", "open the app on a demo cohort in its own database")
    demo.add_argument("--agents", type=int, default=24, metavar="N", help="agents (default 24)")
    demo.add_argument("--seed-only", action="store_true", help="create the demo DB, do not open")
    demo.set_defaults(func=run_demo)


def run_import(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.domain.roster_csv import RosterError
    from esp_tui.services.roster import import_roster, read_roster_source
    from esp_tui.services.sheet_source import SheetReadError

    # `esp-tui --cohort NAME roster import ...` means the import's own --cohort NAME (create
    # or update), never a scope: a new name does not exist yet to be scoped to.
    scope = getattr(args, "cohort_scope", None)
    if scope is not None:
        if args.cohort is not None and args.cohort.strip().casefold() != scope.strip().casefold():
            raise CliError(f"--cohort: given twice ('{scope}' and '{args.cohort}'); give it once")
        args.cohort, args.cohort_scope = args.cohort or scope, None
    try:
        roster = read_roster_source(  # the whole file or tab, before the DB is even opened
            args.file, config=ctx.config, env=ctx.env, tab=args.tab,
            interactive=sys.stdin.isatty(),
        )  # fmt: skip
        for warning in roster.warnings:
            ctx.warn(warning)
        result = import_roster(
            ctx.db,
            ctx.config,
            args.file,
            roster.agents,
            cohort_name=args.cohort,
            start=args.start,
            today=ctx.today(),
        )
    except RosterError as e:
        raise CliError(str(e)) from None
    except SheetReadError as e:
        raise CliError(str(e), e.exit_code) from None
    c = result.counts
    verb = " created" if result.cohort_created else ""
    ctx.out(f"cohort '{result.cohort.name}'{verb} (day 1 = {result.cohort.start_date})")
    if c.added == 0 and c.updated == 0:
        ctx.out(f"nothing changed: {c.unchanged} agents already up to date")
    else:
        ctx.out(c.summary())
    return EXIT_OK


def roster_rows(ctx: CliContext) -> list[dict]:
    """Roster JSON rows; later features add their keys via esp_tui.services.report."""
    from esp_tui.services.report import roster_report

    return roster_report(ctx.db, ctx.config, now=ctx.now())


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    # No database yet: no agents, and no file created (a dangling symlink still errors).
    rows = roster_rows(ctx) if (ctx.db_path.exists() or ctx.db_path.is_symlink()) else []
    if args.json:
        ctx.print_json(rows)
        return EXIT_OK
    if not rows:
        ctx.out("no agents yet: run `esp-tui roster import FILE.csv` or `esp-tui demo`")
        return EXIT_OK
    from esp_tui.domain.text import visible

    # Cells are user text: one line each, escape sequences shown escaped, never sent raw.
    cells = [[visible(r[k] or "") for k in ("agent_id", "name", "team", "email")] for r in rows]
    width = max(len(name) for _, name, _, _ in cells)
    for agent_id, name, team, email in cells:
        ctx.out(f"{agent_id:<10} {name:<{width}}  {team:<8} {email}")
    ctx.out(f"{len(rows)} agents")
    return EXIT_OK


def demo_db_path(ctx: CliContext) -> Path:
    """--db given → that; else demo.db beside the normal database."""
    if getattr(ctx.args, "db", None):
        return Path(ctx.args.db).expanduser()
    from storage.db import resolve_db_path

    return resolve_db_path(None, ctx.env).with_name("demo.db")


def run_demo(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.services.demo import DemoError, seed_demo
    from storage.db import connect

    if args.agents < 1 or args.agents > 5000:
        raise CliError(f"--agents {args.agents}: expected 1..5000")
    path = demo_db_path(ctx)
    db = connect(path)
    try:
        cohort, created = seed_demo(
            db, ctx.config, agents=args.agents, today=ctx.today(), now=ctx.now()
        )
    except DemoError as e:
        raise CliError(f"{path}: {e}") from None
    if args.seed_only:
        state = "created" if created else "reused"
        ctx.out(f"demo cohort {state} in {path} (day 1 = {cohort.start_date})")
        return EXIT_OK
    from esp_tui.app import make_app

    make_app(ctx.config, db, db_path=path).run()
    return EXIT_OK
