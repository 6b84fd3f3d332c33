"""Pilot: forms and dialogs (issue 14, items 6 and 8). Every invalid field of a ticket form at
once, an error cleared as soon as its field is valid, future dates refused, no blank urgency;
the first field has focus in every dialog with fields; `?` typed in a text field is text; every
copy shows the copied text in a dialog."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Input, Select, Static, TextArea
from textual.widgets._select import InvalidSelectValueError

import esp_tui.screens
from esp_tui.app import make_app
from esp_tui.domain.wizard import WalkDetails
from esp_tui.screens.base import EspModal
from esp_tui.screens.copied_dialog import HINT, CopiedDialog
from esp_tui.screens.flags import CapModal, RaiseFlagModal
from esp_tui.screens.help import HelpScreen
from esp_tui.screens.note_editor import NoteEditor
from esp_tui.screens.prompts import PathPrompt, TextPrompt
from esp_tui.screens.rooms import NewRoomScreen, RoomsScreen
from esp_tui.screens.stamp_at import StampAt
from esp_tui.screens.stamp_fix import StampFix
from esp_tui.screens.tasks import ScoreModal
from esp_tui.screens.ticket_form import TicketFormScreen
from esp_tui.screens.tickets import NewTicketScreen
from esp_tui.screens.tl_status import TlStatusScreen
from esp_tui.screens.wizard_details import WalkDetailsScreen
from esp_tui.services import rooms, tickets
from storage import progress as progress_store
from tests.conftest import FIXED_NOW

SIZE = (120, 40)
AGENT = "D1001"


def _shown_errors(screen: TicketFormScreen) -> dict[str, str]:
    return {
        (e.id or "").removeprefix("err-"): str(e.render())
        for e in screen.query(".field-error").results(Static)
        if e.display
    }


async def _open_form(app, pilot, form: str, fields: dict[str, str]) -> TicketFormScreen:
    t = tickets.new_ticket(app.db, app.config, form, AGENT, fields, now=FIXED_NOW)
    app.push_screen(TicketFormScreen(t.id))
    await pilot.pause()
    assert isinstance(app.screen, TicketFormScreen)
    return app.screen


async def test_failed_exam_shows_every_bad_field_at_once_and_clears_each_when_fixed(
    config, seeded_db, clock
):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_form(app, pilot, "failed_carrier_cert_exam", {})
        assert app.focused is form.query_one("#f-task_key")
        catalog = [t.key for t in config.tasks if t.is_exam]
        await pilot.press("enter", *(["down"] * (catalog.index("cert_aetna") + 1)), "enter")
        # Three bad fields: attempt 0, a passing score, a date after today (Mon 23 Nov).
        await pilot.press("tab", "0", "tab", "9", "5", "tab")
        form.query_one("#f-date", Input).value = "2026-11-30"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.screen is form  # not submitted
        errors = _shown_errors(form)
        assert set(errors) == {"attempt_no", "score", "date"}  # all three, at once
        assert "95 passes Aetna certification" in errors["score"]
        assert "2026-11-30 is in the future (today is 2026-11-23)" in errors["date"]
        assert app.focused is form.query_one("#f-attempt_no")  # the first failing field

        # Fixing the date clears its error at once (no save), the others stay.
        form.query_one("#f-date", Input).value = "2026-11-2"
        await pilot.pause()
        assert "must be a date" in _shown_errors(form)["date"]  # still wrong: the new problem
        await pilot.press("tab", "tab")
        form.query_one("#f-date", Input).value = "2026-11-23"
        await pilot.pause()
        assert set(_shown_errors(form)) == {"attempt_no", "score"}
        form.query_one("#f-score", Input).value = "70"
        await pilot.pause()
        assert set(_shown_errors(form)) == {"attempt_no"}
        form.query_one("#f-attempt_no", Input).value = "1"
        await pilot.pause()
        assert _shown_errors(form) == {}
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.screen is not form
        [t] = tickets.list_tickets(seeded_db, status="submitted")
        assert t.fields["date"] == "2026-11-23" and t.fields["score"] == 70
        assert progress_store.failed_count(seeded_db, AGENT, "cert_aetna") == 1


async def test_a_field_without_an_error_gets_none_while_typing(config, seeded_db, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_form(app, pilot, "call_certification", {"certifier": "Ann"})
        form.query_one("#f-date", Input).value = "2026-11-24"  # tomorrow
        await pilot.press("ctrl+s")  # a draft save points out the filled fields' problems
        await pilot.pause()
        assert set(_shown_errors(form)) == {"date"}
        form.query_one("#f-scores", Input).value = "9"  # half typed: no error yet
        await pilot.pause()
        assert set(_shown_errors(form)) == {"date"}
        form.query_one("#f-date", Input).value = "2026-11-20"
        await pilot.pause()
        assert _shown_errors(form) == {}


async def test_urgency_has_no_blank_choice(config, seeded_db, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_form(app, pilot, "carrier_ticket", {"carrier": "Citrix"})
        urgency = form.query_one("#f-urgency", Select)
        assert urgency.value == "normal"
        with pytest.raises(InvalidSelectValueError):
            urgency.clear()  # a Select without a blank refuses to be cleared
        # A draft stored without urgency (older, or the CLI) shows its default, not a blank.
        t = tickets.create_ticket(seeded_db, "carrier_ticket", AGENT, {}, now=FIXED_NOW)
        app.push_screen(TicketFormScreen(t.id))
        await pilot.pause()
        assert app.screen.query_one("#f-urgency", Select).value == "normal"


# --- dialogs: the first field has focus, `?` is text ----------------------------------------

# Every EspModal of esp_tui/screens: with fields (an Input, a TextArea or a choice the TL acts
# on first) or without. A new dialog must be listed in one of them.
WITHOUT_FIELDS = {
    "ErrorDialog", "TreePickerScreen", "StaleSessionScreen", "MoveAgentScreen", "ConflictDetail",
    "PickOne", "Confirm", "HelpScreen", "CohortPicker", "MeetImportScreen",
}  # fmt: skip


def _dialogs_with_fields(app) -> dict[str, EspModal]:
    def submit(*_: object) -> None:
        return None

    return {
        "NewRoomScreen": NewRoomScreen(),
        "TextPrompt": TextPrompt("Time (HH:MM)"),
        "NoteEditor": NoteEditor("Note", templates=["on track"]),
        "RaiseFlagModal": RaiseFlagModal("Agent One", submit),
        "CapModal": CapModal("Agent One", submit),
        "ScoreModal": ScoreModal(Text("Score"), submit),
        "TlStatusScreen": TlStatusScreen(AGENT),
        "NewTicketScreen": NewTicketScreen(AGENT),
        "CopiedDialog": CopiedDialog("copied text", "Copied"),
        "PathPrompt": PathPrompt("Roster CSV"),
        "WalkDetailsScreen": WalkDetailsScreen("Agent One", WalkDetails()),
        "StampFix": StampFix("Fix the in stamp", submit, with_time=True, time="09:12"),
        "StampAt": StampAt("Agent One · stamp at, day 1", lambda at: "no plan"),
    }


def _all_dialogs() -> set[str]:
    for mod in pkgutil.iter_modules(esp_tui.screens.__path__):
        importlib.import_module(f"esp_tui.screens.{mod.name}")
    found: set[str] = set()
    todo = list(EspModal.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("esp_tui.screens") and not cls.__name__.startswith("_"):
            found.add(cls.__name__)
    return found


async def test_every_dialog_with_fields_opens_with_the_first_field_focused(
    config, seeded_db, clock
):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        dialogs = _dialogs_with_fields(app)
        unlisted = _all_dialogs() - set(dialogs) - WITHOUT_FIELDS
        assert not unlisted, f"list these dialogs in test_form_dialogs.py: {sorted(unlisted)}"
        for name, dialog in dialogs.items():
            app.push_screen(dialog)
            await pilot.pause()
            assert app.screen is dialog, name
            first = dialog.focus_chain[0]
            assert app.focused is first, f"{name}: focus on {app.focused}, first field {first}"
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is not dialog, name


async def test_new_room_typing_lands_in_the_meet_link(config, seeded_db, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R", "n")
        dialog = app.screen
        assert isinstance(dialog, NewRoomScreen)
        await pilot.press(*"https://meet.google.com/abc", "enter")
        await pilot.pause()
        [room] = rooms.list_rooms(seeded_db)
        assert room.meet_link == "https://meet.google.com/abc" and not room.certifier


def _text_fields(screen) -> list[Input | TextArea]:
    fields: list[Input | TextArea] = []
    for w in screen.query("Input, TextArea"):
        typed_in = isinstance(w, Input) and w.type == "text" and not w.disabled
        if typed_in or (isinstance(w, TextArea) and not w.read_only):
            fields.append(w)
    return fields


def _text(w: Input | TextArea) -> str:
    return w.value if isinstance(w, Input) else w.text


async def test_question_mark_typed_in_any_text_field_is_text(config, seeded_db, clock):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        roster = app.screen
        await pilot.press("question_mark")  # not in a field: help, as ever
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        # The roster's filter: `?`, `[` and `/` are text there, not help / previous day / filter.
        await pilot.press("slash", "question_mark", "left_square_bracket", "slash")
        assert app.screen is roster and roster.query_one("#filter", Input).value == "?[/"
        await pilot.press("escape")

        tried = 0
        screens: list = list(_dialogs_with_fields(app).values())
        screens.append(await _open_form(app, pilot, "carrier_ticket", {}))
        for screen in screens:
            if screen is not app.screen:
                app.push_screen(screen)
                await pilot.pause()
            for field in _text_fields(screen):
                field.focus()
                await pilot.pause()
                before = _text(field)
                await pilot.press("question_mark", "left_square_bracket")
                assert app.screen is screen, f"{screen}: ? left the screen"
                assert _text(field).replace(before, "", 1) == "?[", (screen, field)
                tried += 1
            app.pop_screen()
            await pilot.pause()
        assert tried >= 12  # every dialog's text fields and the ticket form's


# --- the copied-text dialog -------------------------------------------------------------------


async def test_every_copy_shows_the_copied_text_to_select_by_hand(config, seeded_db, clock):
    link = "https://meet.google.com/abc-defg-hij"
    rooms.create_room(seeded_db, purpose="assist", meet_link=link, now=FIXED_NOW)
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R", "y")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CopiedDialog)
        assert app.clipboard == link
        box = dialog.query_one("#copied-text", TextArea)
        assert box.text == link and box.read_only and app.focused is box
        hint = str(dialog.query_one("#copied-hint", Static).render())
        assert hint == HINT and "may not have reached the clipboard" in hint
        assert "set -g set-clipboard on" in hint and "select the text above by hand" in hint
        await pilot.press("enter")
        assert isinstance(app.screen, RoomsScreen)
        await pilot.press("y", "escape")  # esc closes it too
        assert isinstance(app.screen, RoomsScreen)

        await pilot.press("escape", "s", "down", "down", "enter")  # TL status: a break
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CopiedDialog)
        assert dialog.query_one("#copied-text", TextArea).text == app.clipboard
        assert app.clipboard.startswith("Back in 10 min")


def test_every_copy_goes_through_the_one_helper():
    root = Path(esp_tui.screens.__file__).parent.parent
    sites = [
        p.relative_to(root).as_posix()
        for p in root.rglob("*.py")
        if "copy_to_clipboard(" in p.read_text(encoding="utf-8")
    ]
    assert sites == ["screens/copied_dialog.py"]
