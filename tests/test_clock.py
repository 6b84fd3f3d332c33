"""The clock service: a timezone setting resolved to a zone, "local" read from this machine
($TZ, then /etc/localtime, else UTC), and the cohort rules run in the cohort's resolved zone."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from esp_tui.clock import machine_zone, resolve_timezone, zone_of
from esp_tui.domain import cohort_time as rules
from esp_tui.domain.models import Cohort
from esp_tui.services import cohort_time


def test_resolve_named_zone_and_unknown_zone() -> None:
    assert resolve_timezone("America/Chicago") == ZoneInfo("America/Chicago")
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus'"):
        resolve_timezone("Mars/Olympus")


def test_a_named_zone_ignores_the_machine() -> None:
    env = {"TZ": "Asia/Kolkata"}
    assert resolve_timezone("America/Chicago", environ=env).key == "America/Chicago"


def test_local_prefers_tz_env() -> None:
    env = {"TZ": "Asia/Kolkata"}
    assert resolve_timezone("local", environ=env, localtime=Path("/nonexistent")).key == (
        "Asia/Kolkata"
    )
    assert resolve_timezone("LOCAL", environ={"TZ": ":Europe/Paris"}).key == "Europe/Paris"


def test_local_reads_the_localtime_symlink(tmp_path: Path) -> None:
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/America/Denver")
    zone = resolve_timezone("local", environ={}, localtime=link)
    assert zone.key == "America/Denver"


def test_local_reads_a_copied_localtime_file(tmp_path: Path) -> None:
    import tzdata  # the packaged zone files: present whether or not the OS has /usr/share/zoneinfo

    src = Path(tzdata.__file__).parent / "zoneinfo" / "Asia" / "Kolkata"
    copy = tmp_path / "localtime"
    shutil.copyfile(src, copy)
    zone = resolve_timezone("local", environ={"TZ": "not a zone"}, localtime=copy)
    assert datetime(2026, 1, 1, tzinfo=zone).utcoffset() == timedelta(hours=5, minutes=30)


def test_tz_naming_a_zone_file_is_read(tmp_path: Path) -> None:
    import tzdata

    copy = tmp_path / "Kolkata"
    shutil.copyfile(Path(tzdata.__file__).parent / "zoneinfo" / "Asia" / "Kolkata", copy)
    zone = machine_zone(environ={"TZ": str(copy)}, localtime=tmp_path / "missing")
    assert datetime(2026, 1, 1, tzinfo=zone).utcoffset() == timedelta(hours=5, minutes=30)


def test_local_falls_back_to_utc(tmp_path: Path) -> None:
    zone = resolve_timezone("local", environ={}, localtime=tmp_path / "missing")
    assert zone.key == "UTC"


def test_local_on_this_machine_is_a_zone() -> None:
    assert isinstance(resolve_timezone("local"), ZoneInfo)


# --- the cohort's rules in its resolved zone -----

NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # Tuesday


def cohort(timezone: str) -> Cohort:
    return Cohort(name="C", start_date=date(2026, 3, 9), timezone=timezone)


def test_service_rules_use_the_cohorts_named_zone() -> None:
    c = cohort("Asia/Kolkata")
    ist = ZoneInfo("Asia/Kolkata")
    assert zone_of(c) == ist
    start, end = cohort_time.day_window(c, 2)
    assert (start, end) == rules.day_window(c, 2, ist)
    assert start == datetime(2026, 3, 10, 3, 30, tzinfo=UTC)
    # 14:30 UTC is 20:00 in Kolkata: day 2 is over there, not in Chicago (08:30).
    assert cohort_time.is_day_over(c, 2, NOW)
    assert not cohort_time.is_day_over(cohort("America/Chicago"), 2, NOW)
    assert cohort_time.today_or_error(c, NOW) == 2
    assert cohort_time.is_today(c, 2, NOW)
    assert cohort_time.resolve_at(c, 1, NOW, "09:10") == datetime(2026, 3, 9, 3, 40, tzinfo=UTC)


def test_service_rules_refuse_the_future_in_the_cohorts_zone() -> None:
    c = cohort("Asia/Kolkata")
    later = NOW + timedelta(minutes=5)
    with pytest.raises(cohort_time.AttendanceError, match=r"day 2 20:05 is in the future"):
        cohort_time.check_not_future(c, 2, later, NOW)
    cohort_time.check_not_future(c, 2, NOW + cohort_time.FUTURE_SLACK, NOW)


def test_a_local_cohort_runs_in_the_machines_zone() -> None:
    c = cohort("local")
    assert zone_of(c) == resolve_timezone("local")
    assert cohort_time.day_window(c, 1) == rules.day_window(c, 1, resolve_timezone("local"))
