"""Conflicts on the Close screen, with Pilot against the Sheets emulator: moving, resolving only
the selected row, reading a conflict in full, asking before ours overwrites a PM's edit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database
from textual.widgets import DataTable, Static

from esp_tui.app import make_app
from esp_tui.domain.tickets import Ticket
from esp_tui.screens.close import CloseScreen
from esp_tui.screens.conflict_detail import ConflictDetail
from esp_tui.screens.prompts import Confirm
from esp_tui.sync.layout import col_letters
from storage.agents import get_agent, list_agents
from storage.db import connect as connect_db
from storage.migrations import MIGRATIONS, latest_version
from storage.sync import count_runs, last_push, load_snapshot, record_sync
from storage.tickets import insert_ticket
from tests.sheet_helpers import ready_day1, use_sheet
from tests.sheets_emulator import SheetsEmulator, running_emulator

KEY = "conflictkey-0123456789"
AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
EVENING = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 17:30 in New York
TAB = "ESP Tracker"
NOTES = "Day 1 Notes"


@pytest.fixture(scope="module")
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def sheet(emu: SheetsEmulator, config, seeded_db, monkeypatch) -> SheetsEmulator:
    return use_sheet(emu, config, monkeypatch, KEY)


ready = ready_day1


def cell_of(sheet: SheetsEmulator, agent_id: str, header: str = NOTES) -> str:
    values = sheet.get_values(KEY, TAB)
    col = values[0].index(header)
    row = next(r for r in values[1:] if r and r[values[0].index("Agent ID")] == agent_id)
    return row[col] if col < len(row) else ""


def pm_edits(sheet: SheetsEmulator, edits: dict[str, str], header: str = NOTES) -> None:
    """A PM types into the sheet: agent id -> the cell's new value."""
    values = sheet.get_values(KEY, TAB)
    col, key_col = values[0].index(header), values[0].index("Agent ID")
    for i, row in enumerate(values):
        if i and row and row[key_col] in edits:
            sheet.set_cell(KEY, TAB, f"{col_letters(col)}{i + 1}", edits[row[key_col]])


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def conflicts_after_pm_edits(app, pilot, sheet, pm_values: list[str]) -> list[str]:
    """Sync once, let a PM edit the notes of the first agents, sync again: one conflict per
    edit, listed in the Close screen. Returns the edited agents' ids (the table's order)."""
    await pilot.press("c")
    await pilot.press("s")
    await settle(app, pilot)
    assert count_runs(app.db) == 1
    values = sheet.get_values(KEY, TAB)
    key_col = values[0].index("Agent ID")
    agents = [row[key_col] for row in values[1 : 1 + len(pm_values)]]
    pm_edits(sheet, dict(zip(agents, pm_values, strict=True)))
    await pilot.press("s")
    await settle(app, pilot)
    table = app.screen.query_one("#conflicts", DataTable)
    assert table.row_count == len(pm_values)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def rows(screen: CloseScreen) -> list[list[str]]:
    table = screen.query_one("#conflicts", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_j_k_and_the_arrows_move_in_the_conflicts_and_tab_switches_tables(
    seeded_db, config, clock, sheet
) -> None:
    ready(seeded_db)
    a = list_agents(seeded_db)[0].agent_id
    with seeded_db.atomic():  # one gap (a draft ticket), so both tables are shown
        insert_ticket(
            seeded_db,
            Ticket(id="draft-1", form="carrier_ticket", agent_id=a, created_at=AT, updated_at=AT),
        )
    clock.now = EVENING
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c", "s")
        assert isinstance(app.screen, Confirm)  # the open gap
        await pilot.press("y")
        await settle(app, pilot)
        pm_edits(sheet, {r.agent_id: f"PM {i}" for i, r in enumerate(list_agents(seeded_db)[:2])})
        await pilot.press("s", "y")
        await settle(app, pilot)
        close = app.screen
        conflicts = close.query_one("#conflicts", DataTable)
        gaps = close.query_one("#gaps", DataTable)
        assert conflicts.row_count == 2 and gaps.row_count == 1
        assert app.focused is conflicts  # focus goes to the conflicts when they appear
        assert conflicts.cursor_row == 0 and "conflict 1 of 2" in shown(close, "#conflict-hint")
        await pilot.press("j")
        assert conflicts.cursor_row == 1
        assert "conflict 2 of 2" in shown(close, "#conflict-hint")
        await pilot.press("k")
        assert conflicts.cursor_row == 0
        await pilot.press("down")
        assert conflicts.cursor_row == 1
        await pilot.press("up")
        assert conflicts.cursor_row == 0
        await pilot.press("tab")
        assert app.focused is gaps
        await pilot.press("j")  # moves in the gaps, not in the conflicts
        assert conflicts.cursor_row == 0
        await pilot.press("tab")
        assert app.focused is conflicts
        assert "close_switch_table" in {b.binding.id for b in close.active_bindings.values()}


async def test_S_then_j_then_L_resolves_each_row_exactly_once(
    seeded_db, config, clock, sheet
) -> None:
    ready(seeded_db, note="ABSENT ncns")
    clock.now = EVENING
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        first, second = await conflicts_after_pm_edits(
            app, pilot, sheet, ["excused (HR confirmed)", "sick (doctor's note)"]
        )
        close = app.screen
        assert isinstance(close, CloseScreen)
        assert [r[5] for r in rows(close)] == ["undecided", "undecided"]
        await pilot.press("S", "j", "L")
        assert [r[5] for r in rows(close)] == ["keep-sheet", "keep-local"]
        choices = {k[1]: r.choice for k, r in close.resolutions.items()}
        assert choices == {first: "keep-sheet", second: "keep-local"}
        await pilot.press("s", "y")  # y: overwrite the one cell kept as ours
        await settle(app, pilot)
        assert cell_of(sheet, first) == "excused (HR confirmed)"  # kept the sheet's
        assert cell_of(sheet, second) == "ABSENT ncns"  # ours
        assert close.query_one("#conflicts", DataTable).row_count == 0
        assert count_runs(seeded_db) == 3


async def test_a_second_press_on_the_same_row_changes_its_choice(
    seeded_db, config, clock, sheet
) -> None:
    ready(seeded_db)
    clock.now = EVENING
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        first, _ = await conflicts_after_pm_edits(app, pilot, sheet, ["PM a", "PM b"])
        close = app.screen
        await pilot.press("L")
        assert rows(close)[0][5] == "keep-local" and "(keep-local)" in shown(
            close, "#conflict-hint"
        )
        await pilot.press("S")
        assert [r[5] for r in rows(close)] == ["keep-sheet", "undecided"]
        assert "keep-sheet (was keep-local)" in shown(close, "#sync-status")
        assert {k[1]: r.choice for k, r in close.resolutions.items()} == {first: "keep-sheet"}
        await pilot.press("s")  # no "keep ours" left: nothing to ask
        assert app.screen is close
        await settle(app, pilot)
        assert cell_of(sheet, first) == "PM a"


async def test_enter_opens_the_conflict_in_full_and_S_L_there_resolve_it(
    seeded_db, config, clock, sheet
) -> None:
    ready(seeded_db)
    clock.now = EVENING
    long_value = ("excused (HR confirmed), see the thread with payroll " * 7)[:299] + "Z"
    assert len(long_value) == 300
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        first, second = await conflicts_after_pm_edits(app, pilot, sheet, ["short", long_value])
        close = app.screen
        table = close.query_one("#conflicts", DataTable)
        await pilot.press("j", "enter")
        modal = app.screen
        assert isinstance(modal, ConflictDetail) and modal.conflict.row_key == second
        sheet_value = modal.query_one("#conflict-sheet", Static)
        assert str(sheet_value.render()) == long_value  # whole, not cut at 24
        assert sheet_value.size.height >= 3  # wrapped over several lines
        assert shown(modal, "#conflict-ours") == "ok"
        assert shown(modal, "#conflict-base") == "ok"  # what the first sync pushed
        name = get_agent(seeded_db, second).name
        where = shown(modal, "#conflict-where")
        assert f"Tab     {TAB}" in where and f"Column  {NOTES}" in where
        assert f"Agent   {second} · {name}" in where
        pushed = shown(modal, "#conflict-pushed")
        assert pushed == "pushed by anonymous (emulator) on Mon 23 Nov 17:30 EST"
        assert "not decided" in shown(modal, "#conflict-choice")
        await pilot.press("L")
        assert "keep-local" in shown(modal, "#conflict-choice")
        assert [str(table.get_row_at(i)[5]) for i in range(2)] == ["undecided", "keep-local"]
        await pilot.press("S")  # changes it, still for this conflict only
        assert "keep-sheet" in shown(modal, "#conflict-choice")
        await pilot.press("escape")
        assert app.screen is close
        assert [str(table.get_row_at(i)[5]) for i in range(2)] == ["undecided", "keep-sheet"]
        assert {k[1]: r.choice for k, r in close.resolutions.items()} == {second: "keep-sheet"}
        assert table.cursor_row == 1
        assert first != second


async def test_keep_ours_over_a_pm_edit_asks_first_n_leaves_the_sheet_y_writes(
    seeded_db, config, clock, sheet
) -> None:
    ready(seeded_db, note="ABSENT ncns")
    clock.now = EVENING
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        [agent] = await conflicts_after_pm_edits(app, pilot, sheet, ["excused (HR confirmed)"])
        close = app.screen
        await pilot.press("L")
        runs = count_runs(seeded_db)
        sheet.reset_log()
        await pilot.press("s")
        assert isinstance(app.screen, Confirm)
        message = shown(app.screen, ".prompt-title")
        assert message.splitlines() == [
            "Overwrite 1 cell a PM edited in the sheet with ours?",
            f"• {agent} · {NOTES}: “excused (HR confirmed)” → “ABSENT ncns”",
        ]
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is close
        assert cell_of(sheet, agent) == "excused (HR confirmed)"
        assert sheet.writes == [] and count_runs(seeded_db) == runs
        assert rows(close)[0][5] == "keep-local"  # the choice stays, for a later sync
        await pilot.press("s")
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(app, pilot)
        assert cell_of(sheet, agent) == "ABSENT ncns"
        assert count_runs(seeded_db) == runs + 1
        assert last_push(seeded_db, (TAB, agent, NOTES)).value == "ABSENT ncns"


async def test_a_dry_run_keeps_the_choice_listed_and_the_sync_still_asks(
    seeded_db, config, clock, sheet
) -> None:
    ready(seeded_db)
    clock.now = EVENING
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        [agent] = await conflicts_after_pm_edits(app, pilot, sheet, ["PM says"])
        close = app.screen
        await pilot.press("L", "d")
        await settle(app, pilot)
        assert [r[1] for r in rows(close)] == [agent] and rows(close)[0][5] == "keep-local"
        await pilot.press("s")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        assert cell_of(sheet, agent) == "PM says"


async def test_a_choice_made_against_an_older_sheet_value_is_dropped(
    seeded_db, config, clock, sheet
) -> None:
    ready(seeded_db)
    clock.now = EVENING
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        [agent] = await conflicts_after_pm_edits(app, pilot, sheet, ["PM first"])
        close = app.screen
        await pilot.press("L")
        pm_edits(sheet, {agent: "PM second thoughts"})
        await pilot.press("d")
        await settle(app, pilot)
        assert rows(close)[0][3] == "PM second thoughts" and rows(close)[0][5] == "undecided"
        await pilot.press("s")  # nothing resolved as ours any more: no question, no overwrite
        assert app.screen is close
        await settle(app, pilot)
        assert cell_of(sheet, agent) == "PM second thoughts"


async def test_markup_and_escape_sequences_show_literally(seeded_db, config, clock, sheet):
    ready(seeded_db, note="[red]ours[/red] [/]")
    clock.now = EVENING
    pm_value = "said [/] in chat [b]x\x1b[2J"
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        [agent] = await conflicts_after_pm_edits(app, pilot, sheet, [pm_value])
        close = app.screen
        assert rows(close)[0][3:5] == ["said [/] in chat [b]x\\x1b[2J", "[red]ours[/red] [/]"]
        await pilot.press("enter")
        modal = app.screen
        assert isinstance(modal, ConflictDetail)
        assert shown(modal, "#conflict-sheet") == "said [/] in chat [b]x\\x1b[2J"
        assert shown(modal, "#conflict-ours") == "[red]ours[/red] [/]"
        await pilot.press("L", "escape", "s")
        assert isinstance(app.screen, Confirm)
        assert "“said [/] in chat [b]x\\x1b[…” → “[red]ours[/red] [/]”" in shown(
            app.screen, ".prompt-title"
        )
        await pilot.press("y")
        await settle(app, pilot)
        assert cell_of(sheet, agent) == "[red]ours[/red] [/]"


def test_an_existing_database_gains_the_push_columns_with_no_loss(db_path) -> None:
    import sqlite3

    conn = sqlite3.connect(str(db_path), isolation_level=None)
    old = Database(conn)
    MIGRATIONS.apply(old, stop_before="0007_snapshot_pushed")
    old.execute(
        "INSERT INTO cohort (id, name, start_date, timezone, schedule_json, created_at)"
        " VALUES (1, 'Nov 16', '2026-11-16', 'UTC', '{}', '2026-11-16T00:00:00Z')"
    )
    old.execute(
        "INSERT INTO sync_snapshot (sheet, row_key, header, value, local)"
        " VALUES ('ESP Tracker', 'E1', 'Day 1 Notes', 'ok', 'ok')"
    )
    conn.close()
    db = connect_db(db_path)
    try:
        assert len(MIGRATIONS.applied(db)) == latest_version()
        key = ("ESP Tracker", "E1", "Day 1 Notes")
        assert load_snapshot(db)[key] == ("ok", "ok")
        assert last_push(db, key) == ("ok", "ok", None, None)
        record_sync(
            db, started_at=EVENING, finished_at=EVENING, outcome="written", requests=3,
            cells_written=1, rows_appended=0, conflicts=[], pushed_by="tl@example.com",
            snapshot={key: ("new", "new"), ("ESP Tracker", "E1", "Name"): ("A", "B")},
        )  # fmt: skip
        assert last_push(db, key) == ("new", "new", EVENING, "tl@example.com")
        # a keep-sheet choice (value != local) records no push of ours
        assert last_push(db, ("ESP Tracker", "E1", "Name")) == ("A", "B", None, None)
    finally:
        db.close()
