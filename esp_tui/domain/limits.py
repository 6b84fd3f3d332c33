"""Google Sheets' limits that user text runs into, checked where the text is typed.

A cell holds at most 50,000 characters: Google refuses the whole write otherwise (HTTP 400
"Your input contains more than the maximum of 50000 characters in a single cell"), and a sync
is one atomic batch, so one long note would keep the whole day out of the sheet. Text that
becomes a cell on its own (a note, a red flag's details, a ticket field) is refused when it is
typed; the sync checks every cell again before sending (esp_tui/sync/limits.py).
"""

from __future__ import annotations

SHEETS_CELL_LIMIT = 50_000  # characters per cell


def cell_text_problem(text: str, what: str) -> str | None:
    """None when `text` fits one Google Sheets cell, else a one-line message naming `what`."""
    n = len(text)
    if n <= SHEETS_CELL_LIMIT:
        return None
    return (
        f"{what} is {n:,} characters; a Google Sheets cell holds at most "
        f"{SHEETS_CELL_LIMIT:,}: shorten it by {n - SHEETS_CELL_LIMIT:,}"
    )
