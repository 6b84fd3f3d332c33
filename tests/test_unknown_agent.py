"""One rule, one message for "the agent must exist" (issue 13): services/agents.require_agent.

Every service action refuses an agent outside the cohort's roster with that message, in its own
error type (so callers' handlers stay as they are), and writes nothing; the CLI says the same
line, naming its argument where it always has (AGENT_ID).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest
import time_machine

from esp_tui.cli import main
from esp_tui.domain.meet_report import Proposal
from esp_tui.services import (
    attendance,
    exam_guide,
    flags,
    meet_import,
    progress,
    rooms,
    tl_status,
    troubleshoot,
)
from esp_tui.services.agents import unknown_agent_message
from esp_tui.services.tree_files import load_trees, shipped_trees_dir
from storage.cohort import get_cohort
from tests.conftest import FIXED_NOW

MESSAGE = "agent 'NOPE': not in the roster of cohort 'Demo cohort'"
AS_ARGUMENT = "AGENT_ID 'NOPE': not in the roster of cohort 'Demo cohort'"  # `stamp`, `note`
TABLES = (
    "attendance_events", "notes", "task_progress", "exam_attempts", "caps", "red_flags",
    "room_moves", "tl_status_log", "troubleshoot_sessions", "tickets",
)  # fmt: skip


def rows(db) -> dict[str, int]:
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _meet(db, config, cohort):
    seen = Proposal(
        agent_id="NOPE", participant="x", first_seen=time(9), last_seen=time(9), matched_by="name"
    )
    return meet_import.accept_meet_proposals(db, cohort, 1, [seen], now=FIXED_NOW)


ACTIONS: dict[str, tuple[type[Exception], Callable]] = {
    "stamp": (
        attendance.AttendanceError,
        lambda db, config, cohort: attendance.stamp(
            db, config, cohort, "NOPE", "in", day=1, now=FIXED_NOW
        ),
    ),
    "note": (
        attendance.AttendanceError,
        lambda db, config, cohort: attendance.set_note(db, cohort, "NOPE", 1, "hello"),
    ),
    "meet import": (attendance.AttendanceError, _meet),
    "red flag": (
        flags.FlagError,
        lambda db, config, cohort: flags.raise_flag(db, config, "NOPE", "conduct", "x"),
    ),
    "CAP": (
        flags.FlagError,
        lambda db, config, cohort: flags.create_cap(db, config, "NOPE", "verbal", "late"),
    ),
    "progress status": (
        progress.ProgressError,
        lambda db, config, cohort: progress.set_status(db, config, "NOPE", "ahip_m1", "passed"),
    ),
    "cycle status": (
        progress.ProgressError,
        lambda db, config, cohort: progress.cycle_status(db, config, "NOPE", "ahip_m1"),
    ),
    "attempt": (
        progress.ProgressError,
        lambda db, config, cohort: progress.record_attempt(db, config, "NOPE", "ahip_final", 50),
    ),
    "call cert": (
        progress.ProgressError,
        lambda db, config, cohort: progress.record_call_cert(db, config, "NOPE", [95.0]),
    ),
    "task list": (
        progress.ProgressError,
        lambda db, config, cohort: progress.agent_tasks(db, config, "NOPE"),
    ),
    "guide": (
        progress.ProgressError,
        lambda db, config, cohort: exam_guide.act_on_guide(db, config, "NOPE", "ahip_final"),
    ),
    "room move": (
        rooms.RoomError,
        lambda db, config, cohort: rooms.move_agent(db, "NOPE", None, now=FIXED_NOW),
    ),
    "TL assisting": (
        tl_status.TlStatusError,
        lambda db, config, cohort: tl_status.set_status(
            db, "assisting", now=FIXED_NOW, agent_id="NOPE"
        ),
    ),
    "troubleshoot": (
        troubleshoot.TroubleshootError,
        lambda db, config, cohort: troubleshoot.start_session(
            db, load_trees(shipped_trees_dir()), "NOPE", "general", now=FIXED_NOW
        ),
    ),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_service_says_the_one_message_in_its_own_error_and_writes_nothing(
    seeded_db, config, action
) -> None:
    error, run = ACTIONS[action]
    cohort = get_cohort(seeded_db)
    before = rows(seeded_db)
    with pytest.raises(error) as info:
        run(seeded_db, config, cohort)
    assert str(info.value) == MESSAGE == unknown_agent_message(seeded_db, "NOPE")
    assert rows(seeded_db) == before


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (("stamp", "NOPE", "in"), AS_ARGUMENT),
        (("note", "NOPE", "hello"), AS_ARGUMENT),
        (("progress", "set", "NOPE", "ahip_m1", "passed"), MESSAGE),
        (("flag", "NOPE", "conduct", "x"), MESSAGE),
    ],
)
def test_the_cli_says_the_same_line_and_exits_2(seeded_db, db_path, capsys, argv, line) -> None:
    before = rows(seeded_db)
    with time_machine.travel(FIXED_NOW, tick=False):
        code = main(["--db", str(db_path), *argv])
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", f"esp-tui: error: {line}\n")
    assert rows(seeded_db) == before
