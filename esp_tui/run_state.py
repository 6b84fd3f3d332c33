"""What the app keeps for one run only, held by `EspApp.run_state`.

Nothing lives here any more: the Day-1 intro's timer and ticks, which did, are kept in the
database per cohort (esp_tui/services/intro.py, migration 0012), so a restart keeps them.
Anything added here is lost when esp-tui closes: prefer the database."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RunState:
    """This run's memory (empty: everything the TL does is in the database)."""
