"""The task catalog (Agent Timeframe Expectations) and the Failed Cert Exams Guide, as models.

Each model mirrors one table of esp_tui/data/default_config.toml exactly (extra keys are an
error, so a typo in the TL's config is caught instead of silently ignored). Pure: pydantic + stdlib.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

TaskKind = Literal["module", "exam", "cert", "course", "call_cert"]
TASK_KINDS: tuple[TaskKind, ...] = ("module", "exam", "cert", "course", "call_cert")
# Kinds graded by a score against a pass mark, with a limited number of attempts.
EXAM_KINDS: frozenset[str] = frozenset({"exam", "cert"})

TaskStatus = Literal["not_started", "in_progress", "passed", "failed", "waived"]
TASK_STATUSES: tuple[TaskStatus, ...] = ("not_started", "in_progress", "passed", "failed", "waived")
# A task in one of these needs nothing more from the agent.
DONE_STATUSES: frozenset[str] = frozenset({"passed", "waived"})

GuideAction = Literal["coaching", "written_cap", "cannot_sell"]
GuideCreates = Literal["", "cap", "red_flag"]


class CatalogError(ValueError):
    """The task catalog or the failed-exam guide in the config is inconsistent."""


class GuideStep(BaseModel):
    """One `[[failed_exam_guide]]` entry: what the TL does after the `attempt`-th failed attempt."""

    model_config = ConfigDict(
        defer_build=True, extra="forbid", frozen=True, str_strip_whitespace=True
    )

    attempt: int = Field(ge=1)
    action: GuideAction
    text: str = Field(min_length=1)
    creates: GuideCreates = ""


def validate_guide(steps: Sequence[GuideStep]) -> list[GuideStep]:
    """Check a ladder (non-empty, starts at attempt 1, no repeated attempt); return it sorted."""
    if not steps:
        raise CatalogError("the failed-exam guide has no steps")
    ordered = sorted(steps, key=lambda s: s.attempt)
    if ordered[0].attempt != 1:
        raise CatalogError(f"the failed-exam guide starts at attempt {ordered[0].attempt}, not 1")
    for prev, cur in itertools.pairwise(ordered):
        if cur.attempt == prev.attempt:
            raise CatalogError(f"the failed-exam guide has attempt {cur.attempt} twice")
    return ordered


def default_guide() -> list[GuideStep]:
    """The shipped `[[failed_exam_guide]]` (tests keep it equal to default_config.toml)."""
    return [
        GuideStep(
            attempt=1,
            action="coaching",
            text="Coach the agent on the missed sections before the next attempt.",
            creates="",
        ),
        GuideStep(
            attempt=2,
            action="written_cap",
            text="Issue a written CAP; the next attempt is the last and is proctored.",
            creates="cap",
        ),
        GuideStep(
            attempt=3,
            action="cannot_sell",
            text="The agent cannot sell for this carrier: raise a red flag to the PMs today.",
            creates="red_flag",
        ),
    ]


class TaskSpec(BaseModel):
    """One `[[tasks]]` entry: a task the agent must pass by the end of cohort day `due_day`."""

    model_config = ConfigDict(
        defer_build=True, extra="forbid", frozen=True, str_strip_whitespace=True
    )

    # Keys appear on the command line and in sheet headers: no spaces.
    key: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    label: str = Field(min_length=1)
    kind: TaskKind
    due_day: int = Field(ge=1)
    carrier: str | None = None
    max_attempts: int | None = Field(default=None, ge=1)
    pass_mark: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    guide: list[GuideStep] | None = None

    @field_validator("guide")
    @classmethod
    def _guide_is_a_ladder(cls, v: list[GuideStep] | None) -> list[GuideStep] | None:
        return None if v is None else validate_guide(v)

    @property
    def is_exam(self) -> bool:
        """Scored against a pass mark with limited attempts (the failed-exam guide applies)."""
        return self.kind in EXAM_KINDS


class CallCertRule(BaseModel):
    """The `[call_cert]` table: `calls_to_pass` of `calls` graded calls must score >= pass_score."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    calls: int = Field(default=5, ge=1)
    pass_score: float = Field(default=85, ge=0, le=100, allow_inf_nan=False)
    calls_to_pass: int = Field(default=4, ge=1)

    @model_validator(mode="after")
    def _reachable(self) -> CallCertRule:
        if self.calls_to_pass > self.calls:
            raise ValueError(
                f"calls_to_pass {self.calls_to_pass} is more than the {self.calls} graded calls"
            )
        return self


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def validate_catalog(
    tasks: Iterable[TaskSpec | Mapping[str, Any]], *, days: int | None = None
) -> list[TaskSpec]:
    """Parse and check the `[[tasks]]` catalog; raise CatalogError naming the task at fault.

    Checks: each entry is a valid TaskSpec, keys are unique, exams/certs have `max_attempts`
    and `pass_mark`, and (when `days` is given) every due_day falls inside the cohort.
    """
    out: list[TaskSpec] = []
    seen: set[str] = set()
    for i, raw in enumerate(tasks, start=1):
        if isinstance(raw, TaskSpec):
            task = raw
        else:
            name = f"tasks #{i}" + (f" ({raw['key']!r})" if "key" in raw else "")
            try:
                task = TaskSpec.model_validate(raw)
            except ValidationError as exc:
                raise CatalogError(f"{name}: {_first_error(exc)}") from None
        where = f"tasks #{i} ({task.key!r})"
        if task.key in seen:
            raise CatalogError(f"{where}: the key is used by another task")
        seen.add(task.key)
        if task.is_exam:
            missing = [f for f in ("max_attempts", "pass_mark") if getattr(task, f) is None]
            if missing:
                raise CatalogError(f"{where}: a {task.kind} needs {' and '.join(missing)}")
        if days is not None and task.due_day > days:
            raise CatalogError(f"{where}: due_day {task.due_day} is after the last day ({days})")
        out.append(task)
    return out
