"""Roll call (issue 14, item 1): everyone in with `I`, then the exceptions, each replacing the
bulk in with a void + the new stamp; voids and corrections of one stamp with a reason; the key
count of a roll call of 24 agents with 3 late. The 24-agent demo at 09:14 New York, day 1."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from esp_tui.app import make_app
from esp_tui.domain.attendance import effective_events
from esp_tui.screens.agent import AgentScreen
from esp_tui.screens.prompts import Confirm
from esp_tui.screens.roster import RosterScreen, RosterTable
from esp_tui.screens.stamp_at import StampAt
from esp_tui.screens.stamp_fix import StampFix
from storage.attendance import all_events
from tests.conftest import FIXED_NOW
from tests.test_roster_keys import cells

KAI = "D1001"


@pytest.fixture
def app(config, seeded_db, clock):
    return make_app(config, seeded_db, clock=clock)


def number_of(app, agent_id: str) -> int:
    return app.screen.rows[agent_id].number


async def test_roll_call_of_24_with_3_late_takes_at_most_8_keys_per_late_agent(
    app, seeded_db, clock
):
    clock.now = FIXED_NOW + timedelta(minutes=96)  # 10:50: the roll call is typed afterwards
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        by_number = {r.number: a for a, r in screen.rows.items()}
        late = {by_number[3]: "09:12", by_number[11]: "09:10", by_number[17]: "10:41"}
        bulk = ["I", "enter"]
        await pilot.press(*bulk)
        assert len({cells(app, a)["in"] for a in screen.rows}) == 1  # everyone in at 09:00
        per_agent: dict[str, list[str]] = {}
        for agent_id, hhmm in late.items():
            keys = [*str(number_of(app, agent_id)), "t", *hhmm.replace(":", "").lstrip("0")]
            keys += ["enter"]  # the box says "enter: in at 09:12, replacing the in 09:00"
            per_agent[agent_id] = keys
            await pilot.press(*keys)
            assert isinstance(app.screen, RosterScreen)
        assert max(len(k) for k in per_agent.values()) <= 8
        assert per_agent[by_number[17]] == ["1", "7", "t", "1", "0", "4", "1", "enter"]
        assert len(per_agent[by_number[3]]) == 6
        for agent_id, hhmm in late.items():  # 12, 10 and 101 minutes late
            row = cells(app, agent_id)
            assert (row["in"], row["flags"]) == (hhmm, "LATE 10+"), agent_id
            assert screen.rows[agent_id].points == 0.5
        on_time = [a for a in screen.rows if a not in late]
        assert len(on_time) == 21
        assert all((cells(app, a)["in"], cells(app, a)["flags"]) == ("09:00", "") for a in on_time)
        events = all_events(seeded_db)
        voids = [e for e in events if e.is_void]
        assert len(voids) == 3 and {e.agent_id for e in voids} == set(late)
        assert all(e.reason == f"replaced by in {late[e.agent_id]}" for e in voids)
        live_ins = [e for e in effective_events(events) if e.kind == "in"]
        assert len(live_ins) == 24


async def test_u_reverts_the_last_replacement_only(app, seeded_db):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        by_number = {r.number: a for a, r in screen.rows.items()}
        first, second = by_number[2], by_number[5]
        await pilot.press("I", "enter")
        await pilot.press("2", "t", *"912", "enter")
        await pilot.press("5", "t", *"0911", "enter")
        assert [cells(app, a)["in"] for a in (first, second)] == ["09:12", "09:11"]
        await pilot.press("u")  # the second replacement only: void and new in, undone together
        assert [cells(app, a)["in"] for a in (first, second)] == ["09:12", "09:00"]
        assert cells(app, second)["flags"] == "" and cells(app, first)["flags"] == "LATE 10+"
        assert len({cells(app, a)["in"] for a in screen.rows if a != first}) == 1
        live = effective_events(all_events(seeded_db))
        assert [e.agent_id for e in live if e.kind == "in" and e.at.minute == 12] == [first]


async def test_t_in_the_afternoon_offers_the_out_first(app, seeded_db, clock):
    clock.now = FIXED_NOW + timedelta(hours=7)  # 16:14
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("I", "enter", "1", "t", *"1600")
        box = app.screen
        assert isinstance(box, StampAt)
        meaning = str(box.query_one("#meaning").render())
        assert meaning == (
            "enter: out at 16:00 (in since 09:00)\ntab: in at 16:00, replacing the in 09:00"
        )
        await pilot.press("enter")
        row = cells(app, next(a for a, r in app.screen.rows.items() if r.number == 1))
        assert (row["in"], row["out"], row["flags"]) == ("09:00", "16:00", "EARLY 10+")
        assert not [e for e in all_events(seeded_db) if e.is_void]
        await pilot.press("2", "t", *"1005", "enter")  # the morning: the late arrival first
        row = cells(app, next(a for a, r in app.screen.rows.items() if r.number == 2))
        assert (row["in"], row["out"], row["flags"]) == ("10:05", "-", "LATE 10+")
        await pilot.press("3", "t", *"1230", "tab", "enter")  # tab: the other meaning, an out
        row = cells(app, next(a for a, r in app.screen.rows.items() if r.number == 3))
        assert (row["in"], row["out"], row["flags"]) == ("09:00", "12:30", "EARLY 4H+")


async def test_i_on_an_agent_already_in_asks_to_replace(app, seeded_db):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("I", "enter", "4", "i")
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.query_one(".prompt-title").render())
        assert "is already in since 09:00 on day 1. Replace that in with in 09:14 (now)?" in (
            question
        )
        await pilot.press("enter")
        agent = next(a for a, r in app.screen.rows.items() if r.number == 4)
        assert (cells(app, agent)["in"], cells(app, agent)["flags"]) == ("09:14", "LATE 10+")
        await pilot.press("5", "i", "n")  # no: nothing written
        assert sum(e.is_void for e in all_events(seeded_db)) == 1


async def test_digits_jump_to_the_numbered_row_and_other_keys_start_afresh(app):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        table = screen.query_one(RosterTable)
        by_number = {r.number: a for a, r in screen.rows.items()}
        assert cells(app, by_number[7])["agent"].startswith(" 7 ")
        await pilot.press("1", "7")
        assert screen.selected_agent_id() == by_number[17]
        await pilot.press("3")  # 173 names no row: 3 starts afresh
        assert screen.selected_agent_id() == by_number[3]
        await pilot.press("j", "2")  # j moved on; 2 is row 2, not 32
        assert screen.selected_agent_id() == by_number[2]
        await pilot.press("slash", *"zz9", "enter")  # typed into the filter, not a jump
        assert table.row_count == 0 and screen.filter_text == "zz9"
        await pilot.press("8")  # hidden by the filter: the jump clears it
        assert screen.filter_text == "" and screen.selected_agent_id() == by_number[8]


async def test_bulk_in_before_the_start_asks_and_stamps_now(app, seeded_db, clock):
    clock.now = FIXED_NOW - timedelta(minutes=34)  # 08:40
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("I")
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.query_one(".prompt-title").render())
        assert question.startswith("It is 08:40, before the 09:00 start. Mark the 24 agents")
        assert question.endswith("as in at 08:40 (now)?")
        await pilot.press("enter")
        agents = list(app.screen.rows)
        assert {cells(app, a)["in"] for a in agents} == {"08:40"}
        assert all(e.at <= clock.now for e in all_events(seeded_db))


async def test_the_agent_screen_voids_and_corrects_one_stamp_with_a_reason(app, seeded_db):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("I", "enter", "1", "enter")
        agent = app.screen
        assert isinstance(agent, AgentScreen)
        await pilot.press("e")  # the log's highlighted row: the bulk in
        form = app.screen
        assert isinstance(form, StampFix)
        await pilot.press(*"912", "enter", "enter")  # no reason: refused, form stays
        assert app.screen is form and "reason: say why" in str(
            form.query_one(".prompt-error").render()
        )
        await pilot.press(*"joined 09:12", "enter")
        assert isinstance(app.screen, AgentScreen)
        log = agent.query_one("#log", DataTable)
        rows = [[str(c) for c in log.get_row_at(i)] for i in range(log.row_count)]
        assert [r[3] for r in rows] == ["in", "void", "in"]
        assert rows[0][6] == "voided" and rows[1][4].startswith("voids #")
        assert "joined 09:12 (tl)" in rows[1][4] and rows[2][2] == "09:12"
        week = agent.query_one("#week", DataTable)
        assert str(week.get_cell_at(Coordinate(0, 0))) == "09:12"
        # void the new stamp: the day has no in left
        log.focus()
        log.move_cursor(row=2)
        await pilot.press("v", *"wrong agent", "enter")
        assert str(week.get_cell_at(Coordinate(0, 0))) == "-"
        voids = [e for e in all_events(seeded_db) if e.is_void]
        assert [v.reason for v in voids] == ["joined 09:12", "wrong agent"]
        await pilot.press("escape")
        first = next(a for a, r in app.screen.rows.items() if r.number == 1)
        assert cells(app, first)["in"] == "-"
