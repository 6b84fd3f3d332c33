"""gspread transport and auth: endpoint rewrite, bounded retry, credentials — over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gspread
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.credentials import AnonymousCredentials
from google.oauth2.credentials import Credentials as UserCredentials

from esp_tui.sync.auth import (
    SCOPES,
    describe_identity,
    key_file_warning,
    load_cached_token,
    load_credentials,
    save_token,
)
from esp_tui.sync.transport import (
    EndpointSession,
    SheetsAuthError,
    SheetsEndpointError,
    SheetsUnavailable,
    is_loopback,
    make_client,
    raw_values_body,
    resolve_endpoint,
    session_of,
    with_retry,
)
from tests.sheets_emulator import SheetsEmulator, running_emulator

KEY = "tracker-key"
TAB = "ESP Tracker"
NO_SLEEP: Callable[[float], None] = lambda s: None  # noqa: E731


@pytest.fixture(scope="module")
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: SheetsEmulator) -> gspread.Client:
    emu.create_spreadsheet(KEY, {TAB: [["Agent ID", "Name"], ["E1", "Ann"]]})
    emu.reset_log()
    emu.clear_faults()
    return make_client(AnonymousCredentials(), emu.endpoint)


@pytest.fixture
def sheet(client: gspread.Client, emu: SheetsEmulator) -> gspread.Spreadsheet:
    spreadsheet = client.open_by_key(KEY)
    emu.reset_log()
    return spreadsheet


def retry(fn: Callable[[], Any], max_retries: int = 3) -> Any:
    return with_retry(fn, max_retries=max_retries, sleep=NO_SLEEP)


# ----------------------------------------------------------------------------- endpoint
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://sheets.googleapis.com/v4/spreadsheets/K/values/A1",
            "http://127.0.0.1:9/v4/spreadsheets/K/values/A1",
        ),
        ("https://sheets.googleapis.com", "http://127.0.0.1:9"),
        (
            "https://sheets.googleapis.com.evil.test/v4",
            "https://sheets.googleapis.com.evil.test/v4",
        ),
        ("https://www.googleapis.com/drive/v3/files", "https://www.googleapis.com/drive/v3/files"),
        ("https://oauth2.googleapis.com/token", "https://oauth2.googleapis.com/token"),
    ],
)
def test_rewrite_only_touches_the_sheets_api_prefix(url: str, expected: str) -> None:
    session = EndpointSession(AnonymousCredentials(), "http://127.0.0.1:9/")
    assert session.rewrite(url) == expected


def test_no_endpoint_means_google_and_environment_proxies() -> None:
    session = EndpointSession(AnonymousCredentials(), None)
    url = "https://sheets.googleapis.com/v4/spreadsheets/K"
    assert session.rewrite(url) == url
    assert session.trust_env is True
    assert EndpointSession(AnonymousCredentials(), "http://emu.test:80").trust_env is True
    assert EndpointSession(AnonymousCredentials(), "http://localhost:80").trust_env is False


def test_requests_reach_the_loopback_emulator(
    emu: SheetsEmulator, client: gspread.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")  # would swallow the call if honoured
    sh = client.open_by_key(KEY)
    assert sh.worksheet(TAB).get("A2:B2") == [["E1", "Ann"]]
    assert [r.path for r in emu.requests] == [
        f"/v4/spreadsheets/{KEY}",
        f"/v4/spreadsheets/{KEY}",
        f"/v4/spreadsheets/{KEY}/values/'{TAB}'!A2:B2",
    ]
    session = session_of(client)
    assert session.trust_env is False and session.request_count == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        ("https://sheets-proxy.example.com/base/", "https://sheets-proxy.example.com/base"),
    ],
)
def test_resolve_endpoint(value: str | None, expected: str | None) -> None:
    env = {} if value is None else {"ESP_TUI_SHEETS_ENDPOINT": value}
    assert resolve_endpoint(env) == expected


@pytest.mark.parametrize("value", ["127.0.0.1:8765", "ftp://127.0.0.1", "http://", "http://h/?a=1"])
def test_bad_endpoint_is_one_clear_line(value: str) -> None:
    with pytest.raises(SheetsEndpointError) as info:
        resolve_endpoint({"ESP_TUI_SHEETS_ENDPOINT": value})
    message = str(info.value)
    assert "ESP_TUI_SHEETS_ENDPOINT" in message and value in message and "\n" not in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("endpoint", "loopback"),
    [
        ("http://127.0.0.1:1", True),
        ("http://127.8.0.1", True),
        ("http://[::1]:80", True),
        ("http://localhost:8765", True),
        ("http://10.0.0.1", False),
        ("https://sheets.googleapis.com", False),
    ],
)
def test_is_loopback(endpoint: str, loopback: bool) -> None:
    assert is_loopback(endpoint) is loopback


# ----------------------------------------------------------------------------- retry
def test_429_twice_then_success(emu: SheetsEmulator, sheet: gspread.Spreadsheet) -> None:
    emu.inject("429", "429")
    got = retry(lambda: sheet.values_get(f"'{TAB}'!A1:B2"))
    assert got["values"] == [["Agent ID", "Name"], ["E1", "Ann"]]
    assert len(emu.requests) == 3


def test_500_then_drop_then_success(emu: SheetsEmulator, sheet: gspread.Spreadsheet) -> None:
    emu.inject("500", "drop")
    reply = retry(lambda: sheet.values_batch_update(raw_values_body({f"'{TAB}'!C2": [["ok"]]})))
    assert reply["totalUpdatedCells"] == 1
    assert len(emu.writes) == 3
    assert emu.get_values(KEY, TAB)[1] == ["E1", "Ann", "ok"]


def test_failure_past_the_bound_raises_sheets_unavailable(
    emu: SheetsEmulator, sheet: gspread.Spreadsheet
) -> None:
    emu.inject("503", "drop", "503")
    with pytest.raises(SheetsUnavailable) as info:
        with_retry(
            lambda: sheet.values_get(TAB), max_retries=2, sleep=NO_SLEEP, what="reading the tracker"
        )
    assert str(info.value) == "reading the tracker failed after 3 attempt(s); last error: HTTP 503"
    assert len(emu.requests) == 3


def test_dropped_connections_past_the_bound(
    emu: SheetsEmulator, sheet: gspread.Spreadsheet
) -> None:
    emu.inject("drop", "drop")
    with pytest.raises(SheetsUnavailable, match=r"2 attempt.*connection dropped"):
        with_retry(lambda: sheet.values_get(TAB), max_retries=1, sleep=NO_SLEEP)


def test_timeout_is_retried_then_bounded(emu: SheetsEmulator) -> None:
    emu.create_spreadsheet("slow", {"T": []})
    client = make_client(AnonymousCredentials(), emu.endpoint, timeout=(1.0, 0.05))
    emu.latency_s = 0.3
    try:
        with pytest.raises(SheetsUnavailable, match=r"2 attempt.*timed out"):
            with_retry(lambda: client.open_by_key("slow"), max_retries=1, sleep=NO_SLEEP)
    finally:
        emu.latency_s = 0.0
    assert session_of(client).request_count == 2


@pytest.mark.parametrize("status", ["400", "404", "409"])
def test_other_client_errors_raise_at_once(
    emu: SheetsEmulator, sheet: gspread.Spreadsheet, status: str
) -> None:
    emu.inject(status)
    with pytest.raises(gspread.exceptions.APIError) as info:
        retry(lambda: sheet.values_get(TAB))
    assert info.value.code == int(status)
    assert len(emu.requests) == 1


def test_401_with_anonymous_credentials_is_an_auth_error(
    emu: SheetsEmulator, sheet: gspread.Spreadsheet
) -> None:
    emu.inject("401")
    with pytest.raises(SheetsAuthError, match=r"HTTP 401.*none are configured"):
        retry(lambda: sheet.values_get(TAB))
    assert len(emu.requests) == 1


def test_403_on_open_is_an_auth_error(emu: SheetsEmulator, client: gspread.Client) -> None:
    emu.inject("403")
    with pytest.raises(SheetsAuthError, match="access denied \\(HTTP 403\\)"):
        retry(lambda: client.open_by_key(KEY))


def test_append_retried_after_500_after_apply_writes_twice(
    emu: SheetsEmulator, sheet: gspread.Spreadsheet
) -> None:
    ws = sheet.worksheet(TAB)
    emu.inject("500-after-apply")
    retry(lambda: ws.append_rows([["E2", "Bo"]]))
    assert emu.get_values(KEY, TAB)[1:] == [["E1", "Ann"], ["E2", "Bo"], ["E2", "Bo"]]


def test_explicit_range_batch_update_retried_after_apply_writes_once(
    emu: SheetsEmulator, sheet: gspread.Spreadsheet
) -> None:
    emu.inject("500-after-apply")
    retry(lambda: sheet.values_batch_update(raw_values_body({f"'{TAB}'!A3:B3": [["E2", "Bo"]]})))
    assert emu.get_values(KEY, TAB)[1:] == [["E1", "Ann"], ["E2", "Bo"]]
    assert len(emu.writes) == 2


def test_worksheet_batch_update_mutates_the_callers_list(sheet: gspread.Spreadsheet) -> None:
    """Why with_retry's fn must rebuild its body: gspread rewrites `range` in place."""
    data = [{"range": "C2", "values": [["x"]]}]
    sheet.worksheet(TAB).batch_update(data)
    assert data[0]["range"] == f"'{TAB}'!C2"
    with pytest.raises(gspread.exceptions.APIError, match="Unable to parse range"):
        sheet.worksheet(TAB).batch_update(data)  # a naive retry of the same list


def test_raw_values_body_is_fresh_and_keeps_formula_text(
    emu: SheetsEmulator, sheet: gspread.Spreadsheet
) -> None:
    rows = [["=HYPERLINK(1)", "+1 555", "-late", "@pm"]]
    body = raw_values_body({f"'{TAB}'!C2:F2": rows})
    assert body["valueInputOption"] == "RAW" and body["data"][0]["values"] is not rows
    sheet.values_batch_update(body)
    assert emu.get_values(KEY, TAB)[1][2:] == rows[0]
    assert not any(emu.is_formula(KEY, TAB, ref) for ref in ("C2", "D2", "E2", "F2"))


@pytest.mark.parametrize(
    ("jitter", "expected"),
    [
        (1.0, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]),
        (0.5, [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]),
        (0.0, [0.0] * 6),
    ],
)
def test_backoff_is_truncated_exponential_with_full_jitter(
    emu: SheetsEmulator, sheet: gspread.Spreadsheet, jitter: float, expected: list[float]
) -> None:
    slept: list[float] = []
    emu.inject(*["503"] * 7)
    with pytest.raises(SheetsUnavailable, match="7 attempt"):
        with_retry(
            lambda: sheet.values_get(TAB), max_retries=6, sleep=slept.append, rng=lambda: jitter
        )
    assert slept == expected
    assert len(emu.requests) == 7


def test_zero_retries_means_one_attempt(emu: SheetsEmulator, sheet: gspread.Spreadsheet) -> None:
    emu.inject("429")
    with pytest.raises(SheetsUnavailable, match=r"1 attempt.*HTTP 429"):
        with_retry(lambda: sheet.values_get(TAB), max_retries=0, sleep=NO_SLEEP)
    assert len(emu.requests) == 1
    with pytest.raises(ValueError, match="max_retries"):
        with_retry(lambda: sheet.values_get(TAB), max_retries=-1)


# ----------------------------------------------------------------------------- auth
def test_anonymous_credentials_with_an_endpoint_work(emu: SheetsEmulator, tmp_path: Path) -> None:
    emu.create_spreadsheet(KEY, {TAB: [["Agent ID"]]})
    creds, identity = load_credentials(
        env={},
        service_account_file="",
        oauth_client_file="",
        token_path=tmp_path / "token.json",
        endpoint=emu.endpoint,
        interactive=False,
    )
    assert isinstance(creds, AnonymousCredentials) and identity == "anonymous (emulator)"
    assert make_client(creds, emu.endpoint).open_by_key(KEY).worksheet(TAB).get("A1") == [
        ["Agent ID"]
    ]


def test_no_credentials_and_no_endpoint_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SheetsAuthError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        load_credentials(
            env={},
            service_account_file="",
            oauth_client_file="",
            token_path=tmp_path / "t.json",
            endpoint=None,
            interactive=False,
        )


@pytest.fixture
def service_account_file(tmp_path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "sa.json"
    info = {
        "type": "service_account",
        "project_id": "esp-test",
        "private_key_id": "abc123",
        "private_key": pem,
        "client_email": "esp-sync@esp-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path.write_text(json.dumps(info))
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("via", ["config", "env"])
def test_service_account_from_config_or_env(
    service_account_file: Path, tmp_path: Path, via: str
) -> None:
    creds, identity = load_credentials(
        env={"GOOGLE_APPLICATION_CREDENTIALS": str(service_account_file)} if via == "env" else {},
        service_account_file=str(service_account_file) if via == "config" else "",
        oauth_client_file="client.json",
        token_path=tmp_path / "t.json",
        endpoint="http://127.0.0.1:1",
        interactive=False,
    )
    assert identity == "service account esp-sync@esp-test.iam.gserviceaccount.com"
    assert creds.scopes == SCOPES  # type: ignore[attr-defined]


def test_config_key_file_wins_over_env(service_account_file: Path, tmp_path: Path) -> None:
    _, identity = load_credentials(
        env={"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "missing.json")},
        service_account_file=str(service_account_file),
        oauth_client_file="",
        token_path=tmp_path / "t.json",
        endpoint=None,
        interactive=False,
    )
    assert identity.startswith("service account ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "service-account key file not found"),
        ("{not json", "invalid JSON at line 1"),
        ('{"type": "service_account", "private_key": "SECRET-PEM"}', "not a usable"),
    ],
)
def test_bad_key_file_names_the_file_not_the_secret(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "key.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SheetsAuthError) as info:
        load_credentials(
            env={"GOOGLE_APPLICATION_CREDENTIALS": str(path)},
            service_account_file="",
            oauth_client_file="",
            token_path=tmp_path / "t.json",
            endpoint=None,
            interactive=False,
        )
    text = str(info.value)
    assert str(path) in text and message in text and "SECRET" not in text and "\n" not in text


def test_key_file_warning_on_0644_not_0600(service_account_file: Path) -> None:
    assert key_file_warning(service_account_file) is None
    service_account_file.chmod(0o644)
    warning = key_file_warning(service_account_file)
    assert warning is not None
    assert str(service_account_file) in warning and "0644" in warning and "chmod 600" in warning
    assert key_file_warning(service_account_file.parent / "absent.json") is None


def _fake_user_token() -> str:
    creds = UserCredentials(
        token="fake-access",
        refresh_token="fake-refresh",
        client_id="cid.apps.googleusercontent.com",
        client_secret="fake-secret",
        token_uri="https://oauth2.googleapis.com/token",
        scopes=SCOPES,
        expiry=datetime.now(UTC).replace(tzinfo=None)
        + timedelta(hours=1),  # google-auth: naive UTC
    )
    return creds.to_json()


def test_token_cache_is_0600_even_over_a_loose_file(tmp_path: Path) -> None:
    path = tmp_path / "esp-tui" / "token.json"
    path.parent.mkdir()
    path.write_text("old")
    path.chmod(0o644)
    old_umask = os.umask(0)
    try:
        save_token(_fake_user_token(), path)
    finally:
        os.umask(old_umask)
    assert path.stat().st_mode & 0o777 == 0o600
    assert key_file_warning(path) is None
    assert [p.name for p in path.parent.iterdir()] == ["token.json"]  # no temp file left
    cached = load_cached_token(path)
    assert isinstance(cached, UserCredentials) and cached.client_id.startswith("cid.")


def test_cached_oauth_token_is_used_without_a_browser(tmp_path: Path) -> None:
    token = tmp_path / "token.json"
    save_token(_fake_user_token(), token)
    creds, identity = load_credentials(
        env={},
        service_account_file="",
        oauth_client_file=str(tmp_path / "client.json"),
        token_path=token,
        endpoint=None,
        interactive=False,
    )
    assert isinstance(creds, UserCredentials)
    assert identity == f"OAuth user (token cached at {token})"
    assert describe_identity(creds) == "OAuth user"


@pytest.mark.parametrize("cached", ["", "{broken"])
def test_missing_oauth_token_non_interactive_is_a_clear_error(tmp_path: Path, cached: str) -> None:
    token = tmp_path / "token.json"
    if cached:
        token.write_text(cached)
    assert load_cached_token(token) is None
    with pytest.raises(SheetsAuthError, match=f"no usable OAuth token at {token}"):
        load_credentials(
            env={},
            service_account_file="",
            oauth_client_file=str(tmp_path / "client.json"),
            token_path=token,
            endpoint=None,
            interactive=False,
        )


def test_transport_and_auth_do_not_load_textual() -> None:
    code = (
        "import sys, esp_tui.sync.transport, esp_tui.sync.auth\n"
        "print(sorted(m for m in sys.modules if m.startswith(('textual', 'esp_tui.screens'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
