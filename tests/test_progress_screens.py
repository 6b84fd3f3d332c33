"""Pilot on the task list, the Progress screen, the flags list, the raise modal and the intro;
one snapshot of the progress chart."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable, Input, Static

from esp_tui.app import make_app
from esp_tui.screens.flags import FlagsScreen, RaiseFlagModal
from esp_tui.screens.intro import IntroScreen
from esp_tui.screens.progress import ProgressScreen, cell_width, progress_bar, short_labels
from esp_tui.screens.tasks import ScoreModal, TaskListScreen
from esp_tui.services import progress as svc
from storage import progress as store
from storage.flags import list_caps, list_flags
from tests.conftest import FIXED_NOW

EVENING = FIXED_NOW + timedelta(hours=8, minutes=16)  # 17:30 New York: day 1 is over


async def _open_tasks(app, pilot, agent_id: str) -> TaskListScreen:
    await pilot.pause()
    roster = app.screen.query_one("#roster", DataTable)
    roster.move_cursor(row=roster.get_row_index(agent_id))
    await pilot.press("p")
    await pilot.pause()
    assert isinstance(app.screen, TaskListScreen)
    assert app.screen.agent_id == agent_id
    return app.screen


def _toasts(app) -> list[str]:
    return [n.message for n in app._notifications]


def _guide(screen) -> str:
    return str(screen.query_one("#guide", Static).render())


async def test_task_list_cycles_records_attempts_and_acts_on_the_guide(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_tasks(app, pilot, "D1001")
        table = screen.query_one("#tasks", DataTable)
        assert table.row_count == 15

        await pilot.press("space")  # AHIP module 1: passed -> failed (a module may fail)
        assert store.get_status(seeded_db, "D1001", "ahip_m1") == "failed"

        table.move_cursor(row=table.get_row_index("ahip_final"))
        await pilot.press("f")
        assert isinstance(app.screen, ScoreModal)
        await pilot.press("1", "5", "0", "enter")  # refused in the modal, which stays open
        assert isinstance(app.screen, ScoreModal)
        assert "outside 0..100" in str(app.screen.query_one("#score-error", Static).render())
        app.screen.query_one("#score", Input).value = ""
        await pilot.press("7", "0", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert "attempt 1 failed with 70%" in _guide(screen)
        assert "Coach the agent" in _guide(screen)
        assert "creates" not in _guide(screen)

        await pilot.press("f", "6", "0", "enter")
        await pilot.pause()
        assert "Issue a written CAP" in _guide(screen)
        assert "c creates the written CAP" in _guide(screen)
        await pilot.press("c")
        await pilot.pause()
        [cap] = list_caps(seeded_db, "D1001")
        assert cap.level == "written"
        assert "written CAP" in str(screen.query_one("#caps-flags", Static).render())
        # a second `c` says it exists (not "recorded" again) and the hint stops offering `c`
        await pilot.press("c")
        await pilot.pause()
        done = f"written CAP #{cap.id} already recorded on Mon 23 Nov"
        assert _toasts(app)[-1] == done
        assert done in _guide(screen) and "c creates" not in _guide(screen)
        assert len(list_caps(seeded_db, "D1001")) == 1

        await pilot.press("f", "5", "0", "enter", "c")
        await pilot.pause()
        assert any(f.agent_id == "D1001" for f in list_flags(seeded_db))
        assert "2 flags to notify" in app.header_right()
        assert "already raised on Mon 23 Nov" in _guide(screen)

        await pilot.press("f")  # all 3 attempts used: refused at once, no score box
        await pilot.pause()
        assert app.screen is screen
        assert _toasts(app)[-1] == "all 3 attempts at AHIP final exam are used"

        table.move_cursor(row=table.get_row_index("tbt_citrix"))
        await pilot.press("f")  # a course takes no scored attempt: no modal
        assert app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "RosterScreen"


async def test_progress_screen_shows_who_is_behind_first(seeded_db, config, clock):
    clock.now = EVENING
    svc.record_attempt(seeded_db, config, "D1001", "ahip_final", 40, now=FIXED_NOW)
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
        grid = app.screen.query_one("#grid", DataTable)
        assert grid.row_count == 24
        assert len(grid.columns) == 2 + 15
        summary = str(app.screen.query_one("#summary", Static).render())
        assert "expected by the end of today: 2 of 15 tasks" in summary
        assert "8 of 24 agents behind" in summary
        first = grid.coordinate_to_cell_key(grid.cursor_coordinate).row_key.value
        assert first in {"D1012", "D1024"}  # both AHIP modules behind
        detail = str(app.screen.query_one("#detail", Static).render())
        assert "behind, was due day 1" in detail
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, TaskListScreen) and app.screen.agent_id == first


async def test_flags_notify_copies_the_message_and_records_it(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "1 flag to notify" in app.header_right()
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, FlagsScreen)
        preview = str(app.screen.query_one("#message", Static).render())
        assert preview.startswith("Red flag (background check) for")
        await pilot.press("n")
        await pilot.pause()
        assert app.clipboard.startswith("Red flag (background check) for ")
        assert app.clipboard.endswith("Please advise on next steps.")
        [flag] = list_flags(seeded_db)
        assert flag.pm_notified_at == FIXED_NOW
        assert "flag to notify" not in app.header_right()


async def test_raise_a_flag_from_the_roster(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        roster = app.screen.query_one("#roster", DataTable)
        roster.move_cursor(row=roster.get_row_index("D1002"))
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RaiseFlagModal)
        await pilot.press("enter")  # empty text: refused in place
        assert isinstance(app.screen, RaiseFlagModal)
        app.screen.query_one("#form-text", Input).value = "Background check shows a pending item"
        await pilot.press("enter")
        await pilot.pause()
        [flag] = list_flags(seeded_db, "D1002")
        assert (flag.kind, flag.text) == (
            "background_check",
            "Background check shows a pending item",
        )
        assert "2 flags to notify" in app.header_right()


async def test_intro_ticks_and_times(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("D")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, IntroScreen)
        assert screen.query_one(DataTable).row_count == len(config.intro.resources)
        await pilot.press("space", "j", "enter")
        timer = str(screen.query_one("#timer", Static).render())
        assert "0:00:00 of 90 min · 2 of 6 reviewed" in timer
        await pilot.press("space")  # untick the second
        clock.now = FIXED_NOW + timedelta(minutes=95)
        screen.tick_timer()
        timer = str(screen.query_one("#timer", Static).render())
        assert "1:35:00 of 90 min · past the target · 1 of 6 reviewed" in timer
        await pilot.press("c")
        assert app.clipboard == config.intro.resources[1].url


def test_short_labels_and_cells(config):
    labels = short_labels(config.tasks, 5)
    assert labels[:6] == ["m1", "m2", "m3", "m4", "m5", "fin."]
    assert labels[-1] == "call" and all(len(x) <= 4 for x in labels)
    assert cell_width(120, 15) == 5 and cell_width(200, 15) == 8 and cell_width(60, 15) == 4
    bar = progress_bar(3, 15, 2, behind=False)
    assert bar.plain == "█│░░░░░░░░ 3/15  "


def test_progress_chart_snapshot(snap_compare, seeded_db, config, clock):
    clock.now = EVENING
    db = seeded_db
    svc.set_status(db, config, "D1002", "ahip_m3", "in_progress", now=FIXED_NOW)
    svc.set_status(db, config, "D1002", "ahip_m4", "waived", now=FIXED_NOW)
    svc.record_attempt(db, config, "D1003", "cert_aetna", 60, now=FIXED_NOW)
    app = make_app(config, db, clock=clock)

    async def open_progress(pilot) -> None:
        await pilot.press("P")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=open_progress)


async def test_agent_screen_has_a_tasks_caps_flags_section(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        roster = app.screen.query_one("#roster", DataTable)
        roster.move_cursor(row=roster.get_row_index("D1011"))
        await pilot.press("enter")
        await pilot.pause()
        text = str(app.screen.query_one("#agent-progress", Static).render())
        assert "2/15 tasks done" in text
        assert "background check · PM not notified" in text
