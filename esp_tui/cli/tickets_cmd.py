"""`esp-tui tickets list|new|submit`: the tracking forms of the registry from the command line.

`new` is `services.tickets.new_ticket`: a draft, where only the fields given are checked (each
must be well-formed; a missing required field is fine until submit), or with `--submit` a
submitted ticket, and then the whole form must validate. Either way every bad field is named at
once, one error line per field, exit 2, and nothing is written. Date fields left out default to
the cohort's today.
"""

from __future__ import annotations

import argparse
from typing import Any

from esp_tui.cli.common import add_cohort_option, add_command, require_cohort
from esp_tui.cli.context import EXIT_OK, CliContext, CliError
from esp_tui.domain.forms import FORMS


def _field(value: str) -> tuple[str, str]:
    key, sep, text = value.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value, got {value!r}")
    return key.strip(), text


def _fields_epilog() -> str:
    lines = [f"  {name}: {', '.join(f.key for f in spec.fields)}" for name, spec in FORMS.items()]
    return "fields (--field KEY=VALUE) of each form:\n" + "\n".join(lines)


def register(sub: argparse._SubParsersAction) -> None:
    forms = tuple(FORMS)  # the registry's forms, read when the parser is built
    tickets = add_command(sub, "tickets", "list, create and submit the tracking forms")
    tsub = tickets.add_subparsers(dest="tickets_cmd", metavar="{list,new,submit}", required=True)

    lst = add_command(tsub, "list", "list tickets (oldest first)")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    lst.add_argument("--status", choices=("draft", "submitted"), help="only this status")
    lst.add_argument("--form", choices=forms, help="only this form")
    lst.add_argument("--agent", metavar="ID", help="only this agent's tickets")
    add_cohort_option(lst)
    lst.set_defaults(func=run_list)

    new = add_command(
        tsub,
        "new",
        "create a ticket (a draft unless --submit)",
        epilog=_fields_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("form", choices=forms, metavar="FORM", help=f"one of: {', '.join(forms)}")
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


def _invalid(errors: dict[str, str]) -> CliError:
    """Every problem of a refused `new`, one line per field, each named by the option the TL
    typed: `agent 'X': …` → `--agent 'X': …`, `urgency: …` → `--field urgency: …`."""
    parts: list[str] = []
    for key, msg in errors.items():
        if key == "agent_id" and msg.startswith("agent "):
            parts.append("--agent" + msg.removeprefix("agent"))  # the roster's one message
        else:
            option = "--agent" if key == "agent_id" else f"--field {key}"
            parts.append(f"{option}: {msg}" if key else msg)  # "" = the form as a whole
    return CliError(_lines(parts))


def _lines(parts: list[str]) -> str:
    """One error line per problem: main() prefixes the first, the others get the same prefix
    here (a message's own line breaks become spaces, so each problem stays one line)."""
    return "\nesp-tui: error: ".join(" ".join(p.splitlines()) for p in parts)


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.domain.forms import display_label
    from esp_tui.domain.text import visible
    from esp_tui.services import tickets as svc

    found = svc.list_tickets(ctx.db, status=args.status, form=args.form, agent_id=args.agent)
    if args.json:
        ctx.print_json([ticket_json(t) for t in found])
        return EXIT_OK
    if not found:
        ctx.out("no tickets")
    for t in found:
        ctx.out(f"{t.id[:8]}  {t.status:<9}  {display_label(t.form):<24}  {visible(t.agent_id)}")
    return EXIT_OK


def run_new(args: argparse.Namespace, ctx: CliContext) -> int:
    from esp_tui.services import tickets as svc

    require_cohort(ctx)
    try:
        t = svc.new_ticket(
            ctx.db, ctx.config, args.form, args.agent, dict(args.field),
            now=ctx.now(), submit=args.submit,
        )  # fmt: skip
    except svc.TicketInvalid as e:
        raise _invalid(e.errors) from None
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
    except svc.TicketInvalid as e:  # "<form> <id>: <field>: <problem>", a line per field
        lines = [f"{e.what}: {k}: {m}" if k else f"{e.what}: {m}" for k, m in e.errors.items()]
        raise CliError(_lines(lines)) from None
    except svc.TicketError as e:
        raise _fail(e) from None
    ctx.out(f"submitted {t.form} {t.id} for {t.agent_id}")
    return EXIT_OK
