"""Storage for progress: task_progress, exam_attempts, caps, red_flags (migration 0002)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from storage import flags, progress
from storage.migrations import latest_version, schema_version
from tests.conftest import FIXED_NOW

T0 = FIXED_NOW
T1 = FIXED_NOW + timedelta(minutes=30)


def _agent(db, agent_id: str = "A1") -> str:
    from datetime import date

    from esp_tui.domain.models import Cohort
    from storage.cohort import get_cohort, save_cohort

    with db.atomic():
        if get_cohort(db) is None:
            save_cohort(db, Cohort(name="Nov 16", start_date=date(2026, 11, 16), timezone="UTC"))
        db.execute(
            "INSERT INTO agents (agent_id, name, email, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [agent_id, f"Agent {agent_id}", f"{agent_id}@example.com", "x", "x"],
        )
        db.execute(
            "INSERT INTO cohort_agents (cohort_id, agent_id, joined_at) VALUES (?, ?, 'x')",
            [get_cohort(db).id, agent_id],
        )
    return agent_id


def test_migration_creates_the_four_tables(db):
    assert schema_version(db) == latest_version()
    cols = {
        t: [c.name for c in db[t].columns]
        for t in ("task_progress", "exam_attempts", "caps", "red_flags")
    }
    # every record carries the cohort it belongs to (0009_cohorts)
    assert cols["task_progress"] == ["cohort_id", "agent_id", "task_key", "status", "updated_at"]
    assert cols["exam_attempts"] == [
        "id",
        "cohort_id",
        "agent_id",
        "task_key",
        "attempt_no",
        "score",
        "passed",
        "at",
    ]
    assert cols["caps"] == ["id", "agent_id", "level", "reason", "created_at", "day", "cohort_id"]
    assert cols["red_flags"] == [
        "id",
        "agent_id",
        "kind",
        "text",
        "raised_at",
        "pm_notified_at",
        "resolved_at",
        "cohort_id",
    ]


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO task_progress VALUES (1, 'A1', 'k', 'done', 'x')",
        "INSERT INTO exam_attempts (agent_id, task_key, attempt_no, score, passed, at)"
        " VALUES ('A1', 'k', 1, 101, 0, 'x')",
        "INSERT INTO exam_attempts (agent_id, task_key, attempt_no, score, passed, at)"
        " VALUES ('A1', 'k', 0, 50, 0, 'x')",
        "INSERT INTO caps (agent_id, level, reason, created_at) VALUES ('A1', 'oral', 'r', 'x')",
        "INSERT INTO red_flags (agent_id, kind, text, raised_at) VALUES ('A1', 'x', 't', 'x')",
        "INSERT INTO task_progress VALUES (1, 'NOBODY', 'k', 'passed', 'x')",
    ],
    ids=["status", "score", "attempt_no", "cap_level", "flag_kind", "unknown_agent"],
)
def test_schema_refuses_bad_rows(db, sql):
    _agent(db)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(sql)


def test_status_upserts_and_defaults_to_not_started(db):
    a = _agent(db)
    assert progress.get_status(db, a, "ahip_m1") == "not_started"
    with db.atomic():
        progress.set_status(db, a, "ahip_m1", "in_progress", T0)
        progress.set_status(db, a, "ahip_m1", "passed", T1)
    assert progress.get_status(db, a, "ahip_m1") == "passed"
    row = db.execute("SELECT COUNT(*), MAX(updated_at) FROM task_progress").fetchone()
    assert row == (1, T1.isoformat(timespec="seconds"))


def test_attempts_number_in_order_and_feed_the_task_state(db):
    a = _agent(db)
    b = _agent(db, "A2")
    with db.atomic():
        first = progress.add_attempt(db, a, "ahip_final", 70.0, False, T0)
        second = progress.add_attempt(db, a, "ahip_final", 80.5, False, T1)
        third = progress.add_attempt(db, a, "ahip_final", None, True, T1)
        other = progress.add_attempt(db, b, "ahip_final", 95.0, True, T0)
        progress.set_status(db, a, "ahip_final", "passed", T1)
    assert [first.attempt_no, second.attempt_no, third.attempt_no] == [1, 2, 3]
    assert other.attempt_no == 1
    assert first.at == T0 and first.at.tzinfo is not None
    assert progress.failed_count(db, a, "ahip_final") == 2
    assert [x.score for x in progress.list_attempts(db, a)] == [70.0, 80.5, None]
    state = progress.agent_states(db, a)["ahip_final"]
    # The latest attempt has no score: last_score is the latest one that has.
    assert (state.status, state.attempts, state.last_score) == ("passed", 3, 80.5)
    everyone = progress.all_states(db)
    assert everyone["A2"]["ahip_final"].status == "not_started"  # attempt, no status row
    assert everyone["A2"]["ahip_final"].attempts == 1
    assert progress.agent_states(db, "nobody") == {}


def test_caps_round_trip(db):
    a = _agent(db)
    with db.atomic():
        cap = flags.add_cap(db, a, "written", "Failed AHIP twice", T0, 1)
        flags.add_cap(db, a, "final", "Third fail", T1, None)
    assert cap.id > 0 and cap.level == "written" and cap.day == 1 and cap.created_at == T0
    assert [c.reason for c in flags.list_caps(db, a)] == ["Failed AHIP twice", "Third fail"]
    assert flags.list_caps(db, "A2") == []
    assert len(flags.list_caps(db)) == 2


def test_red_flags_notify_once_and_resolve(db):
    a = _agent(db)
    with db.atomic():
        f1 = flags.add_flag(db, a, "background_check", "Pending item", T0)
        f2 = flags.add_flag(db, a, "conduct", "Rude in the Meet", T0)
    assert f1.needs_notify and f1.pm_notified_at is None
    assert [f.id for f in flags.unnotified_flags(db)] == [f1.id, f2.id]
    with db.atomic():
        flags.mark_notified(db, f1.id, T1)
        flags.mark_notified(db, f1.id, T1 + timedelta(hours=1))  # the first time counts
        flags.mark_resolved(db, f2.id, T1)
    got = flags.get_flag(db, f1.id)
    assert got is not None and got.pm_notified_at == T1
    assert flags.unnotified_flags(db) == []  # f1 notified, f2 resolved
    assert flags.get_flag(db, 999) is None
    assert flags.list_flags(db, a)[1].resolved_at == T1
    assert flags.list_flags(db)[0].raised_at == datetime(2026, 11, 23, 14, 14, tzinfo=UTC)
