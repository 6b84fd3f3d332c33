"""Notes through Pilot (issue 14, item 2), on the 24-agent demo at 09:14 New York on day 1: the
Close screen's note gaps one after another (keys counted), one note for the roster's marked
rows, templates in the editor, and the note's first words on a wide roster."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Input, Static

from esp_tui.app import make_app
from esp_tui.screens.close import CloseScreen
from esp_tui.screens.note_editor import NoteEditor
from esp_tui.screens.prompts import Confirm
from esp_tui.screens.roster import RosterScreen
from esp_tui.services.attendance import set_note
from storage.agents import list_agents
from storage.cohort import get_cohort
from storage.notes import get_note, notes_for_day
from tests.test_roster_keys import KAI, MORGAN, cells, goto, toasts


class Keys:
    """pilot.press that counts every key the TL presses."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.count = 0

    async def __call__(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)
        await self.pilot.pause()


def title(screen) -> str:
    return str(screen.query_one(".prompt-title", Static).render())


def checklist(screen: CloseScreen) -> str:
    return str(screen.query_one("#checklist", Static).render())


def begins(db) -> list[str]:
    seen: list[str] = []
    db.conn.set_trace_callback(lambda sql: seen.append(sql) if sql.startswith("BEGIN") else None)
    return seen


async def test_24_notes_close_from_the_close_screen_in_50_keys(seeded_db, config, clock):
    """Roster → `c`, `n`, then tab (the first template) and enter per agent: the editor opens
    straight on the next note gap after each save. 1 + 1 + 24 × 2 = 50 keys."""
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        press = Keys(pilot)
        await press("c")
        close = app.screen
        assert isinstance(close, CloseScreen)
        assert "✗ 24 agents have no note for day 1" in checklist(close)
        await press("n")  # the cursor is on an attendance gap: n goes to the first note gap
        for i in range(24):
            editor = app.screen
            assert isinstance(editor, NoteEditor)
            assert f"{24 - i} note{'s' if i < 23 else ''} left" in title(editor)
            await press("tab", "enter")
        assert app.screen is close
        assert press.count == 50
        ids = [a.agent_id for a in list_agents(seeded_db)]
        assert notes_for_day(seeded_db, 1) == dict.fromkeys(ids, "On track")
        assert "✓ notes written" in checklist(close)
        table = close.query_one("#gaps", DataTable)
        assert "note" not in {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert "Notes done for day 1" in toasts(app)


async def test_typed_notes_walk_the_gaps_and_esc_stops(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        close = app.screen
        first, second = sorted(a.agent_id for a in list_agents(seeded_db))[:2]
        await pilot.press("n", *"Doctor at 2", "enter")
        await pilot.pause()
        assert get_note(seeded_db, first, 1) == "Doctor at 2"
        editor = app.screen
        assert isinstance(editor, NoteEditor) and "23 notes left" in title(editor)
        await pilot.press("escape")  # stops the walk, nothing written
        assert app.screen is close and get_note(seeded_db, second, 1) is None
        table = close.query_one("#gaps", DataTable)
        gap = close.readiness.gaps[table.cursor_row]
        assert (gap.kind, gap.agent_id) == ("note", second)  # the cursor waits on the next
        assert "✗ 23 agents have no note for day 1" in checklist(close)


async def test_n_without_note_gaps_says_so(seeded_db, config, clock):
    cohort = get_cohort(seeded_db)
    for a in list_agents(seeded_db):
        set_note(seeded_db, cohort, a.agent_id, 1, "On track")
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c", "n")
        assert isinstance(app.screen, CloseScreen)
        assert "Every agent has a note for day 1" in toasts(app)


async def test_marked_rows_get_one_note_in_one_transaction(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        roster = app.screen
        assert isinstance(roster, RosterScreen)
        await goto(pilot, app, KAI)
        await pilot.press("space", "space")  # Kai, then the row below (space moves down)
        assert cells(app, KAI)["agent"].startswith("● ")  # the mark, then the name
        assert cells(app, KAI)["agent"].endswith("Kai Everly")
        order = roster.shown_ids()
        below = order[order.index(KAI) + 1]
        assert roster.marked == {KAI, below}
        assert cells(app, below)["agent"].startswith("● ")
        assert "2 marked: n notes them · esc clears" in str(roster.query_one("#daybar").render())
        await pilot.press("escape")  # esc clears the marks, nothing else
        assert roster.marked == set() and not cells(app, KAI)["agent"].startswith("●")
        assert "marked" not in str(roster.query_one("#daybar").render())
        set_note(seeded_db, get_cohort(seeded_db), below, 1, "Doctor at 2")
        await goto(pilot, app, KAI)
        await pilot.press("space", "space", "space")
        await pilot.press("n")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        assert title(editor) == "Note · 3 agents · day 1 · replaces 1 note"
        await pilot.press(*"AHIP module 2")
        seen = begins(seeded_db)
        await pilot.press("enter")  # `below` has its own note: asked first, naming them
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        name = roster.rows[below].name
        asked = str(app.screen.query_one(".prompt-title").render())
        assert asked == f"Replace the day 1 note of {name} with this one?"
        await pilot.press("n")  # no: back in the editor with the text, nothing written
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor) and seen == []
        assert get_note(seeded_db, below, 1) == "Doctor at 2"
        await pilot.press("enter", "y")
        await pilot.pause()
        seeded_db.conn.set_trace_callback(None)
        assert seen == ["BEGIN IMMEDIATE"]  # three notes, one transaction
        order = roster.shown_ids()
        marked = order[order.index(KAI) : order.index(KAI) + 3]
        assert {a: get_note(seeded_db, a, 1) for a in marked} == dict.fromkeys(
            marked, "AHIP module 2"
        )
        assert len(notes_for_day(seeded_db, 1)) == 3
        assert roster.marked == set()  # cleared after the save
        assert [cells(app, a)["note"] for a in marked] == ["✎"] * 3
        assert not cells(app, KAI)["agent"].startswith("●")
        assert "Note saved for 3 agents" in toasts(app)


async def test_the_editor_offers_the_templates_with_tab(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, app, KAI)
        await pilot.press("n")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        box = editor.query_one(Input)
        offered = str(editor.query_one(".note-templates", Static).render())
        assert offered.startswith("tab → On track\ntemplates: On track · AHIP in progress")
        await pilot.press("tab")
        assert box.value == "On track"
        await pilot.press("tab")
        assert box.value == "AHIP in progress"
        box.value = ""
        await pilot.press(*"Late; tb")
        assert "tab → TBT in progress" in str(editor.query_one(".note-templates").render())
        await pilot.press("tab")
        assert box.value == "Late; TBT in progress"
        await pilot.press(*" and more", "enter")  # typing stays free
        assert get_note(seeded_db, KAI, 1) == "Late; TBT in progress and more"


async def test_a_wide_roster_shows_the_notes_first_words(seeded_db, config, clock):
    cohort = get_cohort(seeded_db)
    set_note(seeded_db, cohort, KAI, 1, "Left early: dentist, back tomorrow before the AHIP exam")
    set_note(seeded_db, cohort, MORGAN, 1, "[red]not markup[/red]")
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        note = cells(app, KAI)["note"]
        assert note.startswith("Left early: dentist") and note.endswith("…")
        assert len(note) <= 43
        assert cells(app, MORGAN)["note"] == "[red]not markup[/red]"
        assert isinstance(app.screen.query_one("RosterTable").get_row(MORGAN)[-1], Text)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert cells(app, KAI)["note"] == "✎" and cells(app, MORGAN)["note"] == "✎"
        await pilot.resize_terminal(150, 40)
        await pilot.pause()
        assert cells(app, KAI)["note"].startswith("Left early: dentist, back")


async def test_esc_clears_the_filter_first_then_the_marks(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        roster = app.screen
        await goto(pilot, app, KAI)
        await pilot.press("space", "slash", *"Kai")
        assert roster.filter_text == "Kai" and roster.marked == {KAI}
        await pilot.press("escape")
        assert roster.filter_text == "" and roster.marked == {KAI}
        await pilot.press("escape")
        assert roster.marked == set()
