"""Timestamps as stored: ISO-8601 UTC text."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_text(dt: datetime) -> str:
    if dt.tzinfo is None:
        raise ValueError("naive datetime: store aware UTC times only")
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
