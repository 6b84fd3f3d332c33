"""`esp-tui auth login | logout`: the installed-app sign-in over a real local redirect.

Google is unreachable here, so the client file's token_uri points at a small OAuth token
endpoint served on 127.0.0.1 (the one stand-in). The redirect listener, the flow with PKCE,
the token cache and the CLI are the real ones; the tests play the browser by fetching the
redirect themselves. oauthlib refuses a plain-http token endpoint unless
OAUTHLIB_INSECURE_TRANSPORT is set: only the child process that signs in gets it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import urlopen

import pytest

from esp_tui.cli import main
from esp_tui.sync.auth import (
    DEFAULT_LOGIN_PORT,
    SCOPES,
    SIGNED_IN_PAGE,
    load_credentials,
    save_token,
)
from esp_tui.sync.target import default_token_path
from tests.sheet_helpers import write_sheet_config

SECRET = "client-secret-never-printed"
ACCESS = "access-token-never-printed"


class TokenEndpoint:
    """Google's token endpoint as far as the code exchange goes: records each form posted,
    answers with a token (or with `error`, as Google does for a bad code)."""

    def __init__(self) -> None:
        self.posts: list[dict[str, str]] = []
        self.error = ""
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                endpoint.posts.append({k: v[0] for k, v in parse_qs(body).items()})
                if endpoint.error:
                    status, answer = 400, {"error": endpoint.error}
                else:
                    status, answer = (
                        200,
                        {
                            "access_token": ACCESS,
                            "refresh_token": "refresh-from-the-endpoint",
                            "token_type": "Bearer",
                            "expires_in": 3599,
                            "scope": " ".join(SCOPES),
                        },
                    )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_port}/token"


@pytest.fixture
def token_endpoint() -> Iterator[TokenEndpoint]:
    endpoint = TokenEndpoint()
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()
    thread.join()


@pytest.fixture
def client_file(tmp_path: Path, token_endpoint: TokenEndpoint) -> Path:
    """What the Cloud console's Desktop app client download looks like, token_uri aside."""
    path = tmp_path / "client_secret_123.apps.googleusercontent.com.json"
    installed = {
        "client_id": "123-abc.apps.googleusercontent.com",
        "project_id": "esp-tracker",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_endpoint.uri,
        "client_secret": SECRET,
        "redirect_uris": ["http://localhost"],
    }
    path.write_text(json.dumps({"installed": installed}))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_login(tmp_path: Path, cfg: Path, port: int) -> subprocess.Popen[str]:
    argv = ["auth", "login", "--no-browser", "--port", str(port), "--timeout", "60"]
    return subprocess.Popen(
        [sys.executable, "-m", "esp_tui", *argv, "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "OAUTHLIB_INSECURE_TRANSPORT": "1"},
    )


def printed_url(proc: subprocess.Popen[str]) -> tuple[str, list[str]]:
    """Read the child's stdout up to the sign-in address (printed once the port listens)."""
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line)
        if line.strip().startswith("https://"):
            return line.strip(), lines
    proc.kill()
    raise AssertionError(f"no URL printed: {lines} {proc.stderr.read() if proc.stderr else ''}")


def finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """The rest of the child's output once it exits (read through the same buffered files
    as printed_url: communicate() would skip what they already hold)."""
    assert proc.stdout is not None and proc.stderr is not None
    proc.wait(timeout=60)
    return proc.stdout.read(), proc.stderr.read()


def play_browser(redirect: str, **params: str) -> str:
    """What the browser does after Google's consent page: GET the redirect URI."""
    with urlopen(f"{redirect}?{urlencode(params)}", timeout=30) as answer:
        return str(answer.read().decode())


def test_login_no_browser_signs_in_over_the_local_redirect(
    tmp_path: Path, client_file: Path, token_endpoint: TokenEndpoint
) -> None:
    cfg = write_sheet_config(tmp_path, oauth_client_file=str(client_file))
    port = free_port()
    proc = start_login(tmp_path, cfg, port)
    url, before = printed_url(proc)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.startswith("https://accounts.google.com/o/oauth2/auth?")
    assert query["redirect_uri"] == f"http://localhost:{port}/"
    assert query["client_id"] == "123-abc.apps.googleusercontent.com"
    assert query["scope"] == "https://www.googleapis.com/auth/spreadsheets"
    assert query["code_challenge_method"] == "S256"

    page = play_browser(query["redirect_uri"], state=query["state"], code="4/the-code")
    out, err = finish(proc)
    assert proc.returncode == 0, err
    assert page == SIGNED_IN_PAGE
    text = "".join(before) + out
    assert "open this address in a browser on your own computer" in text
    assert f"ssh -L {port}:localhost:{port} HOST" in text
    token = default_token_path()
    assert f"signed in: token saved in {token}" in out
    # The code was exchanged once, with the PKCE verifier that matches the challenge.
    [post] = token_endpoint.posts
    assert post["code"] == "4/the-code" and post["grant_type"] == "authorization_code"
    assert post["redirect_uri"] == f"http://localhost:{port}/"
    digest = hashlib.sha256(post["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]
    # The token is cached 0600 and is what sync signs in with; no secret reached the terminal.
    assert token.stat().st_mode & 0o777 == 0o600
    assert json.loads(token.read_text())["refresh_token"] == "refresh-from-the-endpoint"
    _, identity = load_credentials(
        env={},
        service_account_file="",
        oauth_client_file=str(client_file),
        token_path=token,
        endpoint=None,
        interactive=False,
    )
    assert identity == f"OAuth user (token cached at {token})"
    for secret in (SECRET, ACCESS, "refresh-from-the-endpoint", "4/the-code"):
        assert secret not in text + err


def test_login_refused_in_the_browser_is_one_line_and_saves_nothing(
    tmp_path: Path, client_file: Path, token_endpoint: TokenEndpoint
) -> None:
    cfg = write_sheet_config(tmp_path, oauth_client_file=str(client_file))
    proc = start_login(tmp_path, cfg, free_port())
    url, _ = printed_url(proc)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    play_browser(query["redirect_uri"], state=query["state"], error="access_denied")
    _, err = finish(proc)
    assert proc.returncode == 1
    assert err.splitlines() == [
        "esp-tui: error: auth login: Google did not complete the sign-in (access_denied): "
        "nothing was saved; run `esp-tui auth login` again"
    ]
    assert token_endpoint.posts == [] and not default_token_path().exists()


def test_login_with_a_code_the_token_endpoint_refuses(
    tmp_path: Path, client_file: Path, token_endpoint: TokenEndpoint
) -> None:
    token_endpoint.error = "invalid_grant"
    cfg = write_sheet_config(tmp_path, oauth_client_file=str(client_file))
    proc = start_login(tmp_path, cfg, free_port())
    url, _ = printed_url(proc)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    play_browser(query["redirect_uri"], state=query["state"], code="4/stale")
    _, err = finish(proc)
    assert proc.returncode == 1
    assert len(err.splitlines()) == 1 and "(invalid_grant)" in err
    assert len(token_endpoint.posts) == 1 and not default_token_path().exists()


def test_login_times_out_with_one_line_and_exit_2(
    tmp_path: Path, client_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_sheet_config(tmp_path, oauth_client_file=str(client_file))
    port = free_port()
    argv = ["auth", "login", "--no-browser", "--port", str(port), "--timeout", "0.2"]
    assert main([*argv, "--config", str(cfg)]) == 2
    out, err = capsys.readouterr()
    assert "https://accounts.google.com/o/oauth2/auth?" in out  # it did listen and ask
    assert err.splitlines() == [
        f"esp-tui: error: auth login: no answer from the browser within 0.2 s on "
        f"http://localhost:{port}/: nothing was saved; run `esp-tui auth login` again "
        "(--timeout S waits longer)"
    ]
    assert not default_token_path().exists()


def test_login_on_a_port_in_use_is_one_line_and_exit_2(
    tmp_path: Path, client_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_sheet_config(tmp_path, oauth_client_file=str(client_file))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["auth", "login", "--no-browser", "--port", str(port), "--config", str(cfg)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.splitlines() == [
        f"esp-tui: error: auth login: listening on localhost port {port} is already in use: "
        "pick another with --port N (over SSH forward the same one: ssh -L N:localhost:N HOST)"
    ]
    assert out == ""  # no address to open: nothing listens for it


@pytest.mark.parametrize(
    ("client", "message"),
    [
        (None, "auth login: no OAuth client: set [sheet] oauth_client_file in the config"),
        ("missing.json", "missing.json: OAuth client secrets file not found"),
        ("{not json", "not an OAuth client secrets file"),
        ('{"web": {"client_secret": "' + SECRET + '"}}', "not an OAuth client secrets file"),
    ],
)
def test_login_without_a_usable_client_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], client: str | None, message: str
) -> None:
    sheet: dict[str, str] = {}
    if client == "missing.json":
        sheet["oauth_client_file"] = str(tmp_path / client)
    elif client is not None:
        (tmp_path / "client.json").write_text(client)
        sheet["oauth_client_file"] = str(tmp_path / "client.json")
    cfg = write_sheet_config(tmp_path, **sheet)
    assert (
        main(["auth", "login", "--no-browser", "--port", str(free_port()), "--config", str(cfg)])
        == 2
    )
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert message in err and SECRET not in err


@pytest.mark.parametrize("bad", [["--port", "0"], ["--port", "http"], ["--timeout", "-1"]])
def test_login_refuses_a_bad_port_or_timeout(
    bad: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["auth", "login", *bad])
    assert exit_info.value.code == 2
    assert bad[1] in capsys.readouterr().err


def test_login_help_names_the_default_port(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["auth", "login", "--help"])
    assert f"default {DEFAULT_LOGIN_PORT}" in capsys.readouterr().out


def test_logout_removes_the_saved_token_and_never_prints_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = default_token_path()
    save_token(json.dumps({"refresh_token": "refresh-never-printed"}), token)
    assert main(["auth", "logout"]) == 0
    assert not token.exists()
    out = capsys.readouterr().out
    assert out == f"signed out: removed the saved token {token}\n"
    assert main(["auth", "logout"]) == 0  # again: nothing to do, still fine
    assert capsys.readouterr().out == f"not signed in: no saved token at {token}\n"


def test_logout_leaves_a_service_account_key_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "sa.json"
    key.write_text("{}")
    assert main(["auth", "logout"], env={"GOOGLE_APPLICATION_CREDENTIALS": str(key)}) == 0
    assert key.exists()
    assert "service-account key file is left in place" in capsys.readouterr().out
