"""Pilot: tickets (new → fill → submit from the keyboard), rooms and the TL's status."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from esp_tui.app import make_app
from esp_tui.domain.forms import FORMS
from esp_tui.domain.models import Agent
from esp_tui.domain.tickets import Ticket
from esp_tui.screens.prompts import Confirm
from esp_tui.screens.rooms import MoveAgentScreen, NewRoomScreen, RoomsScreen
from esp_tui.screens.ticket_form import TicketFormScreen
from esp_tui.screens.tickets import NewTicketScreen, TicketsScreen
from esp_tui.screens.tl_status import TlStatusScreen
from esp_tui.services import rooms, tickets
from esp_tui.services import tl_status as tl
from esp_tui.services.roster import cohort_from_config
from storage import progress as progress_store
from storage.agents import get_agent, upsert_agents
from storage.cohort import save_cohort
from storage.tickets import insert_ticket
from tests.conftest import DAY1
from tests.fifth_form import FIFTH

SIZE = (120, 40)


def _toasts(app) -> list[str]:
    return [n.message for n in app._notifications]


async def _type(pilot, text: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in text])


async def _new_ticket(pilot, app, downs: int) -> TicketFormScreen:
    """From the roster: T, n, the form `downs` rows down the list, enter."""
    await pilot.press("T")
    assert isinstance(app.screen, TicketsScreen)
    await pilot.press("n")
    assert isinstance(app.screen, NewTicketScreen)
    await pilot.press(*(["down"] * downs), "enter")
    await pilot.pause()
    assert isinstance(app.screen, TicketFormScreen)
    return app.screen


async def test_new_carrier_ticket_fill_and_submit_from_the_keyboard(config, seeded_db, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        agent = app.screen.selected_agent_id()
        form = await _new_ticket(pilot, app, downs=3)  # Carrier Ticket
        [draft] = tickets.list_tickets(seeded_db)
        assert (draft.form, draft.agent_id, draft.status) == ("carrier_ticket", agent, "draft")

        # Focus starts on the first field (carrier); submit before it is complete.
        await _type(pilot, "Citrix")
        await pilot.press("tab")
        await _type(pilot, "Desktop blank")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.screen is form  # not submitted
        err = form.query_one("#err-steps_tried", Static)
        assert err.display and "required" in str(err.render())
        assert tickets.get_ticket(seeded_db, draft.id).fields["summary"] == "Desktop blank"

        # Focus moved to the failing field: fill it and submit.
        await _type(pilot, "Reinstalled receiver")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, TicketsScreen)
        done = tickets.get_ticket(seeded_db, draft.id)
        assert done.status == "submitted"
        assert done.fields == {
            "carrier": "Citrix",
            "summary": "Desktop blank",
            "steps_tried": "Reinstalled receiver",
            "urgency": "normal",
        }


async def test_failed_exam_from_the_keyboard_records_the_attempt(config, seeded_db, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        agent = app.screen.selected_agent_id()
        await _new_ticket(pilot, app, downs=2)  # Failed Carrier Cert Exam
        # Exam / cert is a Select: open it, pick the Aetna cert.
        catalog = [t.key for t in config.tasks if t.is_exam]
        await pilot.press("enter", *(["down"] * (catalog.index("cert_aetna") + 1)), "enter")
        await pilot.press("tab", "1", "tab", "7", "0", "ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, TicketsScreen)
        [t] = tickets.list_tickets(seeded_db, status="submitted")
        assert t.fields["task_key"] == "cert_aetna" and t.fields["score"] == 70
        assert progress_store.failed_count(seeded_db, agent, "cert_aetna") == 1


async def test_save_draft_header_count_and_esc_asks_when_unsaved(config, seeded_db, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        form = await _new_ticket(pilot, app, downs=3)
        await _type(pilot, "Aetna")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not form.is_dirty()
        assert "1 draft" in app.header_right()
        await pilot.press("tab", "x", "escape")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # stay
        assert app.screen is form
        await pilot.press("escape")
        await pilot.press("y")  # leave, losing the "x"
        await pilot.pause()
        assert isinstance(app.screen, TicketsScreen)
        [t] = tickets.list_tickets(seeded_db)
        assert t.fields == {"carrier": "Aetna", "urgency": "normal"}


async def test_tickets_screen_submit_filter_and_delete(config, seeded_db, clock):
    now = clock()
    ok = tickets.create_ticket(
        seeded_db,
        "carrier_ticket",
        "D1001",
        {"carrier": "Aetna", "summary": "Locked", "steps_tried": "Reset password"},
        now=now,
    )
    bad = tickets.create_ticket(seeded_db, "carrier_ticket", "D1002", {}, now=now)
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        screen = app.screen
        assert isinstance(screen, TicketsScreen)
        title = lambda: str(screen.query_one("#tickets-title", Static).render())  # noqa: E731
        assert title() == "Tickets · 2 drafts · filter: none"
        assert screen.selected_ticket_id() == ok.id
        await pilot.press("s")  # valid: submits
        await pilot.pause()
        assert tickets.get_ticket(seeded_db, ok.id).status == "submitted"
        await pilot.press("t")  # status filter: drafts only
        assert screen.status_filter == "draft"
        assert title() == "Tickets · 1 draft · filter: status: draft"
        assert screen.selected_ticket_id() == bad.id
        await pilot.press("s")  # invalid: stays a draft
        assert tickets.get_ticket(seeded_db, bad.id).status == "draft"
        await pilot.press("d")
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await pilot.pause()
        assert [t.id for t in tickets.list_tickets(seeded_db)] == [ok.id]
        assert screen.selected_ticket_id() is None  # the draft filter now shows nothing


async def test_rooms_open_move_and_close_from_the_keyboard(config, seeded_db, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        agent = app.screen.selected_agent_id()
        await pilot.press("R")
        assert isinstance(app.screen, RoomsScreen)
        await pilot.press("n")
        assert isinstance(app.screen, NewRoomScreen)
        await _type(pilot, "https://meet.google.com/abc-defg-hij")
        await pilot.press("enter")
        await pilot.pause()
        [room] = rooms.list_rooms(seeded_db)
        assert room.meet_link == "https://meet.google.com/abc-defg-hij"
        await pilot.press("y")  # copy the link
        assert app.clipboard == room.meet_link
        await pilot.press("escape", "escape")  # the copied-text dialog, then the Rooms screen

        await pilot.press("m")
        assert isinstance(app.screen, MoveAgentScreen)
        await pilot.press("down", "enter")  # the first open room
        await pilot.pause()
        assert rooms.where_by_agent(seeded_db) == {agent: room.name}
        roster = app.screen
        assert room.name in str(roster.query_one("#roster").get_row(agent))  # type: ignore[attr-defined]
        name = get_agent(seeded_db, agent).name  # type: ignore[union-attr]
        assert _toasts(app)[-1] == f"{name} is now in {room.name}"  # the name, not the id

        await pilot.press("m", "enter")  # back to the main Meet
        await pilot.pause()
        assert rooms.where_by_agent(seeded_db) == {}
        assert _toasts(app)[-1] == f"{name} is back in the main Meet"
        await pilot.press("m", "down", "enter")  # into the room again, for the close below
        await pilot.pause()
        assert rooms.where_by_agent(seeded_db) == {agent: room.name}

        await pilot.press("R", "c")
        assert isinstance(app.screen, Confirm)  # the app's one confirm modal
        await pilot.press("y")
        await pilot.pause()
        assert rooms.where_by_agent(seeded_db) == {}
        assert rooms.list_rooms(seeded_db) == []


async def test_tl_status_break_copies_the_chat_line_and_shows_in_header(config, seeded_db, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, TlStatusScreen)
        # Available, Assisting <agent under the cursor>, On a break.
        await pilot.press("down", "down")
        minutes = app.screen.query_one("#tl-minutes", Input)
        minutes.value = "15"
        await pilot.pause()
        assert app.screen.query_one("#tl-message", Input).value.startswith("Back in 15 min")
        await pilot.press("enter")
        await pilot.pause()
        assert app.clipboard == "Back in 15 min - on a short break"
        await pilot.press("enter")  # closes the copied-text dialog
        assert tl.current_status(seeded_db).status == "break"  # type: ignore[union-attr]
        clock.now = clock.now.replace(minute=clock.now.minute + 4)
        assert "TL on break 4m/15m" in app.header_right()

        await pilot.press("s")  # the day's log is listed
        assert app.screen.query_one("#tl-log").row_count == 1  # type: ignore[attr-defined]
        await pilot.press("enter")  # Available
        await pilot.pause()
        assert tl.current_status(seeded_db).status == "available"  # type: ignore[union-attr]
        assert "TL available" in app.header_right()


def test_ticket_form_snapshot(snap_compare, config, db, clock):
    # Its own one-agent cohort: the picture does not change when the demo data grows.
    with db.atomic():
        save_cohort(db, cohort_from_config(config, "Nov cohort", DAY1))
        upsert_agents(db, [Agent(agent_id="E2001", name="Agent Two", email="two@example.com")])
        # A fixed id (create_ticket's is random) keeps the title stable.
        t = Ticket(
            id="5eed0000-0000-4000-8000-000000000006",
            form="carrier_cert_completion",
            agent_id="E2001",
            fields={"carrier": "Aetna", "completed_on": "2026-11-23", "score": "80"},
            created_at=clock(),
            updated_at=clock(),
        )
        insert_ticket(db, t)
    app = make_app(config, db, clock=clock)

    async def run_before(pilot) -> None:
        app.push_screen(TicketFormScreen(t.id))
        await pilot.pause()
        await pilot.press("ctrl+t")  # 80 is below the pass mark: the error shows by the field
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


async def test_agent_screen_lists_the_agents_tickets(config, seeded_db, clock):
    from esp_tui.screens.agent import AgentScreen

    t = tickets.create_ticket(seeded_db, "carrier_ticket", "D1007", {}, now=clock())
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(AgentScreen("D1007"))
        await pilot.pause()
        text = str(app.screen.query_one("#agent-tickets", Static).render())
        assert t.id[:8] in text and "Carrier Ticket" in text and "draft" in text


async def test_leaving_a_new_untouched_ticket_discards_it(seeded_db, config, clock):
    """Opening the form by mistake must not leave a draft that blocks closing the day."""
    from esp_tui.app import make_app
    from esp_tui.services import tickets as tsvc

    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("T")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("j", "enter")  # j moves in the pick list: Call Certification
        await pilot.pause()
        drafts = tsvc.list_tickets(seeded_db, status="draft")
        assert [t.form for t in drafts] == ["call_certification"]
        await pilot.press("escape")
        await pilot.pause()
        assert tsvc.list_tickets(seeded_db, status="draft") == []


async def test_the_list_and_new_modal_show_every_registered_form(config, seeded_db, clock):
    """A fifth FormSpec shows in the n modal and, with its gist, in the list: no other edit."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(FORMS, FIFTH.name, FIFTH)
        made = {
            name: tickets.create_ticket(
                seeded_db, name, "D1001", {k: f"about {name}" for k in spec.gist}, now=clock()
            )
            for name, spec in FORMS.items()
        }
        app = make_app(config, seeded_db, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(TicketsScreen(None))
            await pilot.pause()
            table = app.screen.query_one("#tickets")
            for name, t in made.items():
                row = [str(c) for c in table.get_row(t.id)]  # type: ignore[attr-defined]
                assert (row[1], row[-1]) == (FORMS[name].label, f"about {name}"), name
            await pilot.press("n")
            assert isinstance(app.screen, NewTicketScreen)
            picks = app.screen.query_one("#new-forms")
            ids = [picks.get_option_at_index(i).id for i in range(picks.option_count)]  # type: ignore[attr-defined]
            assert ids == list(FORMS) and ids[-1] == FIFTH.name


async def test_new_modal_shows_the_services_agent_message_and_writes_nothing(
    config, seeded_db, clock
):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(TicketsScreen(None))
        await pilot.pause()
        await pilot.press("n")
        modal = app.screen
        assert isinstance(modal, NewTicketScreen)
        error = lambda: str(modal.query_one("#new-error", Static).render())  # noqa: E731
        await pilot.press("enter")  # no agent typed
        await pilot.pause()
        assert app.screen is modal and error() == "✗ agent id: required"
        modal.query_one("#new-agent", Input).value = "NOPE"
        modal.query_one("#new-forms").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal
        assert error().startswith("✗ agent 'NOPE': not in the roster of cohort ")
        assert tickets.list_tickets(seeded_db) == []
