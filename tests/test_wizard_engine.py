"""The pure wizard engine: walks, includes, back, saved state, ticket payload."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from esp_tui.domain.trees import Tree, TreeError
from esp_tui.domain.wizard import PathEntry, WizardEngine, WizardError
from esp_tui.services.tree_files import load_trees, shipped_trees_dir

T0 = datetime(2025, 11, 24, 14, 0, tzinfo=UTC)
SHIPPED = load_trees(shipped_trees_dir())
GENERAL_STEPS = len(SHIPPED["general"].steps)


def at(i: int) -> datetime:
    return T0 + timedelta(minutes=i)


def make_tree(name: str, steps: list[dict[str, Any]], **head: Any) -> Tree:
    return Tree.model_validate(
        {"name": name, "source": f"{name}.toml", "title": name.title(), "start": steps[0]["id"]}
        | head
        | {"steps": steps}
    )


def chain(name: str, ids: list[str], last: str = "escalate", **head: Any) -> Tree:
    """A tree of steps linked by "no"; the last "no" goes to `last`."""
    steps = [
        {
            "id": sid,
            "text": sid.upper(),
            "outcomes": {"no": ids[i + 1] if i + 1 < len(ids) else last},
        }
        for i, sid in enumerate(ids)
    ]
    return make_tree(name, steps, **head)


def walk(engine: WizardEngine, answers: str) -> None:
    for i, ch in enumerate(answers):
        if ch == "e":
            engine.escalate(at(i))
        else:
            engine.answer({"y": "yes", "n": "no", "s": "skip"}[ch], at(i))


# --------------------------------------------------------------------------- walking


def test_resolve_early() -> None:
    engine = WizardEngine(SHIPPED, "ahip-aetna")
    assert engine.current is not None and engine.current.id == "reload"
    assert engine.current_tree is SHIPPED["general"]
    walk(engine, "ny")
    assert engine.outcome == "resolved"
    assert engine.current is None
    assert [(e.step_id, e.answer) for e in engine.path] == [
        ("reload", "no"),
        ("popup_blocker", "yes"),
    ]
    assert engine.escalate_form is None
    with pytest.raises(WizardError, match="no ticket"):
        engine.ticket_payload("Agent Two")


def test_answer_no_to_the_end_of_ahip_aetna_escalates_with_every_step_tried() -> None:
    engine = WizardEngine(SHIPPED, "ahip-aetna")
    total = engine.total_steps
    assert total == GENERAL_STEPS + 2
    n = 0
    while engine.outcome is None:
        n += 1
        assert (engine.step_number, engine.total_steps) == (n, total)
        engine.answer("no", at(n))
    assert engine.outcome == "escalated"
    assert engine.escalate_form == "carrier_ticket"
    payload = engine.ticket_payload("Agent Two")
    assert set(payload) == {"carrier", "summary", "steps_tried", "contact_made", "urgency"}
    assert payload["carrier"] == "AHIP/Aetna"
    assert payload["summary"] == "AHIP/Aetna troubleshooting failed for Agent Two"
    assert payload["urgency"] == "normal"
    lines = payload["steps_tried"].splitlines()
    assert len(lines) == total
    assert lines[0] == "General: Reload the page — did not work"
    general = [s.text for s in SHIPPED["general"].steps]
    assert lines[:GENERAL_STEPS] == [f"General: {t} — did not work" for t in general]
    assert lines[GENERAL_STEPS:] == [
        "AHIP/Aetna: Have the agent contact AHIP or Aetna support — did not work",
        "AHIP/Aetna: Call AHIP/Aetna support directly (TL) — did not work",
    ]
    # Nobody noted who was contacted: the lines shown are listed, said to be unconfirmed.
    assert payload["contact_made"] == (
        "Not recorded who was contacted; lines shown: "
        "AHIP 866.234.6909 · Support@AHIPInsuranceEducation.org; Aetna 866.714.9301"
    )


def test_escalate_now_from_an_included_step_ends_the_walk() -> None:
    engine = WizardEngine(SHIPPED, "tbt")
    walk(engine, "nne")
    assert engine.outcome == "escalated"
    payload = engine.ticket_payload("A")
    assert payload["carrier"] == "TBT / Citrix"
    assert payload["steps_tried"].splitlines()[-1] == (
        "General: Clear the browser cache and cookies — escalated"
    )
    assert payload["contact_made"] == ""
    with pytest.raises(WizardError, match="walk is over"):
        engine.answer("no", at(9))


def test_include_escalate_continues_into_the_including_tree_and_resolved_resolves() -> None:
    trees = {
        "base": chain("base", ["b1", "b2"]),
        "mid": chain("mid", ["m1"], include="base"),
        "top": chain("top", ["t1", "t2"], include="mid", system="Sys"),
    }
    engine = WizardEngine(trees, "top")
    assert engine.chain == ["base", "mid", "top"]
    seen = []
    while engine.current is not None:
        seen.append((engine.current_tree.name, engine.current.id))
        engine.answer("no", at(len(seen)))
    assert seen == [("base", "b1"), ("base", "b2"), ("mid", "m1"), ("top", "t1"), ("top", "t2")]
    assert engine.outcome == "escalated"

    engine = WizardEngine(trees, "top")
    walk(engine, "ny")  # b2 fixed it: resolves the whole walk, not just the include
    assert engine.outcome == "resolved"


def test_yes_branch_to_a_step_and_total_follows_no() -> None:
    tree = make_tree(
        "t",
        [
            {"id": "a", "text": "A", "outcomes": {"yes": "check", "no": "b"}},
            {"id": "b", "text": "B", "outcomes": {"no": "escalate"}},
            {"id": "check", "text": "C", "outcomes": {"no": "b"}},
        ],
    )
    engine = WizardEngine({"t": tree}, "t")
    assert engine.total_steps == 2
    engine.answer("yes", at(0))
    assert engine.current.id == "check"
    assert (engine.step_number, engine.total_steps) == (2, 3)


def test_back_undoes_the_last_answer_and_reopens_a_finished_walk() -> None:
    engine = WizardEngine(SHIPPED, "ahip-aetna")
    assert engine.back() is None
    walk(engine, "nn")
    assert engine.current.id == "clear_cache"
    removed = engine.back()
    assert removed is not None and removed.step_id == "popup_blocker"
    assert engine.current.id == "popup_blocker"
    assert engine.step_number == 2
    engine.answer("yes", at(5))
    assert engine.outcome == "resolved"
    engine.back()
    assert engine.outcome is None
    assert engine.current.id == "popup_blocker"
    assert [e.step_id for e in engine.path] == ["reload"]


@pytest.mark.parametrize("last", ["no", "escalate"])
def test_reapply_gives_a_removed_answer_again(last: str) -> None:
    engine = WizardEngine(SHIPPED, "ahip-aetna")
    walk(engine, "n")
    if last == "escalate":
        engine.escalate(at(2))
    else:
        engine.answer("no", at(2))
    before = (engine.path, engine.current, engine.outcome)
    removed = engine.back()
    assert removed is not None and removed.answer == last
    assert engine.path == before[0][:-1]
    engine.reapply(removed)
    assert (engine.path, engine.current, engine.outcome) == before


def test_back_across_the_include_boundary() -> None:
    engine = WizardEngine(SHIPPED, "ahip-aetna")
    walk(engine, "n" * GENERAL_STEPS)
    assert engine.current_tree.name == "ahip-aetna"
    engine.back()
    assert (engine.current_tree.name, engine.current.id) == ("general", "password_reset")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda e: e.answer("maybe", T0), "answer must be 'yes', 'no' or 'skip'"),
        (lambda e: e.answer("no", datetime(2025, 1, 1)), "timezone-aware"),
        (lambda e: e.escalate(datetime(2025, 1, 1)), "timezone-aware"),
    ],
)
def test_bad_calls(call, error: str) -> None:
    engine = WizardEngine(SHIPPED, "general")
    with pytest.raises(WizardError, match=error):
        call(engine)
    assert engine.path == ()


def test_unknown_tree_and_include_problems_raise_tree_errors() -> None:
    with pytest.raises(TreeError, match="unknown tree 'nope'"):
        WizardEngine(SHIPPED, "nope")
    loop = {"a": chain("a", ["x"], include="b"), "b": chain("b", ["y"], include="a")}
    with pytest.raises(TreeError, match="include loop"):
        WizardEngine(loop, "a")
    broken = {"g": chain("g", ["x"], last="ghost")}
    with pytest.raises(TreeError, match="unknown step 'ghost'"):
        WizardEngine(broken, "g")


def test_general_alone_has_no_carrier() -> None:
    engine = WizardEngine(SHIPPED, "general")
    walk(engine, "n" * GENERAL_STEPS)
    payload = engine.ticket_payload("Agent One")
    assert payload["carrier"] == ""
    assert payload["summary"] == "General troubleshooting failed for Agent One"


# --------------------------------------------------------------------------- saving


def test_state_round_trip_through_json_resumes_mid_walk() -> None:
    engine = WizardEngine(SHIPPED, "ahip-aetna")
    walk(engine, "n" * (GENERAL_STEPS + 1))
    state = json.loads(json.dumps(engine.to_state()))
    assert state["tree"] == "ahip-aetna"
    assert state["outcome"] is None
    resumed = WizardEngine.from_state(SHIPPED, state)
    assert resumed.path == engine.path
    assert resumed.current.id == "tl_calls_support"
    assert resumed.path[0] == PathEntry(
        tree="general", step_id="reload", text="Reload the page", answer="no", at=at(0)
    )
    resumed.answer("no", at(99))
    assert resumed.outcome == "escalated"


def test_from_state_rejects_a_path_the_tree_no_longer_has() -> None:
    engine = WizardEngine(SHIPPED, "general")
    walk(engine, "nn")
    state = engine.to_state()
    state["path"][1]["step_id"] = "renamed"
    with pytest.raises(WizardError, match="saved answer 2 is for step 'renamed'"):
        WizardEngine.from_state(SHIPPED, state)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"version": 99}, "unsupported wizard state version"),
        ({"tree": "gone"}, "unknown tree 'gone'"),
        ({"path": [{"tree": "general"}]}, "bad saved wizard path"),
    ],
)
def test_from_state_bad_input(change: dict[str, Any], error: str) -> None:
    state = WizardEngine(SHIPPED, "general").to_state() | change
    with pytest.raises(WizardError, match=error):
        WizardEngine.from_state(SHIPPED, state)


def test_from_state_rejects_answers_after_the_end() -> None:
    engine = WizardEngine(SHIPPED, "general")
    walk(engine, "y")
    state = engine.to_state()
    state["path"].append(dict(state["path"][0]))
    with pytest.raises(WizardError, match="after the walk ended"):
        WizardEngine.from_state(SHIPPED, state)


@settings(max_examples=150, deadline=None)
@given(
    tree=st.sampled_from(sorted(SHIPPED)),
    moves=st.lists(st.sampled_from("ynnnsneb"), max_size=20),
)
def test_any_walk_keeps_its_invariants(tree: str, moves: list[str]) -> None:
    engine = WizardEngine(SHIPPED, tree)
    history = [engine.to_state()]
    for i, move in enumerate(moves):
        if move == "b":
            engine.back()
            if len(history) > 1:
                history.pop()
        elif engine.outcome is None:
            walk_one = {"y": "yes", "n": "no", "s": "skip"}
            if move == "e":
                engine.escalate(at(i))
            else:
                engine.answer(walk_one[move], at(i))
            history.append(engine.to_state())
        # back restores exactly the state before the undone answer
        assert engine.to_state() == history[-1]
        assert (engine.current is None) == (engine.outcome is not None)
        assert 1 <= engine.step_number <= engine.total_steps
        resumed = WizardEngine.from_state(SHIPPED, json.loads(json.dumps(engine.to_state())))
        assert resumed.to_state() == engine.to_state()
        assert resumed.step_number == engine.step_number
        if engine.outcome == "escalated":
            assert len(engine.ticket_payload("X")["steps_tried"].splitlines()) == len(engine.path)
