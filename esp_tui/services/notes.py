"""Notes written for several agents at once (the roster's marked rows, `space` then `n`).

One agent's note is `esp_tui.services.attendance.set_note` (the one note editor calls it); the
same note for many agents is `set_notes` here: one transaction, all or nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlite_utils import Database

from esp_tui.domain.models import Agent, Cohort
from esp_tui.services.agents import require_agent
from esp_tui.services.attendance import AttendanceError, NoteChanged, note_problem
from esp_tui.services.cohort_time import check_day
from storage import notes as notes_db


def current_notes(db: Database, agent_ids: Sequence[str], day: int) -> dict[str, str | None]:
    """The agents' notes of `day` as the database holds them now (what the editor opens on)."""
    held = notes_db.notes_for_day(db, day)
    return {a: held.get(a) for a in agent_ids}


def set_notes(
    db: Database,
    cohort: Cohort,
    agent_ids: Sequence[str],
    day: int,
    text: str,
    *,
    expected: Mapping[str, str | None] | None = None,
) -> list[Agent]:
    """Write the same note for every agent of `agent_ids` on `day` (empty text clears them), in
    ONE transaction: an unknown agent, a note too long for its sheet cell or a closed cohort
    writes nothing (AttendanceError / CohortClosed). With `expected` (the notes the editor
    opened with), a note that changed meanwhile stops the whole write (NoteChanged, naming the
    agent). Returns the agents written, in the order given."""
    problem = note_problem(text)
    if problem:
        raise AttendanceError(problem)
    ids = list(dict.fromkeys(a.strip() for a in agent_ids))
    if not ids:
        raise AttendanceError("no agent chosen for the note")
    check_day(cohort, day)
    with db.atomic():
        agents = [require_agent(db, a, AttendanceError) for a in ids]
        if expected is not None:
            now_there = notes_db.notes_for_day(db, day)
            for agent in agents:
                was = expected.get(agent.agent_id)
                if (now_there.get(agent.agent_id) or "") != (was or ""):
                    raise NoteChanged(
                        f"{agent.name}'s day {day} note changed while you typed (another"
                        " esp-tui or the CLI wrote it): nothing saved for anyone; your text is"
                        " kept",
                        now_there.get(agent.agent_id),
                    )
        for agent in agents:
            notes_db.set_note(db, agent.agent_id, day, text)
    return agents
