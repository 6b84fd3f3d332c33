"""The app-wide messages: "data changed" and "the cohort on screen changed".

Whatever writes posts `DataChanged` to the app (`self.esp.post_message(DataChanged(...))`); the
roster's `data_version` poll posts one for a commit by another process (`outside=True`). EspApp is
the hub: it re-reads the cohort when the change came from outside, then delivers a copy to every
`EspScreen` on the stack (their `data_changed` hook) and to every `StatusHeader` (it re-reads its
texts). The screen that wrote passes itself as `origin`: it has already repainted what it wrote,
so it is not told again (its header is).

`CohortChanged` is delivered the same way by `EspApp.switch_cohort` (the cohort picker).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.message import Message
from textual.screen import Screen


class DataChanged(Message):
    """Something the screens may show was written.

    `agent_ids`: the agents whose rows changed (empty: no agent's row, only counts such as the
    header's); None when anything may have changed (a sync, another process, many agents).
    """

    def __init__(
        self,
        agent_ids: Iterable[str] | None = None,
        *,
        origin: Screen | None = None,
        outside: bool = False,
    ) -> None:
        super().__init__()
        self.agent_ids: tuple[str, ...] | None = None if agent_ids is None else tuple(agent_ids)
        self.origin = origin  # the screen that wrote and already shows it
        self.outside = outside  # committed by another process (the data_version poll)
        self.delivered = False  # True on the app's copies, False on the writer's own

    def delivery(self) -> DataChanged:
        """The copy the app hands to one screen or header (a message is posted once)."""
        copy = DataChanged(self.agent_ids, origin=self.origin, outside=self.outside)
        copy.delivered = True
        return copy

    def concerns(self, agent_id: str) -> bool:
        """Whether this agent's data may have changed."""
        return self.agent_ids is None or agent_id in self.agent_ids


class CohortChanged(Message):
    """The app now shows another cohort (`EspApp.switch_cohort`): nothing of the old one may
    stay on screen."""
