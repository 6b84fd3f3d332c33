"""Status segments for the header's right side (features add theirs here)."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from esp_tui.config import Config


def header_parts(db: Database, config: Config, now: datetime) -> list[str]:
    return []
