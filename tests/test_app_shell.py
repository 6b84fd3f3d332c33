"""The app shell through Pilot: roster, empty state, help, quit, keymap."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from esp_tui.app import make_app
from esp_tui.config import build_config
from esp_tui.screens.help import HelpScreen
from esp_tui.widgets.status_header import StatusHeader


async def test_starts_on_a_seeded_db_and_shows_every_agent(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#roster", DataTable)
        assert table.row_count == 24
        names = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}  # Text cells
        assert "13 Kai Everly" in names  # the row number first: typing it jumps there
        header = app.screen.query_one(StatusHeader)
        assert header.left.startswith("ESP · Demo cohort · Day 1 of 5 · Mon 23 Nov 09:14")
        assert not app.screen.query_one("#empty", Static).display


async def test_empty_db_shows_how_to_start(db, config, clock):
    app = make_app(config, db, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        empty = app.screen.query_one("#empty", Static)
        assert empty.display
        assert "esp-tui roster import" in str(empty.render())
        assert "esp-tui demo" in str(empty.render())
        assert "no cohort" in app.screen.query_one(StatusHeader).left


async def test_help_lists_bindings_with_ids_and_q_quits(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        ids = {table.get_row_at(i)[2] for i in range(table.row_count)}
        assert {"quit", "help", "roster_down"} <= ids
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_keymap_from_config_remaps_a_binding(seeded_db, clock):
    cfg = build_config(
        {"cohort": {"timezone": "America/New_York"}, "keymap": {"roster_down": "v"}}, "t"
    )
    app = make_app(cfg, seeded_db, clock=clock)
    async with app.run_test() as pilot:
        table = app.screen.query_one("#roster", DataTable)
        assert table.cursor_row == 0
        await pilot.press("v")
        assert table.cursor_row == 1
        await pilot.press("j")  # remapped away
        assert table.cursor_row == 1


def test_roster_snapshot(snap_compare, seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    assert snap_compare(app, terminal_size=(120, 36))
