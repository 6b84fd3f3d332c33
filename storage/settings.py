"""Per-database settings the TL answered once (key -> text)."""

from __future__ import annotations

from sqlite_utils import Database

TL_NAME = "tl_name"


def get_setting(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def set_setting(db: Database, key: str, value: str) -> None:
    """Call inside db.atomic()."""
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def tl_name(db: Database, configured: str = "") -> str | None:
    """The TL's name for the TL column: `configured` ([tl] name) wins, else the stored answer."""
    return configured.strip() or get_setting(db, TL_NAME) or None
