"""Every sheet error handled (issue 10, items 5 and 6), against the Sheets emulator over HTTP.

- Google's per-cell limit (50,000 characters) is checked before anything is sent: the dry run
  and the sync name agent, day and column and exit 2; a note (or flag, ticket field) that long
  is refused when it is typed, in the service, the CLI and the app.
- A write over 2 MB goes in several batches; a failure between batches converges on rerun.
- 400/403/404/429/5xx/dropped connections: one line in the CLI (exit 1, no traceback), an
  error dialog in the app, which keeps running; so does any exception a worker raises.
- A closed stdout pipe (`| head -1`) ends quietly.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
from google.auth import exceptions as gauth
from textual.widgets import Input, Static
from textual.worker import WorkerFailed

from esp_tui.app import make_app
from esp_tui.cli import main
from esp_tui.config import Config, build_config
from esp_tui.domain.limits import SHEETS_CELL_LIMIT
from esp_tui.domain.tickets import Ticket
from esp_tui.screens.close import CloseScreen
from esp_tui.screens.error_dialog import ErrorDialog
from esp_tui.screens.prompts import TextPrompt
from esp_tui.screens.roster import RosterTable
from esp_tui.services import attendance as attendance_svc
from esp_tui.services import tickets as tickets_svc
from esp_tui.services.flags import FlagError, create_cap, raise_flag
from esp_tui.services.sync import SyncFailed, sync_day
from esp_tui.sync.engine import SyncReport, Target, connect, init_sheet, run_sync
from esp_tui.sync.errors import describe
from esp_tui.sync.layout import LayoutError
from esp_tui.sync.limits import CellsOverLimit
from esp_tui.sync.requests import (
    MAX_BATCH_BYTES,
    CellWrite,
    NewRow,
    append_requests,
    batches,
    update_requests,
)
from esp_tui.sync.transport import (
    SheetsAuthError,
    SheetsUnavailable,
    raw_values_body,
)
from storage.agents import list_agents
from storage.cohort import get_cohort
from storage.db import DatabaseBusy, StorageError
from storage.flags import add_flag
from storage.notes import get_note, set_note
from storage.sync import count_runs, load_snapshot
from storage.tickets import insert_ticket
from tests.sheet_helpers import write_sheet_config
from tests.sheets_emulator import CELL_LIMIT_MESSAGE, SheetsEmulator, running_emulator

KEY = "errors-0123456789"
TRACKER = "ESP Tracker"
EVENING = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # day 1, 18:00 New York
KAI = "D1001"  # Kai Everly, the demo's first agent
LONG = "x" * 60_000
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def sheet(emu: SheetsEmulator, seeded_db, config) -> Iterator[SheetsEmulator]:
    """An initialised tracker spreadsheet, no faults queued, an empty request log."""
    emu.create_spreadsheet(KEY, {"Sheet1": []})
    emu.clear_faults()
    init_sheet(target(emu, config), config, 5, agents=24)
    emu.reset_log()
    yield emu
    emu.clear_faults()
    emu.max_body_bytes = None


def env_of(emu: SheetsEmulator, key: str = KEY) -> dict[str, str]:
    return {"ESP_TUI_SHEETS_ENDPOINT": emu.endpoint, "ESP_TUI_SPREADSHEET": key}


def target(emu: SheetsEmulator, config: Config) -> Target:
    t = connect(config, env_of(emu))
    t.sleep = lambda s: None
    return t


def sync(db, config: Config, emu: SheetsEmulator, **kw: Any) -> SyncReport:
    cohort = get_cohort(db)
    assert cohort is not None
    return run_sync(db, config, cohort, target(emu, config), now=lambda: EVENING, **kw)


write_config = write_sheet_config


def snapshot_and_runs(db) -> tuple[dict, int]:
    return load_snapshot(db), count_runs(db)


def one_error_line(err: str) -> str:
    """stderr holds exactly one error line (besides warnings), and no traceback."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if not line.startswith("esp-tui: warning: ")]
    assert len(lines) == 1, err
    assert lines[0].startswith("esp-tui: error: ")
    return lines[0]


def long_note(db, agent_id: str = KAI, day: int = 1, text: str = LONG) -> None:
    """A note the service would refuse, written under it (an older esp-tui, a hand edit)."""
    with db.atomic():
        set_note(db, agent_id, day, text)


# ----------------------------------------------------------------------------- cell limit: sync
def test_dry_run_names_agent_day_and_column_of_a_cell_over_the_limit(
    seeded_db, db_path, sheet, tmp_path, capsys
) -> None:
    long_note(seeded_db)
    cfg = write_config(tmp_path)
    argv = ["sync", "--dry-run", "--db", str(db_path), "--config", str(cfg)]
    assert main(argv, env=env_of(sheet)) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "agent D1001 (Kai Everly), day 1, column 'Day 1 Notes': 60,000 characters" in line
    assert "50,000" in line and "nothing was sent" in line
    assert sheet.requests == []  # refused before the first request
    assert main([*argv, "--json"], env=env_of(sheet)) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["outcome"] == "failed"
    assert report["cells_over_limit"] == [
        {
            "tab": TRACKER,
            "row_key": KAI,
            "agent_id": KAI,
            "day": 1,
            "header": "Day 1 Notes",
            "length": 60_000,
        }
    ]


def test_real_sync_refuses_a_long_cell_and_writes_and_records_nothing(
    seeded_db, db_path, config, sheet, tmp_path, capsys
) -> None:
    sync(seeded_db, config, sheet)  # a first sync, so "unchanged" means something
    before = snapshot_and_runs(seeded_db)
    assert before[1] == 1 and before[0]
    values_before = sheet.get_values(KEY, TRACKER)
    long_note(seeded_db, day=2)
    with seeded_db.atomic():
        set_note(seeded_db, "D1002", 1, "a short note that would go through")
    sheet.reset_log()
    cfg = write_config(tmp_path)
    code = main(["sync", "--yes", "--db", str(db_path), "--config", str(cfg)], env=env_of(sheet))
    assert code == 2
    assert "day 2, column 'Day 2 Notes'" in one_error_line(capsys.readouterr().err)
    assert sheet.writes == [] and sheet.requests == []
    assert snapshot_and_runs(seeded_db) == before
    assert sheet.get_values(KEY, TRACKER) == values_before  # not even the short note


def test_every_cell_over_the_limit_is_named_flags_and_tickets_too(seeded_db, config, sheet):
    long_note(seeded_db, "D1002", 3, "y" * 50_001)
    long_note(seeded_db, KAI, 1, "z" * 50_000)  # exactly the limit: fine
    at = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    with seeded_db.atomic():
        flag = add_flag(seeded_db, KAI, "conduct", "w" * 70_000, at)
        insert_ticket(
            seeded_db,
            Ticket(
                id="tkt-long",
                form="carrier_ticket",
                agent_id=KAI,
                status="submitted",
                fields={"carrier": "Aetna", "summary": "s" * 51_000, "steps_tried": "all"},
                created_at=at,
                updated_at=at,
                submitted_at=at,
            ),
        )
    with pytest.raises(CellsOverLimit) as info:
        sync(seeded_db, config, sheet)
    where = [c.where() for c in info.value.cells]
    assert where == [
        "agent D1002 (Morgan Underhill), day 3, column 'Day 3 Notes': 50,001 characters",
        "'Carrier Tickets' row tkt-long (agent D1001 (Kai Everly)), column 'Summary': "
        "51,000 characters",
        f"'Red Flags' row D1001-{flag.id} (agent D1001 (Kai Everly)), column 'Details': "
        "70,000 characters",
    ]
    assert str(info.value).startswith("3 cells are over Google Sheets' limit of 50,000")
    assert sheet.requests == [] and count_runs(seeded_db) == 0


# ----------------------------------------------------------------------------- cell limit: entry
def test_the_note_service_refuses_a_note_over_the_limit_and_writes_nothing(seeded_db):
    cohort = get_cohort(seeded_db)
    history = seeded_db.execute("SELECT COUNT(*) FROM notes_history").fetchone()[0]
    with pytest.raises(attendance_svc.AttendanceError) as info:
        attendance_svc.set_note(seeded_db, cohort, KAI, 1, LONG)
    assert str(info.value) == (
        "the note is 60,000 characters; a Google Sheets cell holds at most 50,000: "
        "shorten it by 10,000"
    )
    assert get_note(seeded_db, KAI, 1) is None
    assert seeded_db.execute("SELECT COUNT(*) FROM notes_history").fetchone()[0] == history
    attendance_svc.set_note(seeded_db, cohort, KAI, 1, "n" * SHEETS_CELL_LIMIT)  # the limit fits
    assert len(get_note(seeded_db, KAI, 1) or "") == SHEETS_CELL_LIMIT


def test_cli_note_over_the_limit_exits_2_and_writes_nothing(seeded_db, db_path, capsys):
    code = main(["note", KAI, LONG, "--day", "1", "--db", str(db_path)])
    assert code == 2
    line = one_error_line(capsys.readouterr().err)
    assert "the note is 60,000 characters" in line and "at most 50,000" in line
    assert get_note(seeded_db, KAI, 1) is None


async def test_app_note_editor_refuses_a_long_note_shows_why_and_keeps_the_text(
    config, seeded_db, clock
) -> None:
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(RosterTable)
        table.move_cursor(row=table.get_row_index(KAI), animate=False)
        await pilot.press("n")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        prompt.query_one(Input).value = LONG
        await pilot.press("enter")
        assert app.screen is prompt  # still open
        error = str(prompt.query_one(".prompt-error", Static).render())
        assert "the note is 60,000 characters" in error
        assert prompt.query_one(Input).value == LONG  # the text is kept
        assert get_note(seeded_db, KAI, 1) is None
        prompt.query_one(Input).value = "shorter"
        await pilot.press("enter")
        assert get_note(seeded_db, KAI, 1) == "shorter"


def test_flag_text_cap_reason_and_ticket_fields_are_refused_at_entry(seeded_db, config):
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    with pytest.raises(FlagError, match="text is 50,001 characters"):
        raise_flag(seeded_db, config, KAI, "conduct", "f" * 50_001, now=now)
    with pytest.raises(FlagError, match="reason is 60,000 characters"):
        create_cap(seeded_db, config, KAI, "written", LONG, now=now)
    flags = seeded_db.execute("SELECT COUNT(*) FROM red_flags").fetchone()[0]
    assert flags == 1  # the demo's one flag: nothing added
    with pytest.raises(tickets_svc.TicketInvalid) as info:
        tickets_svc.create_ticket(
            seeded_db, "carrier_ticket", KAI, {"summary": LONG, "carrier": "Aetna"}, now=now
        )
    assert list(info.value.errors) == ["summary"]
    assert "60,000 characters" in info.value.errors["summary"]
    draft = tickets_svc.create_ticket(seeded_db, "carrier_ticket", KAI, {}, now=now)
    with pytest.raises(tickets_svc.TicketInvalid, match="summary"):
        tickets_svc.update_ticket(seeded_db, draft.id, {"summary": LONG}, now=now)
    errors = tickets_svc.field_errors(config, "carrier_ticket", {"summary": LONG}, partial=True)
    assert "60,000 characters" in errors["summary"]


# ----------------------------------------------------------------------------- the emulator
def test_emulator_refuses_a_cell_over_50000_characters_with_googles_400(emu, config):
    emu.create_spreadsheet(KEY, {"Sheet1": []})
    book = connect(config, env_of(emu)).client.open_by_key(KEY)
    body = raw_values_body({"Sheet1!A1": [["fits"]], "Sheet1!B1": [["x" * 50_001]]})
    with pytest.raises(gspread.exceptions.APIError) as info:
        book.values_batch_update(body)
    assert info.value.response.status_code == 400
    assert info.value.error["message"] == CELL_LIMIT_MESSAGE
    assert emu.get_values(KEY, "Sheet1") == []  # atomic: the short cell was not written either
    said = describe(info.value)
    assert said.exit_code == 1 and "a cell is over its limit of 50,000 characters" in said.message
    book.values_batch_update(raw_values_body({"Sheet1!A1": [["y" * 50_000]]}))  # the limit fits


def test_emulator_request_size_limit_and_injected_statuses(emu, config):
    emu.create_spreadsheet(KEY, {"Sheet1": []})
    book = connect(config, env_of(emu)).client.open_by_key(KEY)
    emu.max_body_bytes = 1000
    try:
        with pytest.raises(gspread.exceptions.APIError, match="payload size exceeds the limit"):
            book.values_batch_update(raw_values_body({"Sheet1!A1": [["a" * 2000]]}))
        book.values_batch_update(raw_values_body({"Sheet1!A1": [["a" * 100]]}))
        assert emu.writes[-1].size == len(json.dumps(raw_values_body({"Sheet1!A1": [["a" * 100]]})))
    finally:
        emu.max_body_bytes = None
    for status, google in (
        (400, "INVALID_ARGUMENT"),
        (403, "PERMISSION_DENIED"),
        (404, "NOT_FOUND"),
    ):
        emu.inject(str(status))
        with pytest.raises(gspread.exceptions.APIError) as info:
            book.values_batch_get(["Sheet1"])
        assert info.value.response.status_code == status
        assert info.value.error["status"] == google


# ----------------------------------------------------------------------------- 2 MB batches
def fat_notes(db, size: int = 40_000) -> None:
    """Five long notes for each of the 24 agents: 4.8 MB of cells."""
    with db.atomic():
        for i, a in enumerate(list_agents(db)):
            for day in range(1, 6):
                set_note(db, a.agent_id, day, f"{a.agent_id} day {day} " + "n" * (size - 16 - i))


def test_a_write_over_2mb_goes_in_batches_of_at_most_2mb_and_a_rerun_sends_none(
    seeded_db, config, sheet
) -> None:
    fat_notes(seeded_db)
    sheet.max_body_bytes = MAX_BATCH_BYTES  # the emulator refuses a bigger body
    report = sync(seeded_db, config, sheet)
    writes = [r for r in sheet.writes if r.path.endswith(":batchUpdate")]
    assert report.batches == len(writes) == 3
    assert report.requests == 2 + 3 + 1  # open + read + three writes + the verify read
    assert all(w.size <= MAX_BATCH_BYTES for w in writes)
    assert sum(w.size for w in writes) > 2 * MAX_BATCH_BYTES
    assert report.to_json()["batches"] == 3 and "split into 3 batches" in report.summary()
    values = sheet.get_values(KEY, TRACKER)
    col = values[0].index("Day 5 Notes")
    assert all(len(row[col]) > 39_000 for row in values[1:25])
    assert count_runs(seeded_db) == 1
    sheet.reset_log()
    again = sync(seeded_db, config, sheet)
    assert sheet.writes == [] and again.outcome == "unchanged" and again.batches == 0


def test_a_failure_between_batches_records_nothing_and_the_rerun_sends_only_the_rest(
    seeded_db, config, sheet
) -> None:
    fat_notes(seeded_db)
    total = sync(seeded_db, config, sheet, dry_run=True).cells_written
    sheet.reset_log()

    def fail_second_batch(_f: float, label: str) -> None:
        if label.startswith("writing") and "batch 2 of" in label:
            sheet.inject("400")

    with pytest.raises(gspread.exceptions.APIError):
        sync(seeded_db, config, sheet, progress=fail_second_batch)
    assert count_runs(seeded_db) == 0 and load_snapshot(seeded_db) == {}  # nothing recorded
    first = next(r for r in sheet.writes if r.path.endswith(":batchUpdate"))
    assert first.size <= MAX_BATCH_BYTES
    in_sheet = len(sheet.get_values(KEY, TRACKER)) - 1  # the rows batch 1 appended
    assert 0 < in_sheet < 24
    sheet.reset_log()
    rest = sync(seeded_db, config, sheet)
    assert rest.conflicts == [] and rest.outcome == "written"
    assert 0 < rest.cells_written < total  # only what was missing
    values = sheet.get_values(KEY, TRACKER)
    ids = [row[1] for row in values[1:]]  # columns: Cohort, Agent ID, …
    assert len(ids) == len(set(ids)) == 24
    sheet.reset_log()
    assert sync(seeded_db, config, sheet).cells_written == 0 and sheet.writes == []


def test_batches_are_exact_json_sizes_and_cover_every_cell() -> None:
    writes = [
        CellWrite(("T", f"A{r}", f"h{c}"), r, c, f"{r}-{c}-" + "é" * 90)
        for r in range(1, 40)
        for c in range(1, 4)
    ]
    new = [NewRow("T", f"N{r}", {0: f"N{r}", 2: "x" * 500}, (("T", f"N{r}", "Agent ID"),))
           for r in range(30)]  # fmt: skip
    reqs = update_requests({"T": 7}, writes) + append_requests({"T": 7}, new, 5_000)
    [one] = batches(reqs)
    assert len(json.dumps(one.body())) == one.size
    small = batches(reqs, 5_000)
    assert len(small) > 1
    for b in small:
        assert len(json.dumps(b.body())) == b.size <= 5_000
    assert set().union(*(b.keys for b in small)) == {w.key for w in writes} | {
        k for r in new for k in r.keys
    }
    # one updateCells per row of adjacent columns; appended rows in order, never cut
    assert sum(1 for r in reqs if "updateCells" in r.body) == 39
    appended = [
        row["values"][0]["userEnteredValue"]["stringValue"]
        for r in reqs
        if "appendCells" in r.body
        for row in r.body["appendCells"]["rows"]
    ]
    assert appended == [f"N{r}" for r in range(30)]


# ----------------------------------------------------------------------------- Google's errors
FAULTS = {  # name: (config max_retries, faults, words the TL sees)
    "400": (1, ("400",), "Google refused the request (HTTP 400)"),
    "403": (1, ("403",), "no access to the spreadsheet (HTTP 403): share it with"),
    "404": (1, ("404",), "was not found (HTTP 404): check [sheet] spreadsheet"),
    "429-past-bound": (1, ("429", "429"), "quota is used up (HTTP 429): wait a minute"),
    "500-past-bound": (1, ("500", "500"), "Google Sheets is having trouble (HTTP 500)"),
    "dropped": (1, ("drop", "drop"), "dropped or refused: check the network"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_cli_sync_says_one_line_and_exits_1_on_each_google_error(
    fault, seeded_db, db_path, sheet, tmp_path, capsys
) -> None:
    retries, faults, words = FAULTS[fault]
    cfg = write_config(tmp_path, max_retries=retries)
    sheet.inject(*faults)
    code = main(["sync", "--yes", "--db", str(db_path), "--config", str(cfg)], env=env_of(sheet))
    assert code == 1
    line = one_error_line(capsys.readouterr().err)
    assert words in line
    assert sheet.writes == [] and count_runs(seeded_db) == 0


def test_403_names_the_identity_to_share_with_and_never_a_secret(
    seeded_db, db_path, sheet, tmp_path, capsys
) -> None:
    cfg = write_config(tmp_path, max_retries=0)
    for argv in (["sync", "--yes"], ["sheet", "init"], ["auth", "check"]):
        sheet.inject("403")
        code = main([*argv, "--db", str(db_path), "--config", str(cfg)], env=env_of(sheet))
        assert code == 1, argv
        line = one_error_line(capsys.readouterr().err)
        assert "share it with anonymous (emulator) as an editor" in line, argv
    said = describe(
        SheetsAuthError("x", what="opening the spreadsheet", status=403),
        identity="service account tl-bot@proj.iam.gserviceaccount.com",
    )
    assert said.message == (
        "opening the spreadsheet: no access to the spreadsheet (HTTP 403): share it with "
        "tl-bot@proj.iam.gserviceaccount.com as an editor, then sync again"
    )


def test_a_spreadsheet_that_does_not_exist_is_a_404_naming_the_key(
    seeded_db, db_path, sheet, tmp_path, capsys
) -> None:
    cfg = write_config(tmp_path)
    argv = ["sync", "--yes", "--db", str(db_path), "--config", str(cfg)]
    assert main(argv, env=env_of(sheet, "gone-0123456789")) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "spreadsheet 'gone-0123456789' was not found (HTTP 404)" in line
    assert "esp-tui sheet init" in line


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"ESP_TUI_SPREADSHEET": "not a key!"}, "is not a spreadsheet key or URL"),
        ({"ESP_TUI_SHEETS_ENDPOINT": "ftp://x"}, "is not a base URL"),
    ],
)
def test_bad_input_exits_2_with_one_line(seeded_db, db_path, sheet, tmp_path, capsys, env, words):
    cfg = write_config(tmp_path)
    code = main(
        ["sync", "--dry-run", "--db", str(db_path), "--config", str(cfg)],
        env={**env_of(sheet), **env},
    )
    assert code == 2
    assert words in one_error_line(capsys.readouterr().err)
    assert sheet.requests == []


def _api_error(status: int, message: str = "boom") -> gspread.exceptions.APIError:
    response = requests.Response()
    response.status_code = status
    body = {"error": {"code": status, "message": message, "status": "X"}}
    response._content = json.dumps(body).encode()
    return gspread.exceptions.APIError(response)


@pytest.mark.parametrize(
    ("exc", "code", "words"),
    [
        (_api_error(400, "Unable to parse range: 'ESP Tracker'!A1"), 1, "esp-tui sheet init"),
        (_api_error(401), 1, "no access to the spreadsheet (HTTP 401)"),
        (_api_error(404), 1, "was not found (HTTP 404)"),
        (_api_error(429), 1, "each TL should sign in as themselves"),
        (_api_error(503), 1, "(HTTP 503): try again in a few minutes"),
        (
            SheetsUnavailable("x", what="writing to the sheet (batch 2 of 3)", status=503),
            1,
            "the batches before it are in the sheet; a rerun sends the rest",
        ),
        (
            SheetsUnavailable(
                "x", what="reading the sheet", attempts=6, status=None, last="timed out"
            ),
            1,
            "reading the sheet failed after 6 attempt(s)",
        ),
        (gauth.InvalidOperation("Anonymous credentials cannot be refreshed."), 1, "HTTP 401"),
        (gauth.RefreshError("invalid_grant: ya29.SECRET-TOKEN"), 1, "refused to issue"),
        (gauth.TransportError("ya29.SECRET-TOKEN"), 1, "check the network"),
        (requests.exceptions.ConnectionError("reset"), 1, "dropped or refused"),
        (requests.exceptions.ReadTimeout("slow"), 1, "did not answer in time"),
        (__import__("sqlite3").OperationalError("database is locked"), 1, "another esp-tui"),
        (__import__("sqlite3").DatabaseError("disk I/O error"), 1, "local database failed"),
        (StorageError("/x/esp.db: cannot open the database: nope"), 1, "cannot open"),
        (DatabaseBusy("another esp-tui is writing the database; retry"), 1, "retry"),
        (
            LayoutError("sheet tab 'ESP Tracker' is missing; run `esp-tui sheet init`"),
            1,
            "is missing",
        ),
        (RuntimeError("line one\nline two"), 1, "unexpected error: RuntimeError: line one line"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else None,
)
def test_describe_gives_one_line_and_a_class_for_every_error(exc, code, words) -> None:
    said = describe(exc, spreadsheet=KEY)
    assert words in said.message
    assert said.exit_code == code
    assert "\n" not in said.message and "SECRET" not in said.message


def test_the_sync_service_maps_every_exception_to_sync_failed(seeded_db, config, emu):
    cohort = get_cohort(seeded_db)
    assert cohort is not None

    def dry_run() -> None:
        sync_day(
            seeded_db, None, config, cohort, env_of(emu), now=lambda: EVENING, dry_run=True,
            resolutions={}, progress=lambda f, s: None,
        )  # fmt: skip

    emu.create_spreadsheet(KEY, {"Sheet1": []})  # no tabs yet: a layout error
    with pytest.raises(SyncFailed, match="run `esp-tui sheet init`") as info:
        dry_run()
    assert not info.value.bad_input
    long_note(seeded_db)
    with pytest.raises(SyncFailed, match="Day 1 Notes") as info:
        dry_run()
    assert info.value.bad_input


# ----------------------------------------------------------------------------- the app
@pytest.fixture
def app_sheet(sheet, monkeypatch) -> SheetsEmulator:
    for k, v in env_of(sheet).items():  # the Close screen's worker reads os.environ
        monkeypatch.setenv(k, v)
    return sheet


def dialog_text(app) -> str:
    return str(app.screen.query_one("#error-message", Static).render())


async def settle(pilot) -> None:
    """Wait for the workers; one that failed re-raises from wait_for_complete (the app has
    already handled it: the assertions that follow say how)."""
    with contextlib.suppress(WorkerFailed):
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def sync_from_close(pilot) -> None:
    await pilot.press("s", "y")  # sync despite the open gaps
    await settle(pilot)


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_close_screen_sync_error_shows_a_dialog_and_the_app_keeps_running(
    fault, seeded_db, config, clock, app_sheet
) -> None:
    retries, faults, words = FAULTS[fault]
    config.sheet.max_retries = retries
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        close = app.screen
        assert isinstance(close, CloseScreen)
        app_sheet.inject(*faults)
        await sync_from_close(pilot)
        assert isinstance(app.screen, ErrorDialog)
        assert words in dialog_text(app)
        assert app.is_running and app.return_code is None
        assert count_runs(seeded_db) == 0
        await pilot.press("enter")
        assert app.screen is close and not close.syncing
        await sync_from_close(pilot)  # usable: the next sync goes through
        assert str(close.query_one("#sync-status", Static).render()).startswith("synced: wrote")
        assert count_runs(seeded_db) == 1 and app.return_code is None


async def test_error_text_in_the_dialog_is_plain_text_and_escape_closes_it(
    seeded_db, config, clock, app_sheet
) -> None:
    long_note(seeded_db, KAI, 1, "[b]" + LONG)
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c", "d")  # a dry run says it too
        await settle(pilot)
        assert isinstance(app.screen, ErrorDialog)
        text = dialog_text(app)
        assert "day 1, column 'Day 1 Notes': 60,003 characters" in text
        assert "(a note: n on the roster or `esp-tui note AGENT_ID TEXT --day N`)" in text
        assert app_sheet.requests == []
        await pilot.press("escape")
        assert isinstance(app.screen, CloseScreen) and app.is_running


async def test_a_worker_raising_an_unexpected_error_shows_the_dialog_and_the_app_survives(
    seeded_db, config, clock, app_sheet, monkeypatch
) -> None:
    import esp_tui.services.sync as sync_service

    def broken(*a: Any, **k: Any) -> None:
        raise RuntimeError("boom [/] not markup")

    original = sync_service.sync_day
    monkeypatch.setattr(sync_service, "sync_day", broken)
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        close = app.screen
        await sync_from_close(pilot)
        assert isinstance(app.screen, ErrorDialog)
        assert dialog_text(app) == "unexpected error: RuntimeError: boom [/] not markup"
        assert app.is_running and app.return_code is None
        await pilot.press("enter")
        assert app.screen is close and not close.syncing
        assert "sync failed" in str(close.query_one("#sync-status", Static).render())
        monkeypatch.setattr(sync_service, "sync_day", original)
        await sync_from_close(pilot)
        assert count_runs(seeded_db) == 1


async def test_an_app_level_worker_error_goes_to_the_same_dialog(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)

    def fail() -> None:
        raise OSError(28, "No space left on device", "/tmp/esp.db")

    async with app.run_test(size=(120, 40)) as pilot:
        app.run_worker(fail, thread=True, name="the backup", exit_on_error=False)
        await settle(pilot)
        assert isinstance(app.screen, ErrorDialog)
        assert dialog_text(app) == "/tmp/esp.db: No space left on device"
        assert app.is_running and app.return_code is None
        await pilot.press("enter")
        assert not isinstance(app.screen, ErrorDialog)


def test_every_work_decorator_sets_exit_on_error_false() -> None:
    found = 0
    for path in (ROOT / "esp_tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                name = deco.func if isinstance(deco, ast.Call) else deco
                if getattr(name, "id", getattr(name, "attr", "")) != "work":
                    continue
                found += 1
                kws = {k.arg: k.value for k in getattr(deco, "keywords", [])}
                value = kws.get("exit_on_error")
                assert isinstance(value, ast.Constant) and value.value is False, (
                    f"{path.relative_to(ROOT)}:{node.lineno} @work without exit_on_error=False"
                )
    assert found >= 1


# ----------------------------------------------------------------------------- closed stdout
@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 agents on day 1 (today): `roster list` and `check` print far more than a pipe
    buffer holds, so the writer is still writing when the reader goes away."""
    from esp_tui.domain.models import Agent
    from esp_tui.services.roster import cohort_from_config
    from storage.agents import upsert_agents
    from storage.cohort import save_cohort
    from storage.db import connect as connect_db

    path = tmp_path_factory.mktemp("big") / "big.db"
    db = connect_db(path)
    agents = [
        Agent(agent_id=f"E{i:05}", name=f"Agent Number {i}", email=f"agent{i}@example.com")
        for i in range(3000)
    ]
    try:
        with db.atomic():
            save_cohort(db, cohort_from_config(build_config({}, "t"), "Big", date.today()))
            upsert_agents(db, agents)
    finally:
        db.close()
    return path


@pytest.mark.parametrize("argv", [["roster", "list"], ["check", "--json"]])
def test_a_closed_stdout_pipe_exits_quietly(big_db: Path, argv: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "esp_tui", *argv, "--db", str(big_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # `| head -1`
    err = proc.stderr.read()
    code = proc.wait(timeout=120)
    assert first.strip()
    assert err == b""
    assert code == 141


def test_described_exit_codes_are_the_clis() -> None:
    """1: the sheet, Google, the network or the database failed; 2: bad input."""
    from esp_tui.cli.context import EXIT_FAIL, EXIT_USAGE
    from esp_tui.sync.errors import EXIT_BAD_INPUT
    from esp_tui.sync.errors import EXIT_FAIL as SYNC_FAIL

    assert (SYNC_FAIL, EXIT_BAD_INPUT) == (EXIT_FAIL, EXIT_USAGE)


async def test_a_failed_dry_run_is_titled_as_a_dry_run(seeded_db, config, clock, app_sheet):
    config.sheet.max_retries = 0
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        app_sheet.inject("503")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.title_text == "Dry run failed"
        assert app_sheet.writes == [] and app.return_code is None
