"""Status segments for the header's right side (features add theirs here)."""

from __future__ import annotations

from datetime import date, datetime

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Cohort


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


def cohort_marks(db: Database, cohort: Cohort | None, today: date) -> list[tuple[str, str]]:
    """What the TL must not miss about the cohort on screen, as (kind, text): "closed" when its
    stamps and notes are read-only, "other" when it is not the database's current cohort (the
    one esp-tui and the CLI open by default; another process may have switched it)."""
    from storage import cohort as store

    if cohort is None or cohort.id is None:
        return []
    marks: list[tuple[str, str]] = []
    if cohort.closed:
        marks.append(("closed", "closed · read-only"))
    if store.current_id(db) not in (None, cohort.id):
        over = cohort.date_of(cohort.days) < today
        marks.append(("other", "viewing past cohort" if over else "not the current cohort"))
    return marks
