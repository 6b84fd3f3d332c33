"""`esp-tui sync` in a terminal and off one, against the Sheets emulator: the TL-name question,
the readiness warning, the confirm prompt, the JSON report. The CLI runs the sync through the
one service entry point (services/sync.sync_cohort) that the Close screen's sync_day runs too.
"""

from __future__ import annotations

import builtins
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from esp_tui.cli import main
from esp_tui.config import build_config
from esp_tui.sync.engine import connect, init_sheet
from storage.settings import tl_name
from storage.sync import count_runs
from tests.conftest import FIXED_NOW, TZ
from tests.sheet_helpers import write_sheet_config
from tests.sheets_emulator import SheetsEmulator, running_emulator

KEY = "synccli-0123456789"
TRACKER = "ESP Tracker"
CONFIRM = "write to the sheet? [y/N] "
NAME_QUESTION = "Your name for the tracker's TL column (asked once): "
TL_EMPTY = "the tracker's TL column stays empty"
RUN_KEYS = {
    "requests",
    "cells_written",
    "rows_appended",
    "conflicts",
    "outcome",
    "batches",
    "problems",
    "repaired_rows",
    "rewritten_cells",
}


@pytest.fixture(scope="module")
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        yield emulator


def env_of(emu: SheetsEmulator) -> dict[str, str]:
    return {"ESP_TUI_SHEETS_ENDPOINT": emu.endpoint, "ESP_TUI_SPREADSHEET": KEY}


@pytest.fixture
def sheet(emu: SheetsEmulator, seeded_db) -> SheetsEmulator:
    """An initialised tracker, no faults queued, an empty request log."""
    emu.create_spreadsheet(KEY, {"Sheet1": []})
    emu.clear_faults()
    cfg = build_config({"cohort": {"timezone": TZ}}, "t")
    init_sheet(connect(cfg, env_of(emu)), cfg, 5, agents=24)
    emu.reset_log()
    return emu


class Terminal:
    """stdin as a terminal (or not) with the TL's answers queued; the prompts are recorded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: list[str] = []
        self.prompts: list[str] = []
        self.tty = False
        stdin = io.StringIO()
        stdin.isatty = lambda: self.tty  # type: ignore[method-assign]
        monkeypatch.setattr(sys, "stdin", stdin)
        monkeypatch.setattr(builtins, "input", self._input)

    def _input(self, prompt: str = "") -> str:
        self.prompts.append(prompt)
        if not self.answers:
            raise EOFError
        return self.answers.pop(0)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    return Terminal(monkeypatch)


@pytest.fixture
def run(db_path: Path, tmp_path: Path, sheet: SheetsEmulator, capsys):
    """`esp-tui sync ARGS` with a config that has no [tl] name; (exit code, stdout, stderr)."""
    cfg = write_sheet_config(tmp_path)

    def go(*args: str, **env: str) -> tuple[int, str, str]:
        argv = ["sync", *args, "--db", str(db_path), "--config", str(cfg)]
        code = main(argv, env={**env_of(sheet), **env})
        out, err = capsys.readouterr()
        return code, out, err

    return go


def test_in_a_terminal_the_tl_name_is_asked_once_and_the_write_is_confirmed(
    run, terminal, seeded_db, sheet
) -> None:
    terminal.tty = True
    terminal.answers = ["  Jordan   Reyes ", "n"]
    code, out, err = run()
    assert code == 1
    assert terminal.prompts == [NAME_QUESTION, CONFIRM]
    assert "cells to write (25 new rows), 0 conflicts" in out  # the plan, before the question
    assert out.rstrip().endswith("nothing written")
    assert TL_EMPTY not in err
    assert tl_name(seeded_db) == "Jordan Reyes"  # the answer is kept even so
    assert sheet.writes == [] and count_runs(seeded_db) == 0

    terminal.prompts.clear()
    terminal.answers = ["y"]
    code, out, _ = run()
    assert code == 0 and terminal.prompts == [CONFIRM]  # asked once: not again
    assert "wrote " in out and count_runs(seeded_db) == 1
    rows = sheet.get_values(KEY, TRACKER)
    tl = rows[0].index("TL")
    assert {r[tl] for r in rows[1:] if len(r) > 1 and r[1].startswith("D1")} == {"Jordan Reyes"}


def test_a_terminal_dry_run_asks_nothing(run, terminal, seeded_db, sheet) -> None:
    terminal.tty = True
    code, out, err = run("--dry-run")
    assert code == 0 and terminal.prompts == []
    assert "would write" in out
    assert "readiness gaps today" in err and TL_EMPTY not in err  # no name needed to read
    assert tl_name(seeded_db) is None and count_runs(seeded_db) == 0


def test_a_name_that_cannot_be_used_exits_2_before_anything_is_written(
    run, terminal, seeded_db, sheet
) -> None:
    terminal.tty = True
    terminal.answers = ["y"]  # a stray confirm typed at the name question
    code, out, err = run()
    assert code == 2 and out == ""
    assert err == (
        "esp-tui: error: your name: type the name PMs know you by (2 characters or more)\n"
    )
    assert sheet.writes == [] and count_runs(seeded_db) == 0


def test_an_empty_answer_syncs_with_the_tl_column_empty_and_says_so(
    run, terminal, seeded_db, sheet
) -> None:
    terminal.tty = True
    terminal.answers = ["", "yes"]
    code, _, err = run()
    assert code == 0 and terminal.prompts == [NAME_QUESTION, CONFIRM]
    assert TL_EMPTY in err and tl_name(seeded_db) is None
    assert count_runs(seeded_db) == 1


def test_off_a_terminal_yes_warns_instead_of_asking(run, terminal, seeded_db) -> None:
    code, out, err = run("--yes")
    assert code == 0 and terminal.prompts == []
    warnings = err.splitlines()
    assert len(warnings) == 2 and all(w.startswith("esp-tui: warning: ") for w in warnings)
    assert TL_EMPTY in warnings[0] and "readiness gaps today (`esp-tui check`)" in warnings[1]
    assert out.startswith("wrote ") and count_runs(seeded_db) == 1


def test_json_prints_the_report_and_no_advice(run, terminal, seeded_db) -> None:
    terminal.tty = True  # --json never asks, even in a terminal
    code, out, err = run("--yes", "--json")
    assert code == 0 and terminal.prompts == [] and err == ""
    report = json.loads(out)
    assert set(report) == RUN_KEYS
    assert report["outcome"] == "written" and report["rows_appended"] == 25


def test_a_failed_sync_prints_the_failure_report_and_one_line(run, seeded_db, sheet) -> None:
    code, _, _ = run("--yes")  # the rows exist: the next write updates a note cell
    from storage.notes import set_note

    with seeded_db.atomic():
        set_note(seeded_db, "D1001", 1, "a note")
    sheet.inject("403")
    code, out, err = run("--yes", "--json")
    assert code == 1
    report = json.loads(out)
    assert set(report) == {
        "requests", "cells_written", "rows_appended", "conflicts", "outcome", "batches", "error"
    }  # fmt: skip
    assert report["outcome"] == "failed" and report["requests"] == 1
    assert err == f"esp-tui: error: {report['error']}\n"
    assert "no access to the spreadsheet (HTTP 403)" in err
    assert count_runs(seeded_db) == 1


def test_a_spreadsheet_key_that_is_wrong_exits_2_with_no_report(run, sheet) -> None:
    code, out, err = run("--yes", "--json", ESP_TUI_SPREADSHEET="not a key!")
    assert code == 2 and out == ""  # the sheet was never reached: no run to report
    assert err.startswith("esp-tui: error: ") and err.count("\n") == 1
    assert "is not a spreadsheet key or URL" in err
    assert sheet.requests == []


def test_the_cli_and_the_close_screen_run_the_one_entry_point_and_say_the_same(
    run, seeded_db, sheet, monkeypatch
) -> None:
    """Issue 13: the CLI called the engine itself and worded errors its own way; both now go
    through services/sync.sync_cohort, so one failure reads the same in both."""
    import esp_tui.services.sync as service
    from storage.cohort import get_cohort

    calls: list[str] = []
    real = service.sync_cohort

    def spy(db, *args, **kw):
        calls.append("dry run" if kw.get("dry_run") else "sync")
        return real(db, *args, **kw)

    monkeypatch.setattr(service, "sync_cohort", spy)
    sheet.inject("403")
    code, _, err = run("--dry-run", "--json")  # --json: no advice on stderr, the line only
    assert code == 1 and calls == ["dry run"]
    cohort = get_cohort(seeded_db)
    assert cohort is not None
    sheet.inject("403")
    with pytest.raises(service.SyncFailed) as info:
        service.sync_day(
            seeded_db, None, build_config({"cohort": {"timezone": TZ}}, "t"), cohort,
            env_of(sheet), now=lambda: FIXED_NOW, dry_run=True, resolutions={},
            progress=lambda f, s: None,
        )  # fmt: skip
    assert calls == ["dry run", "dry run"]
    assert err == f"esp-tui: error: {info.value}\n"
    assert info.value.exit_code == 1 and info.value.report is not None
