"""Configuration: the shipped TOML defaults, merged with the TL's own TOML file.

Built once by `load_config()` and passed in; nothing reads config at import time.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
)

from esp_tui.domain.attendance import AttendanceConfig
from esp_tui.domain.forms import FORMS, default_form_tabs
from esp_tui.domain.models import DaySchedule, Schedule
from esp_tui.domain.tasks import CallCertRule, GuideStep, TaskSpec

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

CONFIG_ENV = "ESP_TUI_CONFIG"
SPREADSHEET_ENV = "ESP_TUI_SPREADSHEET"
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ConfigError(ValueError):
    """An invalid config; str() names the file, the key and what was expected."""


class _Strict(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")


def _hhmm(v: str) -> str:
    if not isinstance(v, str) or not _HHMM.match(v):
        raise ValueError(f"expected a time as HH:MM (24h), got {v!r}")
    return v


class CohortSettings(_Strict):
    default_name: str = "ESP cohort"
    timezone: str = "local"
    days: int = Field(5, ge=1, le=14)
    weekdays_only: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        if v == "local":
            return v
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"expected an IANA timezone like 'America/Chicago', got {v!r}"
            ) from None
        return v


class DayHours(_Strict):
    start: str = "09:00"
    end: str = "17:00"

    _v = field_validator("start", "end")(classmethod(lambda cls, v: _hhmm(v)))


class ScheduleSettings(DayHours):
    days: dict[str, DayHours] = Field(default_factory=dict)

    @field_validator("days")
    @classmethod
    def _day_numbers(cls, v: dict[str, DayHours]) -> dict[str, DayHours]:
        for k in v:
            if not k.isdigit() or int(k) < 1:
                raise ValueError(f'expected day numbers like "1" as keys, got {k!r}')
        return v

    def to_schedule(self) -> Schedule:
        def day(h: DayHours) -> DaySchedule:
            return DaySchedule(start=time.fromisoformat(h.start), end=time.fromisoformat(h.end))

        return Schedule(default=day(self), days={int(k): day(h) for k, h in self.days.items()})


class TreesSettings(_Strict):
    user_dir: str = ""


class IntroResource(_Strict):
    title: str
    url: str = ""


class IntroSettings(_Strict):
    target_minutes: int = Field(90, ge=1)
    resources: list[IntroResource] = Field(default_factory=list)


def _templates(v: list[str]) -> list[str]:
    """[notes] templates: each a non-empty line of at most 200 characters, none twice."""
    seen: set[str] = set()
    for i, t in enumerate(v):
        text = " ".join(t.split())
        if not text or len(text) > 200 or "\n" in t:
            raise ValueError(f"template {i + 1}: expected one line of 1-200 characters")
        if text.casefold() in seen:
            raise ValueError(f"template {i + 1}: {text!r} is listed twice")
        seen.add(text.casefold())
    return [" ".join(t.split()) for t in v]


class NotesSettings(_Strict):
    templates: Annotated[list[str], AfterValidator(_templates)] = Field(default_factory=list)


class SheetHeaders(_Strict):
    agent_id: str = "Agent ID"
    name: str = "Name"
    email: str = "Email"
    tl: str = "TL"
    cohort: str = "Cohort"
    attendance: str = "Day {day} Attendance"
    task: str = "{task}"
    caps: str = "CAPs"
    red_flags: str = "Red flags"
    note: str = "Day {day} Notes"


def _form_tabs(v: dict[str, str]) -> dict[str, str]:
    """[sheet.form_tabs]: a tab title per form of the registry; forms left out keep their
    spec's default_tab, an unknown form is an error."""
    unknown = [k for k in v if k not in FORMS]
    if unknown:
        raise ValueError(f"unknown form {unknown[0]!r}; forms: {', '.join(FORMS)}")
    return {name: v.get(name, spec.default_tab) for name, spec in FORMS.items()}


class SheetSettings(_Strict):
    spreadsheet: str = ""
    tracker_tab: str = "ESP Tracker"
    red_flags_tab: str = "Red Flags"
    service_account_file: str = ""
    oauth_client_file: str = ""
    max_retries: int = Field(5, ge=0, le=10)
    sync_timeout_s: float = Field(120.0, gt=0, le=3600)
    headers: SheetHeaders = SheetHeaders()
    # form name -> tab title (the defaults come from the form registry)
    form_tabs: Annotated[dict[str, str], AfterValidator(_form_tabs)] = Field(
        default_factory=default_form_tabs
    )


class TlSettings(_Strict):
    name: str = Field("", max_length=100)


class BackupSettings(_Strict):
    keep: int = Field(14, ge=1)


_Alias = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _aliases(role: str) -> Any:
    from esp_tui.domain.roster_csv import DEFAULT_COLUMNS

    return Field(default_factory=lambda: list(DEFAULT_COLUMNS[role]), min_length=1)


class RosterColumns(_Strict):
    """`[roster.columns]`: the header texts of each roster field, tried in order (any case,
    spacing or punctuation); the field's own name (`agent_id`) is always accepted too."""

    agent_id: list[_Alias] = _aliases("agent_id")
    name: list[_Alias] = _aliases("name")
    first_name: list[_Alias] = _aliases("first_name")
    last_name: list[_Alias] = _aliases("last_name")
    email: list[_Alias] = _aliases("email")
    team: list[_Alias] = _aliases("team")

    def aliases(self) -> dict[str, tuple[str, ...]]:
        return {role: tuple(v) for role, v in self.model_dump().items()}


class RosterSettings(_Strict):
    columns: RosterColumns = RosterColumns()


class AttendanceSettings(AttendanceConfig):
    """`[attendance]`: the domain's rules plus the Close checklist's day-end rule."""

    # true: the day's scheduled end counts as the out of an agent still stamped in, so the
    # Close checklist asks for no out stamp (false: every present agent needs an out stamp).
    auto_out_at_day_end: bool = False


class Config(_Strict):
    cohort: CohortSettings = CohortSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    attendance: AttendanceSettings = AttendanceSettings()
    tasks: list[TaskSpec] = Field(default_factory=list)
    failed_exam_guide: list[GuideStep] = Field(default_factory=list)
    call_cert: CallCertRule = CallCertRule()
    trees: TreesSettings = TreesSettings()
    intro: IntroSettings = IntroSettings()
    notes: NotesSettings = NotesSettings()
    sheet: SheetSettings = SheetSettings()
    backup: BackupSettings = BackupSettings()
    roster: RosterSettings = RosterSettings()
    tl: TlSettings = TlSettings()
    keymap: dict[str, str] = Field(default_factory=dict)
    # The file it came from, for errors found after parsing (the keymap: esp_tui/keymap.py).
    _source: str = PrivateAttr("")

    @property
    def source(self) -> str:
        return self._source

    @field_validator("tasks")
    @classmethod
    def _unique_task_keys(cls, v: list[TaskSpec]) -> list[TaskSpec]:
        seen: set[str] = set()
        for t in v:
            if t.key in seen:
                raise ValueError(f"duplicate task key {t.key!r}")
            seen.add(t.key)
        return v

    def task(self, key: str) -> TaskSpec | None:
        return next((t for t in self.tasks if t.key == key), None)


def default_config_text() -> str:
    return resources.files("esp_tui.data").joinpath("default_config.toml").read_text("utf-8")


def default_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("esp-tui", appauthor=False) / "config.toml"


def resolve_config_path(cli_path: str | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """(path, explicit): an explicit path (--config / $ESP_TUI_CONFIG) must exist."""
    if cli_path:
        return Path(cli_path).expanduser(), True
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser(), True
    return default_config_path(), False


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; everything else (arrays of tables included) is replaced."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _describe(err: ErrorDetails, data: Mapping[str, Any]) -> str:
    loc = err["loc"]
    key = ".".join(str(p) for p in loc) or "(top level)"
    # Arrays of tables: show "tasks[3].due_day" rather than "tasks.3.due_day".
    key = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", key)
    if err["type"] == "extra_forbidden":
        return f"key '{key}': unknown key"
    msg = err["msg"].removeprefix("Value error, ")
    return f"key '{key}': {msg}"


def build_config(user: Mapping[str, Any], source: str) -> Config:
    base = tomllib.loads(default_config_text())
    data = _merge(base, user)
    try:
        config = Config.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        raise ConfigError(f"{source}: {_describe(first, data)}") from None
    from esp_tui.config_checks import config_problem

    problem = config_problem(config)  # across tables: end after start, days within the cohort
    if problem:
        raise ConfigError(f"{source}: {problem}")
    config._source = source
    return config


def load_config(cli_path: str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Load the config the TL asked for (or the shipped defaults when there is none)."""
    env = os.environ if env is None else env
    path, explicit = resolve_config_path(cli_path, env)
    user: dict[str, Any] = {}
    if path.exists():
        try:
            user = tomllib.loads(path.read_text("utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: not valid TOML: {e}") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: cannot read the config file: {e}") from None
    elif explicit:
        raise ConfigError(f"{path}: config file not found")
    config = build_config(user, str(path) if path.exists() else "default_config.toml")
    if env.get(SPREADSHEET_ENV):
        config.sheet.spreadsheet = env[SPREADSHEET_ENV]
    return config
