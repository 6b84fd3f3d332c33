"""Sync end to end: real gspread over HTTP against the Sheets v4 emulator."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from esp_tui.cli import main
from esp_tui.config import Config, build_config
from esp_tui.domain.models import Agent
from esp_tui.domain.tickets import Ticket
from esp_tui.services.roster import cohort_from_config
from esp_tui.sync.engine import SyncReport, Target, connect, init_sheet, run_sync
from esp_tui.sync.layout import LayoutError, col_letters, sheet_layout
from esp_tui.sync.transport import SheetsUnavailable
from storage.agents import list_agents, upsert_agents
from storage.attendance import append_event
from storage.cohort import get_cohort, save_cohort
from storage.db import connect as connect_db
from storage.flags import add_flag, mark_notified
from storage.notes import set_note
from storage.progress import add_attempt, set_status
from storage.sync import count_runs, load_snapshot
from storage.tickets import insert_ticket
from tests.conftest import DAY1, TZ
from tests.sheet_helpers import write_sheet_config
from tests.sheets_emulator import SheetsEmulator, running_emulator

KEY = "tracker-0123456789"
TRACKER = "ESP Tracker"
# Day 1, 18:00 New York: the day is over, so attendance is final.
EVENING = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def sheet(emu: SheetsEmulator) -> SheetsEmulator:
    emu.create_spreadsheet(KEY, {"Sheet1": []})
    emu.clear_faults()
    emu.reset_log()
    return emu


def target(emu: SheetsEmulator, config: Config) -> Target:
    t = connect(config, {"ESP_TUI_SHEETS_ENDPOINT": emu.endpoint, "ESP_TUI_SPREADSHEET": KEY})
    t.sleep = lambda s: None
    return t


def sync(db: Database, config: Config, emu: SheetsEmulator, **kw: Any) -> SyncReport:
    cohort = get_cohort(db)
    assert cohort is not None
    return run_sync(db, config, cohort, target(emu, config), now=lambda: EVENING, **kw)


def init(db: Database, config: Config, emu: SheetsEmulator) -> None:
    init_sheet(target(emu, config), config, 5, agents=len(list_agents(db)))
    emu.reset_log()


def ids(db: Database) -> list[str]:
    return sorted(a.agent_id for a in list_agents(db))


def fill_day1(db: Database) -> None:
    """A realistic day 1 for the first three agents."""
    a, b, c = ids(db)[:3]
    at = datetime(2026, 11, 23, 14, 14, tzinfo=UTC)  # 09:14 New York: late 10+
    with db.atomic():
        append_event(db, agent_id=a, day=1, kind="in", at=at)
        append_event(db, agent_id=b, day=1, kind="absent", at=at, absence_kind="ncns")
        set_note(db, a, 1, "Citrix trouble, ticket opened")
        set_note(db, c, 1, "Good day")
        add_attempt(db, a, "ahip_final", 72.0, False, at)
        set_status(db, a, "ahip_final", "failed", at)
        flag = add_flag(db, c, "background_check", "Item on the background check", at)
        mark_notified(db, flag.id, at)
        insert_ticket(
            db,
            Ticket(
                id="tkt-0001",
                form="carrier_ticket",
                agent_id=a,
                fields={"carrier": "Citrix", "summary": "Cannot log in", "steps_tried": "all"},
                status="submitted",
                created_at=at,
                updated_at=at,
                submitted_at=at,
            ),
        )


def rows_by_key(emu: SheetsEmulator, tab: str, key_header: str = "Agent ID") -> dict[str, dict]:
    values = emu.get_values(KEY, tab)
    head = values[0]
    k = head.index(key_header)
    return {
        row[k]: dict(zip(head, row + [""] * (len(head) - len(row)), strict=True))
        for row in values[1:]
        if len(row) > k and row[k]
    }


# ----------------------------------------------------------------------------- the happy path
def test_first_sync_writes_everything_in_four_requests(seeded_db, config, sheet) -> None:
    fill_day1(seeded_db)
    init(seeded_db, config, sheet)
    report = sync(seeded_db, config, sheet)
    a, b, c = ids(seeded_db)[:3]
    assert report.outcome == "written" and report.conflicts == []
    assert report.requests == 4 == len(sheet.requests)  # open, read, write, verify read
    [write] = sheet.writes
    assert write.path.endswith(":batchUpdate") and "/values" not in write.path
    kinds = {next(iter(r)) for r in write.body["requests"]}
    assert kinds == {"appendCells"}  # every row is new: the server places them
    cells = [
        v for r in write.body["requests"] for row in r["appendCells"]["rows"]
        for v in row["values"] if v
    ]  # fmt: skip
    assert all(set(v["userEnteredValue"]) == {"stringValue"} for v in cells)  # literal text
    assert report.rows_appended == 24 + 1 + 2  # agents, the ticket, the two red flags
    rows = rows_by_key(sheet, TRACKER)
    assert set(rows) == set(ids(seeded_db))
    assert rows[a]["Day 1 Attendance"] == "in 09:14 · LATE 10+"
    assert rows[b]["Day 1 Attendance"] == "ABSENT ncns"
    assert rows[a]["Day 1 Notes"] == "Citrix trouble, ticket opened"
    assert rows[a]["AHIP final exam"] == "failed 72, 1 attempt"
    assert rows[c]["Red flags"] == "background check (PM notified)"
    tickets = rows_by_key(sheet, "Carrier Tickets", "Ticket ID")
    assert tickets["tkt-0001"]["Summary"] == "Cannot log in"
    assert tickets["tkt-0001"]["Agent ID"] == a
    flags = rows_by_key(sheet, "Red Flags", "Flag ID")
    assert [f["Agent ID"] for f in flags.values()] == [ids(seeded_db)[10], c]
    assert count_runs(seeded_db) == 1
    assert len(load_snapshot(seeded_db)) == report.cells_written


def test_second_sync_sends_no_write(seeded_db, config, sheet) -> None:
    fill_day1(seeded_db)
    init(seeded_db, config, sheet)
    sync(seeded_db, config, sheet)
    sheet.reset_log()
    report = sync(seeded_db, config, sheet)
    assert sheet.writes == []
    assert (report.outcome, report.cells_written, report.requests) == ("unchanged", 0, 2)


def test_only_the_changed_cell_is_written_next_time(seeded_db, config, sheet) -> None:
    init(seeded_db, config, sheet)
    sync(seeded_db, config, sheet)
    a = ids(seeded_db)[0]
    with seeded_db.atomic():
        set_note(seeded_db, a, 1, "Left early for the dentist")
    sheet.reset_log()
    report = sync(seeded_db, config, sheet)
    assert report.cells_written == 1
    [write] = sheet.writes
    [update] = write.body["requests"]
    assert update["updateCells"]["rows"] == [
        {"values": [{"userEnteredValue": {"stringValue": "Left early for the dentist"}}]}
    ]
    assert update["updateCells"]["fields"] == "userEnteredValue"


# ----------------------------------------------------------------------------- conflicts
def test_hand_edit_becomes_a_conflict_and_is_not_overwritten(seeded_db, config, sheet) -> None:
    init(seeded_db, config, sheet)
    sync(seeded_db, config, sheet)
    a = ids(seeded_db)[0]
    row = list(rows_by_key(sheet, TRACKER)).index(a) + 2
    sheet.set_cell(KEY, TRACKER, f"C{row}", "Renamed by HR")
    with seeded_db.atomic():
        set_note(seeded_db, a, 1, "a new note still goes through")
    name = next(x.name for x in list_agents(seeded_db) if x.agent_id == a)
    report = sync(seeded_db, config, sheet)
    assert [(c.row_key, c.header, c.sheet, c.local) for c in report.conflicts] == [
        (a, "Name", "Renamed by HR", name)
    ]
    assert report.outcome == "conflicts" and report.cells_written == 1
    assert rows_by_key(sheet, TRACKER)[a]["Name"] == "Renamed by HR"
    assert rows_by_key(sheet, TRACKER)[a]["Day 1 Notes"] == "a new note still goes through"
    # keep-sheet: recorded, and it sticks on the next plain sync
    kept = sync(seeded_db, config, sheet, resolve_all="keep-sheet")
    assert kept.conflicts == [] and kept.resolved == 1
    again = sync(seeded_db, config, sheet)
    assert again.conflicts == [] and again.cells_written == 0
    assert rows_by_key(sheet, TRACKER)[a]["Name"] == "Renamed by HR"


def test_keep_local_overwrites_the_conflicting_cell(seeded_db, config, sheet) -> None:
    init(seeded_db, config, sheet)
    sync(seeded_db, config, sheet)
    a = ids(seeded_db)[0]
    name = next(x.name for x in list_agents(seeded_db) if x.agent_id == a)
    row = list(rows_by_key(sheet, TRACKER)).index(a) + 2
    sheet.set_cell(KEY, TRACKER, f"C{row}", "=UPPER(C2)")
    report = sync(seeded_db, config, sheet, resolve_all="keep-local")
    assert report.resolved == 1 and report.cells_written == 1
    assert rows_by_key(sheet, TRACKER)[a]["Name"] == name
    assert not sheet.is_formula(KEY, TRACKER, f"C{row}")


# ----------------------------------------------------------------------------- faults
def test_429_twice_then_success(seeded_db, config, sheet) -> None:
    init(seeded_db, config, sheet)
    sheet.inject("429", "429")
    report = sync(seeded_db, config, sheet)
    assert report.outcome == "written" and report.requests == 6
    assert len(rows_by_key(sheet, TRACKER)) == 24


def on_write(emu: SheetsEmulator, *faults: str) -> Callable[[float, str], None]:
    """A progress hook that queues faults for the (first) write request itself."""
    fired: list[bool] = []

    def hook(_f: float, label: str) -> None:
        if label.startswith("writing") and not fired:
            fired.append(True)
            emu.inject(*faults)

    return hook


def test_a_500_on_the_write_is_not_resent_blindly_but_re_read_and_re_planned(
    seeded_db, config, sheet
) -> None:
    init(seeded_db, config, sheet)
    report = sync(seeded_db, config, sheet, progress=on_write(sheet, "500", "drop"))
    # open, read, write (500: outcome unknown), re-read (dropped, retried), re-read, the
    # re-planned write, the verify read
    assert report.outcome == "written" and report.requests == 7
    assert len(sheet.writes) == 2 and report.rewritten == report.cells_written
    assert len(rows_by_key(sheet, TRACKER)) == 24
    assert len(sheet.get_values(KEY, TRACKER)) == 25
    assert count_runs(seeded_db) == 1


@pytest.mark.parametrize("fault", ["500-after-apply", "drop-after-apply", "503-after-apply"])
def test_a_write_applied_then_its_answer_lost_does_not_duplicate_rows(
    seeded_db, config, sheet, fault
) -> None:
    init(seeded_db, config, sheet)
    report = sync(seeded_db, config, sheet, progress=on_write(sheet, fault))
    values = sheet.get_values(KEY, TRACKER)
    assert len(values) == 25  # header + 24, not 48: the re-read found every appended row
    assert len(sheet.writes) == 1 and report.rewritten == 0
    sheet.reset_log()
    assert sync(seeded_db, config, sheet).cells_written == 0 and sheet.writes == []


def test_failure_past_the_retry_bound_records_nothing_and_next_run_converges(
    seeded_db, sheet
) -> None:
    config = build_config({"cohort": {"timezone": TZ}, "sheet": {"max_retries": 2}}, "t")
    init(seeded_db, config, sheet)
    # the write lands but its answer is lost, then every re-read fails past the bound
    faults = ("500-after-apply", "503", "503", "503")
    with pytest.raises(SheetsUnavailable, match="after 3 attempt"):
        sync(seeded_db, config, sheet, progress=on_write(sheet, *faults))
    assert count_runs(seeded_db) == 0 and load_snapshot(seeded_db) == {}
    sheet.reset_log()
    report = sync(seeded_db, config, sheet)  # the write had landed: nothing to write
    assert report.conflicts == [] and report.cells_written == 0 and sheet.writes == []
    assert count_runs(seeded_db) == 1
    pushed = {
        (TRACKER, k, h)
        for k, row in rows_by_key(sheet, TRACKER).items()
        for h, v in row.items()
        if v
    }
    assert {k for k in load_snapshot(seeded_db) if k[0] == TRACKER} == pushed


write_config = write_sheet_config


def cli(db_path: Path, cfg: Path, emu: SheetsEmulator, *args: str) -> int:
    env = {"ESP_TUI_SHEETS_ENDPOINT": emu.endpoint, "ESP_TUI_SPREADSHEET": KEY}
    return main([*args, "--db", str(db_path), "--config", str(cfg)], env=env)


def test_cli_sync_exit_1_when_the_sheet_keeps_failing_then_converges(
    seeded_db, db_path, sheet, tmp_path, capsys
) -> None:
    cfg = write_config(tmp_path, max_retries=0)
    assert cli(db_path, cfg, sheet, "sheet", "init") == 0
    capsys.readouterr()
    sheet.reset_log()
    sheet.inject("503")
    assert cli(db_path, cfg, sheet, "sync", "--yes", "--json") == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["outcome"] == "failed"
    assert "failed after 1 attempt(s)" in out.err
    assert count_runs(seeded_db) == 0 and sheet.writes == []
    assert cli(db_path, cfg, sheet, "sync", "--yes", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["outcome"] == "written" and report["requests"] == 4  # + verify read
    assert report["rows_appended"] == 25
    assert cli(db_path, cfg, sheet, "sync", "--yes", "--json") == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "unchanged"


def test_cli_dry_run_writes_nothing_anywhere(seeded_db, db_path, sheet, tmp_path, capsys):
    cfg = write_config(tmp_path)
    cli(db_path, cfg, sheet, "sheet", "init")
    sheet.reset_log()
    assert cli(db_path, cfg, sheet, "sync", "--dry-run") == 0
    assert "would write" in capsys.readouterr().out
    assert sheet.writes == [] and count_runs(seeded_db) == 0


def test_cli_sync_without_yes_off_a_terminal_refuses_before_any_request(
    seeded_db, db_path, sheet, tmp_path, capsys
) -> None:
    cfg = write_config(tmp_path)
    assert cli(db_path, cfg, sheet, "sync") == 2
    assert "--yes" in capsys.readouterr().err
    assert sheet.requests == []


def test_cli_auth_check_names_the_identity(seeded_db, db_path, sheet, tmp_path, capsys):
    cfg = write_config(tmp_path)
    assert cli(db_path, cfg, sheet, "auth", "check") == 0
    out = capsys.readouterr().out
    assert "anonymous (emulator)" in out and "opens: 'ESP Master Tracking'" in out


# ----------------------------------------------------------------------------- RAW
@pytest.mark.parametrize("note", ['=HYPERLINK("x")', "+1 555 0100", "-called twice", "@pm look"])
def test_notes_that_look_like_formulas_arrive_as_plain_text(seeded_db, config, sheet, note):
    init(seeded_db, config, sheet)
    a = ids(seeded_db)[0]
    with seeded_db.atomic():
        set_note(seeded_db, a, 1, note)
    sync(seeded_db, config, sheet)
    values = sheet.get_values(KEY, TRACKER)
    col = values[0].index("Day 1 Notes")
    row = next(i for i, r in enumerate(values) if len(r) > 1 and r[1] == a)
    assert values[row][col] == note
    assert not sheet.is_formula(KEY, TRACKER, f"{col_letters(col)}{row + 1}")


# ----------------------------------------------------------------------------- layout
def test_missing_agent_gets_a_new_row_below_other_rows(seeded_db, config, sheet) -> None:
    headers = list(sheet_layout(config, 5).tracker.headers)
    existing = [headers, ["Oct 5", "X1", "Someone else"], [], ["Oct 5", "X2", "Another"]]
    sheet.create_spreadsheet(KEY, {TRACKER: existing})
    init(seeded_db, config, sheet)
    report = sync(seeded_db, config, sheet)
    values = sheet.get_values(KEY, TRACKER)
    assert values[1][:3] == ["Oct 5", "X1", "Someone else"]
    assert values[3][:3] == ["Oct 5", "X2", "Another"]
    assert report.rows_appended == 24 + 1  # and the demo's red flag
    assert values[4][0] == "Demo cohort" and values[4][1].startswith("D10") and len(values) == 28


def test_reordered_columns_and_foreign_columns(seeded_db, config, sheet) -> None:
    headers = [*reversed(sheet_layout(config, 5).tracker.headers), "PM comments"]
    a = ids(seeded_db)[0]
    pm = len(headers) - 1
    row = [""] * pm + ["keep me"]
    row[headers.index("Agent ID")] = a
    sheet.create_spreadsheet(KEY, {TRACKER: [headers, row]})
    init(seeded_db, config, sheet)
    with seeded_db.atomic():
        set_note(seeded_db, a, 1, "note")
    report = sync(seeded_db, config, sheet)
    assert report.rows_appended == 23 + 1  # and the demo's red flag
    got = rows_by_key(sheet, TRACKER)[a]
    assert (got["Day 1 Notes"], got["PM comments"], got["Email"].endswith("@example.com")) == (
        "note",
        "keep me",
        True,
    )


def test_missing_header_is_a_clear_error_and_nothing_is_written(
    seeded_db, config, sheet, db_path, tmp_path, capsys
) -> None:
    headers = [h for h in sheet_layout(config, 5).tracker.headers if h != "Day 3 Notes"]
    tabs = {TRACKER: [headers]}
    for tab in sheet_layout(config, 5).tabs()[1:]:
        tabs[tab.title] = [list(tab.headers)]
    sheet.create_spreadsheet(KEY, tabs)
    with pytest.raises(LayoutError, match="'ESP Tracker': header 'Day 3 Notes' is missing"):
        sync(seeded_db, config, sheet)
    assert sheet.writes == [] and count_runs(seeded_db) == 0
    cfg = write_config(tmp_path)
    assert cli(db_path, cfg, sheet, "sync", "--yes") == 1
    assert "header 'Day 3 Notes' is missing" in capsys.readouterr().err
    # sheet init adds it at the right end, and then sync works
    assert cli(db_path, cfg, sheet, "sheet", "init") == 0
    assert "added headers Day 3 Notes" in capsys.readouterr().out
    assert sheet.get_values(KEY, TRACKER)[0][-1] == "Day 3 Notes"
    assert cli(db_path, cfg, sheet, "sync", "--yes") == 0


def test_two_cohorts_share_the_tracker_and_touch_only_their_own_rows(
    seeded_db, config, sheet, tmp_path
) -> None:
    other = connect_db(tmp_path / "other.db")
    cohort = cohort_from_config(config, "Other cohort", DAY1, is_demo=False)
    with other.atomic():
        save_cohort(other, cohort)
        upsert_agents(
            other, [Agent(agent_id=f"E{i}", name=f"Other {i}", email=f"o{i}@example.com")
                    for i in range(1, 4)]
        )  # fmt: skip
        set_note(other, "E1", 1, "theirs")
    init(seeded_db, config, sheet)
    sync(seeded_db, config, sheet)
    mine_before = rows_by_key(sheet, TRACKER)
    report = sync(other, config, sheet)
    assert report.rows_appended == 3 and report.conflicts == []
    after = rows_by_key(sheet, TRACKER)
    assert {k: after[k] for k in mine_before} == mine_before
    assert after["E1"]["Day 1 Notes"] == "theirs"
    sheet.reset_log()
    again = sync(seeded_db, config, sheet)
    assert again.conflicts == [] and sheet.writes == []
    other.close()
