"""The command palette offers every bound action of the screen, namespaced."""

from __future__ import annotations

from textual.command import CommandPalette

from esp_tui.app import make_app
from esp_tui.commands import screen_commands
from esp_tui.screens.help import HelpScreen


async def test_palette_lists_bound_actions_with_ids(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = {c.title: c.help for c in screen_commands(app, app.screen)}
        assert titles["app: help"] == "key ? · binding id help"
        assert "app: quit" in titles


async def test_running_a_palette_command_runs_the_action(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"app: help")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
