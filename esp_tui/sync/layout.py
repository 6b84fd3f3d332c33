"""The ESP Master Tracking sheet's layout (from config [sheet]) and how a read tab maps onto it.

Columns are found by header text and rows by the key column (Agent ID, Ticket ID, Flag ID), so
the TL's sheet may reorder columns and hold other rows and columns we never touch. Pure: no
gspread here; the engine feeds in the values it read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from esp_tui.config import Config
from esp_tui.domain.forms import FORMS, form_spec

TICKET_KEY = "Ticket ID"
FLAG_KEY = "Flag ID"
HEADER_SEARCH_ROWS = 10  # a title row or two above the headers is common in shared sheets
SCOPE_SEP = "\u241f"  # between the scope (cohort) and the key in a scoped row's identity
SUBMITTED = "Submitted"  # every form tab: when the ticket was submitted
RED_FLAG_HEADERS = (
    FLAG_KEY,
    "Agent ID",
    "Name",
    "Kind",
    "Details",
    "Raised",
    "PM notified",
    "Resolved",
)


class LayoutError(ValueError):
    """The sheet does not match the layout (a missing tab or header); one line naming it."""


@dataclass(frozen=True)
class TabLayout:
    title: str
    key_header: str
    headers: tuple[str, ...]  # in init order
    # form tabs: field key -> header (tickets store fields by key)
    field_headers: tuple[tuple[str, str], ...] = ()
    # the tracker: rows are keyed by (this column, key_header), e.g. (Cohort, Agent ID)
    scope_header: str | None = None


@dataclass(frozen=True)
class SheetLayout:
    tracker: TabLayout
    forms: dict[str, TabLayout]
    red_flags: TabLayout

    def tabs(self) -> list[TabLayout]:
        return [self.tracker, *self.forms.values(), self.red_flags]


def attendance_header(config: Config, day: int) -> str:
    return config.sheet.headers.attendance.format(day=day)


def note_header(config: Config, day: int) -> str:
    return config.sheet.headers.note.format(day=day)


def task_header(config: Config, label: str) -> str:
    return config.sheet.headers.task.format(task=label)


def tracker_layout(config: Config, days: int) -> TabLayout:
    h = config.sheet.headers
    headers = [h.cohort, h.agent_id, h.name, h.email, h.tl]
    headers += [attendance_header(config, d) for d in range(1, days + 1)]
    headers += [task_header(config, t.label) for t in config.tasks]
    headers += [h.caps, h.red_flags]
    headers += [note_header(config, d) for d in range(1, days + 1)]  # far right, per runbook
    return TabLayout(
        config.sheet.tracker_tab, h.agent_id, _unique(headers, "tracker"), scope_header=h.cohort
    )


def form_layout(config: Config, form: str) -> TabLayout:
    """A form's tab: the fixed columns, then its spec's typed and computed fields."""
    pairs = form_spec(form).columns()
    h = config.sheet.headers
    headers = [TICKET_KEY, h.cohort, h.agent_id, h.name, SUBMITTED]
    headers += [label for _, label in pairs]
    title = config.sheet.form_tabs[form]
    return TabLayout(title, TICKET_KEY, _unique(headers, title), tuple(pairs))


def sheet_layout(config: Config, days: int) -> SheetLayout:
    tabs = [config.sheet.tracker_tab, config.sheet.red_flags_tab]
    tabs += [config.sheet.form_tabs[f] for f in FORMS]
    if len(set(tabs)) != len(tabs):
        raise LayoutError(f"config [sheet]: two kinds of rows share one tab name: {tabs}")
    h = config.sheet.headers
    red = (RED_FLAG_HEADERS[0], h.cohort, h.agent_id, *RED_FLAG_HEADERS[2:])
    return SheetLayout(
        tracker=tracker_layout(config, days),
        forms={f: form_layout(config, f) for f in FORMS},
        # flag ids are per database: scoped by cohort like the tracker, so two weeks' flag 1
        # of a holdover are two rows
        red_flags=TabLayout(config.sheet.red_flags_tab, FLAG_KEY, red, scope_header=h.cohort),
    )


def _unique(headers: Sequence[str], where: str) -> tuple[str, ...]:
    seen: set[str] = set()
    for h in headers:
        if norm(h) in seen:
            raise LayoutError(f"config [sheet] {where}: header {h!r} appears twice")
        seen.add(norm(h))
    return tuple(headers)


# ----------------------------------------------------------------------------- reading a tab
def norm(header: str) -> str:
    """Headers match ignoring case and surrounding/duplicate spaces (hand-typed sheets)."""
    return " ".join(header.split()).casefold()


def row_key_norm(key: str) -> str:
    """Row keys (Agent ID, Ticket ID…) match ignoring case and spaces: a PM who retypes
    `D1001` as `d1001 ` must not get the agent a second row."""
    return "".join(str(key).split()).casefold()


def cell_text(value: Any) -> str:
    """A read cell as text: numbers without a spurious .0, booleans as Sheets shows them."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


@dataclass
class TabGrid:
    """A tab as read: where each header and each row key is (0-based rows/columns)."""

    title: str
    header_row: int
    columns: dict[str, int]  # layout header -> column
    rows: dict[str, int]  # row_key_norm(key) -> row (first occurrence)
    values: list[list[str]]
    last_used_row: int  # -1 when the tab is empty
    grid_rows: int
    grid_cols: int
    duplicate_keys: list[str] = field(default_factory=list)  # normalised keys on 2+ rows
    key_col: int = 0
    scope_col: int | None = None  # the Cohort column of a scoped tab (the tracker)
    scope: str = ""  # the cohort this read is for: `rows` holds only its rows
    # every keyed row of the tab, whoever's: row_key_norm(key_at(row)) -> row (first one)
    all_rows: dict[str, int] = field(default_factory=dict)

    def get(self, row: int, col: int) -> str:
        if row < len(self.values) and col < len(self.values[row]):
            return self.values[row][col]
        return ""

    def key_at(self, row: int) -> str:
        """The row's identity as the sheet spells it ("" past the data): the key cell, and on
        a scoped tab the scope cell too ("Nov 16␟D1001"), so a verify read can tell week 1's
        row of a holdover from week 2's."""
        key = self.get(row, self.key_col).strip()
        if self.scope_col is None:
            return key
        return f"{self.get(row, self.scope_col).strip()}{SCOPE_SEP}{key}" if key else ""

    def expected_key(self, row_key: str) -> str:
        """What key_at must show for our row `row_key` once our write landed."""
        return row_key if self.scope_col is None else f"{self.scope}{SCOPE_SEP}{row_key}"


def read_tab(
    layout: TabLayout,
    values: Sequence[Sequence[Any]],
    grid_rows: int,
    grid_cols: int,
    scope: str = "",
) -> TabGrid:
    """Map a tab's values onto its layout; LayoutError names the first missing header.

    On a scoped tab (the tracker: rows keyed by Cohort + Agent ID) `rows` holds only the rows
    of cohort `scope`; rows of other cohorts are never ours to touch. A row with an empty Cohort
    cell (written before the tracker had the column) is adopted by the first cohort that syncs
    its Agent ID, unless that cohort already has a row for it."""
    rows = [[cell_text(v) for v in row] for row in values]
    key = norm(layout.key_header)
    header_row = next(
        (i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if key in map(norm, row)), None
    )
    if header_row is None:
        raise LayoutError(
            f"sheet tab {layout.title!r}: header {layout.key_header!r} not found in the first "
            f"{HEADER_SEARCH_ROWS} rows; run `esp-tui sheet init`"
        )
    found: dict[str, int] = {}
    for col, text in enumerate(rows[header_row]):
        found.setdefault(norm(text), col)
    columns: dict[str, int] = {}
    for header in layout.headers:
        if norm(header) not in found:
            raise LayoutError(
                f"sheet tab {layout.title!r}: header {header!r} is missing; add the column or "
                "run `esp-tui sheet init`"
            )
        columns[header] = found[norm(header)]
    key_col = columns[layout.key_header]
    scope_col = columns[layout.scope_header] if layout.scope_header else None
    mine = row_key_norm(scope)
    by_key: dict[str, int] = {}
    orphans: dict[str, list[int]] = {}  # no Cohort yet: adoptable
    dupes: list[str] = []
    every: dict[str, int] = {}
    for r in range(header_row + 1, len(rows)):
        k = row_key_norm(rows[r][key_col]) if key_col < len(rows[r]) else ""
        if not k:
            continue
        owner = ""
        if scope_col is not None:
            owner = row_key_norm(rows[r][scope_col]) if scope_col < len(rows[r]) else ""
            every.setdefault(f"{owner}{SCOPE_SEP}{k}", r)
            if owner != mine:
                if not owner:
                    orphans.setdefault(k, []).append(r)
                continue
        else:
            every.setdefault(k, r)
        if k in by_key:
            if k not in dupes:
                dupes.append(k)
        else:
            by_key[k] = r
    for k, where in orphans.items():
        if k in by_key:
            continue  # this cohort already has its row: the orphan is not ours
        if len(where) > 1 and k not in dupes:
            dupes.append(k)
        by_key[k] = where[0]
    last = max((i for i, row in enumerate(rows) if any(v != "" for v in row)), default=-1)
    return TabGrid(
        layout.title, header_row, columns, by_key, rows, last, grid_rows, grid_cols, dupes,
        key_col, scope_col, scope, every,
    )  # fmt: skip


# ----------------------------------------------------------------------------- A1 notation
def col_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def quote_tab(title: str) -> str:
    """Always quoted: Google accepts it for every name, and 'A1'-like tab names need it."""
    return "'" + title.replace("'", "''") + "'"


def a1_range(title: str, r0: int, c0: int, r1: int, c1: int) -> str:
    """Inclusive 0-based corners → `'Tab'!B3:D7`."""
    start = f"{col_letters(c0)}{r0 + 1}"
    end = f"{col_letters(c1)}{r1 + 1}"
    return f"{quote_tab(title)}!{start}" + ("" if (r0, c0) == (r1, c1) else f":{end}")
