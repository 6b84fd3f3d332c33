"""`esp-tui stamp AGENT_ID in|out|absent`, `esp-tui stamp import FILE.csv`, `esp-tui note`.

The services check every argument before anything is written (services/attendance,
services/meet_import); their refusals exit 2, naming the argument.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from esp_tui.cli.common import add_cohort_option, add_command, parse_day, require_cohort
from esp_tui.cli.context import EXIT_OK, CliContext, CliError
from esp_tui.cli.path_args import source_arg

if TYPE_CHECKING:
    from esp_tui.domain.models import Cohort

_STAMP_USAGE = """
  esp-tui stamp AGENT_ID in|out|absent [--kind KIND] [--at HH:MM] [--day N] [--replace]
                                       [--cohort NAME]
  esp-tui stamp import FILE.csv|URL [--tab NAME] [--day N] [--yes] [--cohort NAME]"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(
        sub,
        "stamp",
        "stamp an agent in, out or absent (times in the cohort's timezone), or import a"
        " Google Meet attendance report",
        usage=_STAMP_USAGE,
    )
    p.add_argument("target", metavar="AGENT_ID", help="the agent's id, or `import`")
    p.add_argument("what", metavar="in|out|absent", help="what to stamp (FILE.csv for import)")
    p.add_argument(
        "--kind", metavar="KIND", help="absence kind: absent, excused, ncns, unresponsive"
    )
    p.add_argument("--at", metavar="HH:MM", help="when, in the cohort's timezone (default now)")
    p.add_argument("--day", type=parse_day, metavar="N", help="cohort day (default today)")
    p.add_argument(
        "--replace",
        action="store_true",
        help="in: the agent is already in (after everyone-in, say): void that in and stamp this"
        " time instead (one action)",
    )
    p.add_argument(
        "--yes", action="store_true", help="import: write the proposed stamps (else only show)"
    )
    p.add_argument(
        "--tab",
        metavar="NAME",
        help="import from a Google Sheet URL: the tab (default: the URL's, else the first)",
    )
    add_cohort_option(p)
    p.set_defaults(func=run_stamp)

    n = add_command(sub, "note", "write an agent's note for a day (empty TEXT clears it)")
    n.add_argument("agent_id", metavar="AGENT_ID")
    n.add_argument("text", metavar="TEXT")
    n.add_argument("--day", type=parse_day, metavar="N", help="cohort day (default today)")
    add_cohort_option(n)
    n.set_defaults(func=run_note)


def _day(ctx: CliContext, cohort: Cohort, day: int | None) -> int:
    """--day N as typed (the service checks it), else today's cohort day."""
    from esp_tui.services.attendance import AttendanceError, today_or_error

    if day is not None:
        return day
    try:
        return today_or_error(cohort, ctx.now())
    except AttendanceError:
        raise CliError(
            f"--day: today is not a day of cohort '{cohort.name}'"
            f" ({cohort.date_of(1)}..{cohort.date_of(cohort.days)}); pass --day N"
        ) from None


def _refused(err: Exception, args: argparse.Namespace) -> CliError:
    """The service's refusal, its one line as it is, but the field it names said as the
    argument the TL typed: `agent 'X': …` → `AGENT_ID 'X': …`, `at '25:00': …` →
    `--at '25:00': …`, `day 9: …` → `--day 9: …`, `absence kind 'x': …` → `--kind x: …`."""
    text = str(err)
    named: dict[str, str] = {}
    agent = getattr(args, "agent_id", None) or getattr(args, "target", None)
    if agent is not None:
        named[f"agent {agent.strip()!r}"] = f"AGENT_ID {agent.strip()!r}"
    if getattr(args, "at", None) is not None:
        named[f"at {args.at!r}"] = f"--at {args.at!r}"
    if args.day is not None:
        named[f"day {args.day}"] = f"--day {args.day}"
    if getattr(args, "kind", None) is not None:
        named[f"absence kind {args.kind!r}"] = f"--kind {args.kind}"
    for field, arg in named.items():
        if text.startswith(f"{field}:"):
            return CliError(arg + text.removeprefix(field))
    return CliError(text)


def run_stamp(args: argparse.Namespace, ctx: CliContext) -> int:
    """The service decides (kind, absence kind, day, time, agent, order); this only maps its
    refusal to the one-line CLI error."""
    from esp_tui.services import attendance as svc

    if args.target == "import":
        return run_import(args, ctx)
    if args.yes:
        raise CliError("--yes: only for `esp-tui stamp import FILE.csv`")
    if args.tab is not None:
        raise CliError("--tab: only for `esp-tui stamp import URL`")
    if args.replace and args.what != "in":
        raise CliError("--replace: only for `in` (it replaces the in the agent is in since)")
    cohort = require_cohort(ctx)
    day = _day(ctx, cohort, args.day)
    try:
        result = svc.stamp(
            ctx.db,
            ctx.config,
            cohort,
            args.target,
            args.what,
            day=day,
            now=ctx.now(),
            at=args.at,
            absence_kind=args.kind,
            replace=args.replace,
        )
    except svc.AlreadyIn as e:  # the same question `t` asks on the roster, as a flag
        new = f"in at {args.at}" if args.at else "in now"
        raise CliError(
            str(e).split(" (replace", 1)[0] + f"; add --replace to void that in and stamp {new}"
        ) from None
    except svc.AttendanceError as e:
        raise _refused(e, args) from None
    ids = ", ".join(f"#{i}" for i in result.action.event_ids)
    ctx.out(f"{result.message}  (day {day}, event {ids})")
    return EXIT_OK


def run_import(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.domain.text import visible
    from esp_tui.services import attendance as svc
    from esp_tui.services import meet_import as meet
    from esp_tui.services.sheet_source import SheetReadError

    if args.kind is not None or args.at is not None:
        raise CliError("--kind/--at: not for `stamp import` (times come from the report)")
    cohort = require_cohort(ctx)
    if args.yes:  # refused before the proposals are printed (storage refuses the write too)
        from storage.cohort import require_open

        require_open(ctx.db)  # CohortClosed: one line, exit 2
    day = _day(ctx, cohort, args.day)
    try:
        preview = meet.preview_meet_report(
            ctx.db, cohort, source_arg(args.what), day=day, config=ctx.config, env=ctx.env,
            tab=args.tab,
            interactive=sys.stdin.isatty(),
        )  # fmt: skip
        # the review screen's rule: outs only once the day is over
        _, _, include_out = meet.meet_defaults(ctx.db, cohort, day, preview, ctx.now())
    except svc.AttendanceError as e:
        raise _refused(e, args) from None
    except SheetReadError as e:
        raise CliError(str(e), e.exit_code) from None
    for warning in preview.warnings:
        ctx.warn(warning)
    # Names from the roster and the Meet report are text: one line each, escapes visible.
    names = {p.agent_id: visible(preview.names[p.agent_id]) for p in preview.proposals}
    width = max((len(n) for n in names.values()), default=4)
    for p in preview.proposals:
        ctx.out(
            f"{visible(p.agent_id):<10} {names[p.agent_id]:<{width}}  in {p.first_seen:%H:%M}"
            f"  out {p.last_seen:%H:%M}  by {visible(p.matched_by)}"
        )
    for who in preview.unmatched:
        ctx.out(f"unmatched: {visible(who)}")
    outs = "in and out stamps" if include_out else "in stamps only: day not over yet"
    if not args.yes:
        ctx.out(
            f"{len(preview.proposals)} matched, {len(preview.unmatched)} unmatched; nothing"
            f" written: add --yes to stamp them on day {day} ({outs}), or review them in the"
            " app (M on the roster)"
        )
        return EXIT_OK
    try:  # the service's rules: agents already stamped are skipped, nothing in the future
        action = meet.accept_meet_proposals(
            ctx.db, cohort, day, preview.proposals, now=ctx.now(), include_out=include_out
        )
    except svc.AttendanceError as e:
        raise _refused(e, args) from None
    skipped = len(preview.proposals) - len(action.agent_ids)
    ctx.out(
        f"stamped {len(action.agent_ids)} agent{'' if len(action.agent_ids) == 1 else 's'}"
        f" on day {day} ({outs}):"
        f" {len(action.event_ids)} events"
        + (f"; {skipped} already stamped, left as they were" if skipped else "")
    )
    return EXIT_OK


def run_note(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.services import attendance as svc

    cohort = require_cohort(ctx)
    day = _day(ctx, cohort, args.day)
    try:
        agent = svc.set_note(ctx.db, cohort, args.agent_id, day, args.text)
    except svc.AttendanceError as e:  # e.g. too long for its sheet cell: exit 2, nothing written
        raise _refused(e, args) from None
    verb = "saved" if args.text.strip() else "cleared"
    ctx.out(f"note {verb}: {agent.name} · day {day}")
    return EXIT_OK
