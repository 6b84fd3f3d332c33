"""The spreadsheet end of a sync: where and as whom (Target), opening the book in one request,
reading every tab in one batchGet, and sending one batchUpdate."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import gspread

from esp_tui.config import SPREADSHEET_ENV, Config
from esp_tui.sync.auth import key_file_warning, load_credentials
from esp_tui.sync.layout import LayoutError, TabGrid, TabLayout, quote_tab, read_tab
from esp_tui.sync.requests import MAX_BATCH_BYTES, Batch
from esp_tui.sync.transport import (
    SheetsError,
    make_client,
    resolve_endpoint,
    session_of,
    with_retry,
)

T = TypeVar("T")

_KEY = re.compile(r"[A-Za-z0-9_-]{10,}")
_URL_KEY = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


class SheetNotConfigured(SheetsError, ValueError):
    """No spreadsheet key/URL in config or the environment, or one that is not a key."""


class SheetNotFound(SheetsError):
    """Google answered 404 for the spreadsheet key: a wrong key, or the spreadsheet is gone."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


def spreadsheet_key(value: str) -> str:
    """A spreadsheet key from a key or a docs.google.com URL."""
    value = value.strip()
    m = _URL_KEY.search(value)
    if m:
        return m.group(1)
    if _KEY.fullmatch(value):
        return value
    raise SheetNotConfigured(
        f"[sheet] spreadsheet / ${SPREADSHEET_ENV}: {value!r} is not a spreadsheet key or URL"
    )


def configured_key(config: Config, env: Mapping[str, str]) -> str:
    value = env.get(SPREADSHEET_ENV, "").strip() or config.sheet.spreadsheet.strip()
    if not value:
        raise SheetNotConfigured(
            f"no spreadsheet: set [sheet] spreadsheet in the config or ${SPREADSHEET_ENV}"
        )
    return spreadsheet_key(value)


def default_token_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("esp-tui", appauthor=False) / "google-token.json"


@dataclass
class Target:
    """Where and as whom: a gspread client over an EndpointSession, and the spreadsheet key."""

    client: gspread.Client
    key: str
    identity: str
    max_retries: int = 5
    sleep: Callable[[float], None] = time.sleep
    max_batch_bytes: int = MAX_BATCH_BYTES  # a bigger write goes in several batches
    warnings: list[str] = field(default_factory=list)
    deadline: float | None = None  # time.monotonic() by which the whole sync must be over

    def start_clock(self, seconds: float | None) -> None:
        """Bound everything from now on (requests, retries, waits) to `seconds` in all."""
        self.deadline = None if not seconds else time.monotonic() + seconds
        session_of(self.client).deadline = self.deadline

    @property
    def requests(self) -> int:
        return session_of(self.client).request_count


def connect(
    config: Config, env: Mapping[str, str], *, interactive: bool = False, key: str | None = None
) -> Target:
    """Resolve the spreadsheet (the tracker's, or `key`: a sheet read by an import), the
    endpoint and the credentials (no request sent yet)."""
    key = key if key is not None else configured_key(config, env)
    endpoint = resolve_endpoint(env)
    creds, identity = load_credentials(
        env=env,
        service_account_file=config.sheet.service_account_file,
        oauth_client_file=config.sheet.oauth_client_file,
        token_path=default_token_path(),
        endpoint=endpoint,
        interactive=interactive,
    )
    key_file = config.sheet.service_account_file or env.get("GOOGLE_APPLICATION_CREDENTIALS", "")
    warning = key_file_warning(key_file) if key_file else None
    return Target(
        make_client(creds, endpoint),
        key,
        identity,
        max_retries=config.sheet.max_retries,
        warnings=[warning] if warning else [],
    )


# ----------------------------------------------------------------------------- requests
class Book(gspread.Spreadsheet):
    """A Spreadsheet that keeps the metadata its constructor fetches (tabs, grid sizes), so
    opening costs one request and nothing more is needed to know the tabs."""

    metadata: Mapping[str, Any]

    def fetch_sheet_metadata(self, params: Any = None) -> Mapping[str, Any]:
        self.metadata = super().fetch_sheet_metadata(params)
        return self.metadata

    def tabs(self) -> dict[str, dict[str, Any]]:
        return {s["properties"]["title"]: s["properties"] for s in self.metadata.get("sheets", [])}


def open_book(target: Target) -> Book:
    def attempt() -> Book:
        try:
            return Book(target.client.http_client, {"id": target.key})
        except gspread.exceptions.APIError as err:
            if err.response.status_code == 404:
                raise SheetNotFound(
                    f"spreadsheet {target.key!r} not found (or not shared with {target.identity})",
                    key=target.key,
                ) from err
            raise

    return retry(target, attempt, "opening the spreadsheet")


def retry(target: Target, fn: Callable[[], T], what: str, *, write: bool = False) -> T:
    return with_retry(
        fn, max_retries=target.max_retries, sleep=target.sleep, what=what, write=write,
        deadline=target.deadline,
    )  # fmt: skip


def grid_size(props: Mapping[str, Any]) -> tuple[int, int]:
    grid = props.get("gridProperties") or {}
    return int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0))


def read_grids(
    target: Target, book: Book, tabs: list[TabLayout], scope: str = ""
) -> dict[str, TabGrid]:
    """ONE values.batchGet of the whole of every tab (formulas as typed, so never mistaken)."""
    existing = book.tabs()
    for tab in tabs:
        if tab.title not in existing:
            raise LayoutError(
                f"sheet tab {tab.title!r} is missing; run `esp-tui sheet init` to create it"
            )

    def attempt() -> Any:  # params built fresh: gspread adds "ranges" to the dict it is given
        return book.values_batch_get(
            [quote_tab(t.title) for t in tabs], params={"valueRenderOption": "FORMULA"}
        )

    got = retry(target, attempt, "reading the sheet")
    grids: dict[str, TabGrid] = {}
    for tab, vr in zip(tabs, got.get("valueRanges", []), strict=True):
        rows, cols = grid_size(existing[tab.title])
        grids[tab.title] = read_tab(tab, vr.get("values", []), rows, cols, scope)
    return grids


def send(target: Target, book: Book, batch: Batch, what: str) -> None:
    """One spreadsheets.batchUpdate (atomic). Only a 429 is retried here: any other failure
    leaves the outcome unknown, and write.py re-reads before deciding what to send."""
    retry(target, lambda: book.batch_update(batch.body()), what, write=True)


def sheet_ids(book: Book) -> dict[str, int]:
    return {title: int(props["sheetId"]) for title, props in book.tabs().items()}


def check_identity(target: Target) -> tuple[str, str]:
    """(identity, title) after opening the spreadsheet: `esp-tui auth check`."""
    book = open_book(target)
    return target.identity, str(book.metadata.get("properties", {}).get("title", ""))
