"""Cohort days are weekdays: a week that starts mid-week skips the weekend."""

from __future__ import annotations

from datetime import date

import pytest

from esp_tui.domain.models import Cohort
from storage.cohort import get_cohort, save_cohort

THU = date(2026, 11, 26)


def cohort(start: date, **kw) -> Cohort:
    return Cohort(name="Nov", start_date=start, timezone="America/New_York", **kw)


def test_a_thursday_start_runs_thu_fri_mon_tue_wed():
    c = cohort(THU)
    assert [d.isoformat() for d in c.dates()] == [
        "2026-11-26", "2026-11-27", "2026-11-30", "2026-12-01", "2026-12-02",
    ]  # fmt: skip
    assert c.date_of(3) == date(2026, 11, 30)
    assert c.day_of(date(2026, 11, 30)) == 3
    assert c.day_of(date(2026, 11, 28)) is None  # Saturday is no cohort day


@pytest.mark.parametrize(
    ("today", "day"),
    [
        (date(2026, 11, 25), 1),  # before day 1
        (THU, 1),
        (date(2026, 11, 28), 2),  # Saturday: still Friday's day 2
        (date(2026, 11, 29), 2),
        (date(2026, 11, 30), 3),
        (date(2026, 12, 9), 5),  # after the week
    ],
)
def test_current_day_on_weekends_and_edges(today, day):
    assert cohort(THU).current_day(today) == day


def test_calendar_days_when_weekdays_only_is_off():
    c = cohort(THU, weekdays_only=False)
    assert c.date_of(3) == date(2026, 11, 28)
    assert c.day_of(date(2026, 11, 29)) == 4


def test_a_monday_start_is_the_same_either_way():
    mon = date(2026, 11, 23)
    assert cohort(mon).dates() == cohort(mon, weekdays_only=False).dates()


def test_stored_and_read_back(db):
    with db.atomic():
        save_cohort(db, cohort(THU, weekdays_only=False))
    got = get_cohort(db)
    assert got is not None and got.weekdays_only is False and got.date_of(3) == date(2026, 11, 28)


def test_a_stored_cohort_has_an_id_a_new_one_does_not(db):
    new = cohort(THU)
    with pytest.raises(ValueError, match="cohort 'Nov' is not stored yet"):
        _ = new.stored_id
    with db.atomic():
        save_cohort(db, new)
    got = get_cohort(db)
    assert got is not None and got.id is not None and got.stored_id == got.id
