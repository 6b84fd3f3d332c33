"""The app on a database of several cohorts (issue 12): the header names the cohort on screen,
the cohort picker (`C`, the palette) views another one or makes it current, a closed cohort is
read-only, and another process switching the database's current cohort never moves the app."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from sqlite_utils import Database
from textual.command import CommandPalette
from textual.widgets import DataTable, Static

from esp_tui.app import make_app
from esp_tui.cli import main as cli
from esp_tui.config import Config
from esp_tui.domain.models import Agent
from esp_tui.screens.cohort_picker import CohortPicker
from esp_tui.screens.help import HelpScreen
from esp_tui.screens.prompts import TextPrompt
from esp_tui.screens.roster import RosterScreen, RosterTable
from esp_tui.services import attendance as att
from esp_tui.services import cohorts
from esp_tui.services.intro import load_intro
from esp_tui.widgets.status_header import StatusHeader
from storage import cohort as store
from storage.db import connect
from tests.conftest import FIXED_NOW

PAST, NOW = "Nov 16", "Nov 23"  # week 1 (closed) and week 2 (current, day 1 = today)
PAST_DAY5 = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)  # Fri 18:00 New York, week 1's last day


def agent(agent_id: str, name: str) -> Agent:
    return Agent(agent_id=agent_id, name=name, email=f"{agent_id.lower()}@example.com", team="Red")


@pytest.fixture
def two_cohorts(db_path: Path, config: Config) -> Path:
    """Week 1 (A1, A2; a stamp and a note on day 5; closed) and week 2 (B1-B3, current)."""
    db = connect(db_path)
    try:
        past, _ = cohorts.new_cohort(
            db, config, PAST, date(2026, 11, 16),
            roster=[agent("A1", "Ada Past"), agent("A2", "Abe Past")],
        )  # fmt: skip
        att.stamp(db, config, past, "A1", "in", day=5, at="09:02", now=PAST_DAY5)
        att.set_note(db, past, "A1", 5, "week-1 note")
        cohorts.set_closed(db, PAST)
        cohorts.new_cohort(
            db, config, NOW, date(2026, 11, 23),
            roster=[agent("B1", "Bea Now"), agent("B2", "Bo Now"), agent("B3", "Cy Now")],
        )  # fmt: skip
    finally:
        db.close()
    return db_path


@pytest.fixture
def app_db(two_cohorts: Path):
    db = connect(two_cohorts)  # a fresh connection, as `esp-tui` opens: the current cohort
    yield db
    db.close()


@pytest.fixture
def app(config, app_db, clock, two_cohorts):
    return make_app(config, app_db, db_path=two_cohorts, clock=clock)


def cohort_id(db: Database, name: str) -> int:
    found = store.cohort_by_name(db, name)
    assert found is not None and found.id is not None
    return found.id


def roster_ids(app) -> set[str]:
    table = app.screen.query_one(RosterTable)
    return {table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)}


def header(app) -> StatusHeader:
    h = app.screen.query_one(StatusHeader)
    h.pull()
    return h


def marks(app) -> list[str]:
    return [text for _, text in header(app).marks]


def toasts(app) -> list[str]:
    return [n.message for n in app._notifications]


def events_in(db_path: Path, name: str) -> int:
    other = connect(db_path)
    try:
        cid = cohort_id(other, name)
        return other.execute(
            "SELECT COUNT(*) FROM attendance_events WHERE cohort_id = ?", [cid]
        ).fetchone()[0]
    finally:
        other.close()


async def pick(pilot, app, name: str, key: str = "enter") -> None:
    """In the open picker: put the cursor on cohort `name`, then press `key`."""
    picker = app.screen
    assert isinstance(picker, CohortPicker)
    names = [r.name for r in picker.rows]
    table = picker.query_one(DataTable)
    while table.cursor_row != names.index(name):
        await pilot.press("j" if table.cursor_row < names.index(name) else "k")
    await pilot.press(key)
    await pilot.pause()


async def test_header_names_the_current_cohort_and_says_nothing_else(app):
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert header(app).left.startswith(f"ESP · {NOW} · Day 1 of 5 · Mon 23 Nov 09:14")
        assert marks(app) == []
        assert roster_ids(app) == {"B1", "B2", "B3"}


async def test_C_views_the_closed_past_cohort_read_only_then_back(app, two_cohorts):
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("C")
        picker = app.screen
        assert isinstance(picker, CohortPicker)
        table = picker.query_one(DataTable)
        assert [r.name for r in picker.rows] == [PAST, NOW]
        row = [str(c) for c in table.get_row_at(1)]
        assert row[1:] == [NOW, "Mon 23 Nov 2026", "5", "3", "active", "current · viewing"]
        assert [str(c) for c in table.get_row_at(0)][4:] == ["2", "closed", ""]
        assert table.cursor_row == 1  # starts on the cohort being viewed

        await pick(pilot, app, PAST)
        assert isinstance(app.screen, RosterScreen)
        assert roster_ids(app) == {"A1", "A2"}  # nothing of week 2 stays
        assert app.cohort is not None and app.cohort.name == PAST
        assert app.screen.day == 5  # the week is over: its last day
        a1 = [str(c) for c in app.screen.query_one(RosterTable).get_row("A1")]
        assert a1[2] == "09:02" and a1[-1] == "✎"  # its stamp and its note
        assert header(app).left.startswith(f"ESP · {PAST} · ")
        assert marks(app) == ["closed · read-only", "viewing past cohort"]
        daybar = str(app.screen.query_one("#daybar", Static).render())
        assert daybar.endswith(" · closed: read-only")
        # Viewing changes nothing in the database: week 2 stays current.
        assert store.current_id(app.db) == cohort_id(app.db, NOW)

        # Stamps and notes are refused at once, with the toast, and nothing is written.
        before = events_in(two_cohorts, PAST)
        await pilot.press("i")  # Abe Past (A2), the first row
        await pilot.press("x", "n")
        await pilot.pause()
        assert not isinstance(app.screen, TextPrompt)
        assert isinstance(app.screen, RosterScreen)
        closed = [t for t in toasts(app) if "is closed" in t]
        assert len(closed) == 3 and "nothing was saved" in closed[0]
        assert events_in(two_cohorts, PAST) == before

        await pilot.press("C")
        await pick(pilot, app, NOW)
        assert roster_ids(app) == {"B1", "B2", "B3"}
        assert app.screen.day == 1
        assert marks(app) == []


async def test_the_palette_opens_the_picker_and_escape_cancels(app):
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"switch to another cohort")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CohortPicker)
        await pilot.press("k", "escape")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        assert roster_ids(app) == {"B1", "B2", "B3"}


async def test_the_key_is_in_help_and_in_the_footer(app):
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        bindings = app.screen.active_bindings
        assert bindings["C"].binding.id == "pick_cohort" and bindings["C"].binding.show
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert ["C", "Cohorts", "pick_cohort", "Roster"] in rows


async def test_u_makes_the_highlighted_cohort_the_database_current_one(app, two_cohorts):
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("C")
        await pick(pilot, app, PAST, key="u")
        assert isinstance(app.screen, RosterScreen)
        assert store.current_id(app.db) == cohort_id(app.db, PAST)
        assert roster_ids(app) == {"A1", "A2"}
        assert marks(app) == ["closed · read-only"]  # current now: no "viewing past"
        other = connect(two_cohorts)  # what the CLI and a new esp-tui open
        try:
            opened = store.get_cohort(other)
            assert opened is not None and opened.name == PAST
        finally:
            other.close()


async def test_undo_stack_and_intro_clock_belong_to_their_cohort(app):
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("D", "space", "escape")  # week 2's intro: timer started, 1 tick
        intro_now = load_intro(app.db)
        assert intro_now.started_at is not None and len(intro_now.ticked) == 1
        await pilot.press("i")  # B1 (Bea Now) in, 09:14
        await pilot.press("C")
        await pick(pilot, app, PAST)
        assert load_intro(app.db).started_at is None  # week 1's own intro: never opened
        assert app.screen.undo_stack == []
        await pilot.press("C")
        await pick(pilot, app, NOW)
        assert load_intro(app.db) == intro_now
        await pilot.press("u")  # the stamp was week 2's: not undone from another view
        assert "Nothing to undo in this run" in toasts(app)


def run_cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli(list(argv))
    assert code == 0, err.getvalue()
    return out.getvalue()


async def test_cli_switching_the_current_cohort_never_moves_the_open_app(app, two_cohorts):
    db = str(two_cohorts)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        roster = app.screen
        assert isinstance(roster, RosterScreen)

        # Another shell: a new cohort (it becomes current), then week 1 made current.
        run_cli("--db", db, "cohort", "new", "Nov 30", "--start", "2026-11-30")
        roster.watch_other_writers()  # the data_version poll, run now instead of in 2 s
        await pilot.pause()
        assert roster_ids(app) == {"B1", "B2", "B3"}
        assert app.cohort is not None and app.cohort.name == NOW
        # Nov 30 is current now; this week is not over, so it is not called past.
        assert marks(app) == ["not the current cohort"]

        run_cli("--db", db, "cohort", "use", PAST)
        roster.watch_other_writers()
        await pilot.pause()
        assert roster_ids(app) == {"B1", "B2", "B3"}
        assert marks(app) == ["not the current cohort"]

        # A stamp into the app's cohort from the CLI shows up on the next poll.
        with time_machine.travel(FIXED_NOW, tick=False):
            run_cli("--db", db, "stamp", "B2", "in", "--at", "09:05", "--cohort", NOW)
        roster.watch_other_writers()
        await pilot.pause()
        b2 = [str(c) for c in roster.query_one(RosterTable).get_row("B2")]
        assert b2[2] == "09:05"
        assert app.cohort.name == NOW

        # The new, empty cohort says how to fill it.
        await pilot.press("C")
        await pick(pilot, app, "Nov 30")
        empty = roster.query_one("#empty", Static)
        assert empty.display
        assert "No agents in cohort Nov 30 yet" in str(empty.render())
        assert "--cohort 'Nov 30'" in str(empty.render())


async def test_cli_closing_the_viewed_cohort_shows_it_read_only(app, two_cohorts):
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        run_cli("--db", str(two_cohorts), "cohort", "close", NOW)
        app.screen.watch_other_writers()
        await pilot.pause()
        assert marks(app) == ["closed · read-only"]
        await pilot.press("i")
        assert any("is closed" in t for t in toasts(app))
        assert events_in(two_cohorts, NOW) == 0


async def test_a_narrow_header_cuts_the_right_side_never_the_marks(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("C")
        await pick(pilot, app, PAST)
        h = header(app)
        h.right = "TL assisting · " + "a long status message " * 4
        text = h.render().plain
        assert len(text) <= 98
        assert "closed · read-only" in text and "viewing past cohort" in text
        assert text.startswith(f"ESP · {PAST} · ") and text.endswith("…")


def test_cohort_picker_snapshot(snap_compare, config, app_db, clock, two_cohorts):
    app = make_app(config, app_db, db_path=two_cohorts, clock=clock)
    assert snap_compare(app, terminal_size=(100, 30), press=["C"])
