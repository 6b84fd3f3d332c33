"""Troubleshooting sessions: start, answer, back, escalate, abandon, resume (one transaction each).

The wizard engine (pure) decides where an answer leads; this module makes every answer durable
the moment it is given (the engine's `to_state()` is rewritten after each), so a crash or quit
loses nothing and the session resumes. If a write fails the engine is rolled back too, so the
screen never shows a step the database does not know about.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Agent
from esp_tui.domain.records import TroubleshootSession
from esp_tui.domain.tasks import DONE_STATUSES
from esp_tui.domain.tickets import Ticket
from esp_tui.domain.trees import Tree, TreeError
from esp_tui.domain.wizard import (
    PathEntry,
    StepAnswer,
    WizardEngine,
    WizardError,
    concerned_carrier,
)
from esp_tui.services.agents import require_agent
from esp_tui.services.tree_files import check_trees, shipped_trees_dir
from storage import troubleshoot as store
from storage.progress import agent_states

CARRIER_TICKET = "carrier_ticket"


class TroubleshootError(ValueError):
    """A troubleshooting action that cannot be done; str() is one line."""


class StaleSessionError(TroubleshootError):
    """A saved session that no longer matches the trees (edited since): restart or abandon."""

    def __init__(self, session: TroubleshootSession, reason: str) -> None:
        self.session = session
        self.reason = reason
        super().__init__(f"saved {session.tree} session no longer matches the trees: {reason}")


@dataclass
class Walk:
    """An open session in memory: its row id, the agent and the engine holding the path."""

    session_id: str
    agent: Agent
    engine: WizardEngine
    ticket_id: str | None = None

    @property
    def outcome(self) -> str | None:
        return self.engine.outcome


# --- trees ---------------------------------------------------------------------------------


def user_trees_dir(config: Config) -> Path | None:
    """The TL's own trees folder ([trees] user_dir), or None."""
    raw = config.trees.user_dir
    return Path(raw).expanduser() if raw else None


def tree_catalog(config: Config) -> tuple[dict[str, Tree], list[TreeError]]:
    """Every usable tree (user trees override shipped ones) and the problems found."""
    return check_trees(shipped_trees_dir(), user_trees_dir(config))


# --- reading -------------------------------------------------------------------------------


def list_sessions(db: Database, agent_id: str) -> list[TroubleshootSession]:
    """The agent's sessions, newest first."""
    return store.sessions_for_agent(db, agent_id)


def open_session(db: Database, agent_id: str) -> TroubleshootSession | None:
    return store.open_session(db, agent_id)


def last_used_tree(db: Database, agent_id: str | None = None) -> str | None:
    """The tree of the latest session started (the picker's default)."""
    return store.last_tree(db, agent_id)


def resume_session(db: Database, trees: dict[str, Tree], agent_id: str) -> Walk | None:
    """The agent's open session rebuilt from its saved path; None if there is none.

    Raises StaleSessionError when the trees changed so the saved path no longer replays.
    """
    session = store.open_session(db, agent_id)
    if session is None:
        return None
    agent = require_agent(db, agent_id, TroubleshootError)
    try:
        engine = WizardEngine.from_state(trees, session.state)
    except (WizardError, TreeError) as exc:
        raise StaleSessionError(session, str(exc)) from None
    return Walk(session.id, agent, engine)


# --- writing (one transaction each) --------------------------------------------------------


def start_session(
    db: Database,
    trees: dict[str, Tree],
    agent_id: str,
    tree_name: str,
    *,
    now: datetime,
    replace_open: bool = False,
) -> Walk:
    """A new session on `tree_name`. An open one is refused unless replace_open (abandons it)."""
    agent = require_agent(db, agent_id, TroubleshootError)
    if tree_name not in trees:
        known = ", ".join(sorted(trees)) or "none"
        raise TroubleshootError(f"unknown tree {tree_name!r} (known: {known})")
    try:
        engine = WizardEngine(trees, tree_name)
    except TreeError as exc:
        raise TroubleshootError(str(exc)) from None
    session = TroubleshootSession(
        id=str(uuid.uuid4()),
        agent_id=agent.agent_id,
        tree=tree_name,
        state=engine.to_state(),
        outcome=None,
        ticket_id=None,
        started_at=now,
        updated_at=now,
    )
    with db.atomic():
        current = store.open_session(db, agent.agent_id)
        if current is not None:
            if not replace_open:
                raise TroubleshootError(
                    f"{agent.name} already has an open {current.tree} session; resume or"
                    " abandon it first"
                )
            store.update_session(
                db,
                current.id,
                state=current.state,
                outcome="abandoned",
                ticket_id=None,
                at=now,
            )
        store.insert_session(db, session)
    return Walk(session.id, agent, engine)


def answer_step(
    db: Database,
    walk: Walk,
    answer: StepAnswer,
    *,
    now: datetime,
    config: Config | None = None,
) -> Ticket | None:
    """Record "yes" (fixed it), "no" (did not work) or "skip" (not applicable) and save the path.

    When the answer ends the walk the session is finished in the same transaction: resolved,
    or escalated with its draft ticket created (returned). `config`'s task catalog lets the
    ticket name the carrier the agent's open task concerns (see `ticket_carrier`).
    """
    _check_open(db, walk)
    walk.engine.answer(answer, now)
    return _persist_or_undo(db, walk, now, config)


def escalate_now(
    db: Database, walk: Walk, *, now: datetime, config: Config | None = None
) -> Ticket:
    """Escalate from the current step: the draft ticket and the escalated session, together."""
    _check_open(db, walk)
    walk.engine.escalate(now)
    ticket = _persist_or_undo(db, walk, now, config)
    assert ticket is not None
    return ticket


def set_details(db: Database, walk: Walk, *, reference: str, contacted: str, now: datetime) -> None:
    """Save the case/reference number and who was contacted with the open session (they go
    into the ticket when it escalates). WizardError for a value that is not one short line."""
    _check_open(db, walk)
    before = walk.engine.set_details(reference=reference, contacted=contacted)
    try:
        _save_open_state(db, walk, now)
    except BaseException:
        walk.engine.details = before
        raise


def ticket_carrier(
    db: Database, config: Config | None, agent_id: str, tree: Tree
) -> tuple[str, str | None]:
    """(carrier, why) for a ticket from `tree`: the carrier of the agent's open task when the
    tree covers several (AHIP/Aetna), else the tree's system (why None)."""
    if config is None:
        return concerned_carrier(tree, [])
    states = agent_states(db, agent_id)
    open_tasks = [
        (task, states[task.key].status if task.key in states else "not_started")
        for task in config.tasks
    ]
    return concerned_carrier(tree, [(t, st) for t, st in open_tasks if st not in DONE_STATUSES])


def ticket_origin(db: Database, config: Config, ticket_id: str) -> tuple[str, str | None] | None:
    """(tree label, why the carrier) for a ticket a troubleshooting walk escalated to, else
    None: the ticket form says where its prefilled carrier came from."""
    session = store.session_for_ticket(db, ticket_id)
    if session is None:
        return None
    trees, _ = tree_catalog(config)
    tree = trees.get(session.tree)
    if tree is None:
        return session.tree, None
    _, why = ticket_carrier(db, config, session.agent_id, tree)
    return tree.short, why


def _save_open_state(db: Database, walk: Walk, now: datetime) -> None:
    """Write the engine's state to its session, still open (one transaction; the caller puts
    the engine back as it was if this raises)."""
    with db.atomic():
        _open_row(db, walk.session_id)
        store.update_session(
            db, walk.session_id, state=walk.engine.to_state(), outcome=None, ticket_id=None, at=now
        )


def step_back(db: Database, walk: Walk, *, now: datetime) -> PathEntry | None:
    """Undo the last answer of an open session; None when at the first step."""
    _check_open(db, walk)
    removed = walk.engine.back()
    if removed is None:
        return None
    try:
        _save_open_state(db, walk, now)
    except BaseException:
        # An open session's last answer was a yes/no that led on: give it again in memory.
        walk.engine.reapply(removed)
        raise
    return removed


def abandon_session(db: Database, session_id: str, *, now: datetime) -> None:
    """Close an open session without an outcome (kept in the agent's history)."""
    with db.atomic():
        session = _open_row(db, session_id)
        store.update_session(
            db, session_id, state=session.state, outcome="abandoned", ticket_id=None, at=now
        )


def restart_session(
    db: Database, trees: dict[str, Tree], session_id: str, *, now: datetime
) -> Walk:
    """Abandon an open (e.g. stale) session and start its tree again from the first step."""
    session = store.get_session(db, session_id)
    if session is None:
        raise TroubleshootError(f"no troubleshooting session {session_id!r}")
    with db.atomic():
        abandon_session(db, session_id, now=now)
        return start_session(db, trees, session.agent_id, session.tree, now=now)


# --- internals -----------------------------------------------------------------------------


def _open_row(db: Database, session_id: str) -> TroubleshootSession:
    session = store.get_session(db, session_id)
    if session is None:
        raise TroubleshootError(f"no troubleshooting session {session_id!r}")
    if not session.is_open:
        raise TroubleshootError(f"the {session.tree} session is already {session.outcome}")
    return session


def _check_open(db: Database, walk: Walk) -> None:
    # Another esp-tui on the same file may have finished it since this walk was loaded.
    _open_row(db, walk.session_id)


def _persist_or_undo(
    db: Database, walk: Walk, now: datetime, config: Config | None = None
) -> Ticket | None:
    """Save the engine after an answer; undo that answer in memory if the write fails."""
    try:
        return _persist(db, walk, now, config)
    except (sqlite3.Error, ValueError):
        walk.engine.back()
        raise


def _persist(db: Database, walk: Walk, now: datetime, config: Config | None) -> Ticket | None:
    engine = walk.engine
    ticket: Ticket | None = None
    with db.atomic():
        _open_row(db, walk.session_id)  # re-checked inside the write transaction
        if engine.outcome == "escalated":
            # Lazy import: the tickets service pulls in the progress rules.
            from esp_tui.services.tickets import create_ticket

            form = engine.escalate_form or CARRIER_TICKET
            # The payload is the Carrier Ticket's fields; another form starts empty.
            fields = {}
            if form == CARRIER_TICKET:
                carrier, _ = ticket_carrier(db, config, walk.agent.agent_id, engine.tree)
                fields = engine.ticket_payload(walk.agent.name, carrier)
            ticket = create_ticket(db, form, walk.agent.agent_id, fields, now=now)
        store.update_session(
            db,
            walk.session_id,
            state=engine.to_state(),
            outcome=engine.outcome,
            ticket_id=ticket.id if ticket else None,
            at=now,
        )
    if ticket is not None:
        walk.ticket_id = ticket.id
    return ticket
