"""The Sheets v4 emulator, driven through real gspread over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import gspread
import pytest
import requests
from google.auth.credentials import AnonymousCredentials
from hypothesis import given
from hypothesis import strategies as st

from esp_tui.sync.transport import make_client
from tests.sheets_emulator import (
    SheetsEmulator,
    col_index,
    col_letters,
    parse_cells,
    quote_sheet,
    running_emulator,
    split_sheet,
)

KEY = "sheet-key-1"
TRACKER = "ESP Tracker"


@pytest.fixture(scope="module")
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def book(emu: SheetsEmulator) -> gspread.Spreadsheet:
    emu.create_spreadsheet(
        KEY,
        {
            TRACKER: [["Agent ID", "Name", "Day 1 Notes", "", ""], ["E1", "Ann"], [], []],
            "Sheet1": [],
            "It's": [["x"]],
        },
    )
    spreadsheet = make_client(AnonymousCredentials(), emu.endpoint).open_by_key(KEY)
    emu.reset_log()
    emu.clear_faults()
    return spreadsheet


def test_open_by_key_reads_metadata(book: gspread.Spreadsheet) -> None:
    assert book.title == "ESP Master Tracking"
    sheets = book.worksheets()
    assert [(w.title, w.id, w.index) for w in sheets] == [
        (TRACKER, 0, 0),
        ("Sheet1", 1, 1),
        ("It's", 2, 2),
    ]
    assert (sheets[0].row_count, sheets[0].col_count) == (1000, 26)


def test_unknown_spreadsheet_is_not_found(emu: SheetsEmulator) -> None:
    client = make_client(AnonymousCredentials(), emu.endpoint)
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        client.open_by_key("no-such-key")


def test_reads_trim_trailing_cells_and_rows(book: gspread.Spreadsheet) -> None:
    got = book.values_get(f"'{TRACKER}'")
    assert got == {
        "range": "'ESP Tracker'!A1:Z1000",
        "majorDimension": "ROWS",
        "values": [["Agent ID", "Name", "Day 1 Notes"], ["E1", "Ann"]],
    }


def test_empty_range_omits_values_and_quotes_only_when_needed(
    book: gspread.Spreadsheet,
) -> None:
    got = book.values_batch_get(["Sheet1", "'It''s'!B1:C2", f"{TRACKER}!D1:E2"])
    assert got["valueRanges"] == [
        {"range": "Sheet1!A1:Z1000", "majorDimension": "ROWS"},
        {"range": "'It''s'!B1:C2", "majorDimension": "ROWS"},
        {"range": "'ESP Tracker'!D1:E2", "majorDimension": "ROWS"},
    ]


def test_batch_get_keeps_inner_empty_rows(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    emu.set_cell(KEY, TRACKER, "B4", "later")
    ws = book.worksheet(TRACKER)
    head, column_c, open_ended = ws.batch_get(["A1:B1", "C:C", "A2:Z"])
    assert head == [["Agent ID", "Name"]]
    assert column_c == [["Day 1 Notes"]] and column_c.range == "'ESP Tracker'!C1:C1000"
    assert open_ended == [["E1", "Ann"], [], ["", "later"]]
    assert open_ended.range == "'ESP Tracker'!A2:Z1000"


@pytest.mark.parametrize(
    ("typed", "raw_read", "entered_read", "entered_formula"),
    [
        ("=SUM(1,2)", "=SUM(1,2)", "=SUM(1,2)", True),
        ("+44 7700", "+44 7700", "+44 7700", True),
        ("-not a number", "-not a number", "-not a number", True),
        ("@mention", "@mention", "@mention", False),
        ("'=literal", "'=literal", "=literal", False),
        ("007", "007", "7", False),
        ("2.50", "2.50", "2.5", False),
        ("true", "true", "TRUE", False),
        ("plain", "plain", "plain", False),
    ],
)
def test_raw_stores_literally_user_entered_parses(
    emu: SheetsEmulator,
    book: gspread.Spreadsheet,
    typed: str,
    raw_read: str,
    entered_read: str,
    entered_formula: bool,
) -> None:
    ws = book.worksheet("Sheet1")
    ws.update([[typed]], "A1", raw=True)
    ws.update([[typed]], "B1", raw=False)
    assert ws.get("A1:B1") == [[raw_read, entered_read]]
    assert not emu.is_formula(KEY, "Sheet1", "A1")
    assert emu.is_formula(KEY, "Sheet1", "B1") is entered_formula


def test_numbers_and_booleans_render_as_strings(book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Sheet1")
    ws.update([[3, 2.5, 4.0, True, None, ""]], "A1")
    assert ws.get("A1:F1") == [["3", "2.5", "4", "TRUE"]]
    unformatted = book.values_get("Sheet1!A1:D1", params={"valueRenderOption": "UNFORMATTED_VALUE"})
    assert unformatted["values"] == [[3, 2.5, 4.0, True]]


def test_values_batch_update_by_explicit_ranges(
    emu: SheetsEmulator, book: gspread.Spreadsheet
) -> None:
    body = {
        "valueInputOption": "RAW",
        "data": [
            {"range": f"'{TRACKER}'!C2", "values": [["late, coached"]]},
            {"range": f"'{TRACKER}'!A3:C3", "values": [["E2", "Bo", "=1+1"]]},
            {"range": "Sheet1!A1:A2", "majorDimension": "COLUMNS", "values": [["a", "b"]]},
        ],
    }
    reply = book.values_batch_update(body)
    assert reply["totalUpdatedCells"] == 6 and reply["totalUpdatedSheets"] == 2
    assert [r["updatedRange"] for r in reply["responses"]] == [
        "'ESP Tracker'!C2",
        "'ESP Tracker'!A3:C3",
        "Sheet1!A1:A2",
    ]
    assert emu.get_values(KEY, TRACKER)[1:] == [
        ["E1", "Ann", "late, coached"],
        ["E2", "Bo", "=1+1"],
    ]
    assert not emu.is_formula(KEY, TRACKER, "C3")
    assert emu.get_values(KEY, "Sheet1") == [["a"], ["b"]]


@pytest.mark.parametrize(
    ("rng", "values", "message"),
    [
        ("Sheet1!A1:B1", [["1", "2", "3"]], "tried writing to column [C]"),
        ("Sheet1!A1:A2", [["1"], ["2"], ["3"]], "tried writing to row [3]"),
        ("Sheet1!A1001", [["x"]], "exceeds grid limits. Max rows: 1000"),
        ("Sheet1!Z1", [["x", "y"]], "exceeds grid limits"),
        ("Nope!A1", [["x"]], "Unable to parse range: Nope!A1"),
    ],
)
def test_bad_batch_update_is_rejected_whole(
    emu: SheetsEmulator, book: gspread.Spreadsheet, rng: str, values: list[list[str]], message: str
) -> None:
    body = {
        "valueInputOption": "RAW",
        "data": [{"range": "Sheet1!C5", "values": [["first"]]}, {"range": rng, "values": values}],
    }
    with pytest.raises(gspread.exceptions.APIError) as info:
        book.values_batch_update(body)
    assert info.value.code == 400 and message in info.value.error["message"]
    assert emu.get_values(KEY, "Sheet1") == []  # atomic: the valid range was not applied either


def test_append_writes_after_the_table_and_grows_the_grid(emu: SheetsEmulator) -> None:
    emu.create_spreadsheet("small", {"T": [["h"], ["r1"]]})
    small = make_client(AnonymousCredentials(), emu.endpoint).open_by_key("small")
    ws = small.worksheet("T")
    ws.resize(rows=2)
    reply = ws.append_rows([["r2"], ["r3"]])
    assert reply["tableRange"] == "T!A1:A2"
    assert reply["updates"]["updatedRange"] == "T!A3:A4"
    assert emu.get_values("small", "T") == [["h"], ["r1"], ["r2"], ["r3"]]
    assert emu.grid_size("small", "T") == (4, 26)


def test_add_sheet_replies_with_properties(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    ws = book.add_worksheet("Red Flags", rows=50, cols=8)
    assert (ws.title, ws.row_count, ws.col_count, ws.index) == ("Red Flags", 50, 8, 3)
    assert ws.id not in (0, 1, 2)
    assert emu.tab_titles(KEY)[-1] == "Red Flags"
    with pytest.raises(gspread.exceptions.APIError, match="already exists"):
        book.add_worksheet("Red Flags", rows=1, cols=1)


def test_structural_batch_update_is_all_or_nothing(
    emu: SheetsEmulator, book: gspread.Spreadsheet
) -> None:
    body = {
        "requests": [
            {"addSheet": {"properties": {"title": "Call Certification"}}},
            {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 500}},
            {"mergeCells": {"range": {"sheetId": 0}}},
        ]
    }
    with pytest.raises(gspread.exceptions.APIError, match="mergeCells is not emulated"):
        book.batch_update(body)
    assert emu.tab_titles(KEY) == [TRACKER, "Sheet1", "It's"]
    assert emu.grid_size(KEY, TRACKER) == (1000, 26)
    body["requests"].pop()
    assert book.batch_update(body)["replies"][1] == {}
    assert emu.grid_size(KEY, TRACKER) == (1500, 26)
    assert emu.tab_titles(KEY)[-1] == "Call Certification"


def test_clear_and_batch_clear(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    ws = book.worksheet(TRACKER)
    assert ws.batch_clear(["B1:B2"])["clearedRanges"] == ["'ESP Tracker'!B1:B2"]
    assert emu.get_values(KEY, TRACKER) == [["Agent ID", "", "Day 1 Notes"], ["E1"]]
    assert ws.clear()["clearedRange"] == "'ESP Tracker'!A1:Z1000"
    assert emu.get_values(KEY, TRACKER) == []


def test_request_log_records_decoded_path_query_and_body(
    emu: SheetsEmulator, book: gspread.Spreadsheet
) -> None:
    book.worksheet(TRACKER).update([["n"]], "C2")
    put = emu.writes[-1]
    assert put.method == "PUT"
    assert put.path == f"/v4/spreadsheets/{KEY}/values/'ESP Tracker'!C2"
    assert put.query == {"valueInputOption": ["RAW"]}
    assert put.body == {"values": [["n"]], "majorDimension": None}
    emu.reset_log()
    assert emu.requests == []


def test_hand_edit_is_user_entered(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    emu.set_cell(KEY, TRACKER, "C2", "=A2")
    emu.set_cell(KEY, TRACKER, "D2", "typed by a PM")
    assert emu.is_formula(KEY, TRACKER, "C2") and not emu.is_formula(KEY, TRACKER, "D2")
    assert book.worksheet(TRACKER).get("A2:D2") == [["E1", "Ann", "=A2", "typed by a PM"]]
    with pytest.raises(ValueError, match="not a single cell"):
        emu.set_cell(KEY, TRACKER, "A1:B2", "x")


@pytest.mark.parametrize(
    ("fault", "code", "status"),
    [("429", 429, "RESOURCE_EXHAUSTED"), ("500", 500, "INTERNAL"), ("503", 503, "UNAVAILABLE")],
)
def test_status_faults_use_google_error_json(
    emu: SheetsEmulator, book: gspread.Spreadsheet, fault: str, code: int, status: str
) -> None:
    emu.inject(fault)
    with pytest.raises(gspread.exceptions.APIError) as info:
        book.values_get("Sheet1")
    assert (info.value.code, info.value.error["status"]) == (code, status)
    assert book.values_get("Sheet1")["range"] == "Sheet1!A1:Z1000"  # one fault, one request


def test_drop_closes_without_response(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    emu.inject("drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        book.values_get("Sheet1")
    assert len(emu.requests) == 1


def test_fault_after_apply_still_writes(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Sheet1")
    emu.inject("500-after-apply")  # faults hit the next request, whatever it is
    with pytest.raises(gspread.exceptions.APIError):
        ws.update([["kept"]], "A1")
    assert emu.get_values(KEY, "Sheet1") == [["kept"]]


def test_unknown_fault_is_refused(emu: SheetsEmulator) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        emu.inject("teapot")


def test_latency_is_per_request(book: gspread.Spreadsheet, emu: SheetsEmulator) -> None:
    emu.latency_s = 0.05
    try:
        start = time.perf_counter()
        book.values_get("Sheet1")
        book.values_get("Sheet1")
        assert time.perf_counter() - start >= 0.1
    finally:
        emu.latency_s = 0.0


# ----------------------------------------------------------------------------- A1 helpers
@given(st.integers(min_value=0, max_value=20_000))
def test_column_letters_round_trip(index: int) -> None:
    assert col_index(col_letters(index)) == index


@pytest.mark.parametrize(
    ("ref", "cells"),
    [
        ("A1", (0, 0, 1, 1)),
        ("b2:C3", (1, 1, 3, 3)),
        ("C3:B2", (1, 1, 3, 3)),
        ("A:A", (0, 0, None, 1)),
        ("A2:Z", (1, 0, None, 26)),
        ("2:5", (1, 0, 5, None)),
        ("AA10", (9, 26, 10, 27)),
        ("A0", None),
        ("A1:B2:C3", None),
        ("A1!", None),
        ("", None),
    ],
)
def test_parse_cells(ref: str, cells: tuple[int, int, int | None, int | None] | None) -> None:
    assert parse_cells(ref) == cells


@pytest.mark.parametrize(
    ("title", "quoted"),
    [
        ("Sheet1", "Sheet1"),
        ("ESP Tracker", "'ESP Tracker'"),
        ("It's", "'It''s'"),
        ("AB12", "'AB12'"),
    ],
)
def test_quote_sheet(title: str, quoted: str) -> None:
    assert quote_sheet(title) == quoted
    assert split_sheet(f"{quoted}!A1") == (title, "A1")
