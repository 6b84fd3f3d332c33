"""Notes (issue 14, item 2) below the screens: templates completed with tab, the first words of
a note, one note for many agents in ONE transaction, the [notes] templates config, and the Close
screen's walk through the note gaps."""

from __future__ import annotations

import pytest

from esp_tui.config import ConfigError, build_config, load_config
from esp_tui.domain.notes import complete_template, first_words, next_note_gap, note_gap_from
from esp_tui.domain.readiness import Gap
from esp_tui.services import notes as svc
from esp_tui.services.attendance import AttendanceError, NoteChanged, set_note
from storage.agents import list_agents
from storage.cohort import get_cohort
from storage.notes import notes_for_day

T = ["On track", "AHIP in progress", "TBT in progress"]


@pytest.mark.parametrize(
    ("typed", "after_tab"),
    [
        ("", "On track"),
        ("On track", "AHIP in progress"),  # tab again: the next one
        ("TBT in progress", "On track"),  # ... and round
        ("ah", "AHIP in progress"),  # a typed start, any case
        ("  t", "TBT in progress"),
        ("Late 10+ min;", "Late 10+ min; On track"),  # after ";" a template is added
        ("Late 10+ min; ahip", "Late 10+ min; AHIP in progress"),
        ("Late; On track", "Late; AHIP in progress"),
        ("Doctor at 2", None),  # free text: nothing to offer
    ],
)
def test_tab_completes_cycles_and_adds_templates(typed, after_tab):
    assert complete_template(typed, T) == after_tab


def test_no_templates_offer_nothing():
    assert complete_template("", []) is None


@pytest.mark.parametrize(
    ("note", "width", "shown"),
    [
        ("Doctor at 2", 30, "Doctor at 2"),
        ("Left early: dentist, back tomorrow at nine", 20, "Left early: dentist…"),
        ("AHIP   in\nprogress", 30, "AHIP in progress"),  # one line, runs of space as one
        ("Supercalifragilistic", 8, "Superca…"),  # one long word is cut inside
        ("[b]bold[/b] \x1b[2J", 40, "[b]bold[/b] \\x1b[2J"),  # text, controls made visible
    ],
)
def test_first_words_fit_the_column(note, width, shown):
    assert first_words(note, width) == shown
    assert len(first_words(note, width)) <= width


def gaps(*spec: tuple[str, str]) -> list[Gap]:
    return [Gap(kind=k, agent_id=a, detail="") for k, a in spec]  # type: ignore[arg-type]


def test_the_note_gap_walk_starts_at_the_cursor_and_wraps():
    g = gaps(
        ("attendance", "A1"), ("note", "A1"), ("note", "A2"), ("note", "A3"), ("red_flag", "A1")
    )
    assert note_gap_from(g, 0) == 1  # on an attendance gap: the first note gap after it
    assert note_gap_from(g, 2) == 2
    assert note_gap_from(g, 4) == 1  # past the notes: the first one
    assert next_note_gap(g, "A2") == 3
    assert next_note_gap(g, "A3") == 1  # wraps to the top
    assert next_note_gap(gaps(("note", "A1")), "A1") is None  # a cleared note: not again
    assert note_gap_from(gaps(("attendance", "A1")), 0) is None


def begins(db) -> list[str]:
    """Record each transaction the connection opens from now on."""
    seen: list[str] = []
    db.conn.set_trace_callback(lambda sql: seen.append(sql) if sql.startswith("BEGIN") else None)
    return seen


def test_one_note_for_many_agents_is_one_transaction(seeded_db):
    cohort = get_cohort(seeded_db)
    ids = [a.agent_id for a in list_agents(seeded_db)[:5]]
    seen = begins(seeded_db)
    written = svc.set_notes(seeded_db, cohort, ids, 1, " AHIP in progress ")
    seeded_db.conn.set_trace_callback(None)
    assert seen == ["BEGIN IMMEDIATE"]
    assert [a.agent_id for a in written] == ids
    assert notes_for_day(seeded_db, 1) == dict.fromkeys(ids, "AHIP in progress")
    history = seeded_db.execute("SELECT COUNT(*) FROM notes_history").fetchone()[0]
    assert history == 5


def test_one_unknown_agent_writes_nothing_for_anyone(seeded_db):
    cohort = get_cohort(seeded_db)
    ids = [a.agent_id for a in list_agents(seeded_db)[:3]] + ["NOPE"]
    with pytest.raises(AttendanceError, match="'NOPE'"):
        svc.set_notes(seeded_db, cohort, ids, 1, "On track")
    assert notes_for_day(seeded_db, 1) == {}


def test_a_note_changed_meanwhile_stops_the_whole_write(seeded_db):
    cohort = get_cohort(seeded_db)
    ids = [a.agent_id for a in list_agents(seeded_db)[:3]]
    opened = svc.current_notes(seeded_db, ids, 1)
    assert opened == dict.fromkeys(ids)
    set_note(seeded_db, cohort, ids[1], 1, "written in another shell")
    with pytest.raises(NoteChanged, match="nothing saved for anyone") as err:
        svc.set_notes(seeded_db, cohort, ids, 1, "On track", expected=opened)
    assert err.value.current == "written in another shell"
    assert notes_for_day(seeded_db, 1) == {ids[1]: "written in another shell"}


def test_empty_text_clears_every_marked_note_and_a_huge_one_is_refused(seeded_db):
    cohort = get_cohort(seeded_db)
    ids = [a.agent_id for a in list_agents(seeded_db)[:2]]
    svc.set_notes(seeded_db, cohort, ids, 1, "On track")
    with pytest.raises(AttendanceError, match="50,000"):
        svc.set_notes(seeded_db, cohort, ids, 1, "x" * 50_001)
    svc.set_notes(seeded_db, cohort, ids, 1, "  ")
    assert notes_for_day(seeded_db, 1) == {}


def test_templates_come_from_config_with_runbook_defaults(tmp_path):
    shipped = load_config(None, {}).notes.templates
    assert shipped[:2] == ["On track", "AHIP in progress"] and len(shipped) <= 9
    own = build_config({"notes": {"templates": ["  Good   day ", "Behind"]}}, "c.toml")
    assert own.notes.templates == ["Good day", "Behind"]
    with pytest.raises(
        ConfigError, match=r"c\.toml: key 'notes\.templates': template 2: 'on track'"
    ):
        build_config({"notes": {"templates": ["On track", "on track"]}}, "c.toml")
    with pytest.raises(ConfigError, match=r"key 'notes\.templates': template 1: expected one line"):
        build_config({"notes": {"templates": [""]}}, "c.toml")
