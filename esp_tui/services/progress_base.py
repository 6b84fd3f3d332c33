"""What every progress action shares (progress.py, exam_guide.py): the task catalog read by key,
the call-cert task, the failed-exam guide, a task's stored state, and ProgressError, the one
error they raise."""

from __future__ import annotations

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.progress import TaskState
from esp_tui.domain.tasks import GuideStep, TaskSpec, default_guide
from storage import progress as store


class ProgressError(ValueError):
    """Bad input for a progress action; str() is one line naming the agent, task or field."""


def require_task(config: Config, task_key: str) -> TaskSpec:
    task = config.task(task_key)
    if task is None:
        known = ", ".join(t.key for t in config.tasks)
        raise ProgressError(f"task {task_key!r}: not in the task catalog (known: {known})")
    return task


def call_cert_task(config: Config) -> TaskSpec:
    task = next((t for t in config.tasks if t.kind == "call_cert"), None)
    if task is None:
        raise ProgressError("the task catalog has no call_cert task")
    return task


def guide_for(config: Config) -> list[GuideStep]:
    """The Failed Cert Exams Guide: the config's, else the shipped one."""
    return list(config.failed_exam_guide) or default_guide()


def task_state(db: Database, agent_id: str, task_key: str) -> TaskState:
    """The agent's stored state for the task (not started when nothing is recorded)."""
    return store.agent_states(db, agent_id).get(task_key) or TaskState(task_key=task_key)
