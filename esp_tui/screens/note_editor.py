"""The one note editor (roster `n`, agent screen `n`; any other place that edits a note calls it):
opens with the note as the database holds it now, and never overwrites a note that changed
meanwhile (another esp-tui, the CLI): the TL's text is kept and the newer note shown; saving
again then replaces it knowingly.

A save, and a newer note found, are announced as `DataChanged` for the agent: the header and
every other screen showing the agent follow; the screen that opened the editor repaints in
`on_saved` (a newer note reaches it by the message too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from esp_tui.messages import DataChanged
from esp_tui.screens.base import EspScreen
from esp_tui.services import attendance as svc


def edit_note(
    screen: EspScreen[Any],
    agent_id: str,
    name: str,
    day: int,
    on_saved: Callable[[str], None],
) -> None:
    """Open the editor over `screen` for the agent's note of `day`; `on_saved(text)` after a
    save. A closed cohort refuses before the editor opens (CohortClosed, shown as a toast)."""
    from esp_tui.screens.prompts import TextPrompt

    app = screen.esp
    cohort = app.cohort
    if cohort is None:
        return
    app.require_writable()
    opened = svc.current_note(app.db, agent_id, day)

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
            svc.set_note(app.db, cohort, agent_id, day, text, expected=opened)
        except svc.NoteChanged as e:
            opened = e.current  # saving again now means: replace the newer note
            app.post_message(DataChanged([agent_id]))  # every screen showing it, this one too
            app.notify(str(e), severity="warning", timeout=8)
            ask(text, e.current)
            return
        on_saved(text)
        app.post_message(DataChanged([agent_id], origin=screen))

    ask(opened or "", None)
