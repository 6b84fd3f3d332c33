"""Checks across config keys, run once every table has parsed (esp_tui/config.py).

Each returns the first problem as `key '...': what is wrong`, naming the key in the TOML
(`schedule.days.9`, `tasks[3].due_day`), so `build_config` can stop with one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from esp_tui.config import Config, DayHours


def config_problem(config: Config) -> str | None:
    """The first problem no single table can see on its own, else None."""
    return _schedule_problem(config) or _tasks_problem(config)


def _last_day(config: Config) -> str:
    return f"the cohort's last day ({config.cohort.days}, from cohort.days)"


def _hours_problem(key: str, hours: DayHours) -> str | None:
    # HH:MM strings compare like the times they are.
    if hours.end <= hours.start:
        return f"key '{key}.end': end {hours.end} must be after start {hours.start}"
    return None


def _schedule_problem(config: Config) -> str | None:
    problem = _hours_problem("schedule", config.schedule)
    if problem:
        return problem
    for day, hours in sorted(config.schedule.days.items(), key=lambda kv: int(kv[0])):
        if int(day) > config.cohort.days:
            return f"key 'schedule.days.{day}': day {int(day)} is after {_last_day(config)}"
        problem = _hours_problem(f"schedule.days.{day}", hours)
        if problem:
            return problem
    return None


def _tasks_problem(config: Config) -> str | None:
    for i, task in enumerate(config.tasks):
        if task.due_day > config.cohort.days:
            return (
                f"key 'tasks[{i}].due_day': task {task.key!r} is due on day {task.due_day},"
                f" after {_last_day(config)}"
            )
    return None
