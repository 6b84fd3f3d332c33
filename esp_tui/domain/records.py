"""Records the storage layer reads and writes, as the domain sees them (pure pydantic)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from esp_tui.domain.progress import CapLevel, RedFlagKind

SessionOutcome = Literal["resolved", "escalated", "abandoned"]


class ExamAttempt(BaseModel):
    """One graded attempt at an exam, a cert or the call certification (score None when the
    attempt has no single score, e.g. a call certification decided over several calls)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: int
    agent_id: str
    task_key: str
    attempt_no: int
    score: float | None
    passed: bool
    at: datetime


class Cap(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    id: int
    agent_id: str
    level: CapLevel
    reason: str
    created_at: datetime
    day: int | None = None


class RedFlag(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    id: int
    agent_id: str
    kind: RedFlagKind
    text: str
    raised_at: datetime
    pm_notified_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def needs_notify(self) -> bool:
        """Open and not yet sent to a PM: what the header and the close-of-day check count."""
        return self.pm_notified_at is None and self.resolved_at is None


class TroubleshootSession(BaseModel):
    """A stored walk. `state` is the wizard engine's `to_state()`; outcome None = still open."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str
    agent_id: str
    tree: str
    state: dict[str, Any]
    outcome: SessionOutcome | None
    ticket_id: str | None
    started_at: datetime
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        return self.outcome is None

    @property
    def steps_answered(self) -> int:
        path = self.state.get("path")
        return len(path) if isinstance(path, list) else 0


class Coaching(BaseModel):
    """One coaching: `fails` is how many failed attempts at `task_key` it followed."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: int
    agent_id: str
    task_key: str
    carrier: str
    fails: int
    coach: str
    text: str
    at: datetime


def coaching_text(c: Coaching, zone: tzinfo, label: str) -> str:
    """`coached 2026-11-23: went over module 4 (AHIP final exam, Ana Lee)`: the handoff's and
    the CAP cell's line (the date in the cohort's timezone)."""
    return f"coached {c.at.astimezone(zone):%Y-%m-%d}: {c.text} ({label}, {c.coach})"
