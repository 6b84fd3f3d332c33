"""The Close screen with Pilot: the checklist, jumps, sync in a worker, conflicts, handoff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from textual.widgets import DataTable, Static

from esp_tui.app import make_app
from esp_tui.domain.tickets import Ticket
from esp_tui.screens.agent import AgentScreen
from esp_tui.screens.close import CloseScreen
from esp_tui.screens.error_dialog import ErrorDialog
from esp_tui.screens.flags import FlagsScreen
from esp_tui.screens.prompts import Confirm
from esp_tui.screens.ticket_form import TicketFormScreen
from esp_tui.sync.layout import col_letters
from storage.agents import list_agents
from storage.attendance import append_event
from storage.sync import count_runs
from storage.tickets import insert_ticket
from tests.sheet_helpers import ready_day1, use_sheet
from tests.sheets_emulator import SheetsEmulator, running_emulator

KEY = "closekey-0123456789"
AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def sheet(emu: SheetsEmulator, config, seeded_db, monkeypatch) -> SheetsEmulator:
    return use_sheet(emu, config, monkeypatch, KEY)


ready = ready_day1


def gap_rows(screen: CloseScreen) -> list[tuple[str, str]]:
    table = screen.query_one("#gaps", DataTable)
    return [
        (str(table.get_row_at(i)[0]), str(table.get_row_at(i)[1])) for i in range(table.row_count)
    ]


def text(screen: CloseScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_c_opens_the_checklist_with_the_gaps(seeded_db, config, clock) -> None:
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CloseScreen)
        assert text(screen, "#close-title") == "Close day 1 · 49 gaps"
        assert "✗ 24 agents have no attendance for day 1" in text(screen, "#checklist")
        kinds = [k for k, _ in gap_rows(screen)]
        assert kinds.count("attendance") == 24 and kinds[-1] == "red flag"


async def test_enter_jumps_to_the_agent_and_the_list_is_rechecked(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        close = app.screen
        first = gap_rows(close)[0][1]
        await pilot.press("enter")
        assert isinstance(app.screen, AgentScreen) and app.screen.agent_id == first
        with seeded_db.atomic():
            append_event(seeded_db, agent_id=first, day=1, kind="in", at=AT)
        await pilot.press("escape")
        assert app.screen is close
        assert ("attendance", first) not in gap_rows(close)


@pytest.mark.parametrize(
    ("kind", "target"), [("draft ticket", TicketFormScreen), ("red flag", FlagsScreen)]
)
async def test_enter_on_a_ticket_or_flag_gap_opens_its_screen(
    seeded_db, config, clock, kind, target
):
    a = list_agents(seeded_db)[0].agent_id
    with seeded_db.atomic():
        insert_ticket(
            seeded_db,
            Ticket(
                id="draft-0001", form="carrier_ticket", agent_id=a, created_at=AT, updated_at=AT
            ),
        )
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        rows = gap_rows(app.screen)
        table = app.screen.query_one("#gaps", DataTable)
        table.move_cursor(row=[k for k, _ in rows].index(kind))
        await pilot.press("enter")
        assert isinstance(app.screen, target)


async def test_sync_runs_in_a_worker_and_shows_conflicts_per_cell(
    seeded_db, config, clock, sheet
) -> None:
    ready(seeded_db)
    clock.now = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 17:30 New York
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        screen = app.screen
        assert text(screen, "#close-title") == "Close day 1 · ready"
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text(screen, "#sync-status").startswith("dry run: would write")
        assert sheet.writes == [] and count_runs(seeded_db) == 0
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text(screen, "#sync-status").startswith("synced: wrote")
        assert count_runs(seeded_db) == 1
        assert "synced 17:30" in app.header_right()
        # a PM edits a note; the next sync lists the conflict instead of overwriting it
        values = sheet.get_values(KEY, "ESP Tracker")
        col = values[0].index("Day 1 Notes")
        sheet.set_cell(KEY, "ESP Tracker", f"{col_letters(col)}2", "PM: call me")
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        conflicts = screen.query_one("#conflicts", DataTable)
        assert conflicts.display and conflicts.row_count == 1
        assert [str(c) for c in conflicts.get_row_at(0)[3:5]] == ["PM: call me", "ok"]
        assert sheet.get_values(KEY, "ESP Tracker")[1][col] == "PM: call me"
        await pilot.press("L")  # keep ours, for this cell
        assert str(conflicts.get_row_at(0)[5]) == "keep-local"
        await pilot.press("s", "y")  # writing ours over the PM's edit asks first
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert sheet.get_values(KEY, "ESP Tracker")[1][col] == "ok"
        assert not screen.query_one("#conflicts", DataTable).display


async def test_sync_failure_is_reported_and_nothing_recorded(seeded_db, config, clock, sheet):
    config.sheet.max_retries = 0
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        sheet.inject("503")
        await pilot.press("s", "y")  # sync despite the open gaps
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ErrorDialog)  # the error, in a dialog; the app runs on
        close = app.screen_stack[-2]
        assert "sync failed" in text(close, "#sync-status")
        assert count_runs(seeded_db) == 0


async def test_sync_with_open_gaps_asks_first_and_a_dry_run_does_not(
    seeded_db, config, clock, sheet
) -> None:
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        close = app.screen
        await pilot.press("s")
        assert isinstance(app.screen, Confirm)
        message = str(app.screen.query_one(".prompt-title", Static).render())
        assert message == "49 gaps are still open for day 1. Sync anyway?"
        await pilot.press("n")  # declined: nothing synced
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is close and count_runs(seeded_db) == 0 and sheet.writes == []
        await pilot.press("d")  # a dry run writes nothing, so it does not ask
        assert app.screen is close
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text(close, "#sync-status").startswith("dry run: would write")
        await pilot.press("s", "y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text(close, "#sync-status").startswith("synced: wrote")
        assert count_runs(seeded_db) == 1


async def test_handoff_only_on_day_5(seeded_db, config, clock, db_path) -> None:
    app = make_app(config, seeded_db, db_path=db_path, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.press("h")
        assert not list(db_path.parent.glob("handoff-*.md"))
    clock.now = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    app = make_app(config, seeded_db, db_path=db_path, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.press("h")
        [path] = db_path.parent.glob("handoff-*.md")
        assert path.read_text().startswith("# ESP handoff · Demo cohort")
        assert str(path) in text(app.screen, "#sync-status")
