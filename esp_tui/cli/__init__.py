"""The `esp-tui` command line. Light at import: Textual and gspread load only when needed."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Mapping, Sequence

from esp_tui import __version__
from esp_tui.cli.common import COHORT_HELP, add_cohort_option, add_global_options
from esp_tui.cli.context import EXIT_FAIL, EXIT_USAGE, CliContext, CliError

# Each module exposes register(subparsers); its handlers are run(args, ctx) -> exit code.
COMMAND_MODULES = (
    "esp_tui.cli.roster_cmd",
    "esp_tui.cli.tree_cmd",
    "esp_tui.cli.attendance_cmd",
    "esp_tui.cli.tickets_cmd",
    "esp_tui.cli.progress_cmd",
    "esp_tui.cli.close_cmd",
    "esp_tui.cli.backup_cmd",
    "esp_tui.cli.cohort_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="esp-tui",
        description="The ESP training Team Lead's terminal app. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"esp-tui {__version__}")
    add_global_options(parser, suppress=False)
    # Before a command: that command's cohort; with no command: the app opens on it.
    add_cohort_option(
        parser, suppress=False, help=f"{COHORT_HELP}; with no command, open the app on it"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def run_app(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.app import make_app

    make_app(ctx.config, ctx.db, db_path=ctx.db_path).run()
    return 0


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    from esp_tui.config import ConfigError
    from esp_tui.domain.text import printable
    from storage.db import DatabaseBusy, StorageError

    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = CliContext(args, env)
    func = getattr(args, "func", run_app)
    try:
        # The config first: a bad one stops every command before a database is opened (or
        # created), so nothing is written.
        ctx.check_config()
        return func(args, ctx)
    except CliError as e:
        print(f"esp-tui: error: {printable(str(e))}", file=sys.stderr)
        return e.code
    except DatabaseBusy as e:  # not bad input: the same command works once the lock is free
        print(f"esp-tui: error: {printable(str(e))}", file=sys.stderr)
        return EXIT_FAIL
    except (ConfigError, StorageError) as e:
        print(f"esp-tui: error: {printable(str(e))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    finally:
        ctx.close()


EXIT_SIGPIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader left


def entry() -> None:
    """The console script. A closed stdout (`esp-tui roster list | head -1`) ends quietly, as
    the Python docs' note on SIGPIPE recommends: stdout is pointed at devnull so the
    interpreter's last flush cannot fail again, and the exit code is 141, no traceback."""
    try:
        code = main()
        sys.stdout.flush()  # output still buffered fails here, inside the try
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_SIGPIPE)
    sys.exit(code)
