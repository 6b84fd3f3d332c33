"""Troubleshooting sessions service: every answer saved, resume, back, resolve, escalate."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from esp_tui.config import build_config
from esp_tui.services import troubleshoot as ts
from esp_tui.services.tickets import get_ticket
from esp_tui.services.tree_files import load_trees, shipped_trees_dir
from storage.db import connect
from storage.troubleshoot import get_session
from tests.conftest import FIXED_NOW, TZ

TREES = load_trees(shipped_trees_dir())
AGENT = "D1001"
AHIP_STEPS = len(TREES["general"].steps) + len(TREES["ahip-aetna"].steps)


def t(minutes: int):
    return FIXED_NOW + timedelta(minutes=minutes)


def agent_name(db: Database) -> str:
    return db.execute("SELECT name FROM agents WHERE agent_id = ?", [AGENT]).fetchone()[0]


def count(db: Database, table: str) -> int:
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_start_saves_an_open_session_with_an_empty_path(seeded_db):
    walk = ts.start_session(seeded_db, TREES, AGENT, "ahip-aetna", now=t(0))
    row = get_session(seeded_db, walk.session_id)
    assert row is not None and row.is_open
    assert (row.agent_id, row.tree, row.ticket_id) == (AGENT, "ahip-aetna", None)
    assert row.state["path"] == [] and row.started_at == FIXED_NOW
    assert walk.engine.current is not None and walk.engine.current.id == "reload"


def test_every_answer_is_saved_and_readable_from_another_connection(seeded_db, db_path):
    walk = ts.start_session(seeded_db, TREES, AGENT, "ahip-aetna", now=t(0))
    other = connect(db_path)
    try:
        for i in range(1, 4):
            ts.answer_step(seeded_db, walk, "no", now=t(i))
            saved = get_session(other, walk.session_id)
            assert saved is not None and saved.steps_answered == i
            assert saved.updated_at == t(i)
    finally:
        other.close()


def test_resolve_early_finishes_the_session_without_a_ticket(seeded_db):
    walk = ts.start_session(seeded_db, TREES, AGENT, "ahip-aetna", now=t(0))
    ts.answer_step(seeded_db, walk, "no", now=t(1))
    assert ts.answer_step(seeded_db, walk, "yes", now=t(2)) is None
    row = get_session(seeded_db, walk.session_id)
    assert row is not None and row.outcome == "resolved" and row.ticket_id is None
    assert count(seeded_db, "tickets") == 0
    assert ts.open_session(seeded_db, AGENT) is None


def test_no_to_the_end_escalates_to_a_prefilled_carrier_ticket_draft(seeded_db):
    walk = ts.start_session(seeded_db, TREES, AGENT, "ahip-aetna", now=t(0))
    ticket = None
    for i in range(AHIP_STEPS):
        ticket = ts.answer_step(seeded_db, walk, "no", now=t(i + 1))
        assert (ticket is None) == (i < AHIP_STEPS - 1)
    assert ticket is not None
    stored = get_ticket(seeded_db, ticket.id)
    assert (stored.form, stored.status, stored.agent_id) == ("carrier_ticket", "draft", AGENT)
    fields = stored.fields
    assert fields["carrier"] == "AHIP/Aetna"
    assert agent_name(seeded_db) in fields["summary"]
    lines = fields["steps_tried"].splitlines()
    assert len(lines) == AHIP_STEPS
    assert lines[0] == "General: Reload the page — did not work"
    assert lines[-1] == "AHIP/Aetna: Call AHIP/Aetna support directly (TL) — did not work"
    assert "866.234.6909" in fields["contact_made"] and "866.714.9301" in fields["contact_made"]
    assert fields["urgency"] == "normal"
    row = get_session(seeded_db, walk.session_id)
    assert row is not None and (row.outcome, row.ticket_id) == ("escalated", ticket.id)
    assert walk.ticket_id == ticket.id


def test_escalate_now_mid_walk(seeded_db):
    walk = ts.start_session(seeded_db, TREES, AGENT, "tbt", now=t(0))
    ts.answer_step(seeded_db, walk, "no", now=t(1))
    ticket = ts.escalate_now(seeded_db, walk, now=t(2))
    assert ticket.fields["carrier"] == "TBT / Citrix"
    assert ticket.fields["steps_tried"].splitlines() == [
        "General: Reload the page — did not work",
        "General: Allow pop-ups for the training site — escalated",
    ]
    row = get_session(seeded_db, walk.session_id)
    assert row is not None and (row.outcome, row.ticket_id) == ("escalated", ticket.id)


def test_escalation_is_one_transaction_a_failed_ticket_leaves_the_session_open(seeded_db):
    walk = ts.start_session(seeded_db, TREES, AGENT, "ahip-aetna", now=t(0))
    ts.answer_step(seeded_db, walk, "no", now=t(1))
    # A real database failure on the ticket insert (not a mock).
    seeded_db.execute(
        "CREATE TRIGGER no_tickets BEFORE INSERT ON tickets BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        ts.escalate_now(seeded_db, walk, now=t(2))
    row = get_session(seeded_db, walk.session_id)
    assert row is not None and row.is_open and row.steps_answered == 1
    assert count(seeded_db, "tickets") == 0
    # The engine was rolled back with the database: the walk goes on from the same step.
    assert walk.engine.outcome is None and len(walk.engine.path) == 1
    seeded_db.execute("DROP TRIGGER no_tickets")
    assert ts.escalate_now(seeded_db, walk, now=t(3)).status == "draft"


def test_back_undoes_the_last_answer_and_saves_it(seeded_db):
    walk = ts.start_session(seeded_db, TREES, AGENT, "ahip-aetna", now=t(0))
    assert ts.step_back(seeded_db, walk, now=t(1)) is None
    ts.answer_step(seeded_db, walk, "no", now=t(2))
    ts.answer_step(seeded_db, walk, "no", now=t(3))
    removed = ts.step_back(seeded_db, walk, now=t(4))
    assert removed is not None and removed.step_id == "popup_blocker"
    assert walk.engine.current is not None and walk.engine.current.id == "popup_blocker"
    row = get_session(seeded_db, walk.session_id)
    assert row is not None and row.steps_answered == 1 and row.updated_at == t(4)


def test_a_back_whose_save_fails_keeps_the_answer_in_memory_too(seeded_db):
    walk = ts.start_session(seeded_db, TREES, AGENT, "ahip-aetna", now=t(0))
    ts.answer_step(seeded_db, walk, "no", now=t(1))
    ts.answer_step(seeded_db, walk, "no", now=t(2))
    path = walk.engine.path
    # A real database failure on the session update (not a mock).
    seeded_db.execute(
        "CREATE TRIGGER no_updates BEFORE UPDATE ON troubleshoot_sessions"
        " BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        ts.step_back(seeded_db, walk, now=t(3))
    assert walk.engine.path == path
    assert walk.engine.current is not None and walk.engine.current.id == "clear_cache"
    row = get_session(seeded_db, walk.session_id)
    assert row is not None and row.steps_answered == 2


def test_resume_after_reopening_the_database_file(seeded_db, db_path):
    walk = ts.start_session(seeded_db, TREES, AGENT, "ahip-aetna", now=t(0))
    for i in range(3):
        ts.answer_step(seeded_db, walk, "no", now=t(i + 1))
    seeded_db.close()
    db = connect(db_path)
    try:
        resumed = ts.resume_session(db, TREES, AGENT)
        assert resumed is not None and resumed.session_id == walk.session_id
        assert [e.step_id for e in resumed.engine.path] == [
            "reload",
            "popup_blocker",
            "clear_cache",
        ]
        assert resumed.engine.current is not None
        assert resumed.engine.current.id == "private_window"
        ts.answer_step(db, resumed, "yes", now=t(5))
        assert ts.resume_session(db, TREES, AGENT) is None
    finally:
        db.close()


def test_only_one_open_session_per_agent(seeded_db):
    first = ts.start_session(seeded_db, TREES, AGENT, "general", now=t(0))
    with pytest.raises(ts.TroubleshootError, match="already has an open general session"):
        ts.start_session(seeded_db, TREES, AGENT, "tbt", now=t(1))
    second = ts.start_session(seeded_db, TREES, AGENT, "tbt", now=t(2), replace_open=True)
    old = get_session(seeded_db, first.session_id)
    assert old is not None and old.outcome == "abandoned"
    open_now = ts.open_session(seeded_db, AGENT)
    assert open_now is not None and open_now.id == second.session_id
    # The schema enforces it too (a unique partial index), whatever the caller does.
    with pytest.raises(sqlite3.IntegrityError):
        seeded_db.execute(
            "UPDATE troubleshoot_sessions SET outcome = NULL WHERE id = ?", [first.session_id]
        )


def test_a_session_finished_elsewhere_refuses_further_answers(seeded_db, db_path):
    walk = ts.start_session(seeded_db, TREES, AGENT, "general", now=t(0))
    other = connect(db_path)
    try:
        ts.abandon_session(other, walk.session_id, now=t(1))
    finally:
        other.close()
    with pytest.raises(ts.TroubleshootError, match="already abandoned"):
        ts.answer_step(seeded_db, walk, "no", now=t(2))
    assert walk.engine.path == ()


def test_list_sessions_newest_first_and_last_used_tree(seeded_db):
    assert ts.last_used_tree(seeded_db) is None
    a = ts.start_session(seeded_db, TREES, AGENT, "general", now=t(0))
    ts.answer_step(seeded_db, a, "yes", now=t(1))
    b = ts.start_session(seeded_db, TREES, AGENT, "tbt", now=t(2))
    ts.abandon_session(seeded_db, b.session_id, now=t(3))
    ts.start_session(seeded_db, TREES, "D1002", "ahip-aetna", now=t(4))
    rows = ts.list_sessions(seeded_db, AGENT)
    assert [(r.tree, r.outcome) for r in rows] == [("tbt", "abandoned"), ("general", "resolved")]
    assert ts.last_used_tree(seeded_db) == "ahip-aetna"
    assert ts.last_used_tree(seeded_db, AGENT) == "tbt"


@pytest.mark.parametrize(
    ("agent", "tree", "message"),
    [
        ("NOPE", "general", "^agent 'NOPE': not in the roster of cohort 'Demo cohort'$"),
        (AGENT, "nope", "unknown tree 'nope'"),
    ],
)
def test_start_refuses_unknown_agent_or_tree(seeded_db, agent, tree, message):
    with pytest.raises(ts.TroubleshootError, match=message):
        ts.start_session(seeded_db, TREES, agent, tree, now=t(0))
    assert count(seeded_db, "troubleshoot_sessions") == 0


def _user_trees(tmp_path: Path, general_start_text: str) -> dict:
    folder = tmp_path / "trees"
    folder.mkdir()
    (folder / "general.toml").write_text(
        f"""title = "My general"
label = "Mine"
start = "first"

[[steps]]
id = "first"
text = "{general_start_text}"
outcomes = {{ no = "escalate" }}
""",
        encoding="utf-8",
    )
    cfg = build_config({"cohort": {"timezone": TZ}, "trees": {"user_dir": str(folder)}}, "t")
    trees, errors = ts.tree_catalog(cfg)
    assert errors == []
    return trees


def test_user_trees_override_shipped_ones(tmp_path):
    trees = _user_trees(tmp_path, "Ask IT")
    assert trees["general"].title == "My general"
    assert "ahip-aetna" in trees and "tbt" in trees


def test_stale_session_offers_restart_or_abandon(seeded_db, tmp_path):
    walk = ts.start_session(seeded_db, TREES, AGENT, "ahip-aetna", now=t(0))
    ts.answer_step(seeded_db, walk, "no", now=t(1))
    ts.answer_step(seeded_db, walk, "no", now=t(2))
    edited = _user_trees(tmp_path, "Ask IT")  # general no longer has reload/popup_blocker
    with pytest.raises(ts.StaleSessionError) as info:
        ts.resume_session(seeded_db, edited, AGENT)
    assert info.value.session.id == walk.session_id
    assert "the tree changed" in str(info.value)
    fresh = ts.restart_session(seeded_db, edited, walk.session_id, now=t(3))
    assert fresh.session_id != walk.session_id and fresh.engine.path == ()
    assert fresh.engine.current is not None and fresh.engine.current.text == "Ask IT"
    old = get_session(seeded_db, walk.session_id)
    assert old is not None and old.outcome == "abandoned"
    # The old path is kept for the agent's history.
    assert [e["step_id"] for e in old.state["path"]] == ["reload", "popup_blocker"]
    ts.abandon_session(seeded_db, fresh.session_id, now=t(4))
    assert ts.resume_session(seeded_db, edited, AGENT) is None


def test_state_json_is_the_engine_state(seeded_db):
    walk = ts.start_session(seeded_db, TREES, AGENT, "general", now=t(0))
    ts.answer_step(seeded_db, walk, "no", now=t(1))
    raw = seeded_db.execute(
        "SELECT state_json FROM troubleshoot_sessions WHERE id = ?", [walk.session_id]
    ).fetchone()[0]
    assert json.loads(raw) == walk.engine.to_state()
