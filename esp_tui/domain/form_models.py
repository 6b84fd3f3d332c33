"""The pydantic models of the runbook's four tracking forms: what each validates, per field.

The agent is not a form field: it lives on the ticket. Fields the TL does not type are computed:
a Call Certification's `result` (from the scores by the call-cert rule) and a Failed Carrier Cert
Exam's `next_step` (from the failed-exam guide, when the catalog is given). The registry that
names, labels and lays the forms out is `esp_tui.domain.forms`. Pure: pydantic + stdlib.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from esp_tui.domain.progress import call_cert_result, next_action
from esp_tui.domain.tasks import CallCertRule, TaskSpec, default_guide

Urgency = Literal["low", "normal", "high"]
URGENCIES: tuple[Urgency, ...] = ("low", "normal", "high")

SCORE_MSG = "must be a number from 0 to 100"
DATE_MSG = "must be a date as YYYY-MM-DD"
ATTEMPT_MSG = "must be a whole number, 1 or more"
URGENCY_MSG = f"must be one of: {', '.join(URGENCIES)}"


def _form_error(msg: str) -> PydanticCustomError:
    # Passed through a context key so braces in user text are never read as a template.
    return PydanticCustomError("form", "{msg}", {"msg": msg})


def _number(v: Any) -> Any:
    # TLs type "85%" as often as "85"; booleans are not scores.
    if isinstance(v, bool):
        raise _form_error(SCORE_MSG)
    if isinstance(v, str):
        return v.strip().removesuffix("%").strip()
    return v


def _no_bool(v: Any) -> Any:
    # int() accepts True as 1; a checkbox value is never an attempt number.
    if isinstance(v, bool):
        raise _form_error(ATTEMPT_MSG)
    return v


def _date(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        raise _form_error(DATE_MSG)
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            raise _form_error(DATE_MSG) from None
    return v


def _blank_is_none(v: Any) -> Any:
    return None if isinstance(v, str) and not v.strip() else v


def _not_future(v: dt.date, info: ValidationInfo) -> dt.date:
    # "today" in the context is the cohort's today (the service reads it from its clock).
    today: dt.date | None = _ctx(info, "today")
    if today is not None and v > today:
        raise _form_error(
            f"{v.isoformat()} is in the future (today is {today.isoformat()}): "
            "give the day it happened"
        )
    return v


def _urgency(v: Any) -> Any:
    if isinstance(v, str):
        if not v.strip():
            raise _form_error(f"blank is not an urgency; {URGENCY_MSG}")
        return v.strip().lower()
    return v


Score = Annotated[float, BeforeValidator(_number), Field(ge=0, le=100, allow_inf_nan=False)]
Date = Annotated[dt.date, BeforeValidator(_date)]
# The day something was done (a cert passed, calls graded, an exam failed): never after today.
DoneDate = Annotated[dt.date, BeforeValidator(_date), AfterValidator(_not_future)]
Required = Annotated[str, Field(min_length=1)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_is_none)]


def _ctx(info: ValidationInfo, key: str) -> Any:
    return (info.context or {}).get(key)


class _Form(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", str_strip_whitespace=True)


def _exam_task(key: str, tasks: Mapping[str, TaskSpec]) -> TaskSpec:
    task = tasks.get(key)
    if task is None or not task.is_exam:
        known = ", ".join(k for k, t in tasks.items() if t.is_exam) or "none"
        raise _form_error(f"{key!r} is not an exam or cert task; known: {known}")
    return task


class CarrierCertCompletion(_Form):
    carrier: Required
    task_key: OptionalText = None  # the cert task it completes; found by carrier when left out
    completed_on: DoneDate
    score: Annotated[Score | None, BeforeValidator(_blank_is_none)] = None
    certificate_id: Annotated[OptionalText, Field(validate_default=True)] = None
    proof_note: str = ""

    @field_validator("task_key")
    @classmethod
    def _known_task(cls, v: str | None, info: ValidationInfo) -> str | None:
        tasks = _ctx(info, "tasks")
        if v is None or tasks is None:
            return v
        task = _exam_task(v, tasks)
        carrier = info.data.get("carrier")
        if task.carrier and carrier and task.carrier.casefold() != carrier.casefold():
            raise _form_error(f"{v!r} is the {task.carrier} certification, not {carrier}")
        return v

    @field_validator("certificate_id")
    @classmethod
    def _score_or_certificate(cls, v: str | None, info: ValidationInfo) -> str | None:
        # "score" absent from info.data means it already failed: do not pile on a second error.
        if v is None and "score" in info.data and info.data["score"] is None:
            raise _form_error("give a score or a certificate id")
        return v

    @field_validator("score")
    @classmethod
    def _reaches_pass_mark(cls, v: float | None, info: ValidationInfo) -> float | None:
        tasks = _ctx(info, "tasks")
        carrier = info.data.get("carrier")
        if v is None or tasks is None or carrier is None or "task_key" not in info.data:
            return v
        task = _completion_task(info.data["task_key"], carrier, tasks)
        if task is not None and task.pass_mark is not None and v < task.pass_mark:
            raise _form_error(
                f"{v:g} is below the {task.label} pass mark ({task.pass_mark:g}); "
                "use a Failed Carrier Cert Exam"
            )
        return v


def _completion_task(
    task_key: str | None, carrier: str, tasks: Mapping[str, TaskSpec]
) -> TaskSpec | None:
    if task_key is not None:
        return tasks.get(task_key)
    matches = [
        t
        for t in tasks.values()
        if t.is_exam and t.carrier and t.carrier.casefold() == carrier.casefold()
    ]
    return matches[0] if len(matches) == 1 else None


def completion_task(form: CarrierCertCompletion, tasks: Mapping[str, TaskSpec]) -> TaskSpec | None:
    """The cert task a completion form passes: its task_key, else the one cert of its carrier."""
    return _completion_task(form.task_key, form.carrier, tasks)


def parse_scores(v: Any) -> list[float]:
    """Call scores from a list or a string like "90, 85, 70" (commas, semicolons or spaces)."""
    if isinstance(v, str):
        items: list[Any] = [p for p in re.split(r"[,;\s]+", v.strip()) if p]
    elif isinstance(v, list | tuple):
        items = list(v)
    else:
        raise _form_error("must be a list of call scores, e.g. 90, 85, 70")
    out: list[float] = []
    for i, raw in enumerate(items, start=1):
        try:
            if isinstance(raw, bool):
                raise ValueError
            score = float(raw.strip().removesuffix("%") if isinstance(raw, str) else raw)
        except (TypeError, ValueError):
            raise _form_error(f"call {i}: {raw!r} is not a number") from None
        if math.isnan(score):
            raise _form_error(f"call {i}: {raw!r} is not a number")
        if not 0 <= score <= 100:
            raise _form_error(f"call {i}: {raw} is outside 0 to 100")
        out.append(score)
    return out


class CallCertification(_Form):
    certifier: Required
    date: DoneDate
    scores: Annotated[list[float], BeforeValidator(parse_scores)]
    # Computed from the scores by the call-cert rule; whatever was passed in is discarded.
    result: Annotated[Literal["passed", "failed"] | None, BeforeValidator(lambda _: None)] = None
    feedback: str = ""

    @field_validator("scores")
    @classmethod
    def _decided(cls, v: list[float], info: ValidationInfo) -> list[float]:
        rule: CallCertRule = _ctx(info, "call_cert") or CallCertRule()
        if not v:
            raise _form_error("enter the graded calls' scores, e.g. 90, 85, 70")
        if len(v) > rule.calls:
            raise _form_error(f"{len(v)} scores given; the certification grades {rule.calls}")
        outcome = call_cert_result(v, rule)
        if not outcome.complete:
            raise _form_error(
                f"not decided yet: {len(v)} of {rule.calls} calls graded, "
                f"{outcome.calls_passed} passed, {rule.calls_to_pass} needed"
            )
        return v

    @model_validator(mode="after")
    def _compute_result(self, info: ValidationInfo) -> CallCertification:
        rule: CallCertRule = _ctx(info, "call_cert") or CallCertRule()
        self.result = "passed" if call_cert_result(self.scores, rule).passed else "failed"
        return self


class FailedCarrierCertExam(_Form):
    task_key: Required  # the exam or cert failed
    attempt_no: Annotated[int, BeforeValidator(_no_bool), Field(ge=1)]
    score: Score
    date: DoneDate
    # Filled in from the failed-exam guide when the catalog is in the context; else kept as given.
    next_step: str = ""

    @field_validator("task_key")
    @classmethod
    def _known_exam(cls, v: str, info: ValidationInfo) -> str:
        tasks = _ctx(info, "tasks")
        if tasks is not None:
            _exam_task(v, tasks)
        return v

    @field_validator("attempt_no")
    @classmethod
    def _within_max(cls, v: int, info: ValidationInfo) -> int:
        task = _task_in_context(info)
        if task is not None and task.max_attempts is not None and v > task.max_attempts:
            raise _form_error(f"{task.label} allows {task.max_attempts} attempts")
        most = _highest([t.max_attempts for t in _exams_if_no_task(info)])
        if most is not None and v > most:
            # No exam yet: wrong whichever is picked, so said now, not after the pick.
            raise _form_error(f"no exam allows more than {most:g} attempts")
        return v

    @field_validator("score")
    @classmethod
    def _is_a_fail(cls, v: float, info: ValidationInfo) -> float:
        task = _task_in_context(info)
        if task is not None and task.pass_mark is not None and v >= task.pass_mark:
            raise _form_error(
                f"{v:g} passes {task.label} (pass mark {task.pass_mark:g}); "
                "use a Carrier Cert Completion"
            )
        mark = _highest([t.pass_mark for t in _exams_if_no_task(info)])
        if mark is not None and v >= mark:
            raise _form_error(
                f"{v:g} passes every exam (the highest pass mark is {mark:g}); "
                "use a Carrier Cert Completion"
            )
        return v

    @model_validator(mode="after")
    def _guide_step(self, info: ValidationInfo) -> FailedCarrierCertExam:
        tasks = _ctx(info, "tasks")
        if tasks is not None:
            guide = _ctx(info, "guide") or default_guide()
            self.next_step = next_action(tasks[self.task_key], self.attempt_no, guide).text
        return self


def _task_in_context(info: ValidationInfo) -> TaskSpec | None:
    tasks = _ctx(info, "tasks")
    key = info.data.get("task_key")
    return tasks.get(key) if tasks is not None and key is not None else None


def _exams_if_no_task(info: ValidationInfo) -> list[TaskSpec]:
    """Every exam of the catalog when the form's exam is missing or refused (else none): a value
    wrong for all of them is reported with the missing exam, not after the TL picks one."""
    tasks: Mapping[str, TaskSpec] | None = _ctx(info, "tasks")
    if tasks is None or info.data.get("task_key") is not None:
        return []
    return [t for t in tasks.values() if t.is_exam]


def _highest(values: list[float | None] | list[int | None]) -> float | None:
    """The highest of `values` when every one is set (else a limit of one is unknown)."""
    if not values or any(v is None for v in values):
        return None
    return max(float(v) for v in values if v is not None)


class CarrierTicket(_Form):
    carrier: Required  # carrier or system (AHIP, Aetna, Citrix...)
    summary: Required
    steps_tried: Required
    contact_made: str = ""
    # Left out: "normal". Given blank: refused (a blank choice is not an urgency).
    urgency: Annotated[Urgency, BeforeValidator(_urgency)] = "normal"


FormModel = CarrierCertCompletion | CallCertification | FailedCarrierCertExam | CarrierTicket
