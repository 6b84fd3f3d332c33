"""A TL's tree may chain thousands of steps: validate, show and the cycle check walk it without
recursion (issue 15: a 1,000-step chain crashed `tree validate` with RecursionError)."""

from __future__ import annotations

from pathlib import Path

import pytest

from esp_tui.domain.tree_graph import cycle_text, find_cycles, reachable
from tests import test_trees

run = test_trees.run  # the `esp-tui tree ...` runner fixture, as test_trees has it


def chain_text(steps: int, *, loop_back: bool = False) -> str:
    """`s0 -> s1 -> … -> s{steps-1}` on "no"; the last escalates, or loops back to s0."""
    lines = ['title = "Long chain"', 'start = "s0"', ""]
    for i in range(steps):
        nxt = f"s{i + 1}" if i < steps - 1 else ("s0" if loop_back else "escalate")
        lines += [
            "[[steps]]",
            f'id = "s{i}"',
            f'text = "Step {i}"',
            f'outcomes = {{ yes = "resolved", no = "{nxt}" }}',
            "",
        ]
    return "\n".join(lines)


@pytest.mark.parametrize("steps", [1000, 5000])
def test_validate_a_long_chain(run, tmp_path: Path, steps: int) -> None:
    path = tmp_path / f"chain{steps}.toml"
    path.write_text(chain_text(steps), encoding="utf-8")
    code, out, err = run("tree", "validate", str(path))
    assert (code, err) == (0, "")
    assert out.strip() == f"ok: 1 tree(s) valid: chain{steps}"
    assert not (tmp_path / "x.db").exists()  # validating trees opens no database


def test_show_a_5000_step_tree_from_the_user_folder(run, tmp_path: Path) -> None:
    user = tmp_path / "mine"
    user.mkdir()
    (user / "long.toml").write_text(chain_text(5000), encoding="utf-8")
    code, out, err = run("tree", "show", "long", user_dir=user)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Long chain [long]"
    assert lines[1] == "  - s0: Step 0  (start)"
    assert lines[-2:] == ["  - s4999: Step 4999", "      yes -> resolved   no -> escalate"]


def test_a_1000_step_cycle_is_still_reported_on_one_line(run, tmp_path: Path) -> None:
    path = tmp_path / "loop.toml"
    path.write_text(chain_text(1000, loop_back=True), encoding="utf-8")
    code, out, err = run("tree", "validate", str(path))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{path}: step 's999': cycle s0 -> s1 -> s2 -> s3 -> … 993 more steps …"
        " -> s997 -> s998 -> s999 -> s0"
    ]


def test_find_cycles_names_each_back_edge_in_walk_order() -> None:
    edges = {"a": ["b"], "b": ["c", "a"], "c": ["c"], "d": ["b"]}
    assert find_cycles(edges, ["a", *edges]) == [("c", ["c", "c"]), ("b", ["a", "b", "a"])]
    assert find_cycles({"a": ["b"], "b": []}, ["a", "b"]) == []


def test_reachable_and_cycle_text() -> None:
    chain = {f"s{i}": [f"s{i + 1}"] for i in range(20_000)}
    assert len(reachable(chain, "s0")) == 20_001
    assert cycle_text(["a", "b", "a"]) == "cycle a -> b -> a"
    assert cycle_text([f"n{i}" for i in range(13)]) == (
        "cycle n0 -> n1 -> n2 -> n3 -> … 5 more steps … -> n9 -> n10 -> n11 -> n12"
    )
