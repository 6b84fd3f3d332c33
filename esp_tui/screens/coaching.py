"""`c` on a failed exam whose Failed Cert Exams Guide step is "coach the agent": record the
coaching (who = the TL's name, when = now, one line of what was covered). The task list shows
it, the handoff lists it and the sheet's CAP cell carries it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from esp_tui.domain.records import coaching_text
from esp_tui.screens.prompts import TextPrompt
from esp_tui.services.exam_guide import coaching_record, record_coaching
from esp_tui.services.progress_base import ProgressError

if TYPE_CHECKING:
    from esp_tui.screens.base import EspScreen
    from esp_tui.services.progress import TaskRow


def is_coaching(row: TaskRow | None) -> bool:
    return row is not None and row.step is not None and row.step.action == "coaching"


def coaching_hint(screen: EspScreen[None], agent_id: str, row: TaskRow) -> str | Text:
    """The guide panel's line: the coaching recorded for this failed attempt, else how to."""
    esp = screen.esp
    done = coaching_record(esp.db, esp.config, agent_id, row.task.key)
    if done is not None:
        return coaching_text(done, esp.zone, row.task.label)  # user text: shown plain
    return Text.assemble(("c", "bold"), " records the coaching (who, when, one line)")


def open_coaching(
    screen: EspScreen[None], agent_id: str, row: TaskRow, done: Callable[[], None]
) -> None:
    """Ask for the line, record it; `done` runs after a coaching is saved."""
    esp = screen.esp

    def validate(text: str) -> str | None:
        return None if text.strip() else "say in one line what was covered"

    def answered(text: str | None) -> None:
        if text is None:
            return
        try:
            made = record_coaching(esp.db, esp.config, agent_id, row.task.key, text, now=esp.now())
        except ProgressError as exc:
            screen.notify(str(exc), severity="error")
            return
        screen.notify(f"Coaching recorded by {made.coach}: it shows in the handoff and the sheet")
        done()

    screen.app.push_screen(
        TextPrompt(
            f"Coaching on {row.task.label} (failed {row.fails}×): what was covered?",
            placeholder="e.g. went over the missed Part D questions",
            validate=validate,
        ),
        answered,
    )
