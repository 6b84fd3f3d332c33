"""Shared fixtures: isolated dirs and env, a real SQLite file, config, a frozen clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from esp_tui.config import Config, build_config
from esp_tui.services.demo import seed_demo
from storage.db import connect

# Monday 23 Nov 2026 09:14 in New York = 14:14 UTC. Day 1 of the test cohort.
DAY1 = date(2026, 11, 23)
TZ = "America/New_York"
FIXED_NOW = datetime(2026, 11, 23, 14, 14, tzinfo=UTC)
TL_NAME = "Test TL"  # [tl] name of the test config: the tracker's TL column


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never read the developer's config or write into their data dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for var in (
        "ESP_TUI_DB",
        "ESP_TUI_CONFIG",
        "ESP_TUI_SPREADSHEET",
        "ESP_TUI_SHEETS_ENDPOINT",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freeze the text cursor: a blink landing between two frames made snapshot pictures
    differ under load (a flaky test keeps good work from landing)."""
    from textual.widgets import Input, TextArea

    def steady(self) -> None:  # type: ignore[no-untyped-def]
        self._cursor_visible = True

    monkeypatch.setattr(Input, "_toggle_cursor", steady)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", steady)


@pytest.fixture
def config() -> Config:
    return build_config({"cohort": {"timezone": TZ}, "tl": {"name": TL_NAME}}, "test-config")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "esp.db"


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database with every migration applied, made once per test process: each `db`
    starts as a copy of it (migrating a new file costs ~35 ms, and a thousand tests open one).
    Closed before copying, so the copy is one self-contained file (no -wal)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    connect(path).close()
    return path


@pytest.fixture
def db(db_path: Path, _migrated_template: Path) -> Iterator[Database]:
    shutil.copyfile(_migrated_template, db_path)
    db_path.chmod(0o600)  # as connect() creates a database
    database = connect(db_path)  # still runs the migration check: nothing pending
    yield database
    database.close()


@pytest.fixture
def seeded_db(db: Database, config: Config) -> Database:
    """The 24-agent demo cohort, day 1 = DAY1."""
    seed_demo(db, config, agents=24, today=DAY1)
    return db


@pytest.fixture
def clock():
    """A settable clock: clock.now is returned; tests move it."""

    class _Clock:
        now = FIXED_NOW

        def __call__(self) -> datetime:
            return self.now

    return _Clock()
