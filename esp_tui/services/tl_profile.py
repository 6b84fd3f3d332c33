"""The TL's name for the tracker's TL column: [tl] name in config, else the answer the TL gave
once (kept in the database), else unknown (the app and an interactive `esp-tui sync` ask)."""

from __future__ import annotations

import unicodedata

from sqlite_utils import Database

from esp_tui.config import Config
from storage import settings

MAX_NAME = 100


class TlNameError(ValueError):
    """A name that cannot be used; str() is one line."""


def tl_name(db: Database, config: Config) -> str | None:
    return settings.tl_name(db, config.tl.name)


def check_tl_name(text: str) -> str:
    name = " ".join(text.split())
    if len(name) < 2:  # a stray "y" meant for a confirm must not become every row's TL
        raise TlNameError("your name: type the name PMs know you by (2 characters or more)")
    if len(name) > MAX_NAME:
        raise TlNameError(f"your name: at most {MAX_NAME} characters, got {len(name)}")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise TlNameError("your name: control characters are not allowed")
    return name


def set_tl_name(db: Database, text: str) -> str:
    """Keep the TL's name in the database (one transaction); returns it as stored."""
    name = check_tl_name(text)
    with db.atomic():
        settings.set_setting(db, settings.TL_NAME, name)
    return name
