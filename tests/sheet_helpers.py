"""Helpers shared by the tests that reach the Sheets emulator through the app or the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.sync.engine import connect, init_sheet
from storage.agents import list_agents
from storage.attendance import append_event
from storage.flags import list_flags, mark_notified
from storage.notes import set_note
from tests.conftest import TZ
from tests.sheets_emulator import SheetsEmulator

DAY1_0900 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 09:00 New York, day 1
DAY1_1700 = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 17:00 New York: the day's end


def use_sheet(
    emu: SheetsEmulator, config: Config, monkeypatch: pytest.MonkeyPatch, key: str
) -> SheetsEmulator:
    """A fresh spreadsheet laid out by `sheet init`, found through the environment (the Close
    screen's worker reads os.environ); the request log starts empty."""
    emu.create_spreadsheet(key, {"Sheet1": []})
    emu.clear_faults()
    env = {"ESP_TUI_SHEETS_ENDPOINT": emu.endpoint, "ESP_TUI_SPREADSHEET": key}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    init_sheet(connect(config, env), config, 5)
    emu.reset_log()
    return emu


def ready_day1(db: Database, note: str = "ok") -> None:
    """Day 1 with no readiness gap: everyone in and out, a note each, every red flag notified."""
    with db.atomic():
        for a in list_agents(db):
            append_event(db, agent_id=a.agent_id, day=1, kind="in", at=DAY1_0900)
            append_event(db, agent_id=a.agent_id, day=1, kind="out", at=DAY1_1700)
            set_note(db, a.agent_id, 1, note)
        for f in list_flags(db):
            mark_notified(db, f.id, DAY1_0900)


def write_sheet_config(tmp_path: Path, **sheet: Any) -> Path:
    """A TL config file with these [sheet] keys (and the tests' timezone)."""
    lines = ["[cohort]", f'timezone = "{TZ}"', "[sheet]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in sheet.items()]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
