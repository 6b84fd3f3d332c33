"""The pure detection layer (domain/tabular.py): encodings, delimiters, line endings, header
rows, normalisation and the one-line refusals."""

from __future__ import annotations

import codecs

import pytest

from esp_tui.domain.tabular import Layout, TableError, clean, header_key, key, read_rows, read_table

LAYOUT = Layout("test", {"id": ("Agent ID",), "name": ("Name",)}, ("id", "name"))
ROWS = [["Agent ID", "Name"], ["E1", "Ann Lee"], ["E2", "José Núñez"]]


def cells(data: bytes) -> list[tuple[str, str]]:
    t = read_table(data, "f.csv", [LAYOUT])
    return [(t.value(r, "id"), t.value(r, "name")) for r in t.records]


TEXT = "Agent ID,Name\nE1,Ann Lee\nE2,José Núñez\n"


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        (TEXT.encode(), "utf-8", ","),
        (codecs.BOM_UTF8 + TEXT.encode(), "utf-8-sig", ","),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16", ","),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16", ","),
        (TEXT.encode("utf-16-le"), "utf-16-le", ","),  # Excel "Unicode text" without a BOM
        (TEXT.replace("\n", "\r").encode(), "utf-8", ","),  # CR alone
        (TEXT.replace("\n", "\r\n").encode("cp1252"), "cp1252", ","),
        (TEXT.replace(",", ";").encode(), "utf-8", ";"),
        (TEXT.replace(",", "\t").encode(), "utf-8", "\t"),
        (TEXT.replace(",", ", ").encode(), "utf-8", ","),
        (("Title; with a semicolon\n\n" + TEXT).encode(), "utf-8", ","),  # title lines skipped
    ],
)
def test_detected(data: bytes, encoding: str, delimiter: str) -> None:
    t = read_table(data, "f.csv", [LAYOUT])
    assert (t.encoding, t.delimiter) == (encoding, delimiter)
    assert cells(data) == [("E1", "Ann Lee"), ("E2", "José Núñez")]
    assert bool(t.warnings) == (encoding == "cp1252")


def test_header_row_number_counts_the_title_lines() -> None:
    t = read_table(b"Report\r\rAgent ID,Name\rE1,Ann\r", "f.csv", [LAYOUT])
    assert t.header_row == 3 and [r.row for r in t.records] == [4]


def test_a_duplicate_header_the_layout_does_not_use_is_harmless() -> None:
    assert cells(b"Agent ID,Name,Notes,Notes\nE1,Ann,a,b\n") == [("E1", "Ann")]


def test_rows_from_a_sheet() -> None:
    t = read_rows([["title"], *ROWS], "sheet", [LAYOUT])
    assert [r.row for r in t.records] == [3, 4] and t.header_row == 2


def test_normalisation() -> None:
    assert clean(" E\uff11\u200b\u00ad ") == "E1"
    assert key("E1") == key("e1\u200b") == key("\ufeffE1")
    assert header_key(" # of  Joins ") == header_key("of joins") == "ofjoins"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "f.csv: the file is empty"),
        (b"Agent ID,Name\nE1,\x81\n", "f.csv: line 2: neither UTF-8 nor Windows-1252 text"),
        (
            b'Agent ID,Name\nE1,"Ann\n',
            'f.csv: row 2: a quote (") opens a field that is never closed',
        ),
        (b'Agent ID,Name\nE1,"Ann"x\n', "f.csv: row 2: malformed quoting"),
        (b"Agent ID,Name,name\nE1,Ann,Bo\n", "f.csv: row 1: header 'Name' appears 2 times"),
        (b"Who,What\n", "f.csv: no known header row (found: Who, What)"),
    ],
)
def test_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(TableError) as err:
        read_table(data, "f.csv", [LAYOUT])
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_a_control_character_in_a_read_cell_names_row_and_field() -> None:
    t = read_table(b"Agent ID,Name\nE1,Ann\x07\n", "f.csv", [LAYOUT])
    with pytest.raises(
        TableError, match=r"^f\.csv: row 2: field 'Name': control character U\+0007"
    ):
        t.value(t.records[0], "name")
    assert t.value(t.records[0], "name", shown_only=True) == "Ann\x07"
