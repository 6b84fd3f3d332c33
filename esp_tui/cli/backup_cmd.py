"""`esp-tui backup [--out FILE]` and `esp-tui restore FILE`."""

from __future__ import annotations

import argparse

from esp_tui.cli.common import add_command
from esp_tui.cli.context import EXIT_FAIL, EXIT_OK, CliContext, CliError
from esp_tui.cli.path_args import path_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(
        sub, "backup", "back the database up now (SQLite online backup) and print the file's path"
    )
    p.add_argument(
        "--out",
        type=path_arg,
        metavar="FILE",
        help="write the backup to FILE (must not exist yet) instead of the backups folder",
    )
    p.set_defaults(func=run_backup)

    p = add_command(
        sub,
        "restore",
        "replace the database with a checked backup (refused while esp-tui has it open)",
    )
    p.add_argument("file", type=path_arg, metavar="FILE", help="a backup made by esp-tui")
    p.set_defaults(func=run_restore)


def run_backup(args: argparse.Namespace, ctx: CliContext) -> int:
    from storage.backup import backup_to, backups_dir_for, make_backup

    db_path = ctx.db_path
    if not db_path.exists():
        raise CliError(f"{db_path}: no database yet; nothing to back up")
    if args.out is not None:
        if args.out.exists() or args.out.is_symlink():
            raise CliError(f"--out {args.out}: already exists; pass a new file name")
        try:
            path = backup_to(ctx.db, args.out)
        except FileExistsError:
            raise CliError(f"--out {args.out}: already exists; pass a new file name") from None
    else:
        path = make_backup(
            ctx.db,
            backups_dir_for(db_path),
            reason="manual",
            keep=ctx.config.backup.keep,
            stem=db_path.stem,
        )
    ctx.out(str(path))
    return EXIT_OK


def run_restore(args: argparse.Namespace, ctx: CliContext) -> int:
    from storage.backup import backups_dir_for
    from storage.restore import DatabaseInUse, restore

    # Never ctx.db here: our own open connection would hold the lock restore needs.
    db_path = ctx.db_path
    keep = ctx.config.backup.keep
    try:
        result = restore(db_path, args.file, backups_dir_for(db_path), keep)
    except DatabaseInUse as e:
        raise CliError(str(e), code=EXIT_FAIL) from None
    ctx.out(
        f"restored {result.restored_from} into {result.database} "
        f"({result.agents} agents, schema version {result.schema_version})"
    )
    if result.pre_restore is not None:
        ctx.out(f"the replaced database is kept as {result.pre_restore}")
    return EXIT_OK
