"""`esp-tui progress set|list` and `esp-tui flag`."""

from __future__ import annotations

import argparse

from esp_tui.cli.common import add_cohort_option, add_command, require_cohort
from esp_tui.cli.context import EXIT_OK, CliContext, CliError

SETTABLE = ("passed", "failed", "in_progress", "waived", "not_started")


def register(sub: argparse._SubParsersAction) -> None:
    progress = add_command(sub, "progress", "agents' progress against the timeframe")
    psub = progress.add_subparsers(dest="progress_cmd", metavar="{set,list}", required=True)
    st = add_command(psub, "set", "set an agent's status for a task (with --score: an attempt)")
    st.add_argument("agent_id", metavar="AGENT_ID")
    st.add_argument("task_key", metavar="TASK_KEY")
    st.add_argument("status", choices=SETTABLE, metavar="|".join(SETTABLE[:4]))
    st.add_argument(
        "--score",
        type=float,
        metavar="N",
        help="exam/cert score 0..100: records a graded attempt (passed or failed)",
    )
    add_cohort_option(st)
    st.set_defaults(func=run_set)
    lst = add_command(psub, "list", "every agent's tasks, what is behind and what to do next")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    add_cohort_option(lst)
    lst.set_defaults(func=run_list)

    flag = add_command(sub, "flag", "raise a red flag for the PMs (background_check, ...)")
    flag.add_argument("agent_id", metavar="AGENT_ID")
    flag.add_argument(
        "kind", metavar="KIND", help="background_check | conduct | attendance | other"
    )
    flag.add_argument("text", metavar="TEXT")
    add_cohort_option(flag)
    flag.set_defaults(func=run_flag)


def run_set(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.services.agents import require_agent
    from esp_tui.services.progress import record_attempt, set_status
    from esp_tui.services.progress_base import ProgressError, require_task

    require_cohort(ctx)
    try:
        agent = require_agent(ctx.db, args.agent_id, ProgressError)
        task = require_task(ctx.config, args.task_key)
        if args.score is not None:
            outcome = record_attempt(
                ctx.db,
                ctx.config,
                agent.agent_id,
                task.key,
                args.score,
                now=ctx.now(),
                claimed_status=args.status,
            )
            ctx.out(f"{agent.agent_id} {agent.name}: {outcome.message}")
            if outcome.creates:
                what = "a CAP" if outcome.creates == "cap" else "a red flag"
                ctx.out(f"the guide calls for {what}: the task list (p) creates it with c")
            return EXIT_OK
        state = set_status(ctx.db, ctx.config, agent.agent_id, task.key, args.status, now=ctx.now())
    except ProgressError as e:
        raise CliError(str(e)) from None
    ctx.out(f"{agent.agent_id} {agent.name}: {task.label} → {state.status}")
    return EXIT_OK


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.services.progress import progress_report

    rows = progress_report(ctx.db, ctx.config, now=ctx.now())
    if args.json:
        ctx.print_json(rows)
        return EXIT_OK
    if not rows:
        ctx.out("no agents yet: run `esp-tui roster import FILE.csv` or `esp-tui demo`")
        return EXIT_OK
    from esp_tui.domain.text import visible

    # Names, task labels and guide steps are text: one line each, escapes visible.
    width = max(len(visible(r["name"])) for r in rows)
    for r in rows:
        behind = f"  behind: {visible(', '.join(r['behind']))}" if r["behind"] else ""
        agent_id, name = visible(r["agent_id"]), visible(r["name"])
        ctx.out(f"{agent_id:<10} {name:<{width}}  {r['passed']}/{r['total']}{behind}")
        for line in r["next_actions"]:
            ctx.out(f"{'':<10}   - {visible(line)}")
    n = sum(1 for r in rows if r["behind"])
    ctx.out(f"{len(rows)} agents, {n} behind")
    return EXIT_OK


def run_flag(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.services.flags import FlagError, raise_flag

    require_cohort(ctx)
    try:
        flag = raise_flag(ctx.db, ctx.config, args.agent_id, args.kind, args.text, now=ctx.now())
    except FlagError as e:
        raise CliError(str(e)) from None
    ctx.out(f"red flag #{flag.id} raised for {flag.agent_id} ({flag.kind}); notify the PM today")
    return EXIT_OK
