"""What the app keeps for one run only, typed and held by `EspApp.run_state` (not in the
database: closing esp-tui forgets it; persisting it is a later issue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class IntroState:
    """One cohort's Day-1 intro (`D`): when its timer started and which resources are ticked, so
    leaving and reopening the intro keeps the clock."""

    started_at: datetime | None = None
    ticked: set[int] = field(default_factory=set)


@dataclass
class RunState:
    intros: dict[int | None, IntroState] = field(default_factory=dict)

    def intro(self, cohort_id: int | None) -> IntroState:
        """The intro of a cohort (None: no cohort yet). Each cohort keeps its own clock and
        ticks, so viewing a past cohort and coming back leaves this week's intro as it was."""
        return self.intros.setdefault(cohort_id, IntroState())
