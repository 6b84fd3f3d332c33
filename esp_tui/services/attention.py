"""The handoff's "Needs attention" summary: what the next TL must act on first, before the
per-agent pages. Four parts, always in this order: agents behind the Agent Timeframe
Expectations, failed exams with the Failed Cert Exams Guide's next step, open red flags, CAPs.
Agents in roster order; every line is one line of plain text (user text made visible)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Cohort
from esp_tui.domain.progress import (
    RED_FLAG_LABELS,
    TaskState,
    attempts_left,
    failed_attempts,
    next_action,
)
from esp_tui.domain.tasks import GuideStep, TaskSpec
from esp_tui.domain.text import visible
from esp_tui.services.attendance import zone_of
from esp_tui.services.progress import progress_by_agent
from esp_tui.services.progress_base import guide_for
from storage.agents import list_agents
from storage.coaching import list_coaching
from storage.flags import list_caps, list_flags
from storage.progress import all_states

TITLE = "## Needs attention"
PARTS = ("Behind the timeframe", "Failed exams", "Open red flags", "CAPs")


def _one_line(text: str) -> str:
    return visible(" ".join(text.split()))


def _times(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def attention_sections(
    db: Database, config: Config, cohort: Cohort, *, now: datetime
) -> list[tuple[str, list[str]]]:
    """(part, lines) for each of PARTS, in that order (a part with nothing has no lines)."""
    agents = list_agents(db)
    names = {a.agent_id: a.name for a in agents}

    def who(agent_id: str) -> str:
        return f"{_one_line(names.get(agent_id, agent_id))} ({_one_line(agent_id)})"

    order = {a.agent_id: i for i, a in enumerate(agents)}
    tasks = {t.key: t for t in config.tasks}

    progress = progress_by_agent(db, config, now=now)
    behind = [
        f"{who(a.agent_id)}: "
        + ", ".join(f"{tasks[k].label} (due day {tasks[k].due_day})" for k in p.behind)
        for a in agents
        if (p := progress.get(a.agent_id)) is not None and p.behind
    ]

    states = all_states(db)
    guide = guide_for(config)
    # (agent, exam, failed attempts) the coaching step was recorded for: done, not "next"
    coached = {(c.agent_id, c.task_key, c.fails) for c in list_coaching(db)}
    failed: list[str] = []
    for a in agents:
        for task in config.tasks:
            state = states.get(a.agent_id, {}).get(task.key)
            if task.is_exam and state is not None and state.status == "failed":
                done = (a.agent_id, task.key, failed_attempts(state)) in coached
                line = _failed_line(task, state, guide, coached=done)
                if line:
                    failed.append(f"{who(a.agent_id)}: {line}")

    zone = zone_of(cohort)
    flags = []
    for f in sorted(list_flags(db), key=lambda f: (order.get(f.agent_id, len(order)), f.id)):
        if f.resolved_at is not None:
            continue
        told = (
            f"PM notified {f.pm_notified_at.astimezone(zone):%a %d %b %H:%M}"
            if f.pm_notified_at
            else "PM NOT notified"
        )
        kind = RED_FLAG_LABELS.get(f.kind, f.kind)
        flags.append(f"{who(f.agent_id)}: {kind}: {_one_line(f.text)} ({told})")

    caps = [
        f"{who(c.agent_id)}: {c.level} CAP" + (f" (day {c.day})" if c.day else "")
        + f": {_one_line(c.reason)}"
        for c in sorted(list_caps(db), key=lambda c: (order.get(c.agent_id, len(order)), c.id))
    ]  # fmt: skip
    return list(zip(PARTS, (behind, failed, flags, caps), strict=True))


def _failed_line(
    task: TaskSpec, state: TaskState, guide: Sequence[GuideStep], *, coached: bool = False
) -> str:
    """ "AHIP final failed 2 times, last score 62% · next: <the guide's step> (1 attempt left)";
    once the coaching the guide asks for is recorded, the next thing is the retake."""
    fails = failed_attempts(state)
    if fails < 1:
        return ""
    step = next_action(task, fails, guide)
    if coached and step.action == "coaching":
        left = attempts_left(task, fails)
        more = f" ({_times(left, 'attempt')} left)" if left else ""
        what = f"{_one_line(task.label)} failed {_times(fails, 'time')}"
        return f"{what} · coached · next: the retake{more}"
    score = f", last score {state.last_score:g}%" if state.last_score is not None else ""
    left = attempts_left(task, fails)
    more = f" ({_times(left, 'attempt')} left)" if left and step.action != "cannot_sell" else ""
    what = f"{_one_line(task.label)} failed {_times(fails, 'time')}{score}"
    return f"{what} · next: {_one_line(step.text)}{more}"


def attention_markdown(db: Database, config: Config, cohort: Cohort, *, now: datetime) -> list[str]:
    """The summary's markdown lines: the title, then each part with a count and its lines."""
    lines = ["", TITLE]
    for part, items in attention_sections(db, config, cohort, now=now):
        lines += ["", f"**{part}** · {len(items)}"]
        lines += [f"- {item}" for item in items] or ["- none"]
    return lines
