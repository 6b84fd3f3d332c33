"""The one note editor (roster `n`, agent screen `n`, the Close screen's note gaps, the roster's
marked rows; any other place that edits a note calls it): opens with the note as the database
holds it now, and never overwrites a note that changed meanwhile (another esp-tui, the CLI):
the TL's text is kept and the newer note shown; saving again then replaces it knowingly.

`tab` offers the note templates of config (`[notes] templates`): the first, the next, or the one
the typed start matches; after "; " it adds one to a typed note (esp_tui/domain/notes.py).

A save, and a newer note found, are announced as `DataChanged` for the agents: the header and
every other screen showing them follow; the screen that opened the editor repaints in
`on_saved` (a newer note reaches it by the message too)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from esp_tui.domain.notes import complete_template
from esp_tui.messages import DataChanged
from esp_tui.screens.base import EspScreen
from esp_tui.screens.prompts import Confirm, TextPrompt, Validator
from esp_tui.services import attendance as svc
from esp_tui.widgets.plain import PlainInput, plain

HINT = "enter saves · tab: a template · empty clears · esc cancels"


class NoteEditor(TextPrompt):
    """A TextPrompt for a note, with the templates under it and `tab` to fill one in."""

    BINDINGS = [
        Binding("tab", "template", "Template", id="note_template", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    NoteEditor > Vertical { width: 72; }
    NoteEditor .note-templates { color: $text-muted; height: auto; }
    """

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        templates: Sequence[str] = (),
        hint: str = HINT,
        validate: Validator | None = None,
    ) -> None:
        super().__init__(title, value=value, hint=hint, validate=validate)
        self.templates = list(templates)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self._title), classes="prompt-title")
            yield PlainInput(value=self._value, select_on_focus=False)
            yield Static("", classes="prompt-error", markup=False)
            yield Static(self._templates_text(self._value), classes="note-templates")
            yield Static(self._hint, classes="prompt-hint")

    def _templates_text(self, value: str) -> Text:
        if not self.templates:
            return Text("")
        offer = complete_template(value, self.templates)
        text = Text()
        if offer is not None:
            text.append("tab → ", style="bold")
            text.append(plain(offer.rpartition("; ")[2] if ";" in value else offer))
            text.append("\n")
        text.append(plain("templates: " + " · ".join(self.templates)))
        return text

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one(".prompt-error", Static).update("")
        self.query_one(".note-templates", Static).update(self._templates_text(event.value))

    def action_template(self) -> None:
        box = self.query_one(Input)
        filled = complete_template(box.value, self.templates)
        if filled is None:
            self.app.bell()
            return
        box.value = filled
        box.cursor_position = len(filled)


def _editor(app: Any, title: str, value: str, hint: str) -> NoteEditor:
    return NoteEditor(
        title,
        value=value,
        templates=app.config.notes.templates,
        hint=hint,
        validate=svc.note_problem,  # too long for its sheet cell: says so, keeps text
    )


def edit_note(
    screen: EspScreen[Any],
    agent_id: str,
    name: str,
    day: int,
    on_saved: Callable[[str], None],
    *,
    more: str = "",
    hint: str = HINT,
    on_cancel: Callable[[], None] | None = None,
) -> None:
    """Open the editor over `screen` for the agent's note of `day`; `on_saved(text)` after a
    save, `on_cancel()` after esc. `more` ends the title (e.g. "12 notes left"). A closed
    cohort refuses before the editor opens (CohortClosed, shown as a toast)."""
    app = screen.esp
    cohort = app.cohort
    if cohort is None:
        return
    app.require_writable()
    opened = svc.current_note(app.db, agent_id, day)

    def ask(value: str, newer: str | None) -> None:
        title = f"Note · {name} · day {day}" + (f" · {more}" if more else "")
        if newer is not None:
            title += f" · now in the database: {newer}"
        app.push_screen(_editor(app, title, value, hint), save)

    def save(text: str | None) -> None:
        nonlocal opened
        if text is None:
            if on_cancel is not None:
                on_cancel()
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


def edit_notes(
    screen: EspScreen[Any],
    agents: Sequence[tuple[str, str]],
    day: int,
    on_saved: Callable[[str], None],
) -> None:
    """The same note for several agents ((agent_id, name) pairs) of `day`, written in one
    transaction (services/notes.set_notes). The title says how many already have a note (the
    save replaces them); the editor opens on their note when they all share the same one."""
    from esp_tui.services import notes as notes_svc

    app = screen.esp
    cohort = app.cohort
    if cohort is None or not agents:
        return
    app.require_writable()
    ids = [a for a, _ in agents]
    opened = notes_svc.current_notes(app.db, ids, day)

    def ask(value: str) -> None:
        held = sum(1 for v in opened.values() if v)
        title = f"Note · {len(ids)} agents · day {day}"
        if held:
            title += f" · replaces the note of {held}" if held > 1 else " · replaces 1 note"
        app.push_screen(_editor(app, title, value, HINT), save)

    def save(text: str | None) -> None:
        if text is None:
            return
        # Another agent's own note is never replaced without a word: ask, naming them.
        replaced = [n for a, n in agents if opened.get(a) not in (None, "", text)]
        if not replaced:
            write(text)
            return
        more = f" and {len(replaced) - 3} more" if len(replaced) > 3 else ""
        names = ", ".join(replaced[:3]) + more

        def answered(yes: bool | None) -> None:
            if yes:
                write(text)
            else:
                ask(text)  # back to the editor, the text kept

        app.push_screen(
            Confirm(f"Replace the day {day} note of {names} with this one?", yes="Replace"),
            answered,
        )

    def write(text: str) -> None:
        nonlocal opened
        try:
            notes_svc.set_notes(app.db, cohort, ids, day, text, expected=opened)
        except svc.NoteChanged as e:
            opened = notes_svc.current_notes(app.db, ids, day)
            app.post_message(DataChanged(ids))
            app.notify(str(e), severity="warning", timeout=8)
            ask(text)
            return
        on_saved(text)
        app.post_message(DataChanged(ids, origin=screen))

    shared = set(opened.values())
    ask(shared.pop() or "" if len(shared) == 1 else "")
