"""Pure progress rules: standing vs the timeframe, the failed-exam guide, call certification."""

from __future__ import annotations

import math
import tomllib
from importlib.resources import files
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from esp_tui.domain.progress import (
    CAP_LEVELS,
    RED_FLAG_KINDS,
    TaskState,
    agent_progress,
    attempts_left,
    call_cert_result,
    expected_by_day,
    failed_attempts,
    is_behind,
    next_action,
    pm_message,
    score_passes,
    task_standing,
)
from esp_tui.domain.tasks import (
    TASK_STATUSES,
    CallCertRule,
    CatalogError,
    GuideStep,
    TaskSpec,
    default_guide,
    validate_catalog,
    validate_guide,
)


def _config() -> dict[str, Any]:
    text = (files("esp_tui") / "data" / "default_config.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


CFG = _config()
CATALOG = validate_catalog(CFG["tasks"], days=CFG["cohort"]["days"])
BY_KEY = {t.key: t for t in CATALOG}
AETNA = BY_KEY["cert_aetna"]
MODULE = BY_KEY["ahip_m1"]


def task(due_day: int = 3, kind: str = "cert", **kw: Any) -> TaskSpec:
    extra = {"max_attempts": 3, "pass_mark": 85} if kind in ("exam", "cert") else {}
    return TaskSpec(key="t", label="T", kind=kind, due_day=due_day, **{**extra, **kw})


# --- the config contract -------------------------------------------------------------------


def test_call_cert_rule_defaults_equal_the_toml() -> None:
    defaults = {name: f.default for name, f in CallCertRule.model_fields.items()}
    assert defaults == CFG["call_cert"]
    assert CallCertRule() == CallCertRule(**CFG["call_cert"])


def test_default_guide_equals_the_toml() -> None:
    assert default_guide() == [GuideStep(**g) for g in CFG["failed_exam_guide"]]
    assert GuideStep.model_fields["creates"].default == CFG["failed_exam_guide"][0]["creates"]


def test_task_spec_optional_defaults_match_entries_that_omit_them() -> None:
    for raw in CFG["tasks"]:
        spec = TaskSpec(**raw)
        for name in ("carrier", "max_attempts", "pass_mark", "guide"):
            assert TaskSpec.model_fields[name].default is None
            if name not in raw:
                assert getattr(spec, name) is None
        # Nothing lost or added on the way in (90 == 90.0 for pass marks).
        assert spec.model_dump(exclude_none=True) == raw


def test_shipped_catalog_matches_the_design_defaults() -> None:
    assert BY_KEY["ahip_final"].pass_mark == 90
    assert BY_KEY["ahip_final"].max_attempts == 3
    assert [t.key for t in CATALOG if t.due_day == 1] == ["ahip_m1", "ahip_m2"]
    assert BY_KEY["call_cert"].kind == "call_cert"
    assert TASK_STATUSES == ("not_started", "in_progress", "passed", "failed", "waived")


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (TaskSpec, {"key": "a", "label": "A", "kind": "module", "due_day": 1, "due": 2}),
        (GuideStep, {"attempt": 1, "action": "coaching", "text": "x", "extra": ""}),
        (CallCertRule, {"calls": 5, "pass_scor": 85}),
    ],
)
def test_unknown_keys_are_rejected(model: type, data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        model(**data)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "quiz"}, "kind"),
        ({"due_day": 0}, "due_day"),
        ({"pass_mark": 101}, "pass_mark"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"key": "has space"}, "key"),
    ],
)
def test_task_spec_field_bounds(data: dict[str, Any], field: str) -> None:
    base = {"key": "a", "label": "A", "kind": "exam", "due_day": 1}
    with pytest.raises(ValueError, match=field):
        TaskSpec(**{**base, **data})


def test_call_cert_rule_cannot_need_more_passes_than_calls() -> None:
    with pytest.raises(ValueError, match="calls_to_pass 6 is more than the 5 graded calls"):
        CallCertRule(calls=5, calls_to_pass=6)


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        (
            [{"key": "a", "label": "A", "kind": "module", "due_day": 1}] * 2,
            "tasks #2 ('a'): the key is used by another task",
        ),
        (
            [{"key": "x", "label": "X", "kind": "exam", "due_day": 1}],
            "tasks #1 ('x'): a exam needs max_attempts and pass_mark",
        ),
        (
            [{"key": "c", "label": "C", "kind": "cert", "due_day": 1, "max_attempts": 3}],
            "tasks #1 ('c'): a cert needs pass_mark",
        ),
        (
            [{"key": "late", "label": "L", "kind": "module", "due_day": 6}],
            "tasks #1 ('late'): due_day 6 is after the last day (5)",
        ),
        (
            [{"key": "k", "label": "K", "kind": "module", "due_day": "soon"}],
            "tasks #1 ('k'): due_day: Input should be a valid integer",
        ),
        (
            [
                {
                    "key": "g",
                    "label": "G",
                    "kind": "exam",
                    "due_day": 1,
                    "max_attempts": 2,
                    "pass_mark": 80,
                    "guide": [{"attempt": 2, "action": "coaching", "text": "x"}],
                }
            ],
            "tasks #1 ('g'): guide: the failed-exam guide starts at attempt 2, not 1",
        ),
    ],
)
def test_validate_catalog_names_the_task_at_fault(tasks: list[dict], message: str) -> None:
    with pytest.raises(CatalogError) as err:
        validate_catalog(tasks, days=5)
    assert str(err.value).startswith(message)


def test_validate_guide_rejects_repeats_and_empty_and_sorts() -> None:
    one = GuideStep(attempt=1, action="coaching", text="a")
    two = GuideStep(attempt=2, action="written_cap", text="b", creates="cap")
    assert validate_guide([two, one]) == [one, two]
    with pytest.raises(CatalogError, match="has attempt 1 twice"):
        validate_guide([one, one])
    with pytest.raises(CatalogError, match="no steps"):
        validate_guide([])


# --- standing at the day boundaries --------------------------------------------------------


@pytest.mark.parametrize(
    ("due_day", "today", "day_over", "status", "expected"),
    [
        (2, 3, False, "not_started", "behind"),  # due yesterday
        (2, 3, True, "in_progress", "behind"),
        (3, 3, False, "not_started", "due_today"),  # due today, day still running
        (3, 3, False, "failed", "due_today"),
        (3, 3, True, "not_started", "behind"),  # due today, day over
        (3, 3, True, "in_progress", "behind"),
        (4, 3, True, "not_started", "upcoming"),  # due tomorrow
        (4, 3, False, "failed", "upcoming"),
        (1, 5, True, "passed", "done"),
        (3, 3, True, "waived", "done"),
        (1, 5, True, "waived", "done"),
    ],
)
def test_task_standing(
    due_day: int, today: int, day_over: bool, status: str, expected: str
) -> None:
    t = task(due_day)
    state = TaskState(task_key="t", status=status)
    assert task_standing(t, state, today, day_over) == expected
    assert is_behind(t, state, today=today, day_over=day_over) == (expected == "behind")


def test_no_state_means_not_started() -> None:
    assert task_standing(task(1), None, 1, True) == "behind"
    assert task_standing(task(1), None, 1, False) == "due_today"


@given(
    due_day=st.integers(1, 7),
    today=st.integers(1, 7),
    day_over=st.booleans(),
    status=st.sampled_from(TASK_STATUSES),
)
def test_behind_rule_property(due_day: int, today: int, day_over: bool, status: str) -> None:
    state = TaskState(task_key="t", status=status)
    behind = is_behind(task(due_day), state, today=today, day_over=day_over)
    if status in ("passed", "waived"):
        assert not behind
    else:
        assert behind == (due_day < today or (due_day == today and day_over))


@pytest.mark.parametrize(("day", "expected"), [(0, 0), (1, 2), (2, 4), (3, 7), (4, 14), (5, 15)])
def test_expected_by_day_on_the_shipped_catalog(day: int, expected: int) -> None:
    assert expected_by_day(CATALOG, day) == expected


# --- the failed-exam guide -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fails", "action", "creates"),
    [
        (1, "coaching", ""),
        (2, "written_cap", "cap"),
        (3, "cannot_sell", "red_flag"),
        (4, "cannot_sell", "red_flag"),  # beyond the ladder: the last step
        (10, "cannot_sell", "red_flag"),
    ],
)
def test_default_guide_ladder(fails: int, action: str, creates: str) -> None:
    step = next_action(AETNA, fails, default_guide())
    assert (step.action, step.creates) == (action, creates)


@pytest.mark.parametrize(
    ("fails", "action"), [(1, "written_cap"), (2, "cannot_sell"), (3, "cannot_sell")]
)
def test_task_guide_overrides_the_default(fails: int, action: str) -> None:
    own = [
        GuideStep(attempt=2, action="cannot_sell", text="stop", creates="red_flag"),
        GuideStep(attempt=1, action="written_cap", text="cap now", creates="cap"),
    ]
    t = task(guide=own, max_attempts=2)
    assert next_action(t, fails, default_guide()).action == action


def test_ladder_with_a_gap_keeps_the_last_reached_step() -> None:
    ladder = [
        GuideStep(attempt=1, action="coaching", text="a"),
        GuideStep(attempt=3, action="cannot_sell", text="c", creates="red_flag"),
    ]
    assert next_action(AETNA, 2, ladder).text == "a"
    assert next_action(AETNA, 3, ladder).text == "c"


def test_next_action_refuses_non_exams_and_zero_fails() -> None:
    with pytest.raises(ValueError, match="'ahip_m1' is a module"):
        next_action(MODULE, 1, default_guide())
    with pytest.raises(ValueError, match="no failed attempt yet"):
        next_action(AETNA, 0, default_guide())


@pytest.mark.parametrize(("fails", "left"), [(0, 3), (1, 2), (2, 1), (3, 0), (5, 0)])
def test_attempts_left(fails: int, left: int) -> None:
    assert attempts_left(AETNA, fails) == left


def test_attempts_left_without_a_limit_and_negative() -> None:
    assert attempts_left(MODULE, 2) is None
    with pytest.raises(ValueError, match="0 or more"):
        attempts_left(AETNA, -1)


@pytest.mark.parametrize(
    ("key", "score", "passes"),
    [
        ("cert_aetna", 85, True),
        ("cert_aetna", 84.99, False),
        ("cert_aetna", 100, True),
        ("cert_aetna", 0, False),
        ("ahip_final", 90, True),
        ("ahip_final", 89.9, False),
        ("tbt_compliance", 80, True),
    ],
)
def test_score_passes(key: str, score: float, passes: bool) -> None:
    assert score_passes(BY_KEY[key], score) is passes


@pytest.mark.parametrize("score", [-1, 100.01, math.nan])
def test_score_out_of_range(score: float) -> None:
    with pytest.raises(ValueError, match="score"):
        score_passes(AETNA, score)


def test_score_passes_needs_a_pass_mark() -> None:
    with pytest.raises(ValueError, match="no pass_mark"):
        score_passes(MODULE, 90)


@pytest.mark.parametrize(
    ("status", "attempts", "fails"), [("passed", 3, 2), ("passed", 0, 0), ("failed", 2, 2)]
)
def test_failed_attempts(status: str, attempts: int, fails: int) -> None:
    assert failed_attempts(TaskState(task_key="t", status=status, attempts=attempts)) == fails


# --- one agent's progress ------------------------------------------------------------------


def test_agent_progress_day_1_before_and_after_the_end() -> None:
    running = agent_progress(CATALOG, {}, 1, False)
    assert (running.passed, running.total) == (0, 15)
    assert running.behind == []
    assert running.due_today == ["ahip_m1", "ahip_m2"]
    assert running.next_actions == ["AHIP module 1: due today", "AHIP module 2: due today"]
    over = agent_progress(CATALOG, {}, 1, True)
    assert over.behind == ["ahip_m1", "ahip_m2"]
    assert over.due_today == []
    assert over.next_actions[0] == "AHIP module 1: behind, was due day 1"


def test_agent_progress_counts_waived_as_done_and_puts_the_guide_first() -> None:
    states = {
        "ahip_m1": TaskState(task_key="ahip_m1", status="passed", attempts=1, last_score=95),
        "ahip_m2": TaskState(task_key="ahip_m2", status="waived"),
        "cert_aetna": TaskState(task_key="cert_aetna", status="failed", attempts=2, last_score=70),
        "cert_humana": TaskState(
            task_key="cert_humana", status="failed", attempts=3, last_score=60
        ),
    }
    p = agent_progress(CATALOG, states, 3, False)
    assert (p.passed, p.total) == (2, 15)
    assert p.behind == ["ahip_m3", "ahip_m4"]
    assert p.due_today == ["ahip_m5", "ahip_final", "cert_aetna"]
    assert p.next_actions == [
        "Aetna certification: Issue a written CAP; the next attempt is the last and is proctored."
        " (1 attempt left)",
        "Humana certification: The agent cannot sell for this carrier: raise a red flag to the"
        " PMs today.",
        "AHIP module 3: behind, was due day 2",
        "AHIP module 4: behind, was due day 2",
        "AHIP module 5: due today",
        "AHIP final exam: due today",
    ]


def test_agent_progress_uses_the_given_guide() -> None:
    own = [GuideStep(attempt=1, action="coaching", text="Call the coach.")]
    states = {"cert_aetna": TaskState(task_key="cert_aetna", status="failed", attempts=1)}
    p = agent_progress(CATALOG, states, 2, False, guide=own)
    assert p.next_actions[0] == "Aetna certification: Call the coach. (2 attempts left)"


# --- call certification --------------------------------------------------------------------

RULE = CallCertRule()


@pytest.mark.parametrize(
    ("scores", "passed", "calls_passed", "complete"),
    [
        ([90, 90, 90, 90, 70], True, 4, True),  # 4 of 5 pass
        ([90, 90, 90, 70, 70], False, 3, True),  # 3 of 5 fail
        ([85, 85, 85, 85, 0], True, 4, True),  # exactly 85 passes
        ([84.99, 85, 85, 85, 85], True, 4, True),
        ([84.99, 84.99, 85, 85, 85], False, 3, True),  # 84.99 fails
        ([100, 100, 100, 100, 100], True, 5, True),
        ([90, 90, 90, 90], True, 4, True),  # decided early: pass
        ([70, 70], False, 0, True),  # decided early: 3 left cannot make 4
        ([90, 70, 84.99], False, 1, True),
        ([90, 70], False, 1, False),  # still open
        ([90, 90, 90, 70], False, 3, False),
        ([], False, 0, False),
    ],
)
def test_call_cert_rule(
    scores: list[float], passed: bool, calls_passed: int, complete: bool
) -> None:
    r = call_cert_result(scores, RULE)
    assert (r.passed, r.calls_passed, r.complete, r.calls_needed) == (
        passed,
        calls_passed,
        complete,
        4,
    )


def test_call_cert_messages() -> None:
    assert call_cert_result([90, 90, 90, 90, 70], RULE).message == (
        "Certified: 4 of 5 scored 85% or more (4 needed)."
    )
    assert call_cert_result([90, 90, 90, 90], RULE).message == (
        "Certified after 4 of 5 calls: 4 of 4 scored 85% or more (4 needed)."
    )
    assert call_cert_result([70, 70], RULE).message == (
        "Not certified: 0 of 2 graded calls scored 85% or more; 4 of 5 needed."
    )
    assert call_cert_result([90, 90, 90, 70], RULE).message == (
        "In progress: 3 of 4 graded calls scored 85% or more; 1 more needed from the 1 call left."
    )


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ([90, 101], "call 2: 101 is outside 0..100"),
        ([-5], "call 1: -5 is outside 0..100"),
        ([90, 90, math.nan], "call 3: nan is not a number"),
        ([90] * 6, "6 call scores given; the rule grades 5 calls"),
    ],
)
def test_call_cert_bad_scores(scores: list[float], message: str) -> None:
    with pytest.raises(ValueError) as err:
        call_cert_result(scores, RULE)
    assert str(err.value) == message


def test_call_cert_custom_rule() -> None:
    rule = CallCertRule(calls=3, pass_score=70, calls_to_pass=2)
    assert call_cert_result([70, 69.5, 70], rule).passed
    assert call_cert_result([70, 70], rule).complete
    assert not call_cert_result([60, 60], rule).passed


@given(st.lists(st.floats(0, 100), min_size=0, max_size=5))
def test_call_cert_property(scores: list[float]) -> None:
    r = call_cert_result(scores, RULE)
    ok = sum(s >= 85 for s in scores)
    assert r.calls_passed == ok
    assert r.passed == (ok >= 4)
    if len(scores) == 5:
        assert r.complete
    # "complete" means no further scores can change the outcome.
    if r.complete and len(scores) < 5:
        rest = 5 - len(scores)
        assert call_cert_result(scores + [100] * rest, RULE).passed == r.passed
        assert call_cert_result(scores + [0] * rest, RULE).passed == r.passed


# --- CAPs and red flags --------------------------------------------------------------------


def test_cap_levels_and_flag_kinds() -> None:
    assert CAP_LEVELS == ("verbal", "written", "final")
    assert RED_FLAG_KINDS == ("background_check", "conduct", "attendance", "other")


def test_pm_message_is_one_paragraph() -> None:
    msg = pm_message(
        "Agent Two",
        "A002",
        "background_check",
        "  Carrier background check shows\n a pending case  ",
        "Nov cohort",
        "Mon 23 Nov 09:14",
    )
    assert msg == (
        "Red flag (background check) for Agent Two (agent ID A002), Nov cohort, raised"
        " Mon 23 Nov 09:14: Carrier background check shows a pending case."
        " Please advise on next steps."
    )
    assert "\n" not in msg


def test_pm_message_rejects_unknown_kind_and_empty_text() -> None:
    with pytest.raises(ValueError, match="'fraud' is not one of: background_check"):
        pm_message("A", "1", "fraud", "x", "c", "t")
    with pytest.raises(ValueError, match="must not be empty"):
        pm_message("A", "1", "conduct", " \n ", "c", "t")
