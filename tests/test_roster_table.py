"""The roster grid's speed-ups lean on Textual internals (esp_tui/widgets/roster_table.py). These
tests fail loudly when a Textual upgrade moves them, before the roster ever shows a stale row:
the private methods and attributes are checked by name and signature, then the two behaviours
(one row repainted after `update_row_cells`, no cell measured for fixed-width columns)."""

from __future__ import annotations

import inspect

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from esp_tui.widgets.roster_table import RosterTable

ROWS = [(f"A{i:02d}", f"Agent {i}", "-") for i in range(30)]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RosterTable(id="roster", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(RosterTable)
        for key, width in (("agent", 12), ("in", 6)):
            table.add_column(key.title(), width=width, key=key)
        for agent_id, name, stamp in ROWS:
            table.add_row(name, stamp, key=agent_id)


def params(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_private_methods_it_overrides_or_calls_keep_their_signatures():
    assert params(DataTable._update_dimensions) == ["self", "new_rows"]
    assert params(DataTable._refresh_region) == ["self", "region"]
    # The override must still be an override (called by add_row), not a dead method.
    assert "_update_dimensions" in inspect.getsource(DataTable._on_idle)
    # update_row_cells copies update_cell's bookkeeping: the same private state, by name.
    source = inspect.getsource(DataTable.update_cell)
    for name in ("self._data[row_key][column_key] = value", "self._update_count += 1"):
        assert name in source, f"DataTable.update_cell no longer does {name!r}"
    assert "_row_locations" in source


async def test_the_private_state_it_writes_is_where_it_expects():
    app = TableApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(RosterTable)
        assert isinstance(table._update_count, int)
        assert "A03" in table._row_locations and "nobody" not in table._row_locations
        assert table._data[RowKey("A03")][ColumnKey("agent")] == "Agent 3"


async def test_update_row_cells_repaints_that_one_row_with_the_new_value():
    app = TableApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(RosterTable)
        y = table.get_row_index("A03") + 1  # under the header
        before_other = table.render_line(y + 1).text
        assert "Agent 3" in table.render_line(y).text  # cached: a stale cache would stay
        refreshed: list[tuple[Region, ...]] = []
        original = table.refresh

        def spy(*regions: Region, **kwargs):
            refreshed.append(regions)
            return original(*regions, **kwargs)

        table.refresh = spy  # type: ignore[method-assign]
        table.update_row_cells("A03", {"in": Text("09:05")})
        assert refreshed == [(Region(0, y, table.size.width, 1),)]  # one line, not the table
        await pilot.pause()
        line = table.render_line(y).text
        assert "09:05" in line and "Agent 3" in line
        assert table.render_line(y + 1).text == before_other
        assert "09:05" in app.export_screenshot()


async def test_unknown_rows_are_refused():
    app = TableApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(RosterTable)
        try:
            table.update_row_cells("nobody", {"in": "09:05"})
        except Exception as error:  # CellDoesNotExist, as update_cell raises
            assert type(error).__name__ == "CellDoesNotExist"
        else:
            raise AssertionError("an unknown row was accepted")


async def test_fixed_width_columns_measure_no_cell_but_keep_the_virtual_size(monkeypatch):
    measured: list[list[RowKey]] = []
    base = DataTable._update_dimensions

    def spy(self: DataTable, new_rows) -> None:
        rows = list(new_rows)
        measured.append(rows)
        base(self, rows)

    monkeypatch.setattr(DataTable, "_update_dimensions", spy)  # what super() reaches
    app = TableApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(RosterTable)
        assert measured, "DataTable no longer calls _update_dimensions: the override is dead"
        assert all(rows == [] for rows in measured)  # every column has a fixed width
        assert table.virtual_size.height == len(ROWS) + 1  # rows + header: still sized
