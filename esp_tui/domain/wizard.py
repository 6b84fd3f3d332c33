"""The troubleshooting wizard engine: walks a tree one step at a time (pure, no UI).

Includes are flattened: for ahip-aetna (include = "general") the general steps run first;
general's "escalate" (its last "no") continues with ahip-aetna's own start, and its
"resolved" resolves the whole walk. The path is the only state: the current step is
recomputed by replaying it, which keeps `back()` and resume-from-saved-state trivially right.

A step has three answers: "yes" (this fixed it), "no" (tried, did not work) and "skip" (not
applicable / not tried): a skip leads where "no" leads but is recorded, and written on the
ticket, as "skipped". Beside the path a walk keeps what the TL noted while it ran: the case or
reference number support gave and who was actually contacted; both go into the ticket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from esp_tui.domain.tasks import TaskSpec
from esp_tui.domain.trees import ESCALATE, RESOLVED, Step, Tree, include_chain, tree_errors

Answer = Literal["yes", "no", "skip", "escalate"]
StepAnswer = Literal["yes", "no", "skip"]
Outcome = Literal["resolved", "escalated"]
Node = tuple[str, str]  # (tree name, step id)

STATE_VERSION = 1
ANSWER_WORDS: dict[str, str] = {
    "yes": "fixed it",
    "no": "did not work",
    "skip": "skipped",
    "escalate": "escalated",
}
DETAIL_MAX = 500  # characters of a reference number / contacted line (one line each)


class WizardError(ValueError):
    """A wizard operation that cannot be done (walk over, bad answer, stale saved state)."""


class PathEntry(BaseModel):
    """One answered step. `text` is kept as shown, so history survives later tree edits."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    tree: str
    step_id: str
    text: str
    answer: Answer
    at: AwareDatetime


class WalkDetails(BaseModel):
    """What the TL noted during a walk: support's case/reference number, who was contacted."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    reference: str = ""
    contacted: str = ""


def details_problem(value: str, what: str) -> str | None:
    """None when `value` is fine as one detail line, else a one-line message naming `what`."""
    if "\n" in value or "\r" in value:
        return f"{what}: one line, no line breaks"
    if len(value) > DETAIL_MAX:
        return f"{what}: at most {DETAIL_MAX} characters, got {len(value)}"
    return None


class WizardEngine:
    """Walks `tree_name` (with its includes) for one troubleshooting session."""

    def __init__(self, trees: Mapping[str, Tree], tree_name: str) -> None:
        # Innermost include first; raises TreeError on an unknown tree or include loop.
        self.chain: list[str] = include_chain(tree_name, trees)
        self._trees: dict[str, Tree] = {name: trees[name] for name in self.chain}
        for name in self.chain:
            errors = tree_errors(self._trees[name])
            if errors:
                raise errors[0]
        self.tree_name = tree_name
        self._path: list[PathEntry] = []
        self._node: Node | None = self._start()
        self._outcome: Outcome | None = None
        self.details = WalkDetails()

    # ----------------------------------------------------------------- reading

    @property
    def tree(self) -> Tree:
        """The tree the TL picked (not the included ones)."""
        return self._trees[self.tree_name]

    @property
    def path(self) -> tuple[PathEntry, ...]:
        return tuple(self._path)

    @property
    def outcome(self) -> Outcome | None:
        return self._outcome

    @property
    def current(self) -> Step | None:
        """The step to ask now (with its contacts); None once the walk is over."""
        return self._step(self._node) if self._node else None

    @property
    def current_tree(self) -> Tree | None:
        """The tree the current step belongs to (e.g. general while its steps run)."""
        return self._trees[self._node[0]] if self._node else None

    @property
    def step_number(self) -> int:
        """1-based number of the step on screen (the last one answered once over)."""
        return len(self._path) + (1 if self._node else 0)

    @property
    def total_steps(self) -> int:
        """Estimate for "step 3 of 5": steps done plus those left if every answer is "no"."""
        remaining = 0
        node = self._node
        while node is not None:
            remaining += 1
            nxt = self._follow(node[0], self._step(node).outcomes.no)
            node = nxt if isinstance(nxt, tuple) else None
        return len(self._path) + remaining

    @property
    def escalate_form(self) -> str | None:
        """The form to open after escalation (from the step escalated at), else None."""
        if self._outcome != "escalated" or not self._path:
            return None
        last = self._path[-1]
        return self._step((last.tree, last.step_id)).escalate_form

    def tree_label(self, tree_name: str) -> str:
        return self._trees[tree_name].short

    def entry_line(self, entry: PathEntry) -> str:
        """`General: Reload the page — did not work` (breadcrumb and ticket line)."""
        return f"{self.tree_label(entry.tree)}: {entry.text} — {ANSWER_WORDS[entry.answer]}"

    # ----------------------------------------------------------------- walking

    def answer(self, ans: StepAnswer, at: datetime) -> None:
        """Record "yes" (this fixed it), "no" (did not work) or "skip" (not applicable: leads
        where "no" leads) for the current step."""
        if ans not in ("yes", "no", "skip"):
            raise WizardError(f"answer must be 'yes', 'no' or 'skip', not {ans!r}")
        self._record(ans, at)

    def set_details(self, *, reference: str, contacted: str) -> WalkDetails:
        """Note the case/reference number and who was contacted (kept in the saved state).
        Returns the details before, so a failed save can put them back."""
        cleaned = {"reference": reference.strip(), "contacted": contacted.strip()}
        for key, what in (("reference", "case/reference no."), ("contacted", "contacted")):
            problem = details_problem(cleaned[key], what)
            if problem:
                raise WizardError(problem)
        before = self.details
        self.details = WalkDetails(**cleaned)
        return before

    def escalate(self, at: datetime) -> None:
        """Escalate now from the current step: ends the walk, even inside an included tree."""
        self._record("escalate", at)

    def back(self) -> PathEntry | None:
        """Undo the last answer (also reopens a finished walk); None if nothing to undo."""
        if not self._path:
            return None
        removed = self._path.pop()
        self._replay(list(self._path))
        return removed

    def reapply(self, entry: PathEntry) -> None:
        """Give an answer `back` removed again (a failed save rolls the engine forward)."""
        self._record(entry.answer, entry.at)

    def _record(self, ans: Answer, at: datetime) -> None:
        node = self._node
        if node is None:
            raise WizardError(f"the walk is over ({self._outcome}); go back to change an answer")
        if at.tzinfo is None:
            raise WizardError("answer time must be timezone-aware")
        step = self._step(node)
        entry = PathEntry(tree=node[0], step_id=step.id, text=step.text, answer=ans, at=at)
        self._apply(entry)

    def _apply(self, entry: PathEntry) -> None:
        assert self._node is not None
        self._path.append(entry)
        if entry.answer == "escalate":
            self._node, self._outcome = None, "escalated"
            return
        step = self._step(self._node)
        # "skip" (not applicable) moves on like "no"; only the record differs.
        target = step.outcomes.yes if entry.answer == "yes" else step.outcomes.no
        nxt = self._follow(self._node[0], target)
        if isinstance(nxt, tuple):
            self._node = nxt
        else:
            self._node, self._outcome = None, nxt

    def _replay(self, entries: list[PathEntry]) -> None:
        self._path, self._node, self._outcome = [], self._start(), None
        for i, entry in enumerate(entries, start=1):
            if self._node is None:
                raise WizardError(
                    f"saved answer {i} ({entry.tree}/{entry.step_id}) comes after the walk ended;"
                    " the tree changed since the session was saved"
                )
            if (entry.tree, entry.step_id) != self._node:
                raise WizardError(
                    f"saved answer {i} is for step '{entry.step_id}' of {entry.tree} but the"
                    f" walk is at '{self._node[1]}' of {self._node[0]}; the tree changed since"
                    " the session was saved"
                )
            self._apply(entry)

    def _start(self) -> Node:
        first = self.chain[0]
        return (first, self._trees[first].start)

    def _step(self, node: Node) -> Step:
        return self._trees[node[0]].step(node[1])

    def _follow(self, tree_name: str, target: str) -> Node | Outcome:
        """Next node for an outcome; an included tree's escalate moves on to its includer."""
        if target == RESOLVED:
            return "resolved"
        if target == ESCALATE:
            idx = self.chain.index(tree_name)
            if idx + 1 < len(self.chain):
                includer = self.chain[idx + 1]
                return (includer, self._trees[includer].start)
            return "escalated"
        return (tree_name, target)

    # ----------------------------------------------------------------- saving

    def to_state(self) -> dict[str, Any]:
        """JSON-able state; save it after every answer to resume after a crash."""
        return {
            "version": STATE_VERSION,
            "tree": self.tree_name,
            "path": [e.model_dump(mode="json") for e in self._path],
            "outcome": self._outcome,  # informative only: recomputed on load
            # Optional keys (absent in sessions saved before them): version stays 1.
            "reference": self.details.reference,
            "contacted": self.details.contacted,
        }

    @classmethod
    def from_state(cls, trees: Mapping[str, Tree], state: Mapping[str, Any]) -> WizardEngine:
        """Rebuild an engine from `to_state()`; WizardError if the trees no longer match."""
        if state.get("version") != STATE_VERSION:
            raise WizardError(f"unsupported wizard state version {state.get('version')!r}")
        tree_name = state.get("tree")
        if not isinstance(tree_name, str) or tree_name not in trees:
            raise WizardError(f"saved session is for unknown tree {tree_name!r}")
        try:
            entries = [PathEntry.model_validate(e) for e in state.get("path", [])]
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise WizardError(f"bad saved wizard path: {where}: {first['msg']}") from None
        details = {k: state.get(k) or "" for k in ("reference", "contacted")}
        if not all(isinstance(v, str) for v in details.values()):
            raise WizardError("bad saved wizard details: reference/contacted must be text")
        engine = cls(trees, tree_name)
        engine._replay(entries)
        engine.details = WalkDetails(**details)
        return engine

    # ----------------------------------------------------------------- escalation

    def ticket_payload(self, agent_name: str, carrier: str | None = None) -> dict[str, str]:
        """The Carrier Ticket fields to prefill; only once the walk has escalated.

        `carrier` is the one the walk concerns (see `concerned_carrier`); default the tree's
        system."""
        if self._outcome != "escalated":
            raise WizardError("no ticket: the walk has not escalated")
        top = self.tree
        return {
            "carrier": carrier if carrier is not None else top.system or "",
            "summary": f"{top.system or top.short} troubleshooting failed for {agent_name}",
            "steps_tried": "\n".join(self.entry_line(e) for e in self._path),
            "contact_made": self.contact_text(),
            "urgency": "normal",
        }

    def contact_text(self) -> str:
        """Who was contacted and the case/reference number, as the TL noted them. Nothing
        noted: the support lines shown on steps tried, said to be unconfirmed."""
        lines = []
        if self.details.contacted:
            lines.append(f"Contacted: {self.details.contacted}")
        if self.details.reference:
            lines.append(f"Case/reference no.: {self.details.reference}")
        if not self.details.contacted:
            shown = self._contacts_shown()
            if shown:
                lines.append(f"Not recorded who was contacted; lines shown: {'; '.join(shown)}")
        return "\n".join(lines)

    def _contacts_shown(self) -> list[str]:
        shown: dict[str, None] = {}  # ordered set
        for entry in self._path:
            if entry.answer == "skip":  # a skipped step's contact was not used
                continue
            for contact in self._step((entry.tree, entry.step_id)).contacts:
                shown[contact.display()] = None
        return list(shown)


def concerned_carrier(
    tree: Tree, open_tasks: Iterable[tuple[TaskSpec, str]]
) -> tuple[str, str | None]:
    """(the carrier a ticket from `tree` concerns, why) for an agent's tasks not yet done
    ((task, status) in catalog order).

    A tree naming several `carriers` (AHIP/Aetna) picks the one of the agent's first open task
    that belongs to one of them (its `carrier`, or a label starting with the name), a task in
    progress or failed before one not started; why names that task. Otherwise the tree's
    system, and why is None."""
    fallback = tree.system or ""
    if not tree.carriers:
        return fallback, None
    tasks = list(open_tasks)
    for wanted in (("in_progress", "failed"), ("not_started",)):
        for task, status in tasks:
            if status not in wanted:
                continue
            for name in tree.carriers:
                own = (task.carrier or "").casefold() == name.casefold()
                if own or task.label.casefold().startswith(name.casefold()):
                    said = status.replace("_", " ")
                    return name, f"the agent's {task.label} is {said}"
    return fallback, None
