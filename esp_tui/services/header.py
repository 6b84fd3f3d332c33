"""Status segments for the header's right side (features add theirs here)."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from esp_tui.config import Config


def header_parts(db: Database, config: Config, now: datetime) -> list[str]:
    from esp_tui.services.flags import notify_text
    from esp_tui.services.tl_status import header_segment
    from storage.flags import unnotified_flags
    from storage.tickets import count_tickets  # not services.tickets: it pulls in the forms

    parts: list[str] = []
    if (tl := header_segment(db, now)) is not None:
        parts.append(tl)
    if flags := notify_text(len(unnotified_flags(db))):
        parts.append(flags)
    if drafts := count_tickets(db, status="draft"):
        parts.append(f"{drafts} draft{'s' if drafts != 1 else ''}")
    if synced := synced_segment(db, now):
        parts.append(synced)
    return parts


def synced_segment(db: Database, now: datetime) -> str | None:
    """ "synced 17:32" after the last sync the sheet accepted (with the date if not today)."""
    from storage.sync import last_run

    run = last_run(db)
    if run is None:
        return None
    local = run.finished_at.astimezone(now.tzinfo)
    return f"synced {local:%H:%M}" if local.date() == now.date() else f"synced {local:%d %b %H:%M}"
