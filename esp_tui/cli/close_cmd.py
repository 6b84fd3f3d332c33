"""Close of day: `esp-tui check`, `sync`, `sheet init`, `auth login|logout|check`,
`report handoff`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from esp_tui.cli.common import (
    add_cohort_option,
    add_command,
    check_day,
    parse_day,
    require_cohort,
)
from esp_tui.cli.context import EXIT_FAIL, EXIT_OK, EXIT_USAGE, CliContext, CliError
from esp_tui.cli.path_args import path_arg
from esp_tui.domain.text import printable, visible

if TYPE_CHECKING:
    from esp_tui.services.sync import SyncFailed
    from esp_tui.sync.engine import SyncReport, Target


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "check", "end-of-day readiness: exit 0 when ready, 1 with the gaps")
    p.add_argument("--day", type=parse_day, metavar="N", help="cohort day (default: today)")
    p.add_argument("--json", action="store_true", help='print {"ready", "gaps": [...]}')
    add_cohort_option(p)
    p.set_defaults(func=run_check)

    p = add_command(sub, "sync", "push the day to the ESP Master Tracking sheet (one batch)")
    p.add_argument("--dry-run", action="store_true", help="read and plan only; write nothing")
    p.add_argument("--yes", action="store_true", help="write without asking")
    p.add_argument("--json", action="store_true", help="print the sync report as JSON")
    p.add_argument(
        "--resolve",
        choices=("keep-sheet", "keep-local"),
        help="answer every conflict of this run: keep the sheet's value or write ours",
    )
    add_cohort_option(p)
    p.set_defaults(func=run_sync)

    sheet = add_command(sub, "sheet", "set up the ESP Master Tracking sheet")
    ssub = sheet.add_subparsers(dest="sheet_cmd", metavar="{init}", required=True)
    p = add_command(ssub, "init", "create the missing tabs and headers (never moves a column)")
    add_cohort_option(p)
    p.set_defaults(func=run_sheet_init)

    auth = add_command(sub, "auth", "Google sign-in: login, logout, check")
    asub = auth.add_subparsers(dest="auth_cmd", metavar="{login,logout,check}", required=True)
    p = add_command(asub, "login", "sign in to Google once; sync then uses the saved token")
    p.add_argument(
        "--no-browser",
        action="store_true",
        help="only print the address, to open in a browser elsewhere (over SSH: ssh -L)",
    )
    p.add_argument(
        "--port",
        type=_port,
        metavar="N",
        help="wait for Google's answer on localhost:N (default 8085; the same N in ssh -L)",
    )
    p.add_argument(
        "--timeout", type=_seconds, metavar="S", help="give up after S seconds (default 300)"
    )
    p.set_defaults(func=run_auth_login)
    p = add_command(asub, "logout", "remove the saved sign-in token from this computer")
    p.set_defaults(func=run_auth_logout)
    p = add_command(asub, "check", "say which identity is used and whether the sheet opens")
    p.set_defaults(func=run_auth_check)

    report = add_command(sub, "report", "reports")
    rsub = report.add_subparsers(dest="report_cmd", metavar="{handoff}", required=True)
    p = add_command(rsub, "handoff", "the day-5 handoff for the agents' next TLs (markdown)")
    p.add_argument("--out", type=path_arg, metavar="FILE.md", help="write to a file, not stdout")
    add_cohort_option(p)
    p.set_defaults(func=run_handoff)


# ----------------------------------------------------------------------------- check
def run_check(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.domain.readiness import summary_lines
    from esp_tui.services.readiness import check_day as readiness_for

    day = check_day(ctx, args.day)
    result = readiness_for(ctx.db, day, ctx.config)
    if args.json:
        ctx.print_json(result.to_json())
    else:
        ctx.out(f"Close day {day}: " + ("ready" if result.ready else f"{len(result.gaps)} gaps"))
        for line in summary_lines(result):
            ctx.out(f"  {line}")
        for gap in result.gaps:
            ctx.out(f"  - {visible(gap.detail)}")  # names: text, one line
    return EXIT_OK if result.ready else EXIT_FAIL


# ----------------------------------------------------------------------------- sheet access
def _target(ctx: CliContext, *, interactive: bool = False) -> Target:
    from esp_tui.services.sync import SyncFailed, open_sheet

    try:
        target = open_sheet(ctx.config, ctx.env, interactive=interactive)
    except SyncFailed as e:  # no key, a bad endpoint, unusable credentials: one line
        raise CliError(str(e), code=e.exit_code) from None
    for warning in target.warnings:
        ctx.warn(warning)
    return target


def _failed(ctx: CliContext, args: argparse.Namespace, err: SyncFailed) -> int:
    """One line on stderr, worded by the service (sync/errors.py): exit 1 when the sheet,
    Google, the network or the database failed, 2 when our input was wrong (nothing was
    sent). With --json the failed run's report first, when the sheet was reached."""
    if getattr(args, "json", False) and err.report is not None:
        ctx.print_json(err.report)
    print(f"esp-tui: error: {printable(str(err))}", file=sys.stderr)
    return err.exit_code


# ----------------------------------------------------------------------------- sync
def _ask_tl_name() -> str:
    try:
        return input("Your name for the tracker's TL column (asked once): ")
    except EOFError:
        return ""


def run_sync(args: argparse.Namespace, ctx: CliContext) -> int:
    """The service runs the sync (services/sync.sync_cohort); this only talks to the TL."""
    from esp_tui.services.sync import SyncFailed, sync_cohort

    cohort = require_cohort(ctx)
    terminal = sys.stdin.isatty()
    if not (args.yes or args.dry_run or terminal):
        raise CliError("sync: not a terminal, so nothing can be confirmed; pass --yes or --dry-run")

    def confirm(summary: str) -> bool:
        ctx.out(summary)
        try:
            return input("write to the sheet? [y/N] ").strip().lower() in ("y", "yes")
        except EOFError:
            return False

    try:
        report = sync_cohort(
            ctx.db,
            ctx.config,
            cohort,
            ctx.env,
            now=ctx.now,
            dry_run=args.dry_run,
            resolve_all=args.resolve,
            confirm=None if args.yes else confirm,
            ask_tl_name=_ask_tl_name if terminal and not args.json else None,
            warn=ctx.warn,
            advise=None if args.json else ctx.warn,
            backup_path=ctx.db_path,
        )
    except SyncFailed as err:  # every error: one line, never a traceback
        return _failed(ctx, args, err)
    if report is None:
        ctx.out("nothing written")
        return EXIT_FAIL
    for warning in report.warnings:  # e.g. the backup after the sync failed
        ctx.warn(warning)
    return _print_report(ctx, args, report)


def _print_report(ctx: CliContext, args: argparse.Namespace, report: SyncReport) -> int:
    if args.json:
        ctx.print_json(report.to_json())
    else:
        ctx.out(report.summary())
        for c in report.conflicts:
            ctx.out(  # sheet values are text: one line, escapes visible (repr)
                f"  conflict {visible(c.tab)} · {visible(c.row_key)} · {visible(c.header)}: "
                f"sheet {c.sheet!r}, ours {c.local!r}"
            )
        if report.conflicts:
            ctx.out(
                "  resolve with --resolve keep-sheet|keep-local, or per cell on the Close screen"
            )
    return EXIT_FAIL if report.conflicts else EXIT_OK


# ----------------------------------------------------------------------------- sheet / auth
def run_sheet_init(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.services.sync import SyncFailed, init_sheet

    cohort = require_cohort(ctx)
    target = _target(ctx)
    try:
        report = init_sheet(ctx.db, ctx.config, cohort, target)
    except SyncFailed as err:
        return _failed(ctx, args, err)
    for line in report.lines():
        ctx.out(line)
    return EXIT_OK


def run_auth_check(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.services.sync import SyncFailed, check_access

    target = _target(ctx, interactive=sys.stdin.isatty())
    ctx.out(f"identity: {target.identity}")
    try:
        title = check_access(target)
    except SyncFailed as err:
        return _failed(ctx, args, err)
    ctx.out(f"spreadsheet {target.key!r} opens: {title!r}")
    return EXIT_OK


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 1..65535, got {value!r}")
    return int(value)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {value!r}")
    return seconds


def _service_account(ctx: CliContext) -> str:
    key_file = ctx.config.sheet.service_account_file
    return key_file or ctx.env.get("GOOGLE_APPLICATION_CREDENTIALS", "")


def run_auth_login(args: argparse.Namespace, ctx: CliContext) -> int:
    """The browser sign-in (sync/auth.oauth_login); this only words it for the terminal."""
    from esp_tui.sync.auth import (
        DEFAULT_LOGIN_PORT,
        DEFAULT_LOGIN_TIMEOUT_S,
        LoginError,
        oauth_login,
    )
    from esp_tui.sync.target import default_token_path

    client = ctx.config.sheet.oauth_client_file
    if not client:
        raise CliError(
            "auth login: no OAuth client: set [sheet] oauth_client_file in the config to the "
            "client_secret JSON of a Desktop app OAuth client (README: Google sign-in)"
        )
    port = args.port or DEFAULT_LOGIN_PORT
    timeout = args.timeout or DEFAULT_LOGIN_TIMEOUT_S
    token = default_token_path()

    def announce(url: str) -> None:  # once localhost:port listens
        where = " on your own computer" if args.no_browser else ""
        ctx.out(f"Sign in to Google: open this address in a browser{where}:")
        ctx.out()
        ctx.out(f"    {url}")
        ctx.out()
        if args.no_browser:
            ctx.out(f"Over SSH, forward the port first: ssh -L {port}:localhost:{port} HOST")
        ctx.out(f"Waiting up to {timeout:g} s for the browser to come back to localhost:{port} ...")
        sys.stdout.flush()

    try:
        oauth_login(
            client,
            token,
            open_browser=not args.no_browser,
            port=port,
            timeout_s=timeout,
            announce=announce,
        )
    except LoginError as err:
        raise CliError(f"auth login: {err}", code=EXIT_USAGE if err.usage else EXIT_FAIL) from None
    ctx.out(f"signed in: token saved in {token} (readable by you only)")
    if _service_account(ctx):
        ctx.warn("a service-account key is configured and sync uses it, not this sign-in")
    ctx.out("next: `esp-tui auth check` says whether the sheet opens")
    return EXIT_OK


def run_auth_logout(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.sync.auth import sign_out
    from esp_tui.sync.target import default_token_path

    token = default_token_path()
    if sign_out(token):
        ctx.out(f"signed out: removed the saved token {token}")
    else:
        ctx.out(f"not signed in: no saved token at {token}")
    if _service_account(ctx):
        ctx.out("the service-account key file is left in place; sync still uses it")
    return EXIT_OK


# ----------------------------------------------------------------------------- handoff
def run_handoff(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.services.handoff import (
        handoff_markdown,
        is_preview,
        preview_notice,
        write_handoff,
    )

    cohort = require_cohort(ctx)
    if is_preview(cohort, ctx.now()):  # said on stderr: stdout stays the markdown alone
        ctx.warn(preview_notice(cohort, ctx.now()))
    if args.out is None:
        ctx.out(handoff_markdown(ctx.db, ctx.config, now=ctx.now()))
        return EXIT_OK
    try:
        path = write_handoff(ctx.db, ctx.config, args.out, now=ctx.now())
    except OSError as e:
        raise CliError(f"--out {args.out}: cannot write: {e.strerror or e}") from None
    ctx.out(f"wrote {path}")
    return EXIT_OK
