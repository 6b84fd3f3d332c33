"""A Google Sheets API v4 emulator for tests: a stdlib HTTP server on 127.0.0.1.

It speaks the subset of the v4 REST API that gspread 6.2 sends, with the real API's JSON
shapes, so sync code runs over real HTTP through real gspread:

- ``GET  /v4/spreadsheets/{id}`` and ``POST /v4/spreadsheets/{id}:batchUpdate`` (addSheet,
  deleteSheet, updateSheetProperties, appendDimension);
- ``values`` get / batchGet / update (PUT) / batchUpdate / append / clear / batchClear.

Fidelity choices (what real Sheets does, kept because sync code must cope with it):
- reads trim trailing empty cells and rows, omit ``values`` when the range is empty, and echo
  ``range`` in A1 with the sheet name quoted only when needed (``'ESP Tracker'!A1:Z1000``);
- a read or write past the tab's grid is a 400 "exceeds grid limits" (only append grows it);
- a multi-cell write range must hold the values; a single cell or a whole tab is an anchor;
- ``values.batchUpdate`` and ``spreadsheets.batchUpdate`` are all-or-nothing;
- RAW stores every value literally; USER_ENTERED turns ``=…`` (and non-numeric ``+…``/``-…``)
  into a formula, numeric strings into numbers, TRUE/FALSE into booleans, strips a leading ``'``.
Simplifications: formulas are not evaluated (a formula cell reads back as its text); numbers
render as ``str`` of the number; dates are not parsed; auth headers are not checked.

Google's limits: a written cell over 50,000 characters is a 400 with Google's own text (the
whole batch is refused); ``max_body_bytes`` (off by default) refuses a bigger request body
with a 400, to prove a client splits its writes.

Fault injection: ``inject("429", "drop", "500-after-apply", ...)`` queues one fault per
coming request, in order. ``NNN`` (any status: 400, 403, 404, 429, 500, ...) answers that
HTTP status with Google's error JSON, ``drop`` closes the socket without a response,
``-after-apply`` performs the request first.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

Scalar = str | int | float | bool

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
CELL_LIMIT = 50_000  # characters per cell
CELL_LIMIT_MESSAGE = (
    "Your input contains more than the maximum of 50000 characters in a single cell."
)

_STATUS_TEXT = {
    400: ("INVALID_ARGUMENT", "Invalid request."),
    401: (
        "UNAUTHENTICATED",
        "Request is missing required authentication credential. Expected OAuth 2 access token.",
    ),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: (
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute "
        "per user' of service 'sheets.googleapis.com'.",
    ),
    500: ("INTERNAL", "Internal error encountered."),
    502: ("UNAVAILABLE", "Bad gateway."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
    504: ("DEADLINE_EXCEEDED", "The request timed out."),
}
_FAULT = re.compile(r"(drop|[1-5]\d\d)(-after-apply)?")
_CELL_REF = re.compile(r"([A-Za-z]*)(\d*)")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LOOKS_LIKE_REF = re.compile(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*")


class LoggedRequest(NamedTuple):
    method: str
    path: str  # percent-decoded, e.g. /v4/spreadsheets/KEY/values/'Tab'!A1:B2
    query: dict[str, list[str]]
    body: Any
    size: int = 0  # bytes of the request body as received


class ApiError(Exception):
    """An error answered in Google's JSON shape."""

    def __init__(self, code: int, message: str | None = None) -> None:
        status, default = _STATUS_TEXT.get(code, ("UNKNOWN", "Error."))
        super().__init__(message or default)
        self.code, self.status, self.message = code, status, message or default

    def payload(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


@dataclass
class Cell:
    value: Scalar
    formula: bool = False


@dataclass
class Tab:
    sheet_id: int
    title: str
    rows: int = DEFAULT_ROWS
    cols: int = DEFAULT_COLS
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)

    def properties(self, index: int) -> dict[str, Any]:
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.rows, "columnCount": self.cols},
        }


@dataclass
class Book:
    title: str
    tabs: list[Tab]
    next_sheet_id: int = 1

    def tab(self, title: str) -> Tab:
        for tab in self.tabs:
            if tab.title == title:
                return tab
        raise KeyError(f"no tab {title!r}")


@dataclass
class Area:
    """A resolved range: 0-based start, exclusive end (None = to the grid's edge)."""

    tab: Tab
    r0: int
    c0: int
    r1: int | None
    c1: int | None
    anchor: bool  # single cell or whole tab: a write may extend past it

    def clipped(self, text: str) -> tuple[int, int]:
        r1 = self.tab.rows if self.r1 is None else self.r1
        c1 = self.tab.cols if self.c1 is None else self.c1
        if r1 > self.tab.rows or c1 > self.tab.cols or self.r0 >= r1 or self.c0 >= c1:
            raise ApiError(400, _grid_message(text, self.tab))
        return r1, c1


# ----------------------------------------------------------------------------- A1 notation
def col_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def quote_sheet(title: str) -> str:
    """Google quotes a sheet name only when it is not a plain identifier."""
    if _PLAIN_NAME.fullmatch(title) and not _LOOKS_LIKE_REF.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def a1(tab: Tab, r0: int, c0: int, r1: int, c1: int) -> str:
    start = f"{col_letters(c0)}{r0 + 1}"
    cells = start if (r1 - r0, c1 - c0) == (1, 1) else f"{start}:{col_letters(c1 - 1)}{r1}"
    return f"{quote_sheet(tab.title)}!{cells}"


def parse_cells(ref: str) -> tuple[int, int, int | None, int | None] | None:
    """`A1`, `A1:C3`, `A:A`, `A2:Z`, `2:5` → (r0, c0, r1, c1); None if not A1 notation."""
    parts = ref.split(":")
    matches = [_CELL_REF.fullmatch(p) for p in parts]
    if len(parts) > 2 or not all(m and m.group(0) for m in matches):
        return None
    (sc, sr), (ec, er) = matches[0].groups(), matches[-1].groups()  # type: ignore[union-attr]
    if "0" in (sr[:1], er[:1]):
        return None
    r0, c0 = (int(sr) - 1 if sr else 0), (col_index(sc) if sc else 0)
    r1, c1 = (int(er) if er else None), (col_index(ec) + 1 if ec else None)
    if r1 is not None and r1 <= r0:
        r0, r1 = r1 - 1, r0 + 1
    if c1 is not None and c1 <= c0:
        c0, c1 = c1 - 1, c0 + 1
    return r0, c0, r1, c1


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """`'It''s'!A1` → ("It's", "A1"); `Tab` → (None, "Tab"): the caller decides."""
    if not text.startswith("'"):
        sheet, bang, ref = text.partition("!")
        return (sheet, ref) if bang else (None, text)
    name, i = [], 1
    while True:
        j = text.find("'", i)
        if j < 0:
            raise ApiError(400, f"Unable to parse range: {text}")
        name.append(text[i:j])
        if text[j + 1 : j + 2] != "'":
            break
        name.append("'")
        i = j + 2
    rest = text[j + 1 :]
    if rest and (not rest.startswith("!") or len(rest) == 1):
        raise ApiError(400, f"Unable to parse range: {text}")
    return "".join(name), (rest[1:] or None)


def resolve(book: Book, text: str) -> Area:
    sheet, ref = split_sheet(text)
    titles = {t.title: t for t in book.tabs}
    if sheet is None and ref in titles:
        sheet, ref = ref, None
    if sheet is None:
        tab = book.tabs[0]
    elif sheet in titles:
        tab = titles[sheet]
    else:
        raise ApiError(400, f"Unable to parse range: {text}")
    if ref is None:
        return Area(tab, 0, 0, None, None, anchor=True)
    cells = parse_cells(ref)
    if cells is None:
        raise ApiError(400, f"Unable to parse range: {text}")
    r0, c0, r1, c1 = cells
    return Area(tab, r0, c0, r1, c1, anchor=(r1 == r0 + 1 and c1 == c0 + 1))


def _grid_message(text: str, tab: Tab) -> str:
    return f"Range ({text}) exceeds grid limits. Max rows: {tab.rows}, max columns: {tab.cols}"


# ----------------------------------------------------------------------------- values
def render(cell: Cell, mode: str) -> Scalar:
    if cell.formula or mode != "FORMATTED_VALUE":
        return cell.value
    value = cell.value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_SKIP = object()  # JSON null in a write: leave the cell as it is


def parse_input(value: Any, user_entered: bool) -> Cell | object | None:
    """A written JSON value → a Cell, None (clear) or _SKIP."""
    if value is None:
        return _SKIP
    if not isinstance(value, str | int | float | bool):
        raise ApiError(400, f"Invalid value: {json.dumps(value)[:60]}")
    if isinstance(value, str) and len(value) > CELL_LIMIT:
        raise ApiError(400, CELL_LIMIT_MESSAGE)
    if value == "":
        return None
    if not user_entered or not isinstance(value, str):
        return Cell(value)
    if value.startswith("'"):
        return Cell(value[1:]) if len(value) > 1 else None
    if value.startswith("="):
        return Cell(value, formula=True)
    stripped = value.strip()
    if _NUMBER.fullmatch(stripped):
        number = float(stripped)
        return Cell(int(number) if number.is_integer() and "e" not in stripped.lower() else number)
    if stripped.upper() in ("TRUE", "FALSE"):
        return Cell(stripped.upper() == "TRUE")
    if value[0] in "+-":  # Sheets' UI reads these as formulas (#ERROR! / #NAME?)
        return Cell(value, formula=True)
    return Cell(value)


def read_area(area: Area, text: str, mode: str, dimension: str) -> dict[str, Any]:
    r1, c1 = area.clipped(text)
    rows: dict[int, dict[int, Scalar]] = {}
    for (r, c), cell in area.tab.cells.items():
        if area.r0 <= r < r1 and area.c0 <= c < c1:
            rows.setdefault(r - area.r0, {})[c - area.c0] = render(cell, mode)
    if dimension == "COLUMNS":
        cols: dict[int, dict[int, Scalar]] = {}
        for r, row in rows.items():
            for c, v in row.items():
                cols.setdefault(c, {})[r] = v
        rows = cols
    out: dict[str, Any] = {"range": a1(area.tab, area.r0, area.c0, r1, c1)}
    out["majorDimension"] = dimension
    if rows:
        out["values"] = [
            [rows[i].get(j, "") for j in range(max(rows[i]) + 1)] if i in rows else []
            for i in range(max(rows) + 1)
        ]
    return out


Write = tuple[Tab, int, int, Cell | None]


def plan_write(
    area: Area, text: str, values: list[list[Any]], user_entered: bool, dimension: str
) -> tuple[list[Write], dict[str, Any]]:
    """Validate a write and list its cell changes; nothing is applied here."""
    if dimension == "COLUMNS":
        width = max((len(v) for v in values), default=0)
        values = [[c[i] if i < len(c) else None for c in values] for i in range(width)]
    height, width = len(values), max((len(row) for row in values), default=0)
    limit_r = area.r0 + height if area.anchor or area.r1 is None else area.r1
    limit_c = area.c0 + width if area.anchor or area.c1 is None else area.c1
    if area.r0 + height > limit_r:
        raise ApiError(
            400,
            f"Requested writing within range [{text}], but tried writing to row [{limit_r + 1}]",
        )
    if area.c0 + width > limit_c:
        raise ApiError(
            400,
            f"Requested writing within range [{text}], but tried writing to "
            f"column [{col_letters(limit_c)}]",
        )
    if area.r0 + height > area.tab.rows or area.c0 + width > area.tab.cols:
        raise ApiError(400, _grid_message(text, area.tab))
    writes: list[Write] = []
    for i, row in enumerate(values):
        if not isinstance(row, list):
            raise ApiError(400, f"Invalid values[{i}]: expected a list of cells")
        for j, raw in enumerate(row):
            cell = parse_input(raw, user_entered)
            if cell is not _SKIP:
                writes.append((area.tab, area.r0 + i, area.c0 + j, cell))  # type: ignore[arg-type]
    span = (max(height, 1), max(width, 1))
    result = {
        "updatedRange": a1(area.tab, area.r0, area.c0, area.r0 + span[0], area.c0 + span[1]),
        "updatedRows": len({w[1] for w in writes}),
        "updatedColumns": len({w[2] for w in writes}),
        "updatedCells": len(writes),
    }
    return writes, result


def apply_writes(writes: list[Write]) -> None:
    for tab, r, c, cell in writes:
        if cell is None:
            tab.cells.pop((r, c), None)
        else:
            tab.cells[(r, c)] = cell


def _flag(query: dict[str, list[str]], name: str, default: str = "") -> str:
    return (query.get(name) or [default])[-1]


# ----------------------------------------------------------------------------- the emulator
class SheetsEmulator:
    """In-memory spreadsheets behind a loopback HTTP server. Use as a context manager."""

    def __init__(self, *, latency_s: float = 0.0, max_body_bytes: int | None = None) -> None:
        self.latency_s = latency_s
        self.max_body_bytes = max_body_bytes  # None: no limit (set it to test request sizes)
        self._books: dict[str, Book] = {}
        # Called (method, path) after the latency, just before a request is applied: a test
        # can act as a PM sorting or deleting rows between a sync's read and its write.
        self.before_apply: list[Any] = []
        self.retry_after: str | None = None  # sent with injected 429/5xx answers when set
        self._log: list[LoggedRequest] = []
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def start(self) -> SheetsEmulator:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.emulator = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SheetsEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("emulator not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- test-side helpers (what a human sees or does in the sheet)
    def create_spreadsheet(
        self,
        key: str,
        tabs: dict[str, list[list[Any]]] | None = None,
        *,
        title: str = "ESP Master Tracking",
        raw: bool = False,
    ) -> None:
        """A new spreadsheet; tab contents are entered as a human types them (USER_ENTERED)."""
        tabs = tabs if tabs else {"Sheet1": []}
        book = Book(title=title, tabs=[])
        for title_, rows in tabs.items():
            width = max((len(r) for r in rows), default=0)
            tab = Tab(
                book.next_sheet_id - 1,
                title_,
                max(DEFAULT_ROWS, len(rows)),
                max(DEFAULT_COLS, width),
            )
            book.next_sheet_id += 1
            book.tabs.append(tab)
            if rows:
                writes, _ = plan_write(
                    Area(tab, 0, 0, None, None, True),
                    title_,
                    [list(r) for r in rows],
                    not raw,
                    "ROWS",
                )
                apply_writes(writes)
        with self._lock:
            self._books[key] = book

    def get_values(self, key: str, tab: str) -> list[list[str]]:
        """The tab's formatted values, trimmed like the API (formula cells show their text)."""
        with self._lock:
            t = self._books[key].tab(tab)
            got = read_area(Area(t, 0, 0, None, None, True), tab, "FORMATTED_VALUE", "ROWS")
        return got.get("values", [])

    def set_cell(self, key: str, tab: str, a1_ref: str, value: Any) -> None:
        """A hand edit in the sheet's UI (USER_ENTERED: `=…` becomes a formula)."""
        with self._lock:
            area = self._cell(key, tab, a1_ref)
            writes, _ = plan_write(area, a1_ref, [[value]], True, "ROWS")
            apply_writes(writes)

    def is_formula(self, key: str, tab: str, a1_ref: str) -> bool:
        with self._lock:
            area = self._cell(key, tab, a1_ref)
            cell = area.tab.cells.get((area.r0, area.c0))
        return bool(cell and cell.formula)

    def tab_titles(self, key: str) -> list[str]:
        with self._lock:
            return [t.title for t in self._books[key].tabs]

    def grid_size(self, key: str, tab: str) -> tuple[int, int]:
        with self._lock:
            t = self._books[key].tab(tab)
            return t.rows, t.cols

    def _cell(self, key: str, tab: str, a1_ref: str) -> Area:
        cells = parse_cells(a1_ref)
        if cells is None or cells[2] != cells[0] + 1 or cells[3] != cells[1] + 1:
            raise ValueError(f"not a single cell: {a1_ref!r}")
        return Area(self._books[key].tab(tab), cells[0], cells[1], cells[2], cells[3], True)

    # -- request log and faults
    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    @property
    def writes(self) -> list[LoggedRequest]:
        """Logged requests other than GET."""
        return [r for r in self.requests if r.method != "GET"]

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def inject(self, *faults: str) -> None:
        for fault in faults:
            if not _FAULT.fullmatch(fault):
                raise ValueError(f"unknown fault {fault!r}: use NNN, drop, NNN-after-apply")
        with self._lock:
            self._faults.extend(faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _begin(self, entry: LoggedRequest) -> str | None:
        with self._lock:
            self._log.append(entry)
            return self._faults.popleft() if self._faults else None

    # -- the API
    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        m = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(.*)", path)
        if m is None:
            raise ApiError(404, f"Method not found: {method} {path}")
        key, rest = m.group(1), m.group(2)
        with self._lock:
            book = self._books.get(key)
            if book is None:
                raise ApiError(404)
            if isinstance(body, list) or (body is None and method in ("PUT",)):
                raise ApiError(400, "Invalid JSON payload received.")
            body = body or {}
            route = (method, rest)
            if route == ("GET", ""):
                return self._metadata(key, book)
            if route == ("POST", ":batchUpdate"):
                return self._structure(key, book, body)
            if route == ("GET", "/values:batchGet"):
                ranges = query.get("ranges", [])
                return {
                    "spreadsheetId": key,
                    "valueRanges": [self._get(book, r, query) for r in ranges],
                }
            if route == ("POST", "/values:batchUpdate"):
                return self._batch_update(key, book, body)
            if route == ("POST", "/values:batchClear"):
                cleared = [self._clear(book, r) for r in body.get("ranges") or []]
                return {"spreadsheetId": key, "clearedRanges": cleared}
            if rest.startswith("/values/"):
                tail = rest[len("/values/") :]
                op = next((s for s in (":append", ":clear") if tail.endswith(s)), "")
                text = unquote(tail[: len(tail) - len(op)])
                if (method, op) == ("GET", ""):
                    return self._get(book, text, query)
                if (method, op) == ("PUT", ""):
                    return self._update(key, book, text, query, body)
                if (method, op) == ("POST", ":append"):
                    return self._append(key, book, text, query, body)
                if (method, op) == ("POST", ":clear"):
                    return {"spreadsheetId": key, "clearedRange": self._clear(book, text)}
        raise ApiError(404, f"Method not found: {method} {path}")

    def _metadata(self, key: str, book: Book) -> dict[str, Any]:
        return {
            "spreadsheetId": key,
            "properties": {
                "title": book.title,
                "locale": "en_US",
                "timeZone": "America/New_York",
                "autoRecalc": "ON_CHANGE",
            },
            "sheets": [{"properties": t.properties(i)} for i, t in enumerate(book.tabs)],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{key}/edit",
        }

    def _get(self, book: Book, text: str, query: dict[str, list[str]]) -> dict[str, Any]:
        mode = _flag(query, "valueRenderOption", "FORMATTED_VALUE")
        dimension = _flag(query, "majorDimension", "ROWS")
        return read_area(resolve(book, text), text, mode, dimension)

    def _input_option(self, value: str | None) -> bool:
        if value not in ("RAW", "USER_ENTERED"):
            raise ApiError(400, f"Invalid valueInputOption: {value!r}")
        return value == "USER_ENTERED"

    def _update(
        self, key: str, book: Book, text: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> dict[str, Any]:
        user_entered = self._input_option(_flag(query, "valueInputOption") or None)
        area = resolve(book, text)
        writes, result = plan_write(
            area, text, body.get("values") or [], user_entered, body.get("majorDimension") or "ROWS"
        )
        apply_writes(writes)
        return {"spreadsheetId": key, **result}

    def _batch_update(self, key: str, book: Book, body: dict[str, Any]) -> dict[str, Any]:
        user_entered = self._input_option(body.get("valueInputOption"))
        planned, responses = [], []
        for item in body.get("data") or []:
            text = item.get("range") or ""
            writes, result = plan_write(
                resolve(book, text),
                text,
                item.get("values") or [],
                user_entered,
                item.get("majorDimension") or "ROWS",
            )
            planned.extend(writes)
            responses.append({"spreadsheetId": key, **result})
        apply_writes(planned)  # only once every range validated: the call is atomic
        return {
            "spreadsheetId": key,
            "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
            "totalUpdatedColumns": sum(r["updatedColumns"] for r in responses),
            "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
            "totalUpdatedSheets": len({w[0].sheet_id for w in planned}),
            "responses": responses,
        }

    def _append(
        self, key: str, book: Book, text: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> dict[str, Any]:
        user_entered = self._input_option(_flag(query, "valueInputOption") or None)
        area = resolve(book, text)
        tab, values = area.tab, body.get("values") or []
        c_end = area.c1 if area.c1 is not None else tab.cols
        used = [(r, c) for (r, c) in tab.cells if r >= area.r0 and area.c0 <= c < c_end]
        start = max((r for r, _ in used), default=area.r0 - 1) + 1
        width = max((len(row) for row in values), default=0)
        if _flag(query, "insertDataOption", "OVERWRITE") == "INSERT_ROWS":
            tab.rows += len(values)
        tab.rows = max(tab.rows, start + len(values))  # append grows the grid, update doesn't
        tab.cols = max(tab.cols, area.c0 + width)
        target = Area(tab, start, area.c0, None, None, anchor=True)
        writes, result = plan_write(target, text, values, user_entered, "ROWS")
        apply_writes(writes)
        out: dict[str, Any] = {"spreadsheetId": key, "updates": {"spreadsheetId": key, **result}}
        if used:
            out["tableRange"] = a1(tab, area.r0, area.c0, start, max(c for _, c in used) + 1)
        return out

    def _clear(self, book: Book, text: str) -> str:
        area = resolve(book, text)
        r1, c1 = area.clipped(text)
        for r, c in [rc for rc in area.tab.cells if area.r0 <= rc[0] < r1]:
            if area.c0 <= c < c1:
                del area.tab.cells[(r, c)]
        return a1(area.tab, area.r0, area.c0, r1, c1)

    def _structure(self, key: str, book: Book, body: dict[str, Any]) -> dict[str, Any]:
        # All-or-nothing, like the real batchUpdate. Cells are replaced, never mutated, so
        # copying each tab's dict (not the cells) is enough and stays cheap on big tabs.
        tabs = [replace(t, cells=dict(t.cells)) for t in book.tabs]
        draft = Book(book.title, tabs, book.next_sheet_id)
        replies = [
            self._one_request(draft, i, req) for i, req in enumerate(body.get("requests") or [])
        ]
        self._books[key] = draft
        return {"spreadsheetId": key, "replies": replies}

    def _one_request(self, book: Book, i: int, req: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(req, dict) or len(req) != 1:
            raise ApiError(400, f"Invalid requests[{i}]: expected exactly one kind of request")
        ((kind, args),) = req.items()
        by_id = {t.sheet_id: t for t in book.tabs}
        if kind == "addSheet":
            props = args.get("properties") or {}
            title = props.get("title") or f"Sheet{len(book.tabs) + 1}"
            if any(t.title == title for t in book.tabs):
                raise ApiError(
                    400,
                    f"Invalid requests[{i}].addSheet: A sheet with the name "
                    f'"{title}" already exists. Please enter another name.',
                )
            grid = props.get("gridProperties") or {}
            sheet_id = props.get("sheetId", book.next_sheet_id * 1000 + 7)
            if sheet_id in by_id:
                raise ApiError(400, f"Invalid requests[{i}].addSheet: sheet id {sheet_id} in use")
            book.next_sheet_id += 1
            tab = Tab(
                sheet_id,
                title,
                grid.get("rowCount", DEFAULT_ROWS),
                grid.get("columnCount", DEFAULT_COLS),
            )
            index = min(props.get("index", len(book.tabs)), len(book.tabs))
            book.tabs.insert(index, tab)
            return {"addSheet": {"properties": tab.properties(index)}}
        if kind in ("updateCells", "appendCells"):
            return self._cells_request(book, i, kind, args)
        if kind not in ("deleteSheet", "appendDimension", "updateSheetProperties"):
            raise ApiError(400, f"Invalid requests[{i}]: {kind} is not emulated")
        tab = by_id.get(args.get("sheetId", (args.get("properties") or {}).get("sheetId")))
        if tab is None:
            raise ApiError(400, f"Invalid requests[{i}].{kind}: No grid with id: {args}")
        if kind == "deleteSheet":
            if len(book.tabs) == 1:
                raise ApiError(
                    400,
                    f"Invalid requests[{i}].deleteSheet: You can't remove all "
                    "the sheets in a document.",
                )
            book.tabs.remove(tab)
        elif kind == "appendDimension":
            attr = "rows" if args.get("dimension") == "ROWS" else "cols"
            setattr(tab, attr, getattr(tab, attr) + int(args.get("length", 0)))
        else:  # updateSheetProperties
            props, fields = args["properties"], args.get("fields", "*").replace("/", ".")
            wanted = {f.strip() for f in fields.split(",")}
            grid = props.get("gridProperties") or {}

            def want(name: str) -> bool:
                return bool({"*", name, name.split(".")[0]} & wanted)

            if want("title") and "title" in props:
                tab.title = props["title"]
            if want("gridProperties.rowCount") and "rowCount" in grid:
                tab.rows = grid["rowCount"]
            if want("gridProperties.columnCount") and "columnCount" in grid:
                tab.cols = grid["columnCount"]
            tab.cells = {
                rc: v for rc, v in tab.cells.items() if rc[0] < tab.rows and rc[1] < tab.cols
            }
        return {}


    def _cells_request(
        self, book: Book, i: int, kind: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        """updateCells (at `start`) and appendCells (after the last row with data, at the
        moment it applies; grows the grid). Only fields=userEnteredValue is emulated: a
        CellData without userEnteredValue clears the cell, stringValue is literal text."""
        where = f"Invalid requests[{i}].{kind}"
        if args.get("fields") != "userEnteredValue":
            raise ApiError(400, f"{where}: only fields=userEnteredValue is emulated")
        start = args.get("start") or {}
        sheet_id = args.get("sheetId", start.get("sheetId"))
        tab = next((t for t in book.tabs if t.sheet_id == sheet_id), None)
        if tab is None:
            raise ApiError(400, f"{where}: No grid with id: {sheet_id}")
        rows = args.get("rows") or []
        if kind == "appendCells":
            r0 = max((r for (r, _) in tab.cells), default=-1) + 1
            c0 = 0
            tab.rows = max(tab.rows, r0 + len(rows))
        else:
            r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        for dr, row in enumerate(rows):
            values = row.get("values") or []
            if kind == "updateCells" and (
                r0 + dr >= tab.rows or c0 + len(values) > tab.cols
            ):
                raise ApiError(
                    400, f"{where}: Range ({tab.title}!R{r0 + dr + 1}) exceeds grid limits"
                )
            if kind == "appendCells":
                tab.cols = max(tab.cols, c0 + len(values))
            for dc, data in enumerate(values):
                entered = (data or {}).get("userEnteredValue")
                if entered is None:
                    tab.cells.pop((r0 + dr, c0 + dc), None)
                    continue
                if set(entered) != {"stringValue"}:
                    raise ApiError(400, f"{where}: only stringValue is emulated")
                text = entered["stringValue"]
                if len(text) > CELL_LIMIT:
                    raise ApiError(400, CELL_LIMIT_MESSAGE)
                if text == "":
                    tab.cells.pop((r0 + dr, c0 + dc), None)
                else:
                    tab.cells[(r0 + dr, c0 + dc)] = Cell(text)
        return {}

    # -- what a PM does in the browser, between or during syncs
    def sort_rows(self, key: str, tab: str, header: str, *, reverse: bool = False) -> None:
        """Sort the data rows (below the header row 1) by one column, as Data > Sort range."""
        with self._lock:
            t = self._books[key].tab(tab)
            col = next(c for (r, c), cell in t.cells.items() if r == 0 and cell.value == header)
            last = max((r for (r, _) in t.cells), default=0)
            rows = [{c: v for (r2, c), v in t.cells.items() if r2 == r} for r in range(1, last + 1)]
            rows.sort(key=lambda row: str(row[col].value) if col in row else "", reverse=reverse)
            t.cells = {rc: v for rc, v in t.cells.items() if rc[0] == 0}
            for r, row in enumerate(rows, start=1):
                for c, v in row.items():
                    t.cells[(r, c)] = v

    def delete_row(self, key: str, tab: str, row: int) -> None:
        """Delete a row (0-based), shifting the rows below it up."""
        with self._lock:
            t = self._books[key].tab(tab)
            t.cells = {
                (r - (r > row), c): v for (r, c), v in t.cells.items() if r != row
            }

    def insert_row(self, key: str, tab: str, row: int) -> None:
        """Insert an empty row at `row` (0-based), shifting that row and those below down."""
        with self._lock:
            t = self._books[key].tab(tab)
            t.rows += 1
            t.cells = {(r + (r >= row), c): v for (r, c), v in t.cells.items()}


class _Server(ThreadingHTTPServer):
    # Ten TLs connecting at one moment overflow Python's default backlog of 5: the kernel drops
    # a SYN and that client stalls a second before retrying. Google's front end never does.
    request_queue_size = 64
    daemon_threads = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Google's front end
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stall

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        emulator: SheetsEmulator = self.server.emulator  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = ["<invalid json>"]  # rejected by handle() as Google does
        fault = emulator._begin(LoggedRequest(method, unquote(split.path), query, body, len(raw)))
        if emulator.latency_s:
            time.sleep(emulator.latency_s)
        kind, after = (
            (fault.removesuffix("-after-apply"), fault.endswith("-after-apply"))
            if fault
            else (None, False)
        )
        if kind and not after:
            return self._fail(kind)
        for hook in list(emulator.before_apply):
            hook(method, unquote(split.path))
        try:
            limit = emulator.max_body_bytes
            if limit is not None and len(raw) > limit:
                raise ApiError(400, f"Request payload size exceeds the limit: {limit} bytes.")
            status, payload = 200, emulator.handle(method, split.path, query, body)
        except ApiError as err:
            status, payload = err.code, err.payload()
        except Exception as exc:  # an emulator gap: fail loudly, not as a retryable 5xx
            status, payload = 400, ApiError(400, f"emulator cannot handle this: {exc!r}").payload()
        if kind:
            return self._fail(kind)
        self._send(status, payload)

    def _fail(self, kind: str) -> None:
        if kind == "drop":
            self.close_connection = True  # no status line at all: the client sees a reset
            return
        emulator: SheetsEmulator = self.server.emulator  # type: ignore[attr-defined]
        headers = {"Retry-After": emulator.retry_after} if emulator.retry_after else {}
        self._send(int(kind), ApiError(int(kind)).payload(), headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its time bound): nothing to do


@contextmanager
def running_emulator(
    *, latency_s: float = 0.0, max_body_bytes: int | None = None
) -> Iterator[SheetsEmulator]:
    """`with running_emulator() as emu:` — started on a free port, stopped afterwards."""
    emulator = SheetsEmulator(latency_s=latency_s, max_body_bytes=max_body_bytes).start()
    try:
        yield emulator
    finally:
        emulator.stop()
