"""A big roster paints its first screenful, then the rest right after (FIRST_PAINT_ROWS): the
table must end up whole, in roster order, with no row twice, whatever happens in between."""

from __future__ import annotations

from esp_tui.app import make_app
from esp_tui.screens.roster import RosterScreen, RosterTable
from esp_tui.screens.roster_rows import FIRST_PAINT_ROWS
from esp_tui.services.demo import seed_demo
from storage.db import connect
from tests.conftest import DAY1, FIXED_NOW

AGENTS = FIRST_PAINT_ROWS * 2 + 7


def _app(db_path, config):
    db = connect(db_path)
    seed_demo(db, config, agents=AGENTS, today=DAY1)
    return make_app(config, db, clock=lambda: FIXED_NOW)


def table_ids(app) -> list[str]:
    table = app.screen.query_one(RosterTable)
    return [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)]


async def test_every_agent_is_in_the_table_once_in_roster_order(db_path, config):
    app = _app(db_path, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        assert AGENTS > FIRST_PAINT_ROWS  # the deferred batch is exercised
        assert table_ids(app) == list(screen.rows) == screen.shown_ids()
        assert len(set(table_ids(app))) == AGENTS


async def test_a_rebuild_before_the_rest_is_added_drops_the_older_batch(db_path, config):
    app = _app(db_path, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.reload()
        screen.reload()  # two pending batches: only the newer one may land
        assert app.screen.query_one(RosterTable).row_count == FIRST_PAINT_ROWS
        assert len(screen.shown_ids()) == AGENTS  # bulk actions see every agent already
        await pilot.pause()
        assert table_ids(app) == list(screen.rows)


async def test_the_cursor_comes_back_to_an_agent_of_the_later_batch(db_path, config):
    app = _app(db_path, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.query_one(RosterTable)
        far = list(screen.rows)[FIRST_PAINT_ROWS + 5]
        table.move_cursor(row=table.get_row_index(far), animate=False)
        screen.reload()
        await pilot.pause()
        assert screen.selected_agent_id() == far
