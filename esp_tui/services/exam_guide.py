"""The Failed Cert Exams Guide for a failed exam: the step it is on, the CAP reason / red flag
text of that step, and creating what the step calls for (once: an identical one is reused).
The coaching step creates no CAP or flag: `record_coaching` keeps that it happened (who, when,
one line), shown in the handoff and the tracker's CAP cell as `coaching_text`."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.limits import cell_text_problem
from esp_tui.domain.progress import next_action
from esp_tui.domain.records import Cap, Coaching, RedFlag
from esp_tui.domain.tasks import GuideStep, TaskSpec
from esp_tui.services.agents import require_agent
from esp_tui.services.flags import create_cap, raise_flag
from esp_tui.services.progress_base import ProgressError, guide_for, require_task, task_state
from storage import progress as store
from storage.coaching import add_coaching, list_coaching
from storage.flags import list_caps, list_flags
from storage.settings import tl_name

_CAP_LEVEL_FOR_ACTION = {"coaching": "verbal", "written_cap": "written", "cannot_sell": "final"}


def pct(x: float) -> str:
    return f"{x:g}%"


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def latest_guide_step(
    db: Database, config: Config, agent_id: str, task_key: str
) -> tuple[GuideStep, int] | None:
    """(the guide step, failed attempts) for a task whose status is failed; else None."""
    task = require_task(config, task_key)
    if not task.is_exam or store.get_status(db, agent_id, task_key) != "failed":
        return None
    fails = store.failed_count(db, agent_id, task_key)
    if fails < 1:
        return None
    return next_action(task, fails, guide_for(config)), fails


def guide_reason(task: TaskSpec, fails: int, last_score: float | None, step: GuideStep) -> str:
    """The CAP reason / red flag text for the guide step after `fails` failed attempts (a PM
    reads the flag text: it states the fact, not the TL's instruction)."""
    scored = f" (last score {pct(last_score)})" if last_score is not None else ""
    what = f"Failed {task.label} {plural(fails, 'time')}{scored}."
    if step.action == "cannot_sell":
        where = f"for {task.carrier}" if task.carrier else f"until {task.label} is passed"
        return f"{what} Per the Failed Cert Exams Guide the agent cannot sell {where}."
    return f"{what} {step.text}"


def act_on_guide(
    db: Database, config: Config, agent_id: str, task_key: str, *, now: datetime | None = None
) -> Cap | RedFlag | None:
    """Create what the guide's current step for a failed exam calls for (a CAP or a red flag).

    Idempotent: an identical CAP / flag already recorded is returned instead of a second one.
    None when the step creates nothing (e.g. coaching) or the task is not failed.
    """
    require_agent(db, agent_id, ProgressError)
    found = latest_guide_step(db, config, agent_id, task_key)
    if found is None:
        return None
    step, fails = found
    task = require_task(config, task_key)
    reason = guide_reason(task, fails, task_state(db, agent_id, task_key).last_score, step)
    with db.atomic():
        existing = _recorded(db, agent_id, step, reason)
        if existing is not None:
            return existing
        if step.creates == "cap":
            level = _CAP_LEVEL_FOR_ACTION[step.action]
            return create_cap(db, config, agent_id, level, reason, now=now)
        if step.creates == "red_flag":
            return raise_flag(db, config, agent_id, "other", reason, now=now)
    return None


def _recorded(db: Database, agent_id: str, step: GuideStep, reason: str) -> Cap | RedFlag | None:
    """The CAP / flag with this exact reason already recorded for the agent, if any."""
    if step.creates == "cap":
        return next((c for c in list_caps(db, agent_id) if c.reason == reason), None)
    if step.creates == "red_flag":
        return next((f for f in list_flags(db, agent_id) if f.text == reason), None)
    return None


def guide_record(
    db: Database, config: Config, agent_id: str, task_key: str
) -> Cap | RedFlag | None:
    """What act_on_guide already created for the failed exam's current step (None if nothing
    yet or the step creates nothing): the screen says so instead of offering `c` again."""
    found = latest_guide_step(db, config, agent_id, task_key)
    if found is None or not found[0].creates:
        return None
    step, fails = found
    task = require_task(config, task_key)
    reason = guide_reason(task, fails, task_state(db, agent_id, task_key).last_score, step)
    return _recorded(db, agent_id, step, reason)


# --- coaching (the guide's first step) --------------------------------------------------------


def record_coaching(
    db: Database, config: Config, agent_id: str, task_key: str, text: str, *, now: datetime
) -> Coaching:
    """Record that the TL coached the agent on a failed exam: who (the TL's name), when (now),
    one line of what was covered. ProgressError when the exam is not failed or the line is
    empty or too long for a sheet cell."""
    task = require_task(config, task_key)
    line = " ".join(text.split())  # one line, as the handoff and the sheet show it
    if not line:
        raise ProgressError("coaching: say in one line what was covered")
    problem = cell_text_problem(line, "the coaching line")
    if problem:
        raise ProgressError(problem)
    # The checks inside the write transaction: an attempt recorded meanwhile by another
    # esp-tui cannot leave the coaching filed against the wrong attempt count.
    with db.atomic():
        agent = require_agent(db, agent_id, ProgressError)
        found = latest_guide_step(db, config, agent.agent_id, task_key)
        if found is None:
            raise ProgressError(
                f"{agent.name}'s {task.label} is not a failed exam: nothing to coach"
            )
        _, fails = found
        coach = tl_name(db, config.tl.name) or "TL"
        return add_coaching(
            db, agent.agent_id, task_key, carrier=task.carrier or "", fails=fails, coach=coach,
            text=line, at=now,
        )  # fmt: skip


def coaching_record(db: Database, config: Config, agent_id: str, task_key: str) -> Coaching | None:
    """The latest coaching recorded since the exam's last failed attempt, if any."""
    found = latest_guide_step(db, config, agent_id, task_key)
    if found is None:
        return None
    done = [c for c in list_coaching(db, agent_id, task_key) if c.fails == found[1]]
    return done[-1] if done else None
