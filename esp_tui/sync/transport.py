"""gspread HTTP plumbing: endpoint rewrite, request counting and a bounded retry.

gspread 6.2 copies its URL constants (``https://sheets.googleapis.com/v4/...``) at import, so
pointing it at an emulator is done by the requests session it is given
(``gspread.Client(auth=None, session=...)``), never by patching module globals. Its own
``BackOffHTTPClient`` has no attempt bound and does not retry dropped connections, hence
``with_retry`` here.
"""

from __future__ import annotations

import ipaddress
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import gspread
import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import InvalidOperation, RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession

T = TypeVar("T")

SHEETS_API_ROOT = "https://sheets.googleapis.com"
ENDPOINT_ENV = "ESP_TUI_SHEETS_ENDPOINT"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
AUTH_STATUSES = frozenset({401, 403})
DEFAULT_TIMEOUT_S = 120.0  # google-auth's own default for AuthorizedSession.request
CLIENT_TIMEOUT_S = (10.0, 120.0)  # (connect, read): gspread alone would wait forever
_DROPPED = (
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.Timeout,
    TransportError,  # google-auth's wrapper for the same, raised during a token refresh
)


class SheetsError(Exception):
    """Base of the errors sync reports to the TL as one line."""


class SheetsUnavailable(SheetsError):
    """The Sheets API kept failing (429 / 5xx / dropped connections) past the retry bound.

    `what` is the step ("writing to the sheet"), `attempts` how many were made, `status` the
    last HTTP status (None: the connection dropped or timed out), for sync/errors.describe."""

    def __init__(
        self,
        message: str,
        *,
        what: str = "",
        attempts: int = 0,
        status: int | None = None,
        last: str = "",
    ) -> None:
        super().__init__(message)
        self.what, self.attempts, self.status, self.last = what, attempts, status, last


class WriteOutcomeUnknown(SheetsError):
    """A write failed in a way that says nothing about whether Google applied it (5xx, a
    dropped connection, a timeout). Never resent as is: the engine re-reads and re-plans."""


class SyncTimeLimit(SheetsError):
    """The whole sync's time bound ([sheet] sync_timeout_s) ran out."""


class SheetsAuthError(SheetsError):
    """The identity was refused, or credentials are missing or unusable.

    `status` is 401/403 when Google refused the identity (None: no usable credentials)."""

    def __init__(self, message: str, *, what: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.what, self.status = what, status


class SheetsEndpointError(SheetsError, ValueError):
    """A malformed ESP_TUI_SHEETS_ENDPOINT."""


def is_loopback(endpoint: str) -> bool:
    host = urlsplit(endpoint).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_endpoint(env: Mapping[str, str]) -> str | None:
    """The emulator base URL from ESP_TUI_SHEETS_ENDPOINT, without a trailing slash."""
    value = env.get(ENDPOINT_ENV, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise SheetsEndpointError(
            f"{ENDPOINT_ENV}={value!r} is not a base URL like http://127.0.0.1:8765"
        )
    return value.rstrip("/")


class EndpointSession(AuthorizedSession):
    """An AuthorizedSession that sends Sheets API calls to ``endpoint`` and counts requests.

    ``request_count`` counts every HTTP request this session sends (retries and google-auth's
    re-send after a token refresh included; the token fetch itself uses another session).
    """

    def __init__(
        self, credentials: Credentials, endpoint: str | None = None, **kwargs: Any
    ) -> None:
        # google-auth leaves AuthorizedSession unannotated (untyped_calls_exclude does not reach
        # a call through super()).
        super().__init__(credentials, **kwargs)  # type: ignore[no-untyped-call]  # see above
        self.endpoint = endpoint.rstrip("/") if endpoint else None
        self.request_count = 0
        self._count_lock = threading.Lock()  # sync runs in a worker thread
        # time.monotonic() by which the whole sync must be over (None: no bound): every
        # request's connect/read timeout is cut to what is left of it.
        self.deadline: float | None = None
        if self.endpoint and is_loopback(self.endpoint):
            self.trust_env = False  # an HTTP(S)_PROXY from the environment must not catch 127.0.0.1

    def rewrite(self, url: str) -> str:
        if self.endpoint and (url == SHEETS_API_ROOT or url.startswith(SHEETS_API_ROOT + "/")):
            return self.endpoint + url[len(SHEETS_API_ROOT) :]
        return url

    # The signature is google-auth's AuthorizedSession.request, which differs from the one the
    # requests stubs give Session.request (google-auth is unannotated, so mypy cannot see that).
    def request(  # type: ignore[override]  # google-auth's signature, not the requests stub's
        self,
        method: str,
        url: str,
        data: Any = None,
        headers: Any = None,
        max_allowed_time: float | None = None,
        timeout: Any = DEFAULT_TIMEOUT_S,
        **kwargs: Any,
    ) -> requests.Response:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise SyncTimeLimit("the sync's time limit ran out before the request was sent")
            timeout = _cut_timeout(timeout, left)
        with self._count_lock:
            self.request_count += 1
        # Unannotated in google-auth, called through super() (as __init__ above).
        response: requests.Response = super().request(  # type: ignore[no-untyped-call]
            method,
            self.rewrite(url),
            data=data,
            headers=headers,
            max_allowed_time=max_allowed_time,
            timeout=timeout,
            **kwargs,
        )
        return response


def _cut_timeout(timeout: Any, left: float) -> Any:
    """(connect, read) or one number, each at most `left` seconds."""
    if isinstance(timeout, tuple):
        return tuple(min(float(t), left) if t is not None else left for t in timeout)
    return left if timeout is None else min(float(timeout), left)


def make_client(
    credentials: Credentials,
    endpoint: str | None,
    *,
    timeout: float | tuple[float, float] | None = CLIENT_TIMEOUT_S,
) -> gspread.Client:
    """A gspread client over an EndpointSession, which carries the auth (gspread's HTTPClient
    uses a given session as it is and does not touch `auth` then)."""
    client = gspread.Client(auth=credentials, session=EndpointSession(credentials, endpoint))
    client.set_timeout(timeout)  # so a silent server ends in Timeout, which with_retry retries
    return client


def session_of(client: gspread.Client) -> EndpointSession:
    """The EndpointSession behind a client from make_client (for ``request_count``)."""
    session = client.http_client.session
    if not isinstance(session, EndpointSession):
        raise TypeError("client was not built by make_client")
    return session


def _status(err: gspread.exceptions.APIError) -> int:
    return err.response.status_code


def with_retry(
    fn: Callable[[], T],
    *,
    max_retries: int,
    base_delay: float = 0.5,
    max_delay: float = 8,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    what: str = "Google Sheets request",
    write: bool = False,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``fn`` with truncated exponential backoff and full jitter on transient failures.

    Retried: HTTP 429/500/502/503/504 and dropped connections or timeouts, at most
    ``max_retries`` times (so ``max_retries + 1`` attempts), sleeping
    ``rng() * min(max_delay, base_delay * 2**n)`` before retry n+1. Then SheetsUnavailable.
    401/403 (and anonymous credentials asked to refresh) raise SheetsAuthError at once; any
    other error propagates at once.

    ``fn`` must build its request body afresh on every call: gspread's
    ``Worksheet.batch_update`` rewrites each ``range`` of the caller's list in place (it
    prefixes the sheet name), so a second attempt with the same list targets a bad range.
    Prefer ``Spreadsheet.values_batch_update(body)`` / ``values_batch_get`` with a body
    built inside ``fn``. Never retry ``append`` blindly: an append the server applied before
    failing (a 500 after apply) writes its rows twice.

    ``write=True``: only 429 (refused, so never applied) is retried; a 5xx, a dropped
    connection or a timeout raises WriteOutcomeUnknown at once, for the caller to re-read and
    re-plan. A ``Retry-After`` header sets the least wait. ``deadline`` (a ``clock()`` value)
    bounds the whole thing: a wait that would pass it raises SyncTimeLimit instead.
    """
    if max_retries < 0:
        raise ValueError(f"max_retries must be >= 0, got {max_retries}")
    retries = 0
    retry_after: float | None = None
    while True:
        status: int | None = None
        try:
            return fn()
        except gspread.exceptions.APIError as err:
            if _status(err) in AUTH_STATUSES:
                raise SheetsAuthError(
                    _auth_message(what, err), what=what, status=_status(err)
                ) from err
            if _status(err) not in RETRY_STATUSES:
                raise
            status = _status(err)
            last = f"HTTP {status}"
            if write and status != 429:
                raise WriteOutcomeUnknown(f"{what}: {last}, outcome unknown") from err
            retry_after = _retry_after(err)
        except PermissionError as err:  # gspread's open_by_key turns a 403 into this
            if isinstance(err.__cause__, gspread.exceptions.APIError):
                cause = err.__cause__
                raise SheetsAuthError(
                    _auth_message(what, cause), what=what, status=_status(cause)
                ) from err
            raise
        except InvalidOperation as err:  # AnonymousCredentials.refresh() after a 401
            raise SheetsAuthError(
                f"{what}: the server wants credentials (HTTP 401) but none are configured; "
                "set GOOGLE_APPLICATION_CREDENTIALS or sign in with OAuth",
                what=what,
            ) from err
        except RefreshError as err:
            if getattr(err, "retryable", False):  # the token endpoint itself hiccuped
                last = "token refresh failed (retryable)"
            else:
                raise SheetsAuthError(
                    f"{what}: Google refused to issue an access token ({type(err).__name__}); "
                    "check the service-account key or sign in again",
                    what=what,
                ) from err
        except SyncTimeLimit:
            raise
        except _DROPPED as err:
            last = _connection_label(err)
            if write:
                raise WriteOutcomeUnknown(f"{what}: {last}, outcome unknown") from err
        if retries >= max_retries:
            raise SheetsUnavailable(
                f"{what} failed after {retries + 1} attempt(s); last error: {last}",
                what=what,
                attempts=retries + 1,
                status=status,
                last=last,
            )
        delay = rng() * min(max_delay, base_delay * 2**retries)
        if status is not None and retry_after is not None:
            delay = max(delay, retry_after) + rng() * base_delay  # spread the TLs who wait
        if deadline is not None and clock() + delay >= deadline:
            raise SyncTimeLimit(
                f"{what}: gave up after {retries + 1} attempt(s), the sync's time limit"
                f" ([sheet] sync_timeout_s) would pass while waiting; last error: {last}"
            )
        sleep(delay)
        retries += 1
        retry_after = None


def _retry_after(err: gspread.exceptions.APIError) -> float | None:
    """Seconds from a Retry-After header (Google sends it with some 429/503 answers)."""
    value = err.response.headers.get("Retry-After", "") if err.response is not None else ""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _auth_message(what: str, err: gspread.exceptions.APIError) -> str:
    detail = str(err.error.get("message", "")).splitlines()[0][:160] if err.error else ""
    return (
        f"{what}: access denied (HTTP {_status(err)}): {detail or 'no detail'} — share the "
        "spreadsheet with this identity or check its credentials"
    )


def _connection_label(err: Exception) -> str:
    if isinstance(err, requests.exceptions.Timeout):
        return "timed out"
    if isinstance(err, requests.exceptions.ChunkedEncodingError):
        return "connection dropped mid-response"
    return "connection dropped or refused"


def raw_values_body(updates: Mapping[str, list[list[Any]]]) -> dict[str, Any]:
    """A fresh ``values.batchUpdate`` body writing ``{A1 range: rows}`` with RAW input.

    RAW stores text literally, so a note starting with ``=``, ``+``, ``-`` or ``@`` stays text.
    """
    return {
        "valueInputOption": "RAW",
        "data": [
            {"range": rng, "majorDimension": "ROWS", "values": [list(row) for row in rows]}
            for rng, rows in updates.items()
        ],
    }
