"""The checks of a ticket's fields, shared by every ticket action (services/tickets.py): the
errors a ticket action raises, what a new ticket starts with, and each field's problems.

Writes nothing. `today` is always the cohort's today (the action's clock where the cohort is):
a date of something done may not be after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel

from esp_tui.config import Config
from esp_tui.domain.forms import FormSpec, blank_refused, form_fields, form_spec, validate_form
from esp_tui.domain.limits import cell_text_problem
from esp_tui.domain.tasks import TaskSpec


class TicketError(ValueError):
    """A ticket action that cannot be done; str() is one line naming the ticket or field."""


class TicketInvalid(TicketError):
    """The fields do not validate; `errors` maps each field ("" = the whole form, "agent_id" =
    the ticket's agent) to a message."""

    def __init__(self, errors: Mapping[str, str], what: str = "form") -> None:
        self.errors: dict[str, str] = dict(errors)
        self.what = what  # what was refused: "form", "agent id", "<Form label> <id>"
        parts = "; ".join(f"{k}: {v}" if k else v for k, v in self.errors.items())
        super().__init__(f"{what}: {parts}")


def task_catalog(config: Config) -> dict[str, TaskSpec]:
    return {t.key: t for t in config.tasks}


def check_form_name(form: str) -> str:
    """The form, or TicketError when it is not in the registry (the tickets table takes any
    name: this is the check)."""
    return spec_of(form).name


def spec_of(form: str) -> FormSpec:
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


def validate(
    config: Config, form: str, fields: Mapping[str, Any], today: date | None
) -> tuple[BaseModel | None, dict[str, str]]:
    """The form validated against the config's catalog, guide and call-cert rule, and the
    sheet's cell limit: (model, {}) or (None, every field's problem)."""
    tasks = task_catalog(config)
    task = tasks.get(str(fields.get("task_key") or "").strip())
    # A task's own guide overrides the config's ladder; None lets the domain use its default.
    guide = (task.guide if task and task.guide else None) or config.failed_exam_guide or None
    model, errors = validate_form(
        form, fields, tasks=tasks, guide=guide, call_cert=config.call_cert, today=today
    )
    long = too_long(fields)
    return (None, {**errors, **long}) if long else (model, errors)


def too_long(fields: Mapping[str, Any]) -> dict[str, str]:
    """Fields too long for the sheet cell each one becomes (50,000 characters)."""
    out: dict[str, str] = {}
    for key, value in fields.items():
        problem = cell_text_problem(value.strip(), "this text") if isinstance(value, str) else None
        if problem:
            out[key] = problem
    return out


def field_errors(
    config: Config,
    form: str,
    fields: Mapping[str, Any],
    *,
    partial: bool = False,
    today: date | None = None,
) -> dict[str, str]:
    """Per-field messages for `fields`. partial=True checks only the fields that are filled in
    (a draft may leave the rest for later; a blank choice counts as filled: it is refused);
    unknown keys are always errors. `today`: the cohort's, for the dates of things done."""
    _, errors = validate(config, check_form_name(form), fields, today)
    if not partial:
        return errors
    keep = blank_refused(form)
    filled = {
        k for k, v in fields.items() if k in keep or not (isinstance(v, str) and not v.strip())
    }
    return {k: m for k, m in errors.items() if k in filled}


def unknown_keys(form: str, fields: Mapping[str, Any]) -> dict[str, str]:
    spec = spec_of(form)
    known = [f.key for f in spec.fields]
    return {
        k: f"not a field of {spec.label}; fields: {', '.join(known)}"
        for k in fields
        if k not in known
    }


def clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Blank means "not filled in": keep the stored JSON free of empty strings."""
    return {
        k: v.strip() if isinstance(v, str) else v
        for k, v in fields.items()
        if v is not None and not (isinstance(v, str) and not v.strip())
    }
