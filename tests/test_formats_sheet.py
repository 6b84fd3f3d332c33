"""`roster import URL` and `stamp import URL`: a Google Sheet tab read with sync's gspread client
and identity, through the Sheets emulator (ESP_TUI_SHEETS_ENDPOINT), and the `M` prompt's
reader, which takes a URL or a path."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from textual.widgets import DataTable, Input

from esp_tui.app import make_app
from esp_tui.cli import main
from esp_tui.screens.meet_import import MeetImportScreen, preview_from_prompt
from esp_tui.screens.prompts import TextPrompt
from esp_tui.services.attendance import AttendanceError
from storage.cohort import get_cohort
from storage.db import connect
from tests.conftest import FIXED_NOW, TZ
from tests.fixtures.make_format_fixtures import ROSTER_ROWS
from tests.sheets_emulator import SheetsEmulator, running_emulator

KEY = "roster-sheet-0123456789"
URL = f"https://docs.google.com/spreadsheets/d/{KEY}/edit"
ROSTER = [
    ["Class roster - ESP Nov 23"],
    ["Employee ID", "Legal First Name", "Legal Last Name", "Work Email", "Team"],
    *[[i, f, la, e, t] for i, f, la, e, t in ROSTER_ROWS],
]
REPORT = [
    ["First name", "Last name", "Email", "Duration", "Time joined", "Time exited"],
    ["Ana", "Lima", "ana.lima@example.com", "7 hr 50 min", "9:04 AM", "4:54 PM"],
    ["Bo", "Chen", "", "1 hr", "9:10 AM", "10:10 AM"],
]


@pytest.fixture(scope="module")
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def sheet(emu: SheetsEmulator) -> SheetsEmulator:
    # Notes first: the roster is the second tab, the report the third.
    emu.create_spreadsheet(
        KEY, {"Notes": [["nothing here"]], "Roster": ROSTER, "Day 1 Meet": REPORT}, raw=True
    )
    emu.clear_faults()
    emu.reset_log()
    return emu


@pytest.fixture
def cli(tmp_path, capsys, emu, monkeypatch):
    db = tmp_path / "esp.db"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[cohort]\ntimezone = "{TZ}"\n[tl]\nname = "Test TL"\n')
    env = {"ESP_TUI_SHEETS_ENDPOINT": emu.endpoint}

    def run(*argv: str) -> tuple[int, str, str]:
        with time_machine.travel(FIXED_NOW, tick=False):
            code = main([*argv, "--db", str(db), "--config", str(cfg)], env=env)
        out, err = capsys.readouterr()
        return code, out, err

    run.db = db  # type: ignore[attr-defined]
    return run


def agents(db: Path) -> list[tuple[str, str, str]]:
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT agent_id, name, team FROM agents ORDER BY agent_id").fetchall()
    finally:
        con.close()


EXPECTED = [(i, f"{f} {la}", t) for i, f, la, _, t in ROSTER_ROWS]


def test_roster_import_from_a_named_tab(cli, sheet):
    code, out, err = cli("roster", "import", URL, "--tab", "roster", "--start", "2026-11-23")
    assert code == 0, err
    assert "4 added, 0 updated, 0 unchanged" in out
    assert agents(cli.db) == EXPECTED
    # Two requests: open the spreadsheet (its tabs), read the tab.
    assert [r.method for r in sheet.requests] == ["GET", "GET"]
    assert sheet.writes == []


def test_roster_import_from_the_urls_gid_else_the_first_tab(cli, sheet):
    gid = next(
        s["properties"]["sheetId"]
        for s in sheet.handle("GET", f"/v4/spreadsheets/{KEY}", {}, None)["sheets"]
        if s["properties"]["title"] == "Roster"
    )
    code, _, err = cli("roster", "import", f"{URL}#gid={gid}")
    assert code == 0, err
    assert agents(cli.db) == EXPECTED
    # Without --tab or #gid the first tab is read: "Notes" is no roster, and says so.
    code, out, err = cli("roster", "import", URL)
    assert (code, out) == (2, "")
    assert err == (
        f"esp-tui: error: Google Sheet {KEY}, tab 'Notes': row 1: missing column 'agent_id'"
        " (found: nothing here)\n"
    )


def test_roster_tab_not_found_and_spreadsheet_not_found(cli, sheet):
    code, _, err = cli("roster", "import", URL, "--tab", "Nope")
    assert code == 2
    assert err == "esp-tui: error: --tab 'Nope': no such tab (tabs: Notes, Roster, Day 1 Meet)\n"
    other = URL.replace(KEY, "missing-0123456789")
    code, _, err = cli("roster", "import", other)
    assert code == 1 and err.count("\n") == 1 and "not found" in err
    assert agents(cli.db) == []
    assert not cli.db.exists()  # read before the database is opened


def test_stamp_import_from_a_sheet_tab(cli, sheet):
    code, _, err = cli("roster", "import", URL, "--tab", "Roster", "--start", "2026-11-23")
    assert code == 0, err
    code, out, err = cli("stamp", "import", URL, "--tab", "Day 1 Meet", "--day", "1")
    assert code == 0, err
    assert out.splitlines()[:2] == [
        "F1001      Ana Lima  in 09:04  out 16:54  by email",
        "F1003      Bo Chen   in 09:10  out 10:10  by name",
    ]
    code, out, err = cli("stamp", "import", URL, "--tab", "Day 1 Meet", "--yes")
    assert code == 0 and "stamped 2 agents on day 1" in out


def test_stamp_import_tab_only_with_a_url(cli, sheet, tmp_path):
    cli("roster", "import", URL, "--tab", "Roster", "--start", "2026-11-23")
    code, _, err = cli("stamp", "F1001", "in", "--tab", "X")
    assert code == 2 and err == "esp-tui: error: --tab: only for `esp-tui stamp import URL`\n"


async def test_the_m_prompt_reader_takes_a_url_or_a_path(sheet, tmp_path, config, monkeypatch):
    monkeypatch.setenv("ESP_TUI_SHEETS_ENDPOINT", sheet.endpoint)
    db = connect(tmp_path / "esp.db")
    try:
        from esp_tui.services.roster import import_roster, read_roster_source

        roster = read_roster_source(URL, config=config, tab="Roster")
        import_roster(db, config, URL, roster.agents, cohort_name="Nov 23", start=None,
                      today=FIXED_NOW.date())  # fmt: skip
        cohort = get_cohort(db)
        assert cohort is not None
        report = tmp_path / "my meet.csv"
        report.write_text("\n".join(",".join(r) for r in REPORT) + "\n")
        app = make_app(config, db, clock=lambda: FIXED_NOW)
        async with app.run_test() as pilot:
            node = app.screen
            gid = next(
                s["properties"]["sheetId"]
                for s in sheet.handle("GET", f"/v4/spreadsheets/{KEY}", {}, None)["sheets"]
                if s["properties"]["title"] == "Day 1 Meet"
            )
            by_url = preview_from_prompt(node, cohort, 1, f"  {URL}#gid={gid} ")
            by_path = preview_from_prompt(node, cohort, 1, f" {report} ")
            assert by_url.proposals == by_path.proposals
            assert [p.agent_id for p in by_url.proposals] == ["F1001", "F1003"]
            with pytest.raises(AttendanceError, match="Notes': no header row of a Meet report"):
                preview_from_prompt(node, cohort, 1, URL)
            # The roster's M: the URL pasted into the prompt opens the review.
            await pilot.press("M")
            await pilot.pause()
            assert isinstance(app.screen, TextPrompt)
            app.screen.query_one(Input).value = f"{URL}#gid={gid}"
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, MeetImportScreen)
            assert app.screen.query_one("#proposals", DataTable).row_count == 2
    finally:
        db.close()


def test_cohort_new_takes_its_roster_from_a_sheet_tab(cli, sheet):
    code, out, err = cli(
        "cohort", "new", "Nov 23", "--start", "2026-11-23", "--roster", URL, "--tab", "Roster"
    )
    assert code == 0, err
    assert "4 added" in out
    assert agents(cli.db) == EXPECTED
    code, _, err = cli("cohort", "new", "Nov 30", "--start", "2026-11-30", "--roster", URL,
                       "--tab", "Nope")  # fmt: skip
    assert code == 2 and err.count("\n") == 1 and "Nope" in err
