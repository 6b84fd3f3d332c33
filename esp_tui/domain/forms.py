"""The form registry: every tracking form the TL fills, declared once as a `FormSpec` in FORMS.

Everything else derives from it: the CLI's form choices, the Tickets list's "About" column, the
config defaults of the sheet tab per form ([sheet.form_tabs]), the sheet layout of those tabs,
the form screen's fields and the escalation target of a troubleshooting tree. The tickets table
takes any form name; the tickets service refuses a name that is not in FORMS. Adding a form is
one FormSpec here (its model in `form_models`) plus its tab in data/default_config.toml.

The agent is not a form field: it lives on the ticket. Pure: pydantic + stdlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from esp_tui.domain.form_models import (
    ATTEMPT_MSG,
    DATE_MSG,
    SCORE_MSG,
    URGENCIES,
    URGENCY_MSG,
    CallCertification,
    CarrierCertCompletion,
    CarrierTicket,
    FailedCarrierCertExam,
    FormModel,
    Urgency,
    completion_task,
    parse_scores,
)
from esp_tui.domain.tasks import CallCertRule, GuideStep, TaskSpec

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

__all__ = [
    "CARRIER_TICKET", "DATE_MSG", "FORMS", "FORM_LABELS", "FORM_MODELS", "FORM_NAMES", "SCORE_MSG",
    "URGENCIES", "CallCertification", "CarrierCertCompletion", "CarrierTicket",
    "FailedCarrierCertExam", "FieldSpec", "FormField", "FormModel", "FormSpec", "UnknownFormError",
    "Urgency", "blank_refused", "completion_task", "default_form_tabs", "display_label",
    "escalation_form", "form_fields", "form_label", "form_spec", "parse_scores", "ticket_gist",
    "validate_form",
]  # fmt: skip

FieldKind = Literal["text", "longtext", "date", "number", "choice"]
# "task": a choice of the catalog's exam/cert keys when the catalog is given, else text.
DeclaredKind = Literal["text", "longtext", "date", "number", "choice", "task"]


class UnknownFormError(ValueError):
    """A form name that is not in FORMS."""


@dataclass(frozen=True)
class FormField:
    """One field the TL fills, as its form declares it (`form_fields` renders it)."""

    key: str
    label: str
    kind: DeclaredKind
    required: bool = False
    hint: str = ""
    choices: tuple[str, ...] = ()
    default: str = ""
    # Shown instead of pydantic's wording for any failure that is not the form's own message.
    message: str = ""


@dataclass(frozen=True)
class FormSpec:
    """Everything about one form. `fields` are what the TL types, in screen and sheet order;
    `computed` are (key, label) of the fields validation fills in, which the sheet shows after
    the typed ones; `gist` names the field(s) that say what a ticket is about in lists;
    `default_tab` is the sheet tab's title unless [sheet.form_tabs] says otherwise."""

    name: str
    label: str
    model: type[BaseModel]
    fields: tuple[FormField, ...]
    gist: tuple[str, ...]
    default_tab: str
    computed: tuple[tuple[str, str], ...] = ()

    def columns(self) -> list[tuple[str, str]]:
        """(field key, sheet header) of every column of this form's tab after the fixed ones."""
        return [(f.key, f.label) for f in self.fields] + list(self.computed)


def _date(key: str, label: str) -> FormField:
    return FormField(key, label, "date", required=True, hint="YYYY-MM-DD", message=DATE_MSG)


FORMS: dict[str, FormSpec] = {
    spec.name: spec
    for spec in (
        FormSpec(
            name="carrier_cert_completion",
            label="Carrier Cert Completion",
            model=CarrierCertCompletion,
            fields=(
                FormField("carrier", "Carrier", "text", required=True),
                FormField(
                    "task_key",
                    "Certification task",
                    "task",
                    hint="found by carrier when left empty",
                ),
                _date("completed_on", "Completed on"),
                FormField(
                    "score",
                    "Score",
                    "number",
                    hint="0-100; a score or a certificate id",
                    message=SCORE_MSG,
                ),
                FormField(
                    "certificate_id", "Certificate ID", "text", hint="a score or a certificate id"
                ),
                FormField("proof_note", "Proof note", "longtext"),
            ),
            gist=("carrier",),
            default_tab="Carrier Cert Completion",
        ),
        FormSpec(
            name="call_certification",
            label="Call Certification",
            model=CallCertification,
            fields=(
                FormField("certifier", "Certifier", "text", required=True),
                _date("date", "Date"),
                FormField(
                    "scores", "Call scores", "text", required=True, hint="e.g. 90, 85, 70, 95, 88"
                ),
                FormField("feedback", "Feedback", "longtext"),
            ),
            gist=("scores",),
            default_tab="Call Certification",
            computed=(("result", "Result"),),
        ),
        FormSpec(
            name="failed_carrier_cert_exam",
            label="Failed Carrier Cert Exam",
            model=FailedCarrierCertExam,
            fields=(
                FormField("task_key", "Exam / cert", "task", required=True),
                FormField(
                    "attempt_no",
                    "Attempt number",
                    "number",
                    required=True,
                    hint="1, 2, 3...",
                    message=ATTEMPT_MSG,
                ),
                FormField(
                    "score", "Score", "number", required=True, hint="0-100", message=SCORE_MSG
                ),
                _date("date", "Date"),
            ),
            gist=("task_key",),
            default_tab="Failed Carrier Cert Exams",
            computed=(("next_step", "Next step"),),
        ),
        FormSpec(
            name="carrier_ticket",
            label="Carrier Ticket",
            model=CarrierTicket,
            fields=(
                FormField("carrier", "Carrier / system", "text", required=True),
                FormField("summary", "Summary", "text", required=True),
                FormField("steps_tried", "Steps tried", "longtext", required=True),
                FormField(
                    "contact_made",
                    "Contact made",
                    "longtext",
                    hint="who was called or emailed, when",
                ),
                FormField(
                    "urgency",
                    "Urgency",
                    "choice",
                    choices=URGENCIES,
                    default="normal",
                    message=URGENCY_MSG,
                ),
            ),
            gist=("summary",),
            default_tab="Carrier Tickets",
        ),
    )
}

# What a troubleshooting tree escalates to unless a step names another form.
CARRIER_TICKET = "carrier_ticket"

# Snapshots for older callers; new code reads FORMS (a form added there needs nothing here).
FORM_NAMES: tuple[str, ...] = tuple(FORMS)
FORM_LABELS: dict[str, str] = {n: s.label for n, s in FORMS.items()}
FORM_MODELS: dict[str, type[BaseModel]] = {n: s.model for n, s in FORMS.items()}


def form_spec(form_name: str) -> FormSpec:
    """The form's spec, or UnknownFormError listing the valid names."""
    spec = FORMS.get(form_name)
    if spec is None:
        raise UnknownFormError(f"unknown form {form_name!r}; valid: {', '.join(FORMS)}")
    return spec


def form_label(form_name: str) -> str:
    return form_spec(form_name).label


def display_label(form_name: str) -> str:
    """The label, or the name itself for a form this version does not know (a ticket written
    by a newer esp-tui still lists)."""
    spec = FORMS.get(form_name)
    return spec.label if spec else form_name


def escalation_form(form_name: str) -> str:
    """A troubleshooting step's `escalate_form`: a form of FORMS, else ValueError naming them
    (the default, a Carrier Ticket, first)."""
    if form_name not in FORMS:
        names = [f"'{n}'" for n in sorted(FORMS, key=lambda n: n != CARRIER_TICKET)]
        raise ValueError(f"Input should be {', '.join(names[:-1])} or {names[-1]}")
    return form_name


def default_form_tabs() -> dict[str, str]:
    """[sheet.form_tabs]' defaults: each form's tab title."""
    return {name: spec.default_tab for name, spec in FORMS.items()}


def ticket_gist(form_name: str, fields: Mapping[str, Any]) -> str:
    """What a ticket is about, from its form's gist field(s): "" when none is filled in (or
    the form is unknown)."""
    spec = FORMS.get(form_name)
    parts = [_gist_text(fields.get(key)) for key in (spec.gist if spec else ())]
    return " · ".join(p for p in parts if p)


def _gist_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_gist_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --- the generic editor description -------------------------------------------------------


class FieldSpec(BaseModel):
    """One editable field, enough for a screen or the CLI to render and prompt generically."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    key: str
    label: str
    required: bool
    kind: FieldKind
    choices: tuple[str, ...] = ()
    default: str = ""
    hint: str = ""


def form_fields(form_name: str, tasks: Mapping[str, TaskSpec] | None = None) -> list[FieldSpec]:
    """The fields the TL fills, in display order (computed fields are not listed)."""
    exam_keys = tuple(k for k, t in (tasks or {}).items() if t.is_exam)
    out: list[FieldSpec] = []
    for f in form_spec(form_name).fields:
        kind: FieldKind
        if f.kind == "task":
            kind, choices = ("choice", exam_keys) if exam_keys else ("text", ())
        else:
            kind, choices = f.kind, f.choices
        out.append(
            FieldSpec(
                key=f.key,
                label=f.label,
                required=f.required,
                kind=kind,
                choices=choices,
                default=f.default,
                hint=f.hint,
            )
        )
    return out


def blank_refused(form_name: str) -> frozenset[str]:
    """The fields where a blank value is an error, not "not filled in": the choices (a blank
    choice is no choice; left out, a choice takes its default)."""
    return frozenset(f.key for f in form_spec(form_name).fields if f.kind == "choice")


def _message(spec: FormSpec, err: ErrorDetails) -> str:
    field = str(err["loc"][0]) if err["loc"] else ""
    kind = err["type"]
    if kind == "form":
        return err["msg"]
    if kind == "extra_forbidden":
        keys = ", ".join(f.key for f in spec.fields)
        return f"not a field of {spec.label}; fields: {keys}"
    if kind in ("missing", "string_too_short"):
        return "required"
    declared = next((f for f in spec.fields if f.key == field), None)
    if declared is not None and declared.message:
        return declared.message
    return str(err["msg"]).removeprefix("Value error, ")


def validate_form(
    form_name: str,
    fields: Mapping[str, Any],
    *,
    tasks: Mapping[str, TaskSpec] | None = None,
    guide: Sequence[GuideStep] | None = None,
    call_cert: CallCertRule | None = None,
    today: date | None = None,
) -> tuple[BaseModel | None, dict[str, str]]:
    """Validate what the TL typed (strings, or typed values from stored JSON).

    Returns (model, {}) or (None, {field: message}) with one message per field, every failing
    field at once; errors that concern the form as a whole are keyed "". Blank strings count as
    not filled in, except in a choice (`blank_refused`: a blank urgency is refused, not taken
    as the default). With `tasks` the exam/cert keys, pass marks and attempt limits are checked
    and `next_step` is filled in; `call_cert` is the rule a Call Certification is decided by
    (default: the shipped one); with `today` (the cohort's) a date of something done may not
    be after it. Raises UnknownFormError for a form name not in FORMS.
    """
    spec = form_spec(form_name)
    keep_blank = blank_refused(form_name)
    data = {
        k: v.strip() if isinstance(v, str) else v
        for k, v in fields.items()
        if k in keep_blank or not (isinstance(v, str) and not v.strip())
    }
    context = {"tasks": tasks, "guide": guide, "call_cert": call_cert, "today": today}
    try:
        return spec.model.model_validate(data, context=context), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            errors.setdefault(field, _message(spec, err))
        return None, errors
