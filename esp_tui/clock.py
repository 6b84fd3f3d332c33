"""The app's notion of "now" and of the cohort's timezone (injectable for tests).

A cohort's timezone is an IANA name or "local": this machine's zone, read here from `$TZ` and
`/etc/localtime` (the domain only resolves IANA names, it does no I/O).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from esp_tui.domain.attendance import iana_zone, is_local_zone

if TYPE_CHECKING:
    from esp_tui.domain.models import Cohort

Clock = Callable[[], datetime]

LOCALTIME = Path("/etc/localtime")


def system_clock() -> datetime:
    return datetime.now(UTC)


def _zone_from_localtime(path: Path) -> ZoneInfo | None:
    try:
        target = os.readlink(path)
    except OSError:
        target = None
    if target is not None and "zoneinfo/" in target:
        try:
            return ZoneInfo(target.split("zoneinfo/", 1)[1])
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        with path.open("rb") as fh:
            return ZoneInfo.from_file(fh, key="localtime")
    except (OSError, ValueError):
        return None


def machine_zone(
    *, environ: Mapping[str, str] | None = None, localtime: Path = LOCALTIME
) -> ZoneInfo:
    """This machine's zone: $TZ, then /etc/localtime, else UTC."""
    env = os.environ if environ is None else environ
    tz_env = env.get("TZ", "").strip().lstrip(":")
    if tz_env.startswith("/"):
        zone = _zone_from_localtime(Path(tz_env))
        if zone is not None:
            return zone
    elif tz_env:
        try:
            return ZoneInfo(tz_env)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # a POSIX rule string like "EST5EDT,M3.2.0,M11.1.0": not an IANA key
    return _zone_from_localtime(localtime) or ZoneInfo("UTC")


def resolve_timezone(
    name: str, *, environ: Mapping[str, str] | None = None, localtime: Path = LOCALTIME
) -> ZoneInfo:
    """An IANA zone by name; "local" = this machine's zone ($TZ, then /etc/localtime, else UTC)."""
    if is_local_zone(name):
        return machine_zone(environ=environ, localtime=localtime)
    return iana_zone(name)


def cohort_zone(name: str) -> ZoneInfo:
    """The zone of a timezone setting, read afresh ("local" follows the machine)."""
    return resolve_timezone(name)


@lru_cache(maxsize=8)
def _cached_zone(name: str) -> ZoneInfo:
    return resolve_timezone(name)


def zone_of(cohort: Cohort) -> ZoneInfo:
    """The cohort's zone, resolved once per process and timezone name."""
    return _cached_zone(cohort.timezone)
