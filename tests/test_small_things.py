"""Issue 14, item 7, with Pilot: the roster footer at 100 columns, the Where column, the
red-flag gap's jump and the `?` list without Textual's own keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey
from textual.widgets.data_table import ColumnKey

from esp_tui.app import make_app
from esp_tui.screens.flags import FlagsScreen
from esp_tui.screens.help import HelpScreen
from esp_tui.services import flags, rooms
from esp_tui.widgets.roster_cells import COLUMNS, fitted_widths, short_room
from esp_tui.widgets.roster_table import RosterTable
from tests.conftest import FIXED_NOW

# -- 1. the footer ---------------------------------------------------------------------------


def footer_keys(app) -> dict[str, FooterKey]:
    return {k.key: k for k in app.screen.query(FooterKey)}


async def test_q_help_and_close_are_in_the_footer_at_100_columns(seeded_db, config, clock):
    """At 100x30 the footer cut Close, Quit and Help (the palette key sits over the right)."""
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        keys = footer_keys(app)
        palette = keys["ctrl+p"].region.x
        for key in ("c", "question_mark", "q", "i", "o", "x", "t", "u", "n"):
            region = keys[key].region
            assert region.right <= palette and region.right <= 100, key
        # only the order changed: every key the roster showed is still there, none doubled
        assert {"w", "r", "slash", "C"} <= set(keys)


def test_roster_footer_snapshot_100x30(snap_compare, seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    assert snap_compare(app, terminal_size=(100, 30))


def test_roster_footer_snapshot_140x45(snap_compare, seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    assert snap_compare(app, terminal_size=(140, 45))


# -- 2. the Where column ---------------------------------------------------------------------


def test_where_fits_the_longest_room_in_use_and_cuts_predictably():
    base = {k: w for k, _, w in COLUMNS}
    total = base["agent"] + base["where"]
    assert fitted_widths([]) == {"agent": total - 5, "where": 5}
    assert fitted_widths(["Room 1", "AHIP help"]) == {"agent": total - 9, "where": 9}
    assert fitted_widths(["x" * 40])["where"] == 11  # bounded: agent names keep 14 cells
    assert short_room("AHIP help", 9) == "AHIP help"
    assert short_room("Call cert 1", 9) == "Call c… 1"
    assert short_room("Call cert 2", 9) == "Call c… 2"  # the number that tells them apart stays
    assert short_room("Supercalifragilistic", 9) == "Supercal…"
    assert short_room("a\x1b[31m", 11) == "a\\x1b[31m"  # plain text: the escape shown


def row_text(table: DataTable, agent_id: str) -> str:
    y = table.get_row_index(agent_id) + 1  # below the header
    return "".join(seg.text for seg in table.render_line(y))


async def test_the_where_column_shows_the_whole_room_name(seeded_db, config, clock):
    """`AHIP help` showed as `AHIP he`."""
    room = rooms.create_room(seeded_db, purpose="assist", name="AHIP help", now=FIXED_NOW)
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(RosterTable)
        first = str(table.coordinate_to_cell_key(table.cursor_coordinate)[0].value)
        assert table.columns[ColumnKey("where")].width == 5  # nobody in a room: narrow
        await pilot.press("m")  # the move dialog: the room list
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert rooms.where_by_agent(seeded_db) == {first: room.name}
        assert table.columns[ColumnKey("where")].width == 9
        assert "AHIP help" in row_text(table, first)
        assert table.virtual_size.width <= 100  # still fits: the Agent column gave the room


# -- 4. the red-flag gap ---------------------------------------------------------------------


async def test_the_red_flag_gap_opens_that_flag_not_the_newest(seeded_db, config, clock):
    """The jump landed on the newest flag, already notified to a PM."""
    [demo] = flags.flags_to_notify(seeded_db)  # the demo's unnotified flag
    newer = flags.raise_flag(
        seeded_db, config, demo.agent_id, "conduct", "Left the Meet", now=FIXED_NOW
    )
    flags.notify_pm(seeded_db, config, newer.id, now=FIXED_NOW + timedelta(minutes=1))
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        gaps = app.screen.query_one("#gaps", DataTable)
        kinds = [str(gaps.get_row_at(i)[0]) for i in range(gaps.row_count)]
        assert kinds.count("red flag") == 1
        gaps.move_cursor(row=kinds.index("red flag"))
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FlagsScreen)
        flag = screen.current_flag()
        assert flag is not None and flag.id == demo.id and flag.pm_notified_at is None


# -- 6. `?` ------------------------------------------------------------------------------------


async def test_help_lists_only_the_apps_own_keys_once(seeded_db, config, clock):
    """`?` listed super+c, ctrl+c, tab, the table's arrows and ctrl+q."""
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [tuple(map(str, table.get_row_at(i))) for i in range(table.row_count)]
        keys = {r[0] for r in rows}
        assert not keys & {"super+c", "ctrl+c", "tab", "shift+tab", "up", "pageup", "ctrl+q"}
        assert all(r[2] for r in rows)  # every row has an id a keymap can remap
        assert len({(r[2], r[3]) for r in rows}) == len(rows)  # no binding twice
        assert ("q", "Quit", "quit", "app") in rows and ("?", "Help", "help", "app") in rows
        assert ("j", "Down", "roster_down", "RosterTable") in rows


async def test_help_at_100x30_keeps_every_row_reachable(seeded_db, config, clock):
    """At 100x30 the list was cut by its box after `w`: x, enter, j, k, ? and q, and the
    line under it, could not be seen or scrolled to."""
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("Vertical")
        table = app.screen.query_one(DataTable)
        hint = app.screen.query("Static").last()
        inside = box.content_region
        assert table.region.bottom <= hint.region.y  # the table is not drawn under the line
        assert inside.contains_region(hint.region)  # the line under the list is on screen
        assert inside.contains_region(table.region)  # nothing of the table is cut off
        await pilot.press(*["down"] * table.row_count)
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1
        assert table.scroll_y == table.max_scroll_y > 0  # the last rows scroll into view


@pytest.mark.parametrize(
    ("key", "screen"),
    [
        ("enter", "AgentScreen"),
        ("c", "CloseScreen"),
        ("F", "FlagsScreen"),
        ("D", "IntroScreen"),
        ("P", "ProgressScreen"),
        ("R", "RoomsScreen"),
        ("p", "TaskListScreen"),
        ("T", "TicketsScreen"),
    ],
)
async def test_help_and_quit_are_in_every_screens_footer_at_100_columns(
    seeded_db, config, clock, key, screen
):
    """`?` and `q` stay on screen everywhere (EspScreen.FOOTER_FIRST), not only on the roster:
    QA found the Close screen's footer cut both at 100 columns."""
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert type(app.screen).__name__ == screen
        keys = footer_keys(app)
        palette = keys["ctrl+p"].region.x
        for shown in ("question_mark", "q"):
            region = keys[shown].region
            assert region.width and region.right <= palette and region.right <= 100, shown
