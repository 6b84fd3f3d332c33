"""Progress and flag services on a real SQLite file: day boundaries, every step of the guide
ladder, call certification, nested transactions, the read models and the demo data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from esp_tui.config import build_config
from esp_tui.domain.records import Cap, RedFlag
from esp_tui.services import exam_guide as guide
from esp_tui.services import flags as flag_svc
from esp_tui.services import progress as svc
from esp_tui.services.header import header_parts
from esp_tui.services.report import roster_report
from storage import progress as store
from storage.flags import list_caps, list_flags, unnotified_flags
from tests.conftest import FIXED_NOW, TZ

A = "D1001"  # a demo agent with nothing recorded beyond AHIP modules 1-2
UNKNOWN = "^agent 'NOPE': not in the roster of cohort 'Demo cohort'$"  # services/agents, for all


def ny(day: int, hhmm: str) -> datetime:
    """Cohort-local New York time on cohort day `day` (day 1 = Mon 23 Nov 2026), as UTC."""
    from zoneinfo import ZoneInfo

    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 11, 22 + day, h, m, tzinfo=ZoneInfo(TZ)).astimezone(UTC)


def counts(db) -> tuple[int, int, int, int]:
    return tuple(
        db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("task_progress", "exam_attempts", "caps", "red_flags")
    )


# --- the cohort day and its end ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (ny(1, "08:00") - timedelta(days=3), (1, False)),  # before day 1
        (ny(1, "09:14"), (1, False)),
        (ny(1, "16:59"), (1, False)),
        (ny(1, "17:00"), (1, True)),  # the scheduled end itself closes the day
        (ny(2, "00:30"), (2, False)),
        (ny(5, "17:00"), (5, True)),
        (ny(5, "12:00") + timedelta(days=4), (5, True)),  # after the cohort
    ],
)
def test_cohort_day_and_day_over(seeded_db, config, now, expected):
    assert svc.cohort_day(seeded_db, config, now) == expected


@pytest.mark.parametrize(
    ("now", "behind", "due_today"),
    [
        (ny(1, "16:59"), [], ["ahip_m1"]),
        (ny(1, "17:00"), ["ahip_m1"], []),
        (ny(2, "09:00"), ["ahip_m1"], ["ahip_m3", "ahip_m4"]),
    ],
)
def test_behind_at_the_day_boundary(seeded_db, config, now, behind, due_today):
    # D1006 is the demo agent with module 1 not passed (module 2 passed).
    p = svc.progress_by_agent(seeded_db, config, now=now)["D1006"]
    assert p.behind == behind
    assert p.due_today == due_today


# --- status ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "current", "expected"),
    [
        ("ahip_m1", "not_started", "in_progress"),
        ("ahip_m1", "in_progress", "passed"),
        ("ahip_m1", "passed", "failed"),
        ("ahip_m1", "failed", "waived"),
        ("ahip_m1", "waived", "not_started"),
        ("ahip_final", "passed", "waived"),  # exams skip failed: only an attempt fails them
        ("ahip_final", "failed", "in_progress"),  # the retake
        ("ahip_final", "waived", "not_started"),
    ],
)
def test_next_status(config, key, current, expected):
    assert svc.next_status(config.task(key), current) == expected


def test_set_and_cycle_status(seeded_db, config):
    state = svc.set_status(seeded_db, config, A, "ahip_m3", "in_progress", now=FIXED_NOW)
    assert state.status == "in_progress"
    assert svc.cycle_status(seeded_db, config, A, "ahip_m3", now=FIXED_NOW).status == "passed"
    assert store.get_status(seeded_db, A, "ahip_m3") == "passed"


@pytest.mark.parametrize(
    ("agent", "task", "status", "message"),
    [
        ("NOPE", "ahip_m1", "passed", UNKNOWN),
        (A, "ahip_m9", "passed", "task 'ahip_m9': not in the task catalog"),
        (A, "ahip_m1", "done", "status 'done': expected one of"),
    ],
)
def test_set_status_refuses_bad_input_and_writes_nothing(
    seeded_db, config, agent, task, status, message
):
    before = counts(seeded_db)
    with pytest.raises(svc.ProgressError, match=message):
        svc.set_status(seeded_db, config, agent, task, status)
    assert counts(seeded_db) == before


# --- attempts and the failed-exam guide ---------------------------------------------------------


def test_every_step_of_the_guide_ladder(seeded_db, config):
    db = seeded_db
    flags_before = len(list_flags(db))

    o1 = svc.record_attempt(db, config, A, "cert_aetna", 70, now=FIXED_NOW)
    assert (o1.passed, o1.step.action, o1.creates, o1.attempts_left) == (
        False,
        "coaching",
        "",
        2,
    )
    assert "attempt 1 failed with 70% (pass mark 85%)" in o1.message
    assert "(2 attempts left)" in o1.message
    assert store.get_status(db, A, "cert_aetna") == "failed"
    assert svc.act_on_guide(db, config, A, "cert_aetna") is None  # coaching creates nothing

    o2 = svc.record_attempt(db, config, A, "cert_aetna", 84.9, now=FIXED_NOW)
    assert (o2.step.action, o2.creates, o2.attempts_left) == ("written_cap", "cap", 1)
    cap = svc.act_on_guide(db, config, A, "cert_aetna", now=FIXED_NOW)
    assert isinstance(cap, Cap)
    assert cap.level == "written" and cap.day == 1
    assert cap.reason.startswith("Failed Aetna certification 2 times (last score 84.9%).")
    again = svc.act_on_guide(db, config, A, "cert_aetna", now=FIXED_NOW)
    assert again == cap and len(list_caps(db, A)) == 1  # idempotent
    assert guide.guide_record(db, config, A, "cert_aetna") == cap
    [row] = [
        r for r in svc.agent_tasks(db, config, A, now=FIXED_NOW).rows if r.task.key == "cert_aetna"
    ]
    assert row.made == cap  # the task list shows it exists instead of offering `c`

    o3 = svc.record_attempt(db, config, A, "cert_aetna", 10, now=FIXED_NOW)
    assert guide.guide_record(db, config, A, "cert_aetna") is None  # the flag is not raised yet
    assert (o3.step.action, o3.creates, o3.attempts_left) == ("cannot_sell", "red_flag", 0)
    assert "(no attempts left)" in o3.message
    flag = svc.act_on_guide(db, config, A, "cert_aetna", now=FIXED_NOW)
    assert isinstance(flag, RedFlag)
    assert flag.kind == "other" and flag.needs_notify
    assert "cannot sell for Aetna" in flag.text
    assert svc.act_on_guide(db, config, A, "cert_aetna") == flag
    assert len(list_flags(db)) == flags_before + 1

    before = counts(db)
    with pytest.raises(svc.ProgressError, match="all 3 attempts at Aetna certification are used"):
        svc.record_attempt(db, config, A, "cert_aetna", 99)
    assert counts(db) == before
    assert [a.attempt_no for a in store.list_attempts(db, A, "cert_aetna")] == [1, 2, 3]


def test_a_passing_attempt_marks_passed_and_the_pass_mark_itself_passes(seeded_db, config):
    o = svc.record_attempt(seeded_db, config, A, "ahip_final", 90, now=FIXED_NOW)
    assert o.passed and o.step is None and o.creates == ""
    assert o.message == "AHIP final exam passed with 90% (attempt 1)."
    assert store.get_status(seeded_db, A, "ahip_final") == "passed"
    with pytest.raises(svc.ProgressError, match="already passed"):
        svc.record_attempt(seeded_db, config, A, "ahip_final", 95)
    assert svc.act_on_guide(seeded_db, config, A, "ahip_final") is None


def test_a_task_guide_overrides_the_default(seeded_db):
    cfg = build_config(
        {
            "cohort": {"timezone": TZ},
            "tasks": [
                {
                    "key": "cert_x",
                    "label": "X cert",
                    "kind": "cert",
                    "carrier": "X",
                    "due_day": 2,
                    "max_attempts": 2,
                    "pass_mark": 80,
                    "guide": [
                        {
                            "attempt": 1,
                            "action": "cannot_sell",
                            "text": "Stop.",
                            "creates": "red_flag",
                        }
                    ],
                }
            ],
        },
        "t",
    )
    o = svc.record_attempt(seeded_db, cfg, A, "cert_x", 10, now=FIXED_NOW)
    assert (o.step.text, o.creates, o.attempts_left) == ("Stop.", "red_flag", 1)


@pytest.mark.parametrize(
    ("task", "score", "message"),
    [
        ("ahip_m1", 80, "is a module: only exams and certs take scored attempts"),
        ("ahip_final", 101, "101 is outside 0..100"),
        ("ahip_final", -1, "-1 is outside 0..100"),
        ("ahip_final", float("nan"), "is not a number"),
        ("nope", 80, "not in the task catalog"),
    ],
)
def test_bad_attempts_write_nothing(seeded_db, config, task, score, message):
    before = counts(seeded_db)
    with pytest.raises(svc.ProgressError, match=message):
        svc.record_attempt(seeded_db, config, A, task, score)
    assert counts(seeded_db) == before


def test_service_calls_nest_inside_a_callers_transaction(seeded_db, config):
    db = seeded_db
    before = counts(db)
    with pytest.raises(RuntimeError), db.atomic():
        svc.record_attempt(db, config, A, "ahip_final", 50, now=FIXED_NOW)
        svc.set_status(db, config, A, "ahip_m3", "passed", now=FIXED_NOW)
        svc.record_call_cert(db, config, A, [90, 90, 90, 90], now=FIXED_NOW)
        raise RuntimeError("the ticket submit failed later")
    assert counts(db) == before  # the caller's rollback undid every nested write
    with db.atomic():
        svc.record_attempt(db, config, A, "ahip_final", 50, now=FIXED_NOW)
    assert store.failed_count(db, A, "ahip_final") == 1


# --- call certification ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "status", "attempts", "passed"),
    [
        ([90, 90, 85, 85], "passed", 1, True),  # 4 of 5 reached: decided early
        ([90, 84.9, 50], "failed", 1, False),  # 1 passed, 2 left: 4 can no longer be reached
        ([90, 90, 90, 60, 70], "failed", 1, False),
        ([90, 90], "in_progress", 0, False),
    ],
)
def test_record_call_cert(seeded_db, config, scores, status, attempts, passed):
    result = svc.record_call_cert(seeded_db, config, A, scores, now=FIXED_NOW)
    assert result.passed is passed
    assert store.get_status(seeded_db, A, "call_cert") == status
    got = store.list_attempts(seeded_db, A, "call_cert")
    assert len(got) == attempts
    assert all(a.score is None and a.passed is passed for a in got)


def test_call_cert_refuses_bad_scores_and_a_catalog_without_it(seeded_db, config):
    before = counts(seeded_db)
    with pytest.raises(svc.ProgressError, match="6 call scores given"):
        svc.record_call_cert(seeded_db, config, A, [90] * 6)
    with pytest.raises(svc.ProgressError, match="call 2: 120 is outside"):
        svc.record_call_cert(seeded_db, config, A, [90, 120])
    cfg = build_config({"tasks": [{"key": "m", "label": "M", "kind": "module", "due_day": 1}]}, "t")
    with pytest.raises(svc.ProgressError, match="no call_cert task"):
        svc.record_call_cert(seeded_db, cfg, A, [90])
    assert counts(seeded_db) == before


# --- flags and CAPs ----------------------------------------------------------------------------


def test_raise_and_notify_a_flag(seeded_db, config):
    db = seeded_db
    flag = flag_svc.raise_flag(
        db, config, A, "background_check", "  Pending\n charge  ", now=FIXED_NOW
    )
    assert flag.text == "Pending charge"
    updated, message = flag_svc.notify_pm(db, config, flag.id, now=FIXED_NOW + timedelta(hours=1))
    assert updated.pm_notified_at == FIXED_NOW + timedelta(hours=1)
    assert message == (
        "Red flag (background check) for Kai Everly (agent ID D1001), Demo cohort, raised"
        " Mon 23 Nov 09:14: Pending charge. Please advise on next steps."
    )
    again, _ = flag_svc.notify_pm(db, config, flag.id, now=FIXED_NOW + timedelta(hours=3))
    assert again.pm_notified_at == updated.pm_notified_at
    assert flag_svc.resolve_flag(db, flag.id, now=FIXED_NOW).resolved_at == FIXED_NOW


@pytest.mark.parametrize(
    ("agent", "kind", "text", "message"),
    [
        (A, "gossip", "x", "kind 'gossip': expected one of background_check"),
        (A, "conduct", "   ", "text: describe the red flag"),
        ("NOPE", "conduct", "x", UNKNOWN),
    ],
)
def test_raise_flag_refuses_bad_input(seeded_db, config, agent, kind, text, message):
    before = counts(seeded_db)
    with pytest.raises(flag_svc.FlagError, match=message):
        flag_svc.raise_flag(seeded_db, config, agent, kind, text)
    assert counts(seeded_db) == before
    with pytest.raises(flag_svc.FlagError, match="no such flag"):
        flag_svc.notify_pm(seeded_db, config, 999)


def test_caps(seeded_db, config):
    cap = flag_svc.create_cap(seeded_db, config, A, "verbal", "Late twice", now=ny(2, "10:00"))
    assert (cap.level, cap.day) == ("verbal", 2)
    assert flag_svc.list_caps(seeded_db, A) == [cap]
    with pytest.raises(flag_svc.FlagError, match="level 'oral'"):
        flag_svc.create_cap(seeded_db, config, A, "oral", "x")
    with pytest.raises(flag_svc.FlagError, match="reason: say why"):
        flag_svc.create_cap(seeded_db, config, A, "final", " ")


@pytest.mark.parametrize(
    ("n", "text"), [(0, ""), (1, "1 flag to notify"), (3, "3 flags to notify")]
)
def test_notify_text(n, text):
    assert flag_svc.notify_text(n) == text


def test_header_counts_flags_to_notify(seeded_db, config):
    assert "1 flag to notify" in header_parts(seeded_db, config, FIXED_NOW)  # the demo's flag
    flag_svc.raise_flag(seeded_db, config, A, "conduct", "Rude", now=FIXED_NOW)
    assert "2 flags to notify" in header_parts(seeded_db, config, FIXED_NOW)
    for f in unnotified_flags(seeded_db):
        flag_svc.notify_pm(seeded_db, config, f.id, now=FIXED_NOW)
    assert not any("flag" in p for p in header_parts(seeded_db, config, FIXED_NOW))


# --- read models and the demo ------------------------------------------------------------------


def test_demo_progress(seeded_db, config):
    states = store.all_states(seeded_db)
    m1 = sum(1 for s in states.values() if s.get("ahip_m1") and s["ahip_m1"].status == "passed")
    assert m1 == 20  # most agents
    final = states["D1005"]["ahip_final"]
    assert (final.status, final.attempts, final.last_score) == ("failed", 1, 72.0)
    [flag] = unnotified_flags(seeded_db)
    assert (flag.agent_id, flag.kind) == ("D1011", "background_check")


def test_cohort_progress_puts_who_is_behind_first(seeded_db, config):
    data = svc.cohort_progress(seeded_db, config, now=ny(1, "17:30"))
    assert (data.today, data.day_over, data.expected) == (1, True, 2)
    assert len(data.rows) == 24
    behind = [len(r.progress.behind) for r in data.rows]
    assert behind == sorted(behind, reverse=True) and behind[0] == 2
    assert data.agents_behind == sum(1 for b in behind if b)
    assert data.rows[-1].agent.agent_id == "D1005"  # 5 done: least urgent
    d1005 = data.rows[-1]
    assert d1005.standings["ahip_final"] == "upcoming"
    assert d1005.progress.next_actions[0].startswith("AHIP final exam: Coach the agent")


def test_agent_tasks_view(seeded_db, config):
    view = svc.agent_tasks(seeded_db, config, "D1005", now=FIXED_NOW)
    row = next(r for r in view.rows if r.task.key == "ahip_final")
    assert (row.fails, row.attempts_left, row.step.action) == (1, 2, "coaching")
    assert view.progress.passed == 5 and view.caps == [] and view.flags == []
    with pytest.raises(svc.ProgressError):
        svc.agent_tasks(seeded_db, config, "NOPE")


def test_progress_report_and_roster_report(seeded_db, config):
    svc.record_attempt(seeded_db, config, A, "ahip_final", 60, now=FIXED_NOW)
    rows = svc.progress_report(seeded_db, config, now=ny(1, "17:30"))
    row = next(r for r in rows if r["agent_id"] == A)
    assert set(row) >= {"agent_id", "tasks", "behind", "next_actions"}
    assert row["tasks"]["ahip_final"] == {"status": "failed", "attempts": 1, "last_score": 60.0}
    assert row["tasks"]["ahip_m3"] == {"status": "not_started", "attempts": 0, "last_score": None}
    assert len(row["tasks"]) == 15
    assert row["next_actions"][0].startswith("AHIP final exam: Coach")
    report = {r["agent_id"]: r for r in roster_report(seeded_db, config, now=ny(1, "17:30"))}
    assert report[A]["progress"] == {"passed": 2, "total": 15, "behind": []}
    assert report["D1006"]["progress"]["behind"] == ["ahip_m1"]


def test_roster_rows_carry_progress(seeded_db, config):
    from esp_tui.services.roster_view import roster_rows
    from storage.cohort import get_cohort

    cohort = get_cohort(seeded_db)
    rows = {r.agent_id: r for r in roster_rows(seeded_db, config, cohort, 1, ny(1, "17:30"))}
    assert (rows["D1005"].progress, rows["D1005"].behind) == ("5/15", False)
    assert (rows["D1006"].progress, rows["D1006"].behind) == ("1/15", True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=6))
def test_attempt_sequences_respect_the_limit_and_the_pass(scores):
    """Whatever the scores: at most max_attempts recorded, nothing after a pass, and the status
    is passed exactly when the last recorded attempt passed."""
    from pathlib import Path

    from esp_tui.services.demo import seed_demo
    from storage.db import connect
    from tests.conftest import DAY1

    cfg = build_config({"cohort": {"timezone": TZ}}, "t")
    db = connect(Path(":memory:"))
    seed_demo(db, cfg, agents=1, today=DAY1)
    task = cfg.task("ahip_final")
    for score in scores:
        try:
            svc.record_attempt(db, cfg, A, "ahip_final", score, now=FIXED_NOW)
        except svc.ProgressError as e:
            assert "are used" in str(e) or "already passed" in str(e)
    got = store.list_attempts(db, A, "ahip_final")
    assert 1 <= len(got) <= task.max_attempts
    assert all(not a.passed for a in got[:-1])
    assert (store.get_status(db, A, "ahip_final") == "passed") is got[-1].passed
    assert [a.score for a in got] == scores[: len(got)]


@pytest.mark.parametrize(
    ("score", "claimed", "message"),
    [
        (95, "failed", "score 95 passes AHIP final exam (90%); the status says failed"),
        (50, "passed", "score 50 is below the pass mark of AHIP final exam (90%)"),
        (95, "waived", "a score goes with passed or failed, not waived"),
    ],
)
def test_a_claimed_status_must_agree_with_the_score(seeded_db, config, score, claimed, message):
    """The CLI's `progress set A T STATUS --score N`: the service owns the agreement rule."""
    before = counts(seeded_db)
    with pytest.raises(svc.ProgressError, match=message.replace("(", r"\(").replace(")", r"\)")):
        svc.record_attempt(
            seeded_db, config, "D1001", "ahip_final", score, now=FIXED_NOW, claimed_status=claimed
        )
    assert counts(seeded_db) == before
    ok = svc.record_attempt(
        seeded_db, config, "D1001", "ahip_final", 95, now=FIXED_NOW, claimed_status="passed"
    )
    assert ok.state.status == "passed"
