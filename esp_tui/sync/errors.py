"""Every error a sync, `sheet init` or `auth check` can meet, as ONE line a TL can act on.

The one place these words live: services/sync.failed calls `describe` for every sheet action
(the Close screen's sync, `esp-tui sync`, `sheet init`, `auth check`), and both the screen and
the CLI show the SyncFailed it returns. Each error is also classed:

- bad input (exit 2): our own data or config is wrong and nothing was sent — a cell over
  Google's limit, no or a malformed spreadsheet key, a malformed ESP_TUI_SHEETS_ENDPOINT;
- failure (exit 1): the sheet, Google, the network or the local database failed — access
  refused, spreadsheet or tab gone, quota, Google down, connection dropped, DB busy.

Secrets are never part of a message: Google's own error text is only quoted for API errors
(it names the request, never the credentials), google-auth errors are named by kind.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass

from esp_tui.domain.limits import SHEETS_CELL_LIMIT

EXIT_FAIL = 1
EXIT_BAD_INPUT = 2
_DETAIL_MAX = 200  # characters of Google's own message quoted in a line
SHEET_INIT = "`esp-tui sheet init`"
CHECK_KEY = "check [sheet] spreadsheet in the config (or $ESP_TUI_SPREADSHEET)"


@dataclass(frozen=True)
class Described:
    message: str  # one line, no secret
    bad_input: bool  # True: our input was wrong, nothing was sent; False: something failed

    @property
    def exit_code(self) -> int:
        return EXIT_BAD_INPUT if self.bad_input else EXIT_FAIL


def one_line(text: str, limit: int | None = None) -> str:
    """Newlines and runs of spaces folded (a message is one line), optionally shortened."""
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def describe(
    exc: BaseException, *, identity: str | None = None, spreadsheet: str | None = None
) -> Described:
    """The one-line message and class of any exception met while reaching the sheet.

    `identity` (as `esp-tui auth check` prints it) and `spreadsheet` (the key) make the
    access and not-found messages precise; both are optional.
    """
    from storage.db import StorageError

    # Only once the sync code is loaded can an error be a sheet error: describing a plain
    # RuntimeError in the app must not pay for importing gspread and google-auth.
    if "esp_tui.sync.transport" in sys.modules:
        sheets = _describe_sheets(exc, identity, spreadsheet)
        if sheets is not None:
            return sheets
    if isinstance(exc, StorageError):  # includes DatabaseBusy: "another esp-tui is writing…"
        return Described(one_line(str(exc)), False)
    if isinstance(exc, sqlite3.Error):
        if "locked" in str(exc) or "busy" in str(exc):
            return Described(
                "the local database is busy: another esp-tui is writing it; retry in a moment",
                False,
            )
        return Described(one_line(f"the local database failed: {exc}", 300), False)
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return Described(one_line(f"{where}{exc.strerror}", 300), False)
    text = one_line(str(exc), _DETAIL_MAX)
    return Described(
        f"unexpected error: {type(exc).__name__}" + (f": {text}" if text else ""), False
    )


def _describe_sheets(
    exc: BaseException, identity: str | None, spreadsheet: str | None
) -> Described | None:
    import gspread
    import requests
    from google.auth import exceptions as gauth

    from esp_tui.sync.engine import SheetNotFound
    from esp_tui.sync.layout import LayoutError
    from esp_tui.sync.limits import CellsOverLimit
    from esp_tui.sync.transport import (
        SheetsAuthError,
        SheetsError,
        SheetsUnavailable,
        SyncTimeLimit,
    )

    if isinstance(exc, CellsOverLimit):
        return Described(str(exc), True)
    if isinstance(exc, SheetNotFound):
        return Described(_not_found(exc.key or spreadsheet), False)
    if isinstance(exc, SheetsUnavailable):
        line = _unavailable(exc.what, exc.attempts, exc.status, exc.last)
        return Described(line + (_shared(identity) if exc.status == 429 else ""), False)
    if isinstance(exc, SyncTimeLimit):
        return Described(
            one_line(
                f"the sync took longer than its time limit ([sheet] sync_timeout_s): {exc}; "
                f"Google Sheets is slow or unreachable, try again in a few minutes; "
                f"{NOTHING_RECORDED}"
            ),
            False,
        )
    if isinstance(exc, SheetsAuthError):
        if exc.status in (401, 403):
            return Described(_no_access(exc.what, exc.status, identity), False)
        return Described(one_line(str(exc)), False)
    if isinstance(exc, SheetsError):  # SheetNotConfigured, SheetsEndpointError: ValueErrors
        return Described(one_line(str(exc)), isinstance(exc, ValueError))
    if isinstance(exc, LayoutError):
        return Described(one_line(str(exc)), False)
    if isinstance(exc, PermissionError) and isinstance(exc.__cause__, gspread.exceptions.APIError):
        exc = exc.__cause__  # gspread's open_by_key turns a 403 into PermissionError
    if isinstance(exc, gspread.exceptions.APIError):
        return Described(_api_error(exc, identity, spreadsheet), False)
    if isinstance(exc, gauth.InvalidOperation):  # anonymous credentials asked to refresh
        return Described(
            "Google wants credentials (HTTP 401) but none are configured: set "
            "GOOGLE_APPLICATION_CREDENTIALS or [sheet] service_account_file, or sign in with "
            "OAuth ([sheet] oauth_client_file)",
            False,
        )
    if isinstance(exc, gauth.RefreshError):
        return Described(
            f"Google refused to issue an access token ({type(exc).__name__}): check the "
            "service-account key, or sign in again with `esp-tui auth login`",
            False,
        )
    if isinstance(exc, gauth.TransportError):
        return Described(_network("could not reach Google to sign in"), False)
    if isinstance(exc, gauth.GoogleAuthError):  # DefaultCredentialsError, MalformedError, …
        return Described(
            f"Google sign-in failed ({type(exc).__name__}): check the credentials file, or "
            "sign in again with `esp-tui auth login`",
            False,
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return Described(_network("Google Sheets did not answer in time"), False)
    if isinstance(
        exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError
    ):
        return Described(
            _network("could not reach Google Sheets (connection dropped or refused)"), False
        )
    if isinstance(exc, requests.exceptions.RequestException):
        return Described(
            _network(f"network error talking to Google Sheets ({type(exc).__name__})"), False
        )
    return None


# ----------------------------------------------------------------------------- the words
NOTHING_RECORDED = "nothing was recorded"
# A split write (over 2 MB) failing in a later batch: the batches before it are in the sheet
# (not recorded locally: the rerun finds them there and sends only the rest).
PART_RECORDED = "the batches before it are in the sheet; a rerun sends the rest"


def _network(what: str, tail: str = NOTHING_RECORDED) -> str:
    return f"{what}: check the network connection and try again; {tail}"


def _who(identity: str | None) -> str:
    if not identity:
        return "the Google identity esp-tui uses (`esp-tui auth check` names it)"
    if identity.startswith("service account "):
        return identity.removeprefix("service account ")
    if identity.startswith("OAuth user"):
        return "the Google account you signed in with (`esp-tui auth check`)"
    return identity


def _no_access(what: str, status: int | None, identity: str | None) -> str:
    step = f"{what}: " if what else ""
    return (
        f"{step}no access to the spreadsheet (HTTP {status}): share it with {_who(identity)} "
        "as an editor, then sync again"
    )


def _not_found(key: str | None) -> str:
    name = f"spreadsheet {key!r}" if key else "the spreadsheet"
    return (
        f"{name} was not found (HTTP 404): {CHECK_KEY}; if it was emptied or a tab was "
        f"deleted, run {SHEET_INIT}"
    )


def _quota(prefix: str) -> str:
    return (
        f"{prefix}Google's request quota is used up (HTTP 429): wait a minute and sync again; "
        "each TL should sign in as themselves, not share one identity"
    )


def _shared(identity: str | None) -> str:
    """Google counts quota per identity: a service account shared by every TL is ONE user
    (60 requests a minute), so about 20 TL closes a minute through it meet 429s."""
    if identity and identity.startswith("service account "):
        who = identity.removeprefix("service account ")
        return (
            f" (the service account {who} is one Google user for every TL who shares it: "
            "Google allows it 60 requests a minute; sign in as yourself with [sheet] "
            "oauth_client_file, see the README)"
        )
    return ""


def _server(prefix: str, status: int, tail: str = NOTHING_RECORDED) -> str:
    return (
        f"{prefix}Google Sheets is having trouble (HTTP {status}): try again in a few minutes; "
        f"{tail}"
    )


def _unavailable(what: str, attempts: int, status: int | None, last: str) -> str:
    tries = f"{what or 'the request'} failed after {attempts} attempt(s): "
    later_batch = "(batch " in what and "(batch 1 of" not in what
    tail = PART_RECORDED if later_batch else NOTHING_RECORDED
    if status == 429:
        return _quota(tries) + (f"; {tail}" if later_batch else "")
    if status is not None:
        return _server(tries, status, tail)
    return _network(f"{tries}{last or 'connection dropped'}", tail)


def _api_error(err: object, identity: str | None, spreadsheet: str | None) -> str:
    response = getattr(err, "response", None)
    status = int(getattr(response, "status_code", 0) or 0)
    error = getattr(err, "error", None) or {}
    detail = one_line(str(error.get("message", "")) if isinstance(error, dict) else "", _DETAIL_MAX)
    if status in (401, 403):
        return _no_access("", status, identity)
    if status == 404:
        return _not_found(spreadsheet)
    if status == 429:
        return _quota("") + _shared(identity)
    if status >= 500:
        return _server("", status)
    if status == 400:
        return _bad_request(detail)
    return f"Google Sheets refused the request (HTTP {status}): {detail or 'no detail'}"


def _bad_request(detail: str) -> str:
    low = detail.lower()
    if "characters in a single cell" in low:
        return (
            f"Google refused the write (HTTP 400): a cell is over its limit of "
            f"{SHEETS_CELL_LIMIT:,} characters; run `esp-tui sync --dry-run` to see which, "
            "shorten it and sync again"
        )
    if "payload size exceeds" in low or "request too large" in low:
        return (
            f"Google refused the write (HTTP 400): the request is too large ({detail}); "
            "nothing was written"
        )
    if "unable to parse range" in low:
        return (
            f"Google could not find a range (HTTP 400: {detail}): a tab may have been renamed "
            f"or deleted; run {SHEET_INIT} and sync again"
        )
    if "exceeds grid limits" in low:
        return f"the sheet changed size during the sync (HTTP 400: {detail}): sync again"
    return f"Google refused the request (HTTP 400): {detail or 'no detail'}"
