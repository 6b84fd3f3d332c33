"""Progress rules: who is behind, the failed-exam guide, call certification, CAPs and red flags.

Pure: pydantic + stdlib. "today" is a cohort day number (1..days) and `day_over` says whether
that day's scheduled end has passed (or the TL closed it); callers derive both from the clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from esp_tui.domain.tasks import (
    DONE_STATUSES,
    CallCertRule,
    GuideStep,
    TaskSpec,
    TaskStatus,
    default_guide,
    validate_guide,
)

Standing = Literal["done", "behind", "due_today", "upcoming"]

CapLevel = Literal["verbal", "written", "final"]
CAP_LEVELS: tuple[CapLevel, ...] = ("verbal", "written", "final")

RedFlagKind = Literal["background_check", "conduct", "attendance", "other"]
RED_FLAG_KINDS: tuple[RedFlagKind, ...] = ("background_check", "conduct", "attendance", "other")
RED_FLAG_LABELS: dict[str, str] = {
    "background_check": "background check",
    "conduct": "conduct",
    "attendance": "attendance",
    "other": "other",
}


class TaskState(BaseModel):
    """An agent's record for one task. `attempts` counts every graded attempt, pass or fail."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    task_key: str
    status: TaskStatus = "not_started"
    attempts: int = Field(default=0, ge=0)
    last_score: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)


@lru_cache(maxsize=256)
def _not_started(task_key: str) -> TaskState:
    # Frozen, so one shared instance per key: a roster reload asks for thousands of these.
    return TaskState(task_key=task_key)


def _state_for(task: TaskSpec, state: TaskState | None) -> TaskState:
    # No row yet means nothing was recorded: the task has not been started.
    return state if state is not None else _not_started(task.key)


def failed_attempts(state: TaskState) -> int:
    """Failed attempts so far: a passed task's last attempt was the pass, not a fail."""
    if state.status == "passed" and state.attempts > 0:
        return state.attempts - 1
    return state.attempts


# --- standing against the Agent Timeframe Expectations -------------------------------------


def task_standing(task: TaskSpec, state: TaskState | None, today: int, day_over: bool) -> Standing:
    """done (passed/waived); behind (due before today, or due today and the day is over);
    due_today (due today, day still running); upcoming (due later)."""
    if _state_for(task, state).status in DONE_STATUSES:
        return "done"
    if task.due_day < today or (task.due_day == today and day_over):
        return "behind"
    if task.due_day == today:
        return "due_today"
    return "upcoming"


def is_behind(task: TaskSpec, state: TaskState | None, *, today: int, day_over: bool) -> bool:
    return task_standing(task, state, today, day_over) == "behind"


def expected_by_day(tasks: Sequence[TaskSpec], day: int) -> int:
    """How many tasks should be passed by the end of `day` (the Progress screen's expected line)."""
    return sum(1 for t in tasks if t.due_day <= day)


# --- failed-exam guide ---------------------------------------------------------------------


def _check_score(score: float, what: str = "score") -> float:
    if isinstance(score, bool) or not isinstance(score, int | float) or math.isnan(score):
        raise ValueError(f"{what}: {score!r} is not a number")
    if not 0 <= score <= 100:
        raise ValueError(f"{what}: {_fmt(score)} is outside 0..100")
    return float(score)


def _fmt(x: float) -> str:
    return f"{x:g}"


def score_passes(task: TaskSpec, score: float) -> bool:
    """An attempt passes when its score reaches the task's pass mark (exactly the mark passes)."""
    if task.pass_mark is None:
        raise ValueError(f"task {task.key!r} has no pass_mark: it is not scored")
    return _check_score(score) >= task.pass_mark


def check_claimed_result(task: TaskSpec, score: float, status: str) -> None:
    """A score recorded together with a status (`progress set A T failed --score 70`) must agree
    with it: a pass mark decides, not the person typing."""
    if status not in ("passed", "failed"):
        raise ValueError(f"a score goes with passed or failed, not {status}")
    passes = score_passes(task, score)
    if passes != (status == "passed"):
        verb = "passes" if passes else "is below the pass mark of"
        raise ValueError(
            f"score {score:g} {verb} {task.label} ({task.pass_mark:g}%); the status says {status}"
        )


def attempts_left(task: TaskSpec, failed_attempts: int) -> int | None:
    """Attempts the agent still has, or None when the task has no attempt limit."""
    if failed_attempts < 0:
        raise ValueError(f"failed attempts must be 0 or more, not {failed_attempts}")
    if task.max_attempts is None:
        return None
    return max(0, task.max_attempts - failed_attempts)


def next_action(task: TaskSpec, failed_attempts: int, guide: Sequence[GuideStep]) -> GuideStep:
    """The guide step for the `failed_attempts`-th fail: the task's own ladder if it has one, else
    `guide`. Past the end of the ladder the last step keeps applying."""
    if not task.is_exam:
        raise ValueError(f"task {task.key!r} is a {task.kind}: the failed-exam guide is for exams")
    if failed_attempts < 1:
        raise ValueError(f"task {task.key!r}: no failed attempt yet, so no guide step")
    ladder = validate_guide(task.guide if task.guide is not None else guide)
    applicable = [s for s in ladder if s.attempt <= failed_attempts]
    return applicable[-1]  # non-empty: a valid ladder starts at attempt 1


# --- one agent's progress ------------------------------------------------------------------


class AgentProgress(BaseModel):
    """`passed` counts done tasks (passed or waived) out of `total`; lists hold task keys."""

    model_config = ConfigDict(defer_build=True)

    passed: int
    total: int
    behind: list[str]
    due_today: list[str]
    next_actions: list[str]


def _guide_line(task: TaskSpec, state: TaskState, guide: Sequence[GuideStep]) -> str:
    fails = failed_attempts(state)
    step = next_action(task, fails, guide)
    left = attempts_left(task, fails)
    if step.action == "cannot_sell" or left is None or left == 0:
        return f"{task.label}: {step.text}"
    return f"{task.label}: {step.text} ({_count(left, 'attempt')} left)"


def agent_progress(
    tasks: Sequence[TaskSpec],
    states: Mapping[str, TaskState],
    today: int,
    day_over: bool,
    *,
    guide: Sequence[GuideStep] | None = None,
) -> AgentProgress:
    """Summarise one agent. next_actions: failed exams' guide steps first, then overdue tasks,
    then tasks due today, each in catalog order."""
    ladder = list(guide) if guide is not None else default_guide()
    passed = 0
    behind: list[str] = []
    due_today: list[str] = []
    guide_lines: list[str] = []
    standing_lines: list[str] = []
    today_lines: list[str] = []
    for task in tasks:
        state = _state_for(task, states.get(task.key))
        standing = task_standing(task, state, today, day_over)
        if standing == "done":
            passed += 1
            continue
        if task.is_exam and state.status == "failed" and failed_attempts(state) > 0:
            guide_lines.append(_guide_line(task, state, ladder))
            listed = True
        else:
            listed = False
        if standing == "behind":
            behind.append(task.key)
            if not listed:
                standing_lines.append(f"{task.label}: behind, was due day {task.due_day}")
        elif standing == "due_today":
            due_today.append(task.key)
            if not listed:
                today_lines.append(f"{task.label}: due today")
    return AgentProgress(
        passed=passed,
        total=len(tasks),
        behind=behind,
        due_today=due_today,
        next_actions=guide_lines + standing_lines + today_lines,
    )


# --- call certification --------------------------------------------------------------------


class CallCertResult(BaseModel):
    """`calls_needed` is the rule's calls_to_pass. `complete` once every call is graded or the
    outcome can no longer change; `passed` is only ever True when it is decided."""

    model_config = ConfigDict(defer_build=True)

    passed: bool
    calls_passed: int
    calls_needed: int
    complete: bool
    message: str


def call_cert_result(scores: Sequence[float], rule: CallCertRule) -> CallCertResult:
    """Decide a call certification from the graded calls' scores (percent, in call order)."""
    if len(scores) > rule.calls:
        raise ValueError(f"{len(scores)} call scores given; the rule grades {rule.calls} calls")
    checked = [_check_score(s, f"call {i}") for i, s in enumerate(scores, start=1)]
    ok = sum(1 for s in checked if s >= rule.pass_score)
    remaining = rule.calls - len(checked)
    need = rule.calls_to_pass
    bar = f"{_fmt(rule.pass_score)}%"
    graded = len(checked)
    if ok >= need:
        # More calls cannot undo a pass.
        head = "Certified" if not remaining else f"Certified after {graded} of {rule.calls} calls"
        msg = f"{head}: {ok} of {graded} scored {bar} or more ({need} needed)."
        complete, passed = True, True
    elif ok + remaining < need:
        # Even if every call left passes, the total cannot reach calls_to_pass.
        msg = (
            f"Not certified: {ok} of {graded} graded calls scored {bar} or more; "
            f"{need} of {rule.calls} needed."
        )
        complete, passed = True, False
    else:
        msg = (
            f"In progress: {ok} of {graded} graded calls scored {bar} or more; "
            f"{need - ok} more needed from the {_count(remaining, 'call')} left."
        )
        complete, passed = False, False
    return CallCertResult(
        passed=passed, calls_passed=ok, calls_needed=need, complete=complete, message=msg
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# --- red flags ------------------------------------------------------------------------------


def pm_message(
    agent_name: str,
    agent_id: str,
    kind: str,
    text: str,
    cohort_name: str,
    raised_at_local: str,
) -> str:
    """The one-paragraph message a TL sends a PM about a red flag (line breaks folded)."""
    if kind not in RED_FLAG_LABELS:
        raise ValueError(f"red flag kind {kind!r} is not one of: {', '.join(RED_FLAG_KINDS)}")
    body = re.sub(r"\s+", " ", text).strip()
    if not body:
        raise ValueError("red flag text must not be empty")
    if body[-1] not in ".!?":
        body += "."
    who = f"{agent_name.strip()} (agent ID {agent_id.strip()})"
    return (
        f"Red flag ({RED_FLAG_LABELS[kind]}) for {who}, "
        f"{cohort_name.strip()}, raised {raised_at_local.strip()}: {body} "
        "Please advise on next steps."
    )
