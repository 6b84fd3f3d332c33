"""Progress actions (set/cycle a status, record an attempt or a call certification) and the
progress read models for the screens, the roster and the CLI. The failed-exam guide's step and
what it creates are in exam_guide.py; the catalog lookups and ProgressError in progress_base.py.

Every action is one `db.atomic()`; called inside another transaction (the tickets submit) it
nests as a savepoint, so the caller's transaction stays the one that commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from esp_tui.clock import cohort_zone
from esp_tui.config import Config
from esp_tui.domain.attendance import local_datetime
from esp_tui.domain.models import Agent
from esp_tui.domain.progress import (
    AgentProgress,
    CallCertResult,
    Standing,
    TaskState,
    agent_progress,
    attempts_left,
    call_cert_result,
    check_claimed_result,
    expected_by_day,
    next_action,
    score_passes,
    task_standing,
)
from esp_tui.domain.records import Cap, ExamAttempt, RedFlag
from esp_tui.domain.tasks import TASK_STATUSES, GuideStep, TaskSpec, TaskStatus
from esp_tui.services.agents import require_agent
from esp_tui.services.exam_guide import act_on_guide as act_on_guide  # screens/tasks.py
from esp_tui.services.exam_guide import guide_record, pct, plural
from esp_tui.services.progress_base import ProgressError as ProgressError  # services/tickets.py
from esp_tui.services.progress_base import call_cert_task, guide_for, require_task
from esp_tui.services.progress_base import task_state as _state
from storage import progress as store
from storage.agents import list_agents
from storage.clock import utcnow
from storage.cohort import get_cohort
from storage.flags import list_caps, list_flags


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def cohort_day(db: Database, config: Config, now: datetime) -> tuple[int, bool]:
    """(today's cohort day, whether that day's scheduled end has passed)."""
    cohort = get_cohort(db)
    if cohort is None:
        return 1, False
    zone = cohort_zone(cohort.timezone)
    local = now.astimezone(zone)
    today = cohort.current_day(local.date())
    end = local_datetime(cohort.date_of(today), cohort.schedule.for_day(today).end, zone)
    return today, local >= end


# --- status ----------------------------------------------------------------------------------


def set_status(
    db: Database,
    config: Config,
    agent_id: str,
    task_key: str,
    status: str,
    *,
    now: datetime | None = None,
) -> TaskState:
    """Set the agent's status for a task (no attempt is recorded)."""
    if status not in TASK_STATUSES:
        raise ProgressError(f"status {status!r}: expected one of {', '.join(TASK_STATUSES)}")
    require_agent(db, agent_id, ProgressError)
    require_task(config, task_key)
    with db.atomic():
        store.set_status(db, agent_id, task_key, status, _now(now))
    return _state(db, agent_id, task_key)


def next_status(task: TaskSpec, current: TaskStatus) -> TaskStatus:
    """The status `space` moves to. Exams reach "failed" only through a recorded attempt, so
    their cycle skips it; a failed exam goes back to in progress (the retake)."""
    cycle: tuple[TaskStatus, ...] = (
        ("not_started", "in_progress", "passed", "waived")
        if task.is_exam
        else ("not_started", "in_progress", "passed", "failed", "waived")
    )
    if current not in cycle:
        return "in_progress"
    return cycle[(cycle.index(current) + 1) % len(cycle)]


def cycle_status(
    db: Database, config: Config, agent_id: str, task_key: str, *, now: datetime | None = None
) -> TaskState:
    task = require_task(config, task_key)
    require_agent(db, agent_id, ProgressError)
    current = store.get_status(db, agent_id, task_key)
    return set_status(db, config, agent_id, task_key, next_status(task, current), now=now)


# --- attempts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptOutcome:
    """What an attempt did. `step` is the guide's next step after a fail (None on a pass);
    `creates` is what that step asks the TL to create ("", "cap" or "red_flag")."""

    task: TaskSpec
    attempt: ExamAttempt
    state: TaskState
    step: GuideStep | None
    attempts_left: int | None
    message: str

    @property
    def passed(self) -> bool:
        return self.attempt.passed

    @property
    def creates(self) -> str:
        return self.step.creates if self.step else ""


def _left_text(left: int | None) -> str:
    if left is None:
        return ""
    return f" ({plural(left, 'attempt')} left)" if left else " (no attempts left)"


def record_attempt(
    db: Database,
    config: Config,
    agent_id: str,
    task_key: str,
    score: float,
    *,
    now: datetime | None = None,
    claimed_status: str | None = None,
) -> AttemptOutcome:
    """Record a scored attempt at an exam or cert. A pass marks the task passed; a fail marks it
    failed and returns the failed-exam guide's next step (nothing is created yet: see
    act_on_guide). `claimed_status` (the CLI's status argument) must agree with the score."""
    task = require_task(config, task_key)
    if not task.is_exam:
        raise ProgressError(
            f"task {task_key!r} ({task.label}) is a {task.kind}: only exams and certs take"
            " scored attempts"
        )
    try:
        if claimed_status is not None:
            check_claimed_result(task, score, claimed_status)
        passed = score_passes(task, score)
    except ValueError as e:
        raise ProgressError(str(e)) from None
    with db.atomic():  # checks inside the write transaction: no attempt slips in between
        require_agent(db, agent_id, ProgressError)
        if store.get_status(db, agent_id, task_key) == "passed":
            raise ProgressError(f"{agent_id}: {task.label} is already passed")
        fails = store.failed_count(db, agent_id, task_key)
        left = attempts_left(task, fails)
        if left == 0:
            raise ProgressError(
                f"{agent_id}: all {task.max_attempts} attempts at {task.label} are used"
            )
        attempt = store.add_attempt(db, agent_id, task_key, score, passed, _now(now))
        store.set_status(db, agent_id, task_key, "passed" if passed else "failed", attempt.at)
    state = _state(db, agent_id, task_key)
    if passed:
        msg = f"{task.label} passed with {pct(score)} (attempt {attempt.attempt_no})."
        return AttemptOutcome(task, attempt, state, None, None, msg)
    fails += 1
    step = next_action(task, fails, guide_for(config))
    left = attempts_left(task, fails)
    tail = _left_text(left)
    msg = (
        f"{task.label}: attempt {attempt.attempt_no} failed with {pct(score)}"
        f" (pass mark {pct(task.pass_mark or 0)}). Next: {step.text}{tail}"
    )
    return AttemptOutcome(task, attempt, state, step, left, msg)


# --- call certification ----------------------------------------------------------------------


def record_call_cert(
    db: Database,
    config: Config,
    agent_id: str,
    scores: Sequence[float],
    *,
    now: datetime | None = None,
) -> CallCertResult:
    """Decide the call certification from the graded calls. Decided → one attempt (no single
    score) and status passed/failed; still open → status in progress, no attempt."""
    task = call_cert_task(config)
    try:
        result = call_cert_result(list(scores), config.call_cert)
    except ValueError as e:
        raise ProgressError(f"scores: {e}") from None
    require_agent(db, agent_id, ProgressError)
    at = _now(now)
    with db.atomic():
        if result.complete:
            store.add_attempt(db, agent_id, task.key, None, result.passed, at)
            status: TaskStatus = "passed" if result.passed else "failed"
        else:
            status = "in_progress"
        store.set_status(db, agent_id, task.key, status, at)
    return result


# --- read models -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskRow:
    task: TaskSpec
    state: TaskState
    standing: Standing
    fails: int
    attempts_left: int | None
    step: GuideStep | None  # the guide's step while the exam is failed
    made: Cap | RedFlag | None = None  # what `c` already created for that step


@dataclass(frozen=True)
class AgentTasks:
    agent: Agent
    today: int
    day_over: bool
    rows: list[TaskRow]
    progress: AgentProgress
    caps: list[Cap]
    flags: list[RedFlag]


def _fails(state: TaskState, attempts: list[ExamAttempt]) -> int:
    return sum(1 for a in attempts if a.task_key == state.task_key and not a.passed)


def agent_tasks(
    db: Database, config: Config, agent_id: str, *, now: datetime | None = None
) -> AgentTasks:
    """Everything the agent's task list shows."""
    agent = require_agent(db, agent_id, ProgressError)
    today, over = cohort_day(db, config, _now(now))
    states = store.agent_states(db, agent_id)
    attempts = store.list_attempts(db, agent_id)
    guide = guide_for(config)
    rows = []
    for task in config.tasks:
        state = states.get(task.key) or TaskState(task_key=task.key)
        fails = _fails(state, attempts)
        step = (
            next_action(task, fails, guide)
            if task.is_exam and state.status == "failed" and fails > 0
            else None
        )
        left = attempts_left(task, fails) if task.is_exam else None
        made = guide_record(db, config, agent_id, task.key) if step and step.creates else None
        standing = task_standing(task, state, today, over)
        rows.append(TaskRow(task, state, standing, fails, left, step, made))
    return AgentTasks(
        agent=agent,
        today=today,
        day_over=over,
        rows=rows,
        progress=agent_progress(config.tasks, states, today, over, guide=guide),
        caps=list_caps(db, agent_id),
        flags=list_flags(db, agent_id),
    )


@dataclass(frozen=True)
class CohortRow:
    agent: Agent
    states: dict[str, TaskState]
    standings: dict[str, Standing]
    progress: AgentProgress


@dataclass(frozen=True)
class CohortProgress:
    today: int
    day_over: bool
    expected: int  # tasks due by the end of today
    tasks: list[TaskSpec]
    rows: list[CohortRow]  # behind first

    @property
    def agents_behind(self) -> int:
        return sum(1 for r in self.rows if r.progress.behind)


def cohort_progress(db: Database, config: Config, *, now: datetime | None = None) -> CohortProgress:
    """Every active agent's progress, most behind first (then fewest done, then by name)."""
    today, over = cohort_day(db, config, _now(now))
    all_states = store.all_states(db)
    guide = guide_for(config)
    rows = []
    for agent in list_agents(db):
        states = all_states.get(agent.agent_id, {})
        standings = {t.key: task_standing(t, states.get(t.key), today, over) for t in config.tasks}
        prog = agent_progress(config.tasks, states, today, over, guide=guide)
        rows.append(CohortRow(agent, states, standings, prog))
    rows.sort(key=lambda r: (-len(r.progress.behind), r.progress.passed, r.agent.name))
    return CohortProgress(
        today=today,
        day_over=over,
        expected=expected_by_day(config.tasks, today),
        tasks=list(config.tasks),
        rows=rows,
    )


def progress_by_agent(
    db: Database, config: Config, *, now: datetime | None = None
) -> dict[str, AgentProgress]:
    """agent_id -> AgentProgress for every active agent (the roster's Progress column)."""
    today, over = cohort_day(db, config, _now(now))
    all_states = store.all_states(db)
    guide = guide_for(config)
    return {
        a.agent_id: agent_progress(
            config.tasks, all_states.get(a.agent_id, {}), today, over, guide=guide
        )
        for a in list_agents(db)
    }


def progress_report(
    db: Database, config: Config, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """`esp-tui progress list --json`: one dict per agent, in roster order."""
    today, over = cohort_day(db, config, _now(now))
    all_states = store.all_states(db)
    guide = guide_for(config)
    out = []
    for agent in list_agents(db):
        states = all_states.get(agent.agent_id, {})
        prog = agent_progress(config.tasks, states, today, over, guide=guide)
        tasks = {}
        for t in config.tasks:
            s = states.get(t.key) or TaskState(task_key=t.key)
            tasks[t.key] = {"status": s.status, "attempts": s.attempts, "last_score": s.last_score}
        out.append(
            {
                "agent_id": agent.agent_id,
                "name": agent.name,
                "passed": prog.passed,
                "total": prog.total,
                "tasks": tasks,
                "behind": prog.behind,
                "due_today": prog.due_today,
                "next_actions": prog.next_actions,
            }
        )
    return out
