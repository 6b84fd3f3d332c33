"""`esp-tui sheet init`: create the missing tabs and headers, never moving a TL's column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from esp_tui.config import Config
from esp_tui.sync.layout import (
    HEADER_SEARCH_ROWS,
    LayoutError,
    TabLayout,
    a1_range,
    cell_text,
    norm,
    quote_tab,
    sheet_layout,
)
from esp_tui.sync.target import Book, Target, grid_size, open_book, retry
from esp_tui.sync.transport import raw_values_body


@dataclass
class InitReport:
    tabs_created: list[str]
    headers_added: dict[str, list[str]]
    requests: int

    def lines(self) -> list[str]:
        if not self.tabs_created and not self.headers_added:
            return [f"the sheet already has every tab and header ({self.requests} requests)"]
        out = [f"created tab {t!r}" for t in self.tabs_created]
        out += [f"{t!r}: added headers {', '.join(hs)}" for t, hs in self.headers_added.items()]
        return [*out, f"({self.requests} requests)"]


def init_sheet(target: Target, config: Config, days: int, *, agents: int = 0) -> InitReport:
    """Create the missing tabs and append missing headers to the right of existing ones.

    Never moves or renames a column the TL has; a tab with data but no key header is an error.
    """
    before = target.requests
    layout = sheet_layout(config, days)
    book = open_book(target)
    existing = book.tabs()
    present = [t for t in layout.tabs() if t.title in existing]
    heads: dict[str, tuple[int, list[str]]] = {}
    if present:
        got = retry(
            target,
            lambda: book.values_batch_get(
                [f"{quote_tab(t.title)}!1:{HEADER_SEARCH_ROWS}" for t in present]
            ),
            "reading the headers",
        )
        for tab, vr in zip(present, got.get("valueRanges", []), strict=True):
            heads[tab.title] = _header_row(tab, vr.get("values", []))
    structure: list[dict[str, Any]] = []
    writes: dict[str, list[list[str]]] = {}
    created: list[str] = []
    added: dict[str, list[str]] = {}
    for tab in layout.tabs():
        if tab.title not in existing:
            created.append(tab.title)
            structure.append(_add_sheet(tab, rows=max(1000, agents + 200)))
            writes[a1_range(tab.title, 0, 0, 0, len(tab.headers) - 1)] = [list(tab.headers)]
            continue
        header_row, row = heads[tab.title]
        have = {norm(h) for h in row}
        missing = [h for h in tab.headers if norm(h) not in have]
        if not missing:
            continue
        start, end = len(row), len(row) + len(missing) - 1
        if end >= grid_size(existing[tab.title])[1]:
            structure.append(_set_cols(existing[tab.title]["sheetId"], end + 1))
        writes[a1_range(tab.title, header_row, start, header_row, end)] = [missing]
        added[tab.title] = missing
    if structure:
        retry(target, _structure_fn(book, structure), "creating the tabs")
    if writes:
        retry(target, lambda: book.values_batch_update(raw_values_body(writes)), "writing headers")
    return InitReport(created, added, target.requests - before)


def _header_row(tab: TabLayout, values: list[list[Any]]) -> tuple[int, list[str]]:
    """(row index, its texts) of the row holding the key header; (0, []) on an empty tab."""
    rows = [[cell_text(v) for v in row] for row in values]
    for i, row in enumerate(rows):
        if norm(tab.key_header) in {norm(v) for v in row}:
            while row and row[-1] == "":
                row.pop()
            return i, row
    if any(any(row) for row in rows):
        raise LayoutError(
            f"sheet tab {tab.title!r} has data but no {tab.key_header!r} header in its first "
            f"{HEADER_SEARCH_ROWS} rows; add the header row by hand"
        )
    return 0, []


def _add_sheet(tab: TabLayout, *, rows: int) -> dict[str, Any]:
    grid = {"rowCount": rows, "columnCount": max(26, len(tab.headers))}
    return {"addSheet": {"properties": {"title": tab.title, "gridProperties": grid}}}


def _set_cols(sheet_id: int, cols: int) -> dict[str, Any]:
    return {
        "updateSheetProperties": {
            "properties": {"sheetId": sheet_id, "gridProperties": {"columnCount": cols}},
            "fields": "gridProperties.columnCount",
        }
    }


def _structure_fn(book: Book, requests: list[dict[str, Any]]) -> Callable[[], Any]:
    """A retry after a 500 the server had applied would re-add tabs ("already exists"): a
    retry re-reads the tabs first and drops the addSheet requests that already took effect."""
    attempts = [0]

    def attempt() -> Any:
        attempts[0] += 1
        todo = requests
        if attempts[0] > 1:
            there = set(book.fetch_sheet_metadata() and book.tabs())
            todo = [
                r
                for r in requests
                if "addSheet" not in r or r["addSheet"]["properties"]["title"] not in there
            ]
        return book.batch_update({"requests": todo}) if todo else None

    return attempt
