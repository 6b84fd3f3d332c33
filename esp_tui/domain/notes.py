"""Notes as the TL types and reads them (pure): note templates completed with tab in the note
editor, the first words of a note for the roster's Note column, and the Close screen's walk
through the day's note gaps."""

from __future__ import annotations

from collections.abc import Sequence

from esp_tui.domain.readiness import Gap
from esp_tui.domain.text import visible

SEPARATOR = "; "  # between two parts of a note, e.g. "Arrived 10+ min late; On track"


def complete_template(text: str, templates: Sequence[str]) -> str | None:
    """The note after one `tab`, or None when tab has nothing to offer.

    Only the part after the last ";" is completed, so a template can follow a typed start:
    empty -> the first template; a template -> the next one (tab cycles); the start of one or
    more templates (case ignored) -> the first of them; anything else -> None."""
    if not templates:
        return None
    head, sep, part = text.rpartition(";")
    prefix = head + SEPARATOR if sep else ""
    typed = " ".join(part.split()).casefold()
    if not typed:
        return prefix + templates[0]
    folded = [t.casefold() for t in templates]
    if typed in folded:
        return prefix + templates[(folded.index(typed) + 1) % len(templates)]
    match = next((t for t, f in zip(templates, folded, strict=True) if f.startswith(typed)), None)
    return None if match is None else prefix + match


def first_words(note: str, width: int) -> str:
    """A note on one line of at most `width` characters: whitespace runs as one space, cut at
    a word boundary with an ellipsis (a first word longer than the line is cut inside)."""
    flat = " ".join(visible(note, multiline=True).split())
    if width < 2 or len(flat) <= width:
        return flat[: max(width, 0)]
    cut = flat[: width - 1]
    space = cut.rfind(" ")
    if flat[width - 1].isalnum() and space > 0:  # cut inside a word: back to its start
        cut = cut[:space]
    return cut.rstrip(" ;,.:") + "…"


def note_gap_from(gaps: Sequence[Gap], start: int) -> int | None:
    """The index of the note gap `n` opens on the Close screen: the gap at `start` or the
    first note gap after it, else the first note gap (None: every agent has a note)."""
    notes = [i for i, g in enumerate(gaps) if g.kind == "note"]
    return next((i for i in notes if i >= start), notes[0] if notes else None)


def next_note_gap(gaps: Sequence[Gap], after: str) -> int | None:
    """After the note of agent `after` was saved: the index of the next note gap in the list
    (agents in list order, wrapping to the top), never `after`'s own (a cleared note leaves
    it open); None when no other note gap is left."""
    notes = [(i, g.agent_id) for i, g in enumerate(gaps) if g.kind == "note"]
    notes = [(i, agent_id) for i, agent_id in notes if agent_id != after]
    later = [i for i, agent_id in notes if agent_id > after]
    return later[0] if later else (notes[0][0] if notes else None)
