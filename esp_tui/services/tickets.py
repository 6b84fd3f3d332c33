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

from esp_tui.config import Config
from esp_tui.domain.forms import (
    CallCertification,
    CarrierCertCompletion,
    FailedCarrierCertExam,
    FormSpec,
    completion_task,
    display_label,
    form_fields,
    form_spec,
    validate_form,
)
from esp_tui.domain.limits import cell_text_problem
from esp_tui.domain.tasks import TaskSpec
from esp_tui.domain.tickets import TICKET_STATUSES, Ticket
from esp_tui.services.agents import require_agent
from esp_tui.services.clock import cohort_zone
from storage import tickets as store
from storage.cohort import get_cohort


class TicketError(ValueError):
    """A ticket action that cannot be done; str() is one line naming the ticket or field."""


class TicketInvalid(TicketError):
    """The fields do not validate; `errors` maps each field ("" = the whole form, "agent_id" =
    the ticket's agent) to a message."""

    def __init__(self, errors: Mapping[str, str], what: str = "form") -> None:
        self.errors: dict[str, str] = dict(errors)
        parts = "; ".join(f"{k}: {v}" if k else v for k, v in self.errors.items())
        super().__init__(f"{what}: {parts}")


class UnknownAgent(TicketInvalid):
    """The ticket's agent is not in the cohort's roster: str() is require_agent's one message."""

    def __init__(self, message: str) -> None:
        self.errors = {AGENT: message}
        TicketError.__init__(self, message)


AGENT = "agent_id"  # the key of the agent's error in TicketInvalid.errors
FAILED_EXAM = "failed_carrier_cert_exam"


# --- helpers shared by the screens and the CLI ---------------------------------------------


def task_catalog(config: Config) -> dict[str, TaskSpec]:
    return {t.key: t for t in config.tasks}


def check_form_name(form: str) -> str:
    """The form, or TicketError when it is not in the registry (the tickets table takes any
    name: this is the check)."""
    return _spec(form).name


def _spec(form: str) -> FormSpec:
    try:
        return form_spec(form)
    except ValueError as e:
        raise TicketError(str(e)) from None


def prefill(form: str, today: date) -> dict[str, str]:
    """What a new ticket starts with: today in its date fields, the defaults of choices."""
    out: dict[str, str] = {}
    for spec in form_fields(check_form_name(form)):
        if spec.kind == "date":
            out[spec.key] = today.isoformat()
        elif spec.default:
            out[spec.key] = spec.default
    return out


def _validate(
    config: Config, form: str, fields: Mapping[str, Any]
) -> tuple[BaseModel | None, dict[str, str]]:
    tasks = task_catalog(config)
    task = tasks.get(str(fields.get("task_key") or "").strip())
    # A task's own guide overrides the config's ladder; None lets the domain use its default.
    guide = (task.guide if task and task.guide else None) or config.failed_exam_guide or None
    model, errors = validate_form(
        form, fields, tasks=tasks, guide=guide, call_cert=config.call_cert
    )
    too_long = _too_long(fields)
    return (None, {**errors, **too_long}) if too_long else (model, errors)


def _too_long(fields: Mapping[str, Any]) -> dict[str, str]:
    """Fields too long for the sheet cell each one becomes (50,000 characters)."""
    out: dict[str, str] = {}
    for key, value in fields.items():
        problem = cell_text_problem(value.strip(), "this text") if isinstance(value, str) else None
        if problem:
            out[key] = problem
    return out


def field_errors(
    config: Config, form: str, fields: Mapping[str, Any], *, partial: bool = False
) -> dict[str, str]:
    """Per-field messages for `fields`. partial=True checks only the fields that are filled in
    (a draft may leave the rest for later); unknown keys are always errors."""
    _, errors = _validate(config, check_form_name(form), fields)
    if not partial:
        return errors
    filled = {k for k, v in fields.items() if not (isinstance(v, str) and not v.strip())}
    return {k: m for k, m in errors.items() if k in filled}


def _unknown_keys(form: str, fields: Mapping[str, Any]) -> dict[str, str]:
    spec = _spec(form)
    known = [f.key for f in spec.fields]
    return {
        k: f"not a field of {spec.label}; fields: {', '.join(known)}"
        for k in fields
        if k not in known
    }


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    # Blank means "not filled in": keep the stored JSON free of empty strings.
    return {
        k: v.strip() if isinstance(v, str) else v
        for k, v in fields.items()
        if v is not None and not (isinstance(v, str) and not v.strip())
    }


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
    merged = {**prefill(form, _cohort_today(db, now)), **fields}
    ticket = _new_draft(form, agent_id, merged, now)
    with db.atomic():
        agent = _agent_problem(db, agent_id)
        errors = {**(agent.errors if agent else {}), **_unknown_keys(form, fields)}
        if submit:
            problems = _submission(db, config, ticket)[2]
        else:
            problems = field_errors(config, form, merged, partial=True)
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
    unknown = {**_unknown_keys(form, fields), **_too_long(fields)}
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
                  fields=_clean(fields), created_at=now, updated_at=now)  # fmt: skip


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
        unknown = {**_unknown_keys(t.form, fields), **_too_long(fields)}
        if unknown:
            raise TicketInvalid(unknown)
        merged = _clean({**t.fields, **fields})
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
        t, model, errors = _submission(db, config, _draft(db, ticket_id))
        if model is None:
            raise TicketInvalid(errors, f"{display_label(t.form)} {t.id[:8]}")
        t = t.model_copy(
            update={
                "fields": _clean(model.model_dump(mode="json")),
                "status": "submitted",
                "updated_at": now,
                "submitted_at": now,
            }
        )
        store.save_ticket(db, t)
        _apply_progress(db, config, t, model, now)
    return t


def _submission(
    db: Database, config: Config, t: Ticket
) -> tuple[Ticket, BaseModel | None, dict[str, str]]:
    """What submitting `t` would do: (the ticket as it would be checked, the validated model or
    None, every field's problem). Writes nothing."""
    attempt_errors: dict[str, str] = {}
    if t.form == FAILED_EXAM:
        t, attempt_errors = _check_attempt_no(db, t)
    model, errors = _validate(config, t.form, t.fields)
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
