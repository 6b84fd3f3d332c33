"""The one note editor (roster `n`, agent screen `n`): opens with the note as the database holds
it now, and never overwrites a note that changed meanwhile (another esp-tui, the CLI): the TL's
text is kept and the newer note shown; saving again then replaces it knowingly."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database
from textual.app import App

from esp_tui.domain.models import Cohort
from esp_tui.services import attendance as svc


def edit_note(
    app: App[None],
    db: Database,
    cohort: Cohort,
    agent_id: str,
    name: str,
    day: int,
    on_saved: Callable[[str], None],
    on_changed: Callable[[], None] = lambda: None,
) -> None:
    """Open the editor; `on_saved(text)` after a save, `on_changed()` when a newer note was
    found (refresh what the screen shows)."""
    from esp_tui.screens.prompts import TextPrompt

    opened = svc.current_note(db, agent_id, day)

    def ask(value: str, newer: str | None) -> None:
        title = f"Note · {name} · day {day}"
        if newer is not None:
            title += f" · now in the database: {newer}"
        app.push_screen(
            TextPrompt(
                title,
                value=value,
                hint="enter saves · empty clears · esc cancels",
                validate=svc.note_problem,  # too long for its sheet cell: says so, keeps text
            ),
            save,
        )

    def save(text: str | None) -> None:
        nonlocal opened
        if text is None:
            return
        try:
            svc.set_note(db, cohort, agent_id, day, text, expected=opened)
        except svc.NoteChanged as e:
            opened = e.current  # saving again now means: replace the newer note
            on_changed()
            app.notify(str(e), severity="warning", timeout=8)
            ask(text, e.current)
            return
        on_saved(text)

    ask(opened or "", None)
