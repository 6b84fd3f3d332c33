"""Pilot: the wizard records what really happened (`s` skipped, `r` case no. and who was
contacted), j/k in the tree picker, and the Carrier Ticket's carrier says where it came from."""

from __future__ import annotations

from textual.widgets import Footer, Input, Label, OptionList, Static

from esp_tui.app import make_app
from esp_tui.screens.roster import RosterScreen
from esp_tui.screens.ticket_form import TicketFormScreen
from esp_tui.screens.wizard import TreePickerScreen, WizardScreen
from esp_tui.screens.wizard_details import WalkDetailsScreen
from esp_tui.services import troubleshoot as ts
from esp_tui.services.tickets import list_tickets
from esp_tui.services.tree_files import load_trees, shipped_trees_dir
from storage.progress import set_status
from tests.conftest import FIXED_NOW

TREES = load_trees(shipped_trees_dir())
GENERAL_STEPS = len(TREES["general"].steps)


def agent_under_cursor(app) -> str:
    screen = app.screen
    assert isinstance(screen, RosterScreen)
    agent_id = screen.selected_agent_id()
    assert agent_id is not None
    return agent_id


async def open_wizard(pilot, tree: str) -> WizardScreen:
    await pilot.press("w")
    await pilot.pause()
    picker = pilot.app.screen
    assert isinstance(picker, TreePickerScreen)
    options = picker.query_one(OptionList)
    options.highlighted = options.get_option_index(f"tree:{tree}")
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, WizardScreen)
    return pilot.app.screen


async def test_s_records_skipped_and_the_ticket_says_skipped(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(160, 40)) as pilot:
        agent_id = agent_under_cursor(app)
        wizard = await open_wizard(pilot, "general")
        shown = {b.binding.key: b.binding.description for b in app.active_bindings.values()
                 if b.binding.show}  # fmt: skip
        assert shown["s"] == "Skipped / n.a."  # in the footer
        assert wizard.query_one(Footer).display
        assert "skipped / not applicable" in str(wizard.query_one("#wiz-keys", Static).render())
        await pilot.press("n", "s")
        await pilot.pause()
        crumbs = str(wizard.query_one("#wiz-crumbs-text", Static).render()).splitlines()
        assert crumbs[0].endswith("did not work") and "Reload the page" in crumbs[0]
        assert crumbs[1].endswith("skipped") and "Allow pop-ups" in crumbs[1]
        session = ts.open_session(seeded_db, agent_id)
        assert session is not None
        assert [e["answer"] for e in session.state["path"]] == ["no", "skip"]
        await pilot.press(*"n" * (GENERAL_STEPS - 3), "s")  # sign-in is not the problem
        await pilot.pause()
        assert isinstance(app.screen, TicketFormScreen)
        (ticket,) = list_tickets(seeded_db, agent_id=agent_id)
        steps = ticket.fields["steps_tried"].splitlines()
        assert steps[1] == "General: Allow pop-ups for the training site — skipped"
        assert steps[-1] == "General: Reset the password (if it is a sign-in problem) — skipped"
        assert [s.endswith("— skipped") for s in steps].count(True) == 2


async def test_j_and_k_move_in_the_tree_picker(seeded_db, config, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        start = options.highlighted
        assert start is not None and options.option_count == len(TREES)
        await pilot.press("j")
        assert options.highlighted == (start + 1) % options.option_count
        await pilot.press("k")
        assert options.highlighted == start
        await pilot.press("j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
        chosen = options.get_option_at_index((start + 1) % options.option_count).id
        assert chosen == f"tree:{app.screen.walk.engine.tree_name}"


async def test_reference_and_contacted_reach_the_ticket_and_the_carrier_is_named(
    seeded_db, config, clock
):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        agent_id = agent_under_cursor(app)
        with seeded_db.atomic():  # AHIP all passed, on the Aetna certification now
            for key in ("ahip_m1", "ahip_m2", "ahip_m3", "ahip_m4", "ahip_m5", "ahip_final"):
                set_status(seeded_db, agent_id, key, "passed", FIXED_NOW)
            set_status(seeded_db, agent_id, "cert_aetna", "in_progress", FIXED_NOW)
        wizard = await open_wizard(pilot, "ahip-aetna")
        await pilot.press(*"n" * GENERAL_STEPS)  # on "have the agent contact support"
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, WalkDetailsScreen)
        await pilot.press(*"AET-0441", "enter")
        await pilot.press(*"Aetna support, Dana", "enter")
        await pilot.pause()
        assert app.screen is wizard
        noted = str(wizard.query_one("#wiz-noted", Static).render())
        assert "Case/reference no.: AET-0441" in noted and "Contacted: Aetna support, Dana" in noted
        session = ts.open_session(seeded_db, agent_id)
        assert session is not None
        assert (session.state["reference"], session.state["contacted"]) == (
            "AET-0441",
            "Aetna support, Dana",
        )
        await pilot.press("n", "e")  # agent's call did not work; escalate at the TL's call
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TicketFormScreen)
        (ticket,) = list_tickets(seeded_db, agent_id=agent_id)
        assert ticket.fields["carrier"] == "Aetna"
        assert ticket.fields["contact_made"] == (
            "Contacted: Aetna support, Dana\nCase/reference no.: AET-0441"
        )
        assert form.query_one("#f-carrier", Input).value == "Aetna"
        assert not form.query_one("#f-carrier", Input).disabled  # still editable
        label = str(form.query_one("#row-carrier Label", Label).render())
        assert label.startswith("Carrier (from the AHIP/Aetna tree)")
        hint = str(form.query_one("#row-carrier .field-hint", Static).render())
        assert "Aetna certification is in progress" in hint
        assert "AET-0441" in form.values()["contact_made"]


async def test_an_agent_still_on_ahip_gets_ahip_and_a_plain_ticket_keeps_its_label(
    seeded_db, config, clock
):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        agent_id = agent_under_cursor(app)
        with seeded_db.atomic():
            set_status(seeded_db, agent_id, "ahip_m1", "in_progress", FIXED_NOW)
        await open_wizard(pilot, "ahip-aetna")
        await pilot.press("e")
        await pilot.pause()
        (ticket,) = list_tickets(seeded_db, agent_id=agent_id)
        assert ticket.fields["carrier"] == "AHIP"
        assert ticket.fields.get("contact_made", "") == ""  # nobody contacted, nothing shown
    # A Carrier Ticket typed by hand (no walk behind it): the form's own label.
    from esp_tui.services.tickets import create_ticket

    other = create_ticket(seeded_db, "carrier_ticket", agent_id, {}, now=FIXED_NOW)
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.push_screen(TicketFormScreen(other.id))
        await pilot.pause()
        label = str(app.screen.query_one("#row-carrier Label", Label).render())
        assert label.startswith("Carrier / system")
