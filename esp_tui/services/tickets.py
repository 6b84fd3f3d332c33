"""Ticket actions: new (the TL's one entry point, draft or submitted), create, edit and delete
drafts, submit (validated, with the progress links). Forms are those of the registry.

Drafts may be incomplete or invalid: the TL saves what they have and finishes later. Only a
valid form submits, and submitting applies its effect on progress in the same transaction:
a Carrier Cert Completion marks the cert passed, a Failed Carrier Cert Exam records the attempt,
a Call Certification records the call-cert result.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlite_utils import Database

from esp_tui.clock import cohort_zone
from esp_tui.config import Config
from esp_tui.domain.forms import (
    CallCertification,
    CarrierCertCompletion,
    FailedCarrierCertExam,
    completion_task,
    display_label,
)
from esp_tui.domain.tickets import TICKET_STATUSES, Ticket
from esp_tui.services.agents import require_agent
from esp_tui.services.ticket_fields import (
    TicketError,
    TicketInvalid,
    check_form_name,
    clean,
    field_errors,
    prefill,
    task_catalog,
    too_long,
    unknown_keys,
    validate,
)
from storage import tickets as store
from storage.cohort import get_cohort


class UnknownAgent(TicketInvalid):
    """The ticket's agent is not in the cohort's roster: str() is require_agent's one message."""

    def __init__(self, message: str) -> None:
        self.errors = {AGENT: message}
        self.what = "agent"
        TicketError.__init__(self, message)


AGENT = "agent_id"  # the key of the agent's error in TicketInvalid.errors
FAILED_EXAM = "failed_carrier_cert_exam"


__all__ = [
    "AGENT", "TicketError", "TicketInvalid", "UnknownAgent", "check_form_name", "count_drafts",
    "create_ticket", "delete_draft", "field_errors", "form_problems", "get_ticket",
    "list_tickets", "new_ticket", "prefill", "resolve_id", "submit_ticket", "task_catalog",
    "update_ticket",
]  # fmt: skip


# --- the agent -----------------------------------------------------------------------------


def _agent_problem(db: Database, agent_id: str) -> TicketInvalid | None:
    """Why `agent_id` cannot have a ticket (blank, or not in the roster), else None."""
    if not agent_id.strip():
        return TicketInvalid({AGENT: "required"}, "agent id")
    try:
        require_agent(db, agent_id, error=UnknownAgent)
    except UnknownAgent as e:
        return e
    return None


def _check_agent(db: Database, agent_id: str) -> str:
    problem = _agent_problem(db, agent_id)
    if problem is not None:
        raise problem
    return agent_id.strip()


# --- reading -------------------------------------------------------------------------------


def get_ticket(db: Database, ticket_id: str) -> Ticket:
    """The ticket, or TicketError naming the id."""
    t = store.get_ticket(db, ticket_id)
    if t is None:
        raise TicketError(f"no ticket with id {ticket_id!r}")
    return t


def list_tickets(
    db: Database,
    status: str | None = None,
    form: str | None = None,
    agent_id: str | None = None,
) -> list[Ticket]:
    if status is not None and status not in TICKET_STATUSES:
        raise TicketError(f"unknown status {status!r}; valid: {', '.join(TICKET_STATUSES)}")
    if form is not None:
        check_form_name(form)
    return store.list_tickets(db, status=status, form=form, agent_id=agent_id)


def count_drafts(db: Database) -> int:
    return store.count_tickets(db, status="draft")


def resolve_id(db: Database, prefix: str) -> str:
    """A full ticket id from an unambiguous prefix (the CLI and list show the first 8 chars)."""
    from storage.cohort import read_id

    rows = db.execute(
        "SELECT id FROM tickets WHERE cohort_id = ? AND id LIKE ? ORDER BY id",
        [read_id(db), prefix.strip() + "%"],
    ).fetchall()
    if len(rows) != 1 or not prefix.strip():
        what = "no ticket" if not rows else f"{len(rows)} tickets"
        raise TicketError(f"{what} with an id starting {prefix!r}")
    ticket_id: str = rows[0][0]
    return ticket_id


# --- writing (one transaction each) --------------------------------------------------------


def new_ticket(
    db: Database,
    config: Config,
    form: str,
    agent_id: str,
    fields: Mapping[str, Any],
    *,
    now: datetime,
    submit: bool = False,
) -> Ticket:
    """The TL's "new ticket" (the Tickets screen's `n`, `esp-tui tickets new`), in ONE
    transaction: a draft of `form` for `agent_id`, submitted at once when `submit`.

    Date fields left out start as the cohort's today, choices at their default. Before anything
    is written every problem is collected and raised at once as TicketInvalid: the agent
    ("agent_id"), keys that are not fields of the form, and the given fields (a draft checks only
    what is filled in; `submit` needs the whole form to validate, as submit_ticket does). With
    `submit` the draft, its submit and its progress effect are written together or not at all.
    An unknown form is TicketError.
    """
    today = _cohort_today(db, now)
    merged = {**prefill(form, today), **fields}
    ticket = _new_draft(form, agent_id, merged, now)
    with db.atomic():
        agent = _agent_problem(db, agent_id)
        errors = {**(agent.errors if agent else {}), **unknown_keys(form, fields)}
        if submit:  # checked as typed: a blank choice is refused, not dropped as "not filled"
            as_typed = ticket.model_copy(update={"fields": dict(merged)})
            problems = _submission(db, config, as_typed, today)[2]
        else:
            problems = field_errors(config, form, merged, partial=True, today=today)
        errors.update({k: m for k, m in problems.items() if k not in errors})
        if errors:  # the agent alone: require_agent's error as it is
            raise agent if agent is not None and errors == agent.errors else TicketInvalid(errors)
        store.insert_ticket(db, ticket)
        if submit:
            ticket = submit_ticket(db, config, ticket.id, now=now)
    return ticket


def _cohort_today(db: Database, now: datetime) -> date:
    """Today where the cohort is (a ticket made at 23:30 UTC in Chicago is dated there)."""
    cohort = get_cohort(db)
    return now.astimezone(cohort_zone(cohort.timezone)).date() if cohort else now.date()


def create_ticket(
    db: Database, form: str, agent_id: str, fields: Mapping[str, Any], *, now: datetime
) -> Ticket:
    """A new draft. Unknown field keys or agent are refused; values are kept as typed."""
    unknown = {**unknown_keys(form, fields), **too_long(fields)}
    if unknown:
        raise TicketInvalid(unknown)
    ticket = _new_draft(form, agent_id, fields, now)
    with db.atomic():
        _check_agent(db, agent_id)
        store.insert_ticket(db, ticket)
    return ticket


def _new_draft(form: str, agent_id: str, fields: Mapping[str, Any], now: datetime) -> Ticket:
    check_form_name(form)
    return Ticket(id=str(uuid.uuid4()), form=form, agent_id=agent_id.strip(),
                  fields=clean(fields), created_at=now, updated_at=now)  # fmt: skip


def _draft(db: Database, ticket_id: str) -> Ticket:
    t = get_ticket(db, ticket_id)
    if not t.is_draft:
        raise TicketError(f"ticket {ticket_id[:8]} is already submitted; it cannot change")
    return t


def update_ticket(
    db: Database,
    ticket_id: str,
    fields: Mapping[str, Any],
    *,
    now: datetime,
    agent_id: str | None = None,
) -> Ticket:
    """Merge `fields` into a draft (a blank value clears that field); optionally change agent."""
    with db.atomic():
        t = _draft(db, ticket_id)
        unknown = {**unknown_keys(t.form, fields), **too_long(fields)}
        if unknown:
            raise TicketInvalid(unknown)
        merged = clean({**t.fields, **fields})
        new_agent = _check_agent(db, agent_id) if agent_id is not None else t.agent_id
        t = t.model_copy(update={"fields": merged, "updated_at": now, "agent_id": new_agent})
        store.save_ticket(db, t)
    return t


def delete_draft(db: Database, ticket_id: str) -> None:
    """Delete a draft; a submitted ticket is part of the record and stays."""
    with db.atomic():
        _draft(db, ticket_id)
        store.delete_ticket(db, ticket_id)


def submit_ticket(db: Database, config: Config, ticket_id: str, *, now: datetime) -> Ticket:
    """Validate and submit a draft; apply its progress effect in the same transaction.

    Raises TicketInvalid (per-field messages) when the form does not validate: nothing changes.
    The stored fields become the validated, normalised values (computed ones included).
    """
    with db.atomic():
        t, model, errors = _submission(db, config, _draft(db, ticket_id), _cohort_today(db, now))
        if model is None:
            raise TicketInvalid(errors, f"{display_label(t.form)} {t.id[:8]}")
        t = t.model_copy(
            update={
                "fields": clean(model.model_dump(mode="json")),
                "status": "submitted",
                "updated_at": now,
                "submitted_at": now,
            }
        )
        store.save_ticket(db, t)
        _apply_progress(db, config, t, model, now)
    return t


def form_problems(
    db: Database,
    config: Config,
    ticket_id: str,
    fields: Mapping[str, Any],
    *,
    now: datetime,
    agent_id: str | None = None,
    partial: bool = False,
) -> dict[str, str]:
    """Every problem of the draft `ticket_id` with `fields` (and `agent_id`) typed over it, all
    at once, keyed like TicketInvalid.errors: what submitting it would refuse (partial=True: what
    saving it as a draft would point out). Writes nothing; the form screen checks as the TL
    types with it."""
    t = get_ticket(db, ticket_id)
    agent = _agent_problem(db, agent_id) if agent_id is not None else None
    errors = {**(agent.errors if agent else {}), **unknown_keys(t.form, fields)}
    typed = {**t.fields, **fields}
    today = _cohort_today(db, now)
    if partial:
        problems = field_errors(config, t.form, typed, partial=True, today=today)
    else:
        who = agent_id.strip() if agent_id is not None and agent is None else t.agent_id
        as_typed = t.model_copy(update={"fields": typed, "agent_id": who})
        problems = _submission(db, config, as_typed, today)[2]
    errors.update({k: m for k, m in problems.items() if k not in errors})
    return errors


def _submission(
    db: Database, config: Config, t: Ticket, today: date
) -> tuple[Ticket, BaseModel | None, dict[str, str]]:
    """What submitting `t` would do on the cohort's `today`: (the ticket as it would be
    checked, the validated model or None, every field's problem). Writes nothing."""
    attempt_errors: dict[str, str] = {}
    if t.form == FAILED_EXAM:
        t, attempt_errors = _check_attempt_no(db, t)
    model, errors = validate(config, t.form, t.fields, today)
    if attempt_errors:
        return t, None, {**errors, **attempt_errors}
    return t, model, errors


def _check_attempt_no(db: Database, t: Ticket) -> tuple[Ticket, dict[str, str]]:
    """A failed exam's attempt number must be the next one progress will record (a blank one is
    filled in), so the form and the tracker never disagree on which step of the guide applies."""
    from storage.progress import list_attempts

    task_key = str(t.fields.get("task_key") or "").strip()
    if not task_key:
        return t, {}  # validation names the missing task
    expected = len(list_attempts(db, agent_id=t.agent_id, task_key=task_key)) + 1
    given = str(t.fields.get("attempt_no") or "").strip()
    if not given:
        return t.model_copy(update={"fields": {**t.fields, "attempt_no": str(expected)}}), {}
    if given.isdigit() and int(given) >= 1 and int(given) != expected:
        return t, {
            "attempt_no": f"{expected - 1} attempt(s) are recorded for {t.agent_id} on "
            f"{task_key}: this one is attempt {expected}"
        }
    return t, {}


def _apply_progress(
    db: Database, config: Config, t: Ticket, model: BaseModel, now: datetime
) -> None:
    """The submitted form's effect on the agent's progress, through the progress services
    (inside submit's transaction: a refusal there rolls the submit back)."""
    from esp_tui.services import progress

    try:
        if isinstance(model, CarrierCertCompletion):
            task = completion_task(model, task_catalog(config))
            if task is None:
                return  # a carrier outside the catalog: the form is the whole record
            if model.score is not None:
                try:  # the passing attempt, with its score, when attempts allow one
                    progress.record_attempt(db, config, t.agent_id, task.key, model.score, now=now)
                    return
                except progress.ProgressError:
                    pass  # already passed, or attempts used up: the completion still stands
            progress.set_status(db, config, t.agent_id, task.key, "passed", now=now)
        elif isinstance(model, FailedCarrierCertExam):
            progress.record_attempt(db, config, t.agent_id, model.task_key, model.score, now=now)
        elif isinstance(model, CallCertification):
            progress.record_call_cert(db, config, t.agent_id, model.scores, now=now)
    except progress.ProgressError as e:
        what = f"{display_label(t.form)} {t.id[:8]}"
        raise TicketInvalid({"": f"progress: {e}"}, what) from None
