"""`esp-tui tickets list|new|submit`: the four tracking forms from the command line.

`new` saves a draft: only the fields given are checked (each must be well-formed; a missing
required field is fine until submit). `--submit` submits at once, and then the whole form must
validate. Either way a bad field is a one-line error naming it, exit 2, and nothing is written.
Date fields left out default to today.
"""

from __future__ import annotations

import argparse
from typing import Any

from esp_tui.cli.common import add_cohort_option, add_command, require_cohort
from esp_tui.cli.context import EXIT_OK, CliContext, CliError

FORMS = (
    "carrier_cert_completion",
    "call_certification",
    "failed_carrier_cert_exam",
    "carrier_ticket",
)  # mirrors esp_tui.domain.forms.FORM_NAMES (kept literal: argparse needs it at import)


def _field(value: str) -> tuple[str, str]:
    key, sep, text = value.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value, got {value!r}")
    return key.strip(), text


def register(sub: argparse._SubParsersAction) -> None:
    tickets = add_command(sub, "tickets", "list, create and submit the four tracking forms")
    tsub = tickets.add_subparsers(dest="tickets_cmd", metavar="{list,new,submit}", required=True)

    lst = add_command(tsub, "list", "list tickets (oldest first)")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    lst.add_argument("--status", choices=("draft", "submitted"), help="only this status")
    lst.add_argument("--form", choices=FORMS, help="only this form")
    lst.add_argument("--agent", metavar="ID", help="only this agent's tickets")
    add_cohort_option(lst)
    lst.set_defaults(func=run_list)

    new = add_command(tsub, "new", "create a ticket (a draft unless --submit)")
    new.add_argument("form", choices=FORMS, metavar="FORM", help=f"one of: {', '.join(FORMS)}")
    new.add_argument("--agent", required=True, metavar="ID", help="the agent's id")
    new.add_argument(
        "--field",
        type=_field,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a form field (repeat); e.g. --field carrier=Aetna --field urgency=high",
    )
    new.add_argument("--submit", action="store_true", help="submit at once (must be valid)")
    new.add_argument("--json", action="store_true", help="print the ticket as JSON")
    add_cohort_option(new)
    new.set_defaults(func=run_new)

    sm = add_command(tsub, "submit", "submit a draft (the form must be valid)")
    sm.add_argument("id", metavar="ID", help="the ticket id (or an unambiguous prefix)")
    add_cohort_option(sm)
    sm.set_defaults(func=run_submit)


def ticket_json(t: Any) -> dict[str, Any]:
    from storage.clock import to_text

    return {
        "id": t.id,
        "form": t.form,
        "agent_id": t.agent_id,
        "status": t.status,
        "fields": t.fields,
        "created_at": to_text(t.created_at),
        "submitted_at": to_text(t.submitted_at) if t.submitted_at else None,
    }


def _fail(e: Exception) -> CliError:
    return CliError(str(e))


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.domain.forms import FORM_LABELS
    from esp_tui.domain.text import visible
    from esp_tui.services import tickets as svc

    found = svc.list_tickets(ctx.db, status=args.status, form=args.form, agent_id=args.agent)
    if args.json:
        ctx.print_json([ticket_json(t) for t in found])
        return EXIT_OK
    if not found:
        ctx.out("no tickets")
    for t in found:
        ctx.out(f"{t.id[:8]}  {t.status:<9}  {FORM_LABELS[t.form]:<24}  {visible(t.agent_id)}")
    return EXIT_OK


def run_new(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.services import tickets as svc
    from esp_tui.services.clock import cohort_zone

    cohort = require_cohort(ctx)
    fields = dict(args.field)
    now = ctx.now().astimezone(cohort_zone(cohort.timezone))  # "today" is the cohort's
    # Checked before anything is written: the agent, then each given field.
    from storage.agents import get_agent

    if get_agent(ctx.db, args.agent) is None:
        raise CliError(f"--agent {args.agent}: no agent with this id in cohort '{cohort.name}'")
    errors = svc.field_errors(ctx.config, args.form, fields, partial=True)
    if errors:
        key, msg = next(iter(errors.items()))
        raise CliError(f"--field {key}: {msg}")
    fields = {**svc.prefill(args.form, now.date()), **fields}
    try:
        with ctx.db.atomic():  # draft + submit: both or neither
            t = svc.create_ticket(ctx.db, args.form, args.agent, fields, now=now)
            if args.submit:
                t = svc.submit_ticket(ctx.db, ctx.config, t.id, now=now)
    except svc.TicketInvalid as e:
        key, msg = next(iter(e.errors.items()))
        raise CliError(f"--field {key}: {msg}" if key else str(e)) from None
    except svc.TicketError as e:
        raise _fail(e) from None
    if args.json:
        ctx.print_json(ticket_json(t))
    else:
        ctx.out(f"{t.status} {t.form} {t.id} for {t.agent_id}")
    return EXIT_OK


def run_submit(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.services import tickets as svc

    try:
        ticket_id = svc.resolve_id(ctx.db, args.id)
        t = svc.submit_ticket(ctx.db, ctx.config, ticket_id, now=ctx.now())
    except svc.TicketInvalid as e:
        raise CliError(str(e)) from None
    except svc.TicketError as e:
        raise _fail(e) from None
    ctx.out(f"submitted {t.form} {t.id} for {t.agent_id}")
    return EXIT_OK
