"""Troubleshooting trees: the schema, parsing TOML text, validation and an outline (pure).

A tree is one TOML file; its name is the file stem. Steps answer "yes" (this fixed it) or
"no" (did not work) and lead to another step or to a terminal: "resolved" or "escalate".
A tree may `include` another tree that runs first (e.g. ahip-aetna includes general).

Every problem is reported as a `TreeError` naming the file and, when there is one, the step,
so a TL editing a tree by hand is told exactly where to look. The files are found and read by
services/tree_files.py; this module only sees their text.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from esp_tui.domain.forms import CARRIER_TICKET, escalation_form
from esp_tui.domain.text import visible
from esp_tui.domain.tree_graph import cycle_text, find_cycles, reachable

RESOLVED = "resolved"
ESCALATE = "escalate"
TERMINALS = frozenset({RESOLVED, ESCALATE})
ANSWERS = ("yes", "no")

_STEP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class TreeError(ValueError):
    """One problem in one tree file; `str()` is a one-line message naming file and step."""

    def __init__(self, file: str, step: str | None, message: str) -> None:
        self.file = file
        self.step = step
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" step '{self.step}':" if self.step else ""
        return f"{self.file}:{where} {self.message}"


class Contact(BaseModel):
    """A support line shown with a step (and copyable from the wizard)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    phone: str | None = None
    email: str | None = None

    def display(self) -> str:
        """`AHIP 866.234.6909 · Support@…`: the line shown and copied."""
        parts = " · ".join(p for p in (self.phone, self.email) if p)
        return f"{self.label} {parts}" if parts else self.label


class Outcomes(BaseModel):
    """Where each answer leads: a step id, "resolved" or "escalate"."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    # Most steps end the walk when they work, so "yes" defaults to resolved.
    yes: str = RESOLVED
    no: str

    def items(self) -> list[tuple[str, str]]:
        return [("yes", self.yes), ("no", self.no)]


class Step(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    id: str
    text: str = Field(min_length=1)
    # Optional longer how-to the TL can read out; `text` stays short for the breadcrumb.
    detail: str = ""
    contacts: tuple[Contact, ...] = ()
    outcomes: Outcomes
    escalate_form: Annotated[str, AfterValidator(escalation_form)] = CARRIER_TICKET

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if value in TERMINALS:
            raise ValueError(f"'{value}' is reserved for a terminal outcome")
        if not _STEP_ID.match(value):
            raise ValueError("must be letters, digits, '_' or '-' (and start with a letter/digit)")
        return value


class Tree(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    name: str
    # The file name (or path) used in error messages.
    source: str
    title: str = Field(min_length=1)
    # Short prefix for breadcrumbs and ticket lines ("General: Reload the page").
    label: str = ""
    start: str
    include: str | None = None
    system: str | None = None
    # The carriers a tree covers when it covers several (AHIP/Aetna): the Carrier Ticket is
    # prefilled with the one the agent's open task concerns, else with `system`.
    carriers: tuple[str, ...] = ()
    steps: tuple[Step, ...]

    @property
    def short(self) -> str:
        return self.label or self.title

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"{self.source}: no step '{step_id}'")

    def step_ids(self) -> set[str]:
        return {s.id for s in self.steps}


# --------------------------------------------------------------------------- parsing
# Pure: from TOML text. Reading the files (shipped and user folders) is services/tree_files.py.


def parse_tree_toml(text: str, name: str, source: str) -> tuple[Tree | None, list[TreeError]]:
    """TOML and schema only (no step-graph checks): the tree, or the problems found.

    `name` is the tree's name (its file stem); `source` names the file in error messages.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends with "(at line N, column M)".
        return None, [TreeError(source, None, f"invalid TOML: {exc}")]
    # The name comes from the file stem; a key in the file would silently disagree with it.
    clashes = [key for key in ("name", "source") if key in raw]
    if clashes:
        return None, [TreeError(source, None, f"unknown key '{k}'") for k in clashes]
    try:
        tree = Tree.model_validate({**raw, "name": name, "source": source})
    except ValidationError as exc:
        return None, _schema_errors(source, raw, exc)
    return tree, []


def checked_tree(
    tree: Tree | None, parse_errors: list[TreeError]
) -> tuple[Tree | None, list[TreeError]]:
    """Add the step-graph checks to a parse result: the tree only when nothing is wrong."""
    errors = tree_errors(tree) if tree is not None else parse_errors
    return (None, errors) if errors else (tree, [])


def _schema_errors(source: str, raw: Mapping[str, Any], exc: ValidationError) -> list[TreeError]:
    """Turn pydantic's errors into TreeErrors pointing at the step where possible."""
    out: list[TreeError] = []
    steps = raw.get("steps")
    for err in exc.errors():
        loc = list(err["loc"])
        step: str | None = None
        if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
            step = _raw_step_id(steps, loc[1])
            loc = loc[2:]
        field = ".".join(str(part) for part in loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = f"'{field}' is required"
        elif err["type"] == "extra_forbidden":
            msg = f"unknown key '{field}'"
        elif field:
            msg = f"{field}: {msg}"
        out.append(TreeError(source, step, msg))
    return out


def _raw_step_id(steps: Any, index: int) -> str:
    if isinstance(steps, list) and index < len(steps):
        item = steps[index]
        step_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(step_id, str):
            return step_id
    return f"#{index + 1}"


# --------------------------------------------------------------------------- validation


def tree_errors(tree: Tree) -> list[TreeError]:
    """Problems inside one tree: duplicates, missing start, unknown refs, unreachable, cycles."""
    if not tree.steps:
        return [TreeError(tree.source, None, "no steps: a tree needs at least one [[steps]]")]
    errors: list[TreeError] = []
    seen: set[str] = set()
    for step in tree.steps:
        if step.id in seen:
            errors.append(TreeError(tree.source, step.id, "duplicate step id"))
        seen.add(step.id)
    if tree.start not in seen:
        errors.append(TreeError(tree.source, None, f"start step '{tree.start}' does not exist"))
    for step in tree.steps:
        for answer, target in step.outcomes.items():
            if target not in TERMINALS and target not in seen:
                errors.append(
                    TreeError(tree.source, step.id, f"unknown step '{target}' in outcomes.{answer}")
                )
    if tree.start in seen:
        reachable = _reachable(tree)
        for step in tree.steps:
            if step.id not in reachable:
                errors.append(
                    TreeError(tree.source, step.id, f"unreachable from start '{tree.start}'")
                )
    errors += _cycle_errors(tree)
    return errors


def validate_trees(trees: Mapping[str, Tree]) -> list[TreeError]:
    """Every tree's own problems plus includes of unknown trees and include loops."""
    errors: list[TreeError] = []
    for tree in trees.values():
        errors += tree_errors(tree)
    return errors + include_errors(trees)


def include_errors(trees: Mapping[str, Tree]) -> list[TreeError]:
    """Cross-tree problems only: includes of unknown trees and include loops."""
    errors: list[TreeError] = []
    for tree in trees.values():
        if tree.include is not None and tree.include not in trees:
            errors.append(TreeError(tree.source, None, f"include of unknown tree '{tree.include}'"))
    reported: set[frozenset[str]] = set()
    for tree in trees.values():
        loop = _include_loop(tree.name, trees)
        if loop and frozenset(loop) not in reported:
            reported.add(frozenset(loop))
            errors.append(TreeError(tree.source, None, "include loop " + " -> ".join(loop)))
    return errors


def include_chain(tree_name: str, trees: Mapping[str, Tree]) -> list[str]:
    """Tree names in run order: the innermost include first, `tree_name` last.

    Raises TreeError on an unknown tree or an include loop.
    """
    chain: list[str] = []
    name: str | None = tree_name
    while name is not None:
        if name not in trees:
            source = trees[chain[-1]].source if chain else f"{tree_name}.toml"
            raise TreeError(source, None, f"include of unknown tree '{name}'")
        if name in chain:
            loop = [*chain[chain.index(name) :], name]
            raise TreeError(trees[name].source, None, "include loop " + " -> ".join(loop))
        chain.append(name)
        name = trees[name].include
    return list(reversed(chain))


def _include_loop(start: str, trees: Mapping[str, Tree]) -> list[str] | None:
    seen: list[str] = []
    name: str | None = start
    while name is not None and name in trees:
        if name in seen:
            return [*seen[seen.index(name) :], name] if name == start else None
        seen.append(name)
        name = trees[name].include
    return None


def _edges(tree: Tree) -> dict[str, list[str]]:
    ids = tree.step_ids()
    return {
        s.id: [t for _, t in s.outcomes.items() if t in ids and t not in TERMINALS]
        for s in tree.steps
    }


def _reachable(tree: Tree) -> set[str]:
    return reachable(_edges(tree), tree.start)


def _cycle_errors(tree: Tree) -> list[TreeError]:
    """One error per back edge found by a depth-first walk (no recursion), naming the cycle."""
    edges = _edges(tree)
    roots = [tree.start] if tree.start in edges else []
    found = find_cycles(edges, [*roots, *edges])
    return [TreeError(tree.source, node, cycle_text(cycle)) for node, cycle in found]


# --------------------------------------------------------------------------- outline


def outline(tree: Tree, trees: Mapping[str, Tree]) -> str:
    """An indented outline of a tree for `esp-tui tree show`; includes are expanded once."""
    lines: list[str] = []
    _outline_into(lines, tree, trees, depth=0, expanded=set())
    return "\n".join(lines)


def _outline_into(
    lines: list[str], tree: Tree, trees: Mapping[str, Tree], depth: int, expanded: set[str]
) -> None:
    # Tree files are text typed by a TL: each field through visible() (no raw escape sequence
    # reaches the terminal; a line break inside a field cannot break the outline).
    pad = "  " * depth
    expanded.add(tree.name)
    header = f"{pad}{visible(tree.title)} [{visible(tree.name)}]"
    if tree.system:
        header += f" · system: {visible(tree.system)}"
    lines.append(header)
    if tree.include is not None:
        inner = trees.get(tree.include)
        include = visible(tree.include)
        if inner is None:
            lines.append(f"{pad}  include {include}: (unknown tree)")
        elif tree.include in expanded:
            lines.append(f"{pad}  include {include}: (see above)")
        else:
            lines.append(f"{pad}  first, include {include} (its escalate continues below):")
            _outline_into(lines, inner, trees, depth + 2, expanded)
    for step in _walk_order(tree):
        start = "  (start)" if step.id == tree.start else ""
        lines.append(f"{pad}  - {visible(step.id)}: {visible(step.text)}{start}")
        if step.detail:
            detail = visible(step.detail, multiline=True).splitlines()
            lines.extend(f"{pad}      {line}" for line in detail)
        lines.extend(f"{pad}      contact {visible(c.display())}" for c in step.contacts)
        outcomes = "   ".join(f"{a} -> {_target_label(t, step)}" for a, t in step.outcomes.items())
        lines.append(f"{pad}      {visible(outcomes)}")


def _target_label(target: str, step: Step) -> str:
    if target == ESCALATE and step.escalate_form != CARRIER_TICKET:
        return f"escalate ({step.escalate_form})"
    return target


def _walk_order(tree: Tree) -> Iterable[Step]:
    """Steps in the order a walk meets them ("no" first), then any the walk never reaches."""
    by_id = {s.id: s for s in tree.steps}
    order: dict[str, None] = {}  # insertion-ordered, with O(1) membership for long trees
    todo = [tree.start] if tree.start in by_id else []
    while todo:
        sid = todo.pop()
        if sid in order:
            continue
        order[sid] = None
        step = by_id[sid]
        todo += [t for t in (step.outcomes.yes, step.outcomes.no) if t in by_id]
    order.update((s.id, None) for s in tree.steps if s.id not in order)
    return [by_id[sid] for sid in order]
