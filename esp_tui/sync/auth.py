"""Credentials for the Sheets API: service account, the TL's OAuth login, or anonymous.

Spreadsheets scope only: the sheet is opened by key, never through Drive. Secrets (keys,
tokens) are never printed or logged; messages name files, never their contents.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from google.auth.credentials import AnonymousCredentials, Credentials

from esp_tui.sync.transport import SheetsAuthError

SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
SERVICE_ACCOUNT_ENV = "GOOGLE_APPLICATION_CREDENTIALS"


def key_file_warning(path: str | Path) -> str | None:
    """A warning when a credentials file can be read by group or others, else None."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (
            f"{path}: accessible by other users (mode {stat.S_IMODE(mode):04o}); "
            f"run `chmod 600 {path}`"
        )
    return None


def load_service_account(path: str | Path) -> Credentials:
    """Service-account credentials from a JSON key file, spreadsheets scope only."""
    from google.oauth2 import service_account

    try:
        creds: Credentials = service_account.Credentials.from_service_account_file(
            str(path), scopes=SCOPES
        )
    except FileNotFoundError:
        raise SheetsAuthError(f"{path}: service-account key file not found") from None
    except (OSError, ValueError) as err:  # ValueError covers bad JSON and missing fields
        raise SheetsAuthError(
            f"{path}: not a usable service-account JSON key ({_safe_reason(err)})"
        ) from None
    return creds


def _safe_reason(err: Exception) -> str:
    # google-auth's messages name missing fields only; JSON errors give a position only.
    if isinstance(err, json.JSONDecodeError):
        return f"invalid JSON at line {err.lineno}"
    return str(err).splitlines()[0][:120] if str(err) else type(err).__name__


def save_token(token_json: str, path: Path) -> None:
    """Write the OAuth token cache atomically, created with mode 0600 (dir 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".token-", suffix=".tmp")  # 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(token_json)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_cached_token(path: Path) -> Credentials | None:
    """Cached OAuth user credentials, refreshed (and re-saved) when expired; None if unusable."""
    from google.oauth2.credentials import Credentials as UserCredentials

    if not path.is_file():
        return None
    try:
        creds: UserCredentials = UserCredentials.from_authorized_user_file(str(path), SCOPES)
    except (OSError, ValueError):
        return None
    if creds.valid:
        return creds
    if creds.expired and creds.refresh_token:
        from google.auth.exceptions import GoogleAuthError
        from google.auth.transport.requests import Request

        try:
            creds.refresh(Request())
        except GoogleAuthError:
            return None
        save_token(creds.to_json(), path)
        return creds
    return None


DEFAULT_LOGIN_PORT = 8085  # fixed, so `ssh -L 8085:localhost:8085 HOST` can carry the redirect
DEFAULT_LOGIN_TIMEOUT_S = 300.0
SIGNED_IN_PAGE = "esp-tui got the answer: the terminal says if you are signed in. Close this tab."


class LoginError(SheetsAuthError):
    """The sign-in did not complete. `usage` is True when our input was the cause (a port in
    use, no answer in time, no client file): the CLI exits 2 then, 1 when Google refused."""

    def __init__(self, message: str, *, usage: bool) -> None:
        super().__init__(message)
        self.usage = usage


def _print_url(url: str) -> None:
    print(f"Sign in to Google: open this address in a browser:\n\n    {url}\n", flush=True)


def _flow(client_file: str | Path, announce: Callable[[str], None]) -> Any:
    """An InstalledAppFlow that hands the sign-in URL to `announce` once the redirect port
    is bound (the library would print() it, unflushed, past our output layer)."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    class AnnouncingFlow(InstalledAppFlow):  # type: ignore[misc]  # the library is untyped
        def authorization_url(self, **kwargs: Any) -> tuple[str, str]:
            url, state = super().authorization_url(**kwargs)
            announce(url)
            return url, state

    path = Path(client_file).expanduser()
    if not path.is_file():
        raise LoginError(f"{client_file}: OAuth client secrets file not found", usage=True)
    try:
        return AnnouncingFlow.from_client_secrets_file(str(path), scopes=SCOPES)
    except ValueError as err:  # json errors are ValueErrors too
        raise LoginError(
            f"{client_file}: not an OAuth client secrets file ({_safe_reason(err)}); download "
            "the JSON of a Desktop app OAuth client",
            usage=True,
        ) from None


def oauth_login(
    client_file: str | Path,
    token_path: Path,
    *,
    open_browser: bool = True,
    port: int = DEFAULT_LOGIN_PORT,
    timeout_s: float = DEFAULT_LOGIN_TIMEOUT_S,
    announce: Callable[[str], None] = _print_url,
) -> Credentials:
    """The TL's installed-app OAuth flow: listen on localhost:`port`, hand the sign-in URL to
    `announce` (and open it in a browser unless open_browser is False), wait up to
    `timeout_s` for Google's redirect, exchange the code, cache the token at token_path.
    Raises LoginError, one line that names no secret."""
    import requests
    from google.oauth2.credentials import Credentials as UserCredentials
    from google_auth_oauthlib.flow import WSGITimeoutError
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]

    flow = _flow(client_file, announce)
    try:
        creds: UserCredentials = flow.run_local_server(
            host="localhost",
            port=port,
            open_browser=open_browser,
            timeout_seconds=timeout_s,
            authorization_prompt_message="",  # announce() has said it
            success_message=SIGNED_IN_PAGE,
        )
    except WSGITimeoutError:
        raise LoginError(
            f"no answer from the browser within {timeout_s:g} s on http://localhost:{port}/: "
            "nothing was saved; run `esp-tui auth login` again (--timeout S waits longer)",
            usage=True,
        ) from None
    except OAuth2Error as err:  # access_denied, invalid_grant, a mismatching state, ...
        raise LoginError(
            f"Google did not complete the sign-in ({err.error or type(err).__name__}): "
            "nothing was saved; run `esp-tui auth login` again",
            usage=False,
        ) from None
    except requests.exceptions.RequestException as err:  # before OSError: it is one
        raise LoginError(
            f"could not reach Google to finish the sign-in ({type(err).__name__}): check the "
            "network connection and run `esp-tui auth login` again",
            usage=False,
        ) from None
    except OSError as err:  # binding the port
        what = "is already in use" if err.errno == errno.EADDRINUSE else f"failed ({err.strerror})"
        raise LoginError(
            f"listening on localhost port {port} {what}: pick another with --port N "
            "(over SSH forward the same one: ssh -L N:localhost:N HOST)",
            usage=True,
        ) from None
    save_token(creds.to_json(), token_path)
    return creds


def sign_out(token_path: Path) -> bool:
    """Remove the cached OAuth token; False when there was none. The token is never read."""
    try:
        token_path.unlink()
    except FileNotFoundError:
        return False
    return True


def load_credentials(
    *,
    env: Mapping[str, str],
    service_account_file: str,
    oauth_client_file: str,
    token_path: Path,
    endpoint: str | None,
    interactive: bool,
) -> tuple[Credentials, str]:
    """Pick the identity: config key file, then $GOOGLE_APPLICATION_CREDENTIALS, then the TL's
    OAuth login (cached token, or the browser flow when interactive), then anonymous when an
    emulator endpoint is set. Returns (credentials, describe_identity(...))."""
    key_file = service_account_file or env.get(SERVICE_ACCOUNT_ENV, "")
    creds: Credentials | None
    if key_file:
        creds = load_service_account(key_file)
    elif oauth_client_file:
        creds = load_cached_token(token_path)
        if creds is None:
            if not interactive:
                raise SheetsAuthError(
                    f"no usable OAuth token at {token_path}; sign in once with "
                    "`esp-tui auth login` in a terminal"
                )
            creds = oauth_login(oauth_client_file, token_path)
    elif endpoint:
        creds = AnonymousCredentials()
    else:
        raise SheetsAuthError(
            f"no Google credentials: set {SERVICE_ACCOUNT_ENV} or [sheet] service_account_file, "
            "or [sheet] oauth_client_file and run `esp-tui auth login` for your own login"
        )
    return creds, describe_identity(creds, token_path=token_path)


def describe_identity(credentials: Credentials, *, token_path: Path | None = None) -> str:
    """Who the requests run as, for `esp-tui auth check` (no secret in it)."""
    if isinstance(credentials, AnonymousCredentials):
        return "anonymous (emulator)"
    email = getattr(credentials, "service_account_email", None)
    if email:
        return f"service account {email}"
    where = f" (token cached at {token_path})" if token_path else ""
    return f"OAuth user{where}"
