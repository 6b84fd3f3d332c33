"""The cohort row (one per database)."""

from __future__ import annotations

import json
from datetime import date

from sqlite_utils import Database

from esp_tui.domain.models import Cohort, Schedule
from storage.clock import to_text, utcnow


def get_cohort(db: Database) -> Cohort | None:
    row = db.execute("SELECT * FROM cohort WHERE id = 1").fetchone()
    if row is None:
        return None
    cols = [d[0] for d in db.execute("SELECT * FROM cohort LIMIT 0").description]
    r = dict(zip(cols, row, strict=True))
    return Cohort(
        name=r["name"],
        start_date=date.fromisoformat(r["start_date"]),
        timezone=r["timezone"],
        days=r["days"],
        schedule=Schedule.model_validate(json.loads(r["schedule_json"])),
        is_demo=bool(r["is_demo"]),
        weekdays_only=bool(r["weekdays_only"]),
    )


def save_cohort(db: Database, cohort: Cohort) -> None:
    """Insert or replace the cohort row. Call inside db.atomic()."""
    db.execute(
        """INSERT INTO cohort (id, name, start_date, timezone, days, schedule_json, is_demo,
                               created_at, weekdays_only)
           VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET name = excluded.name, start_date = excluded.start_date,
               timezone = excluded.timezone, days = excluded.days,
               schedule_json = excluded.schedule_json, is_demo = excluded.is_demo,
               weekdays_only = excluded.weekdays_only""",
        [
            cohort.name,
            cohort.start_date.isoformat(),
            cohort.timezone,
            cohort.days,
            cohort.schedule.model_dump_json(),
            int(cohort.is_demo),
            to_text(utcnow()),
            int(cohort.weekdays_only),
        ],
    )
