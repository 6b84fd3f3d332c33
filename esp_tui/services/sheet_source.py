"""Read one tab of a Google Sheet given by its URL (a Meet report attached to the Calendar
event, a class roster kept in a Sheet): the same gspread client, spreadsheets scope, identity
and ESP_TUI_SHEETS_ENDPOINT override as sync (esp_tui/sync). Two requests: open, read."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from esp_tui.config import Config

# Also matches a URL that went through pathlib.Path ("https:/docs…": one slash fewer).
_URL: Final = re.compile(r"^\s*https?:/{1,2}docs\.google\.com/spreadsheets/(?:u/\d+/)?d/([\w-]+)")
_GID: Final = re.compile(r"[#?&]gid=(\d+)")


class SheetReadError(Exception):
    """One line; `exit_code` 2 when our input was wrong (no such tab), else 1."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class SheetValues:
    source: str  # for messages: "Google Sheet KEY, tab 'Roster'"
    values: list[list[str]]


def sheet_url(text: str) -> tuple[str, int | None] | None:
    """(spreadsheet key, gid or None) when `text` is a Google Sheets URL, else None."""
    m = _URL.match(text)
    if m is None:
        return None
    gid = _GID.search(text)
    return m.group(1), int(gid.group(1)) if gid else None


def is_sheet_url(text: str) -> bool:
    return sheet_url(text) is not None


def _pick_tab(tabs: Sequence[Mapping[str, object]], tab: str | None, gid: int | None) -> str:
    """--tab NAME (exact, else ignoring case), else the URL's #gid=, else the first tab."""
    titles = [str(t.get("title", "")) for t in tabs]
    if tab is not None:
        if tab in titles:
            return tab
        folded = [t for t in titles if t.strip().casefold() == tab.strip().casefold()]
        if len(folded) == 1:
            return folded[0]
        raise SheetReadError(f"--tab {tab!r}: no such tab (tabs: {', '.join(titles)})")
    if gid is not None:
        for t in tabs:
            if t.get("sheetId") == gid:
                return str(t.get("title", ""))
    if not titles:
        raise SheetReadError("the spreadsheet has no tabs")
    return titles[0]


def read_source(
    source: Path | str,
    config: Config | None,
    env: Mapping[str, str] | None,
    *,
    tab: str | None,
    interactive: bool,
    error: type[Exception],
) -> SheetValues | bytes:
    """What an import reads: a Google Sheet tab's values when `source` is a Sheets URL (with
    sync's identity; SheetReadError when it cannot be reached), else the file's bytes. The
    refusals are one line of the caller's own `error` type."""
    if is_sheet_url(str(source)):
        if config is None:
            raise error(f"{source}: a Google Sheet URL: no config to reach it with")
        env = os.environ if env is None else env
        return read_sheet(config, env, str(source), tab=tab, interactive=interactive)
    if tab is not None:
        raise error(f"--tab {tab!r}: only for a Google Sheet URL, not a file")
    try:
        return Path(source).read_bytes()
    except OSError as e:
        raise error(f"{source}: cannot read the file: {e.strerror}") from None


def read_sheet(
    config: Config,
    env: Mapping[str, str],
    url: str,
    *,
    tab: str | None = None,
    interactive: bool = False,
) -> SheetValues:
    """Every value of one tab, as shown in the sheet (FORMATTED_VALUE). Raises SheetReadError."""
    from esp_tui.sync.errors import describe
    from esp_tui.sync.layout import quote_tab
    from esp_tui.sync.target import Target, connect, open_book, retry

    parsed = sheet_url(url)
    if parsed is None:
        raise SheetReadError(f"{url}: not a Google Sheets URL")
    key, gid = parsed
    target: Target | None = None
    try:
        target = connect(config, env, interactive=interactive, key=key)  # sync's identity
        book = open_book(target)
        props = [s.get("properties", {}) for s in book.metadata.get("sheets", [])]
        title = _pick_tab(props, tab, gid)
        shown = {"valueRenderOption": "FORMATTED_VALUE"}  # as the sheet shows it
        got = retry(
            target, lambda: book.values_get(quote_tab(title), params=dict(shown)), "reading the tab"
        )
    except SheetReadError:
        raise
    except Exception as err:  # access, not found, quota, network: sync's one line
        said = describe(
            err,
            identity=target.identity if target else None,
            spreadsheet=key,
        )
        raise SheetReadError(said.message, said.exit_code) from err
    values = [[str(c) for c in row] for row in got.get("values", [])]
    return SheetValues(f"Google Sheet {key}, tab '{title}'", values)
