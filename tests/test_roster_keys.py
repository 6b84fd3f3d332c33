"""Every roster key through Pilot, on the 24-agent demo at 09:14 New York on day 1."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.text import Text

from esp_tui.app import make_app
from esp_tui.screens.agent import AgentScreen
from esp_tui.screens.meet_import import MeetImportScreen
from esp_tui.screens.prompts import Confirm, PickOne, TextPrompt
from esp_tui.screens.roster import COLUMNS, RosterScreen, RosterTable
from esp_tui.screens.stamp_at import StampAt
from storage.attendance import all_events, event_count
from storage.db import connect
from storage.notes import get_note
from tests.conftest import DAY1, FIXED_NOW

KAI, MORGAN, DANA = "D1001", "D1002", "D1005"  # Kai Everly, Morgan Underhill, Dana Larkspur


def cells(app, agent_id: str) -> dict[str, str]:
    """The row's cells as plain text, by column key."""
    table = app.screen.query_one(RosterTable)
    values = table.get_row(agent_id)
    return {
        key: v.plain if isinstance(v, Text) else str(v)
        for (key, _, _), v in zip(COLUMNS, values, strict=True)
    }


def toasts(app) -> list[str]:
    return [n.message for n in app._notifications]


async def goto(pilot, app, agent_id: str) -> None:
    table = app.screen.query_one(RosterTable)
    table.move_cursor(row=table.get_row_index(agent_id), animate=False)
    await pilot.pause()


@pytest.fixture
def app(config, seeded_db, clock):
    return make_app(config, seeded_db, clock=clock)


def committed_events(db_path) -> list[tuple[str, int, str]]:
    """Read through a second connection: only committed rows are visible there."""
    other = connect(db_path)
    try:
        return [
            tuple(r)
            for r in other.execute("SELECT agent_id, day, kind FROM attendance_events ORDER BY id")
        ]
    finally:
        other.close()


async def test_i_commits_then_repaints_only_that_row(app, db_path):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        rebuilds = []
        original = screen._rebuild_table
        screen._rebuild_table = lambda: (rebuilds.append(1), original())[1]
        await goto(pilot, app, KAI)
        before_other = cells(app, MORGAN)
        await pilot.press("i")
        assert committed_events(db_path) == [(KAI, 1, "in")]
        row = cells(app, KAI)
        assert (row["in"], row["out"], row["flags"], row["pts"]) == (
            "09:14",
            "-",
            "LATE 10+",
            "0.5",
        )
        assert cells(app, MORGAN) == before_other
        assert rebuilds == []  # the cell was updated in place, not by a table rebuild
        assert "Kai Everly · in 09:14 · late 10+" in toasts(app)
        assert app.screen.query_one(RosterTable).cursor_row == 12


async def test_a_stamp_repaints_exactly_its_row_line_when_scrolled(app):
    async with app.run_test(size=(120, 16)) as pilot:
        table = app.screen.query_one(RosterTable)
        await goto(pilot, app, "D1015")  # the last row: the table scrolls to it
        assert table.scroll_offset.y > 0
        index = table.get_row_index("D1015")
        expected = table._get_row_region(index).translate(-table.scroll_offset)
        refreshed = []
        original = table.refresh
        table.refresh = lambda *regions, **kw: (
            refreshed.extend(regions),
            original(*regions, **kw),
        )[1]
        await pilot.press("i")
        assert refreshed and refreshed[0].y == expected.y and refreshed[0].height == 1
        assert cells(app, "D1015")["in"] == "09:14"


async def test_o_stamps_out_and_j_k_move(app, seeded_db):
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(RosterTable)
        await pilot.press("j", "j", "k")
        assert table.cursor_row == 1
        await pilot.press("o")
        row = cells(app, "D1013")  # Blake Stillwater, second row
        assert (row["out"], row["flags"], row["pts"]) == ("09:14", "EARLY 4H+", "1 verbal warning")
        assert [e.kind for e in all_events(seeded_db)] == ["out"]


async def test_x_picks_an_absence_kind_and_escape_writes_nothing(app, seeded_db):
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, app, KAI)
        await pilot.press("x")
        assert isinstance(app.screen, PickOne)
        await pilot.press("escape")
        assert event_count(seeded_db) == 0
        await pilot.press("x", "3")  # no call, no show
        row = cells(app, KAI)
        assert (row["flags"], row["pts"]) == ("ABSENT ncns", "2 verbal warning")
        assert "Kai Everly · absent ncns" in toasts(app)
        await pilot.press("x", "down", "enter")  # excused, picked from the list
        assert cells(app, KAI)["flags"] == "ABSENT excused"
        assert [e.absence_kind for e in all_events(seeded_db)] == ["ncns", "excused"]


async def test_t_stamps_at_a_typed_time_and_refuses_a_bad_one(app, seeded_db, clock):
    clock.now = FIXED_NOW + timedelta(hours=7, minutes=36)  # 16:50 in New York, day 1
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, app, KAI)
        await pilot.press("t")  # the time, with what it will do under it (issue 14)
        assert isinstance(app.screen, StampAt)
        await pilot.press(*"25:00", "enter")
        assert isinstance(app.screen, StampAt)  # still open, with the reason
        assert "not a time" in str(app.screen.query_one(".prompt-error").render())
        await pilot.press("escape")
        assert event_count(seeded_db) == 0
        await pilot.press("t", *"9:05", "enter")  # no in yet: an in, nothing to ask
        assert (cells(app, KAI)["in"], cells(app, KAI)["flags"]) == ("09:05", "")
        await pilot.press("t", *"1630", "enter")  # the afternoon: "out" comes first
        row = cells(app, KAI)
        assert (row["out"], row["flags"]) == ("16:30", "EARLY 10+")


async def test_t_refuses_a_future_time_and_i_says_already_in(app, seeded_db):
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, app, KAI)
        await pilot.press("t", *"12:59", "enter")  # it is 09:14: said in the box, kept open
        assert str(app.screen.query_one(".prompt-error").render()) == (
            "at '12:59': day 1 12:59 is in the future (now Mon 09:14)"
        )
        await pilot.press("escape")
        assert isinstance(app.screen, RosterScreen)
        assert event_count(seeded_db) == 0 and cells(app, KAI)["in"] == "-"
        await pilot.press("t", *"9:02", "enter")
        await pilot.press("i", "n")  # already in: asks to replace (test_rollcall); no
        assert [e.kind for e in all_events(seeded_db)] == ["in"]
        await pilot.press("t", *"8:30")  # before the in: no out is offered
        assert str(app.screen.query_one("#meaning").render()) == (
            "enter: in at 08:30, replacing the in 09:02"
        )
        await pilot.press("escape")
        assert event_count(seeded_db) == 1


async def test_u_is_a_stack_of_this_runs_actions(app, seeded_db):
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, app, KAI)
        await pilot.press("i")
        await goto(pilot, app, MORGAN)
        await pilot.press("x", "1")
        assert cells(app, MORGAN)["flags"] == "ABSENT"
        await pilot.press("u")
        assert cells(app, MORGAN)["flags"] == "" and cells(app, KAI)["in"] == "09:14"
        await pilot.press("u")
        assert cells(app, KAI)["in"] == "-"
        await pilot.press("u")
        assert "Nothing to undo in this run" in toasts(app)
        assert [e.kind for e in all_events(seeded_db)] == ["in", "absent", "undo", "undo"]


async def test_bulk_in_asks_once_marks_the_rest_and_undoes_as_one(app, seeded_db):
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, app, KAI)
        await pilot.press("i")
        await pilot.press("I")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        assert event_count(seeded_db) == 1
        await pilot.press("I")
        assert "Mark the 23 agents" in str(app.screen.query_one(".prompt-title").render())
        await pilot.press("y")
        assert cells(app, MORGAN)["in"] == "09:00" and cells(app, KAI)["in"] == "09:14"
        assert event_count(seeded_db) == 24
        await pilot.press("u")
        assert cells(app, MORGAN)["in"] == "-" and cells(app, KAI)["in"] == "09:14"
        assert event_count(seeded_db) == 47  # 23 undo events appended, nothing deleted
        await pilot.press("I", "y", "I")
        assert "Everyone shown already has a stamp on day 1" in toasts(app)


async def test_slash_filters_by_name_id_or_team(app, seeded_db):
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(RosterTable)
        await pilot.press("slash", *"blue")
        assert table.row_count == 6
        await pilot.press("enter")  # keep the filter, back to the table
        assert app.focused is table and table.row_count == 6
        await pilot.press("I", "y")  # bulk in only touches the agents shown
        assert event_count(seeded_db) == 6
        await pilot.press("slash", "escape")
        assert table.row_count == 24 and app.focused is table
        await pilot.press("slash", *"d1022", "enter")
        assert table.row_count == 1 and app.screen.selected_agent_id() == "D1022"


async def test_brackets_switch_day_and_stamping_another_day_asks(app, seeded_db, clock):
    clock.now = FIXED_NOW + timedelta(days=1)  # 09:14 on day 2: day 1 is in the past
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("left_square_bracket")
        bar = str(app.screen.query_one("#daybar").render())
        assert bar.startswith("Day 1 of 5 · Mon 23 Nov") and "not today" in bar
        await goto(pilot, app, KAI)
        await pilot.press("i")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        assert event_count(seeded_db) == 0
        await pilot.press("i", "y")
        assert cells(app, KAI)["in"] == "09:14"
        assert [(e.day, e.kind) for e in all_events(seeded_db)] == [(1, "in")]
        await pilot.press("left_square_bracket")
        assert "Day 1 is the first day" in toasts(app)
        await pilot.press("right_square_bracket")
        assert cells(app, KAI)["in"] == "-"  # day 2 has no stamp
        assert cells(app, KAI)["pts"] == "0.5"  # the points span the cohort
        await pilot.press("i")  # today: no question
        assert event_count(seeded_db) == 2


async def test_n_edits_the_note_of_the_viewed_day(app, seeded_db):
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, app, KAI)
        await pilot.press("n", *"Doctor at 2", "enter")
        assert get_note(seeded_db, KAI, 1) == "Doctor at 2"
        assert cells(app, KAI)["note"] == "✎"
        await pilot.press("n")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        box = prompt.query_one("Input")
        assert box.value == "Doctor at 2"
        box.value = ""
        await pilot.press("enter")
        assert get_note(seeded_db, KAI, 1) is None and cells(app, KAI)["note"] == ""


async def test_enter_opens_the_agent_screen_with_notes_editable_per_day(app, seeded_db):
    async with app.run_test(size=(120, 50)) as pilot:
        await goto(pilot, app, KAI)
        await pilot.press("i")
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, AgentScreen) and screen.agent_id == KAI
        week = screen.query_one("#week")
        assert week.get_row_at(0)[0] == "09:14"  # In, day 1
        log = screen.query_one("#log")
        assert log.get_row_at(0)[3] == "in" and log.get_row_at(0)[2] == "09:14"
        await pilot.press("right", "n", *"Out sick tomorrow?", "enter")
        assert get_note(seeded_db, KAI, 2) == "Out sick tomorrow?"
        assert "Day 2: Out sick tomorrow?" in str(screen.query_one("#notes").render())
        await pilot.press("escape")
        assert isinstance(app.screen, RosterScreen)


async def test_meet_report_is_reviewed_then_accepted_as_one_undoable_action(
    app, seeded_db, tmp_path
):
    report = tmp_path / "meet.csv"
    report.write_text(
        "Participant,Email,First seen,Last seen\n"
        "Kai Everly,kai.everly@example.com,08:58,16:59\n"
        "Dana Larkspur,,09:12,12:00\n"
        "Pat Visitor,pat@example.org,10:00,10:30\n"
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("M")
        app.screen.query_one("Input").value = str(report)
        await pilot.press("enter")
        review = app.screen
        assert isinstance(review, MeetImportScreen)
        assert "Pat Visitor <pat@example.org>" in str(review.query_one("#unmatched").render())
        await pilot.press("down", "space")  # untick Dana
        await pilot.press("enter")
        assert isinstance(app.screen, RosterScreen)
        assert cells(app, KAI)["in"] == "08:58" and cells(app, DANA)["in"] == "-"
        assert [(e.agent_id, e.kind) for e in all_events(seeded_db)] == [(KAI, "in")]
        await pilot.press("u")
        assert cells(app, KAI)["in"] == "-"


async def test_help_lists_the_attendance_binding_ids(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        table = app.screen.query_one("DataTable")
        ids = {table.get_row_at(i)[2] for i in range(table.row_count)}
        expected = {"stamp_in", "stamp_out", "mark_absent", "stamp_at", "undo", "edit_note"}
        assert expected | {"open_agent", "filter", "prev_day", "next_day", "bulk_in"} <= ids


async def test_day_over_turns_unstamped_agents_absent_without_a_restart(app, clock):
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, app, KAI)
        assert cells(app, KAI)["flags"] == ""
        clock.now = FIXED_NOW + timedelta(hours=8)  # 17:14 in New York
        app.screen._watch_day_over()
        await pilot.pause()
        assert cells(app, KAI)["flags"] == "ABSENT"


def test_roster_snapshot_with_stamps(snap_compare, config, seeded_db, clock):
    clock.now = FIXED_NOW + timedelta(hours=7, minutes=36)  # 16:50 in New York, day 1
    app = make_app(config, seeded_db, clock=clock)

    async def stamp_a_day(pilot) -> None:
        await goto(pilot, app, "D1003")
        await pilot.press("t", "enter", *"9:23", "enter")  # late 10+
        await goto(pilot, app, "D1008")
        await pilot.press("x", "3")  # no call, no show
        await pilot.press("I", "y")  # everyone else in at 09:00
        await goto(pilot, app, "D1013")
        await pilot.press("o")  # left at 16:50: early 10+
        await pilot.press("n", *"Left early: dentist", "enter")
        app.clear_notifications()
        await pilot.pause()

    assert DAY1.isoformat() == "2026-11-23"
    assert snap_compare(app, terminal_size=(120, 36), run_before=stamp_a_day)
