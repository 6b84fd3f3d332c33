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
        assert titles["app: help: every key of this screen"] == "key ? · binding id help"
        assert titles["roster: stamp the agent in now"] == "key i · binding id stamp_in"
        assert "roster: close the day: readiness checklist and sync" in titles


async def test_running_a_palette_command_runs_the_action(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"app: help: every key")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_jump_to_agent_moves_the_cursor_even_through_a_filter(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#roster")
        await pilot.press("slash", *"Kai", "enter")
        await pilot.pause()
        assert table.row_count == 1
        jumps = {c.title: c for c in screen_commands(app, screen) if c.title.startswith("jump")}
        jumps["jump to agent: Morgan Underhill"].callback()
        await pilot.pause()
        assert table.row_count == 24
        assert screen.selected_agent_id() == "D1002"
