"""One action, two front doors: the CLI and the screens call one service, so the same action
through either leaves the same records. Each test runs the action through the CLI on one
database and through the real app (Pilot) on a second, identically seeded database, then
compares what was written (ids and write times aside).

Where a rule used to live twice these tests are its tripwire: the CLI's `stamp import --yes`
once added a second `in` that the screen skipped, and the CLI re-checked scores its own way."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from textual.widgets import DataTable, Input

from esp_tui.app import make_app
from esp_tui.cli import main
from esp_tui.screens.flags import RaiseFlagModal
from esp_tui.screens.meet_import import MeetImportScreen
from esp_tui.screens.roster import RosterScreen
from esp_tui.services.demo import seed_demo
from storage import progress as progress_store
from storage.attendance import all_events
from storage.db import connect
from storage.flags import list_flags
from storage.notes import all_notes
from tests.conftest import DAY1, FIXED_NOW

KAI, MORGAN, DANA = "D1001", "D1002", "D1005"
DAY1_1040 = "2026-11-23 15:40Z"  # 10:40 New York, day 1


@pytest.fixture
def pair(tmp_path: Path, config):
    """Two identically seeded databases: `cli` for the command line, `app` for the screens."""
    paths = {}
    for side in ("cli", "app"):
        paths[side] = tmp_path / f"{side}.db"
        db = connect(paths[side])
        seed_demo(db, config, agents=24, today=DAY1)
        db.close()
    return paths


def cli(path: Path, *argv: str, now=FIXED_NOW) -> int:
    with time_machine.travel(now, tick=False):
        return main(["--db", str(path), *argv])


def events(path: Path) -> list[tuple]:
    db = connect(path)
    try:
        return [(e.agent_id, e.day, e.kind, e.at, e.absence_kind) for e in all_events(db)]
    finally:
        db.close()


async def _goto(pilot, app, agent_id: str) -> None:
    await pilot.pause()
    table = app.screen.query_one("#roster", DataTable)
    table.move_cursor(row=table.get_row_index(agent_id), animate=False)
    await pilot.pause()


def _app(path: Path, config, clock):
    return make_app(config, connect(path), clock=clock)


async def test_a_typed_stamp_time(pair, config, clock):
    assert cli(pair["cli"], "stamp", MORGAN, "in", "--at", "09:12") == 0
    app = _app(pair["app"], config, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _goto(pilot, app, MORGAN)
        await pilot.press("t", "enter", *"09:12", "enter")
        await pilot.pause()
    assert events(pair["app"]) == events(pair["cli"]) != []


async def test_a_note(pair, config, clock):
    assert cli(pair["cli"], "note", KAI, "Doctor at 2") == 0
    app = _app(pair["app"], config, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _goto(pilot, app, KAI)
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one(Input).value = "Doctor at 2"
        await pilot.press("enter")
        await pilot.pause()
    notes = []
    for side in ("cli", "app"):
        db = connect(pair[side])
        notes.append(all_notes(db))
        db.close()
    assert notes[0] == notes[1] == {(KAI, 1): "Doctor at 2"}


async def test_a_red_flag(pair, config, clock):
    text = "Background check shows a pending item"
    assert cli(pair["cli"], "flag", MORGAN, "background_check", text) == 0
    app = _app(pair["app"], config, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _goto(pilot, app, MORGAN)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RaiseFlagModal)
        app.screen.query_one("#form-text", Input).value = text
        await pilot.press("enter")
        await pilot.pause()
    flags = []
    for side in ("cli", "app"):
        db = connect(pair[side])
        rows = list_flags(db, MORGAN)
        flags.append([(f.agent_id, f.kind, f.text, f.raised_at, f.pm_notified_at) for f in rows])
        db.close()
    assert flags[0] == flags[1] and len(flags[0]) == 1


async def test_a_failed_exam_score(pair, config, clock):
    assert cli(pair["cli"], "progress", "set", KAI, "ahip_final", "failed", "--score", "70") == 0
    app = _app(pair["app"], config, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _goto(pilot, app, KAI)
        await pilot.press("p")
        await pilot.pause()
        tasks = app.screen.query_one("#tasks", DataTable)
        tasks.move_cursor(row=tasks.get_row_index("ahip_final"))
        await pilot.press("f", "7", "0", "enter")
        await pilot.pause()
    seen = []
    for side in ("cli", "app"):
        db = connect(pair[side])
        seen.append(
            (
                progress_store.get_status(db, KAI, "ahip_final"),
                progress_store.failed_count(db, KAI, "ahip_final"),
            )
        )
        db.close()
    assert seen[0] == seen[1] == ("failed", 1)


async def test_a_meet_report_skips_who_is_already_stamped(pair, config, clock, tmp_path):
    """The rule that once disagreed: Kai, stamped in by hand at 09:05, keeps that one `in`."""
    report = tmp_path / "meet.csv"
    report.write_text(
        "Participant,Email,First seen,Last seen\n"
        "Kai Everly,kai.everly@example.com,08:58,16:59\n"
        "Dana Larkspur,,09:12,12:00\n"
    )
    for side in ("cli", "app"):
        assert cli(pair[side], "stamp", KAI, "in", "--at", "09:05") == 0
    assert cli(pair["cli"], "stamp", "import", str(report), "--yes", now=DAY1_1040) == 0
    clock.now = FIXED_NOW.replace(hour=15, minute=40)  # 10:40 New York
    app = _app(pair["app"], config, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("M")
        await pilot.pause()
        app.screen.query_one(Input).value = str(report)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MeetImportScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
    assert events(pair["app"]) == events(pair["cli"])
    assert [(a, k) for a, _, k, _, _ in events(pair["cli"])] == [(KAI, "in"), (DANA, "in")]
