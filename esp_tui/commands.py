"""Command palette entries: every bound action of the current screen, namespaced, plus
"jump to agent". Derived from the bindings, so each feature's keys appear here for free."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.screen import Screen

from esp_tui.widgets.plain import markup_escape

if TYPE_CHECKING:
    from esp_tui.app import EspApp


def _namespace(screen: Screen) -> str:
    name = type(screen).__name__.removesuffix("Screen")
    return name.lower() or "screen"


def screen_commands(app: EspApp, screen: Screen) -> Iterable[SystemCommand]:
    ns = _namespace(screen)
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        b = active.binding
        # Only our own bindings carry ids; Textual's built-ins (cursor keys...) stay out.
        label = b.tooltip or b.description
        if not b.id or not label or b.id in seen:
            continue
        seen.add(b.id)
        where = "app" if active.node is app else ns
        # The palette reads titles and help lines as markup: escape (keys come from config).
        yield SystemCommand(
            markup_escape(f"{where}: {label[0].lower()}{label[1:]}"),
            markup_escape(f"key {b.key_display or key} · binding id {b.id}"),
            partial(app.run_action, b.action, active.node),
        )
    from esp_tui.screens.roster import RosterScreen

    if isinstance(screen, RosterScreen):
        from storage.agents import list_agents

        for agent in list_agents(app.db):
            yield SystemCommand(
                f"jump to agent: {markup_escape(agent.name)}",
                markup_escape(f"{agent.agent_id} · {agent.team or 'no team'}"),
                partial(screen.jump_to_agent, agent.agent_id),
                discover=False,
            )
