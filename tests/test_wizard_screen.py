"""The troubleshooting wizard through Pilot: pick, walk, resolve, back, copy, escalate, resume."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from esp_tui.app import EspApp, make_app
from esp_tui.config import build_config
from esp_tui.screens.help import HelpScreen
from esp_tui.screens.roster import RosterScreen
from esp_tui.screens.wizard import StaleSessionScreen, TreePickerScreen, WizardScreen
from esp_tui.services import troubleshoot as ts
from esp_tui.services.tree_files import load_trees, shipped_trees_dir
from storage.db import connect
from tests.conftest import TZ

TREES = load_trees(shipped_trees_dir())
GENERAL_STEPS = len(TREES["general"].steps)
AHIP_STEPS = GENERAL_STEPS + len(TREES["ahip-aetna"].steps)
AHIP = "AHIP 866.234.6909 · Support@AHIPInsuranceEducation.org"
AETNA = "Aetna 866.714.9301"


def text_of(app: EspApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def cursor_agent(app: EspApp) -> str:
    screen = app.screen
    assert isinstance(screen, RosterScreen)
    agent_id = screen.selected_agent_id()
    assert agent_id is not None
    return agent_id


async def open_picker(pilot: Pilot) -> TreePickerScreen:
    await pilot.press("w")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TreePickerScreen)
    return screen


async def pick(pilot: Pilot, tree: str) -> WizardScreen:
    """`w`, move the highlight to `tree`, enter: the wizard is on screen."""
    picker = await open_picker(pilot)
    options = picker.query_one(OptionList)
    options.highlighted = options.get_option_index(f"tree:{tree}")
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, WizardScreen)
    return screen


async def press_n(pilot: Pilot, times: int) -> None:
    for _ in range(times):
        await pilot.press("n")
    await pilot.pause()


async def test_ahip_aetna_no_to_the_end_lands_on_the_prefilled_ticket_draft(
    seeded_db, config, clock
):
    from esp_tui.screens.ticket_form import TicketFormScreen
    from esp_tui.services.tickets import list_tickets

    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        agent_id = cursor_agent(app)
        wizard = await pick(pilot, "ahip-aetna")
        assert wizard.walk.agent.agent_id == agent_id
        assert text_of(app, "#wiz-count") == f"step 1 of {AHIP_STEPS}"
        assert "Reload the page" in text_of(app, "#wiz-step-text")
        await press_n(pilot, AHIP_STEPS)
        assert isinstance(app.screen, TicketFormScreen)
        tickets = list_tickets(seeded_db, agent_id=agent_id)
        assert len(tickets) == 1
        ticket = tickets[0]
        assert (ticket.form, ticket.status) == ("carrier_ticket", "draft")
        assert app.screen.ticket_id == ticket.id
        steps = ticket.fields["steps_tried"].splitlines()
        expected = [f"General: {s.text} — did not work" for s in TREES["general"].steps] + [
            f"AHIP/Aetna: {s.text} — did not work" for s in TREES["ahip-aetna"].steps
        ]
        assert steps == expected
        # the demo agent's open AHIP work decides which of the tree's carriers (not "AHIP/Aetna")
        assert ticket.fields["carrier"] == "AHIP"
        sessions = ts.list_sessions(seeded_db, agent_id)
        assert [(s.outcome, s.ticket_id) for s in sessions] == [("escalated", ticket.id)]


async def test_escalate_now_with_e(seeded_db, config, clock):
    from esp_tui.screens.ticket_form import TicketFormScreen

    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        agent_id = cursor_agent(app)
        await pick(pilot, "tbt")
        await press_n(pilot, 1)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, TicketFormScreen)
        (session,) = ts.list_sessions(seeded_db, agent_id)
        assert session.outcome == "escalated" and session.steps_answered == 2


async def test_resolve_early_returns_to_the_roster(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        agent_id = cursor_agent(app)
        await pick(pilot, "general")
        await press_n(pilot, 2)
        assert "Clear the browser cache" in text_of(app, "#wiz-step-text")
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        (session,) = ts.list_sessions(seeded_db, agent_id)
        assert (session.outcome, session.ticket_id, session.steps_answered) == ("resolved", None, 3)
        assert seeded_db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 0


async def test_back_one_step_updates_screen_and_saved_path(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        agent_id = cursor_agent(app)
        await pick(pilot, "ahip-aetna")
        await pilot.press("b")  # nothing to undo yet: a toast, nothing changes
        await press_n(pilot, 2)
        assert text_of(app, "#wiz-count") == f"step 3 of {AHIP_STEPS}"
        await pilot.press("b")
        await pilot.pause()
        assert text_of(app, "#wiz-count") == f"step 2 of {AHIP_STEPS}"
        assert "Allow pop-ups" in text_of(app, "#wiz-step-text")
        crumbs = text_of(app, "#wiz-crumbs-text")
        assert "Reload the page" in crumbs and "Allow pop-ups" not in crumbs
        session = ts.open_session(seeded_db, agent_id)
        assert session is not None and session.steps_answered == 1


async def test_copy_contact_cycles_through_the_steps_contacts(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pick(pilot, "ahip-aetna")
        await pilot.press("c")  # a general step has no contact
        assert app.clipboard == ""
        await press_n(pilot, GENERAL_STEPS)
        assert "contact AHIP or Aetna support" in text_of(app, "#wiz-step-text")
        assert AHIP in text_of(app, "#wiz-contacts")
        await pilot.press("c")
        assert app.clipboard == AHIP
        await pilot.press("enter", "c")  # enter closes the copied-text dialog
        assert app.clipboard == AETNA
        await pilot.press("enter", "c")
        assert app.clipboard == AHIP


async def test_esc_keeps_the_session_and_w_offers_resume(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        agent_id = cursor_agent(app)
        await pick(pilot, "general")
        await press_n(pilot, 2)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        session = ts.open_session(seeded_db, agent_id)
        assert session is not None and session.steps_answered == 2
        picker = await open_picker(pilot)
        highlighted = picker.query_one(OptionList).highlighted_option
        assert highlighted is not None and highlighted.id == "resume"


async def test_resume_after_restarting_the_app_mid_walk(seeded_db, db_path, config, clock):
    first = make_app(config, seeded_db, db_path=db_path, clock=clock)
    async with first.run_test(size=(120, 40)) as pilot:
        agent_id = cursor_agent(first)
        await pick(pilot, "ahip-aetna")
        await press_n(pilot, 3)
        # The app goes away mid-walk (quit, crash): no "leave" pressed.
    seeded_db.close()

    db = connect(db_path)
    try:
        second = make_app(config, db, db_path=db_path, clock=clock)
        async with second.run_test(size=(120, 40)) as pilot:
            assert cursor_agent(second) == agent_id
            await open_picker(pilot)
            await pilot.press("enter")  # "Resume" is highlighted
            await pilot.pause()
            wizard = second.screen
            assert isinstance(wizard, WizardScreen)
            assert text_of(second, "#wiz-count") == f"step 4 of {AHIP_STEPS}"
            assert "private window" in text_of(second, "#wiz-step-text")
            assert text_of(second, "#wiz-crumbs-text").count("did not work") == 3
            await pilot.press("y")
            await pilot.pause()
        (session,) = ts.list_sessions(db, agent_id)
        assert (session.outcome, session.steps_answered) == ("resolved", 4)
    finally:
        db.close()


async def test_last_used_tree_is_highlighted_for_the_next_agent(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pick(pilot, "tbt")
        await pilot.press("y")
        await pilot.press("down")  # next agent
        await pilot.pause()
        picker = await open_picker(pilot)
        highlighted = picker.query_one(OptionList).highlighted_option
        assert highlighted is not None and highlighted.id == "tree:tbt"


async def test_stale_saved_session_offers_restart(seeded_db, config, clock, tmp_path: Path):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        agent_id = cursor_agent(app)
        await pick(pilot, "ahip-aetna")
        await press_n(pilot, 2)
    folder = tmp_path / "trees"
    folder.mkdir()
    (folder / "general.toml").write_text(
        'title = "Ours"\nstart = "ask"\n\n[[steps]]\nid = "ask"\ntext = "Ask IT"\n'
        'outcomes = { no = "escalate" }\n',
        encoding="utf-8",
    )
    edited = build_config({"cohort": {"timezone": TZ}, "trees": {"user_dir": str(folder)}}, "t")
    app = make_app(edited, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_picker(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StaleSessionScreen)
        assert "the tree changed" in text_of(app, "#stale-reason")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
        assert "Ask IT" in text_of(app, "#wiz-step-text")
    outcomes = sorted(str(s.outcome) for s in ts.list_sessions(seeded_db, agent_id))
    assert outcomes == ["None", "abandoned"]


async def test_help_lists_the_wizard_binding_ids(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pick(pilot, "general")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        from textual.widgets import DataTable

        table = app.screen.query_one(DataTable)
        ids = {table.get_row_at(i)[2] for i in range(table.row_count)}
        expected = {"wizard_yes", "wizard_no", "wizard_skip", "wizard_escalate", "wizard_back"}
        expected |= {"wizard_copy", "wizard_details"}
        assert expected | {"wizard_leave"} <= ids


def test_wizard_step_snapshot(snap_compare, seeded_db, config, clock):
    async def walk_to_contact_step(pilot: Pilot) -> None:
        await pick(pilot, "ahip-aetna")
        await press_n(pilot, GENERAL_STEPS)

    app = make_app(config, seeded_db, clock=clock)
    assert snap_compare(app, terminal_size=(120, 36), run_before=walk_to_contact_step)


async def test_agent_screen_lists_sessions_and_outcomes(seeded_db, config, clock):
    from textual.widgets import DataTable

    from esp_tui.screens.agent import AgentScreen

    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pick(pilot, "general")
        await pilot.press("y")
        await pick(pilot, "tbt")
        await press_n(pilot, 1)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AgentScreen)
        table = app.screen.query_one("#troubleshoot-sessions", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [(r[1], r[2], r[3]) for r in rows] == [
            ("tbt", "1", "open (w resumes)"),
            ("general", "1", "resolved"),
        ]
        assert rows[0][0] == "Day 1 09:14"
        assert rows[0][5] == "Reload the page — did not work"
