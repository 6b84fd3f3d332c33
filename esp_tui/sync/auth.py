"""Credentials for the Sheets API: service account, the TL's OAuth login, or anonymous.

Spreadsheets scope only: the sheet is opened by key, never through Drive. Secrets (keys,
tokens) are never printed or logged; messages name files, never their contents.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

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


def oauth_login(client_file: str | Path, token_path: Path) -> Credentials:
    """The TL's installed-app OAuth flow in the browser; the token is cached at token_path."""
    from google.oauth2.credentials import Credentials as UserCredentials
    from google_auth_oauthlib.flow import InstalledAppFlow

    if not Path(client_file).is_file():
        raise SheetsAuthError(f"{client_file}: OAuth client secrets file not found")
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(client_file), scopes=SCOPES)
    except ValueError as err:
        raise SheetsAuthError(
            f"{client_file}: not an OAuth client secrets file ({_safe_reason(err)})"
        ) from None
    creds: UserCredentials = flow.run_local_server(port=0, open_browser=True)
    save_token(creds.to_json(), token_path)
    return creds


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
                    "`esp-tui auth check` in a terminal"
                )
            creds = oauth_login(oauth_client_file, token_path)
    elif endpoint:
        creds = AnonymousCredentials()
    else:
        raise SheetsAuthError(
            f"no Google credentials: set {SERVICE_ACCOUNT_ENV} or [sheet] service_account_file, "
            "or [sheet] oauth_client_file for your own login"
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
