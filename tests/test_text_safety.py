"""Text is text (issue 10): user text with markup and escape sequences, on every screen and in
every CLI output.

A real SQLite file is seeded with hostile strings in every field (names, teams, notes, flags,
CAPs, tickets, rooms, TL status messages, a user troubleshooting tree, intro resources, a Meet
report, sheet values). Each screen is opened with Pilot; what Textual sends to the terminal is
read back as text (`shown`): it must hold no raw control character, and must show the literal
`[/]`, `[URGENT] walked out` and the visible escape `\\x1b[2J`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from rich.console import Console
from rich.text import Text
from sqlite_utils import Database
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Static

from esp_tui.app import EspApp, make_app
from esp_tui.cli import main
from esp_tui.config import Config, load_config
from esp_tui.domain.models import Agent
from esp_tui.domain.text import is_unsafe, visible
from esp_tui.domain.tickets import Ticket
from esp_tui.screens.agent import AgentScreen
from esp_tui.screens.close import CloseScreen
from esp_tui.screens.flags import FlagsScreen
from esp_tui.screens.intro import IntroScreen
from esp_tui.screens.meet_import import MeetImportScreen
from esp_tui.screens.progress import ProgressScreen
from esp_tui.screens.prompts import PickOne, TextPrompt
from esp_tui.screens.rooms import MoveAgentScreen, RoomsScreen
from esp_tui.screens.roster import RosterScreen
from esp_tui.screens.tasks import TaskListScreen
from esp_tui.screens.ticket_form import TicketFormScreen
from esp_tui.screens.tickets import TicketsScreen
from esp_tui.screens.tl_status import TlStatusScreen
from esp_tui.screens.wizard import TreePickerScreen, WizardScreen
from esp_tui.services import attendance, flags, rooms, tickets, tl_status
from esp_tui.services import troubleshoot as ts
from esp_tui.services.roster import cohort_from_config
from esp_tui.sync.engine import connect as connect_sheet
from esp_tui.sync.engine import init_sheet, run_sync
from esp_tui.sync.layout import col_letters
from storage.agents import upsert_agents
from storage.cohort import get_cohort, save_cohort
from storage.notes import get_note
from storage.tickets import insert_ticket
from tests.conftest import DAY1, FIXED_NOW, TZ
from tests.sheets_emulator import SheetsEmulator, running_emulator

SLASH = "said [/] in chat"
BOLD = "[b]bold[/b]"
URGENT = "[URGENT] walked out"
ESC = "\x1b[2J wiped \x1b]0;title\x07"
HOSTILE = (SLASH, BOLD, URGENT, ESC)
SHOWN_ESC = "\\x1b[2J"  # how the escape sequence shows (the start of visible(ESC))
PICTURED_ESC = "␛[2J wiped ␛]0;title␇"  # how it shows inside an editable field
TREE_TITLE = f"{URGENT} {ESC}"
COHORT = "Cohort [b]x[/b] \u202e\x9b"  # a bidi override and a C1 control too
ODD_ID = "H5[/]\x1b[2J"  # an agent id is user text as well (the roster CSV)
AGENTS = [
    Agent(agent_id="H1", name=SLASH, email="h1@example.com", team="[/]"),
    Agent(agent_id="H2", name=BOLD, email="h2@example.com", team="\x1b[1m"),
    Agent(agent_id="H3", name=URGENT, email="h3@example.com", team="\u202e\x9b"),
    Agent(agent_id="H4", name=ESC, email="h4@example.com", team="[b]"),
    Agent(agent_id=ODD_ID, name="Plain Five", email="h5@example.com"),
]
SIZE = (120, 40)
TALL = (130, 100)


def ring(i: int) -> tuple[str, ...]:
    """The hostile strings starting at the i-th: each agent gets all four, in its own order."""
    return HOSTILE[i:] + HOSTILE[:i]


# ----------------------------------------------------------------------------- the screen as text
def rendered(app: App) -> str:
    """What Textual sends to the terminal for the whole screen, as text.

    The same render as `App.export_screenshot` (the compositor's full update of the current
    screen), exported as plain text instead of SVG. The control segments Textual adds itself
    (cursor moves) are left out, so a control character in the result came from a widget's
    content.
    """
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return console.export_text(styles=False)


def shown(app: App) -> str:
    """The screen's text, after checking that no raw control character reached it."""
    text = rendered(app)
    raw = sorted({f"U+{ord(ch):04X}" for ch in text if is_unsafe(ch) and ch != "\n"})
    assert not raw, f"raw control characters reached the terminal: {raw}"
    return text


def assert_text_is_text(text: str, *extra: str) -> None:
    """`[/]`, `[URGENT] walked out` and the escape, shown literally (and any `extra`)."""
    for needle in ("[/]", URGENT, SHOWN_ESC, *extra):
        assert needle in text, f"{needle!r} not on screen"


class _RawApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(Text(f"a {ESC} b"))


async def test_the_screen_reader_sees_a_raw_escape():
    """`shown` can fail: a widget that prints ESC raw is caught (what every test relies on)."""
    app = _RawApp()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        assert "\x1b[2J" in rendered(app)
        with pytest.raises(AssertionError, match="U\\+001B"):
            shown(app)


# ----------------------------------------------------------------------------- the hostile cohort
def _toml(value: str) -> str:
    return json.dumps(value)  # a JSON string with \uXXXX escapes is a TOML basic string


@pytest.fixture
def trees_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "trees"
    folder.mkdir()
    (folder / "evil.toml").write_text(
        f"title = {_toml(TREE_TITLE)}\n"
        'start = "first"\n\n'
        "[[steps]]\n"
        'id = "first"\n'
        f"text = {_toml(BOLD)}\n"
        f"detail = {_toml(ESC)}\n"
        f'contacts = [{{ label = {_toml(SLASH)}, phone = "555 0100" }}]\n'
        'outcomes = { yes = "resolved", no = "second" }\n\n'
        "[[steps]]\n"
        'id = "second"\n'
        'text = "Ask IT"\n'
        'outcomes = { yes = "resolved", no = "escalate" }\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def config_path(tmp_path: Path, trees_dir: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[cohort]\ntimezone = "{TZ}"\n\n'
        f"[trees]\nuser_dir = {_toml(str(trees_dir))}\n\n"
        f"[[intro.resources]]\ntitle = {_toml(SLASH)}\nurl = {_toml('https://x.test/' + ESC)}\n\n"
        f"[[intro.resources]]\ntitle = {_toml(URGENT)}\nurl = {_toml('https://x.test/[b]')}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def hostile_config(config_path: Path) -> Config:
    return load_config(str(config_path), {})


@pytest.fixture
def hostile_db(db: Database, hostile_config: Config) -> Database:
    """Five agents and everything a TL records about them, each field holding hostile text."""
    config, now = hostile_config, FIXED_NOW
    cohort = cohort_from_config(config, COHORT, DAY1)
    with db.atomic():
        save_cohort(db, cohort)
        upsert_agents(db, AGENTS)
    made = []
    for i, agent in enumerate(AGENTS[:4]):
        a, b, c, d = ring(i)
        attendance.set_note(db, cohort, agent.agent_id, 1, b)
        flags.raise_flag(db, config, agent.agent_id, "conduct", a, now=now)
        flags.raise_flag(db, config, agent.agent_id, "other", c, now=now)
        flags.create_cap(db, config, agent.agent_id, "verbal", b, now=now)
        flags.create_cap(db, config, agent.agent_id, "written", d, now=now)
        fields = {"summary": a, "carrier": b, "steps_tried": c, "contact_made": d}
        tickets.create_ticket(db, "carrier_ticket", agent.agent_id, fields, now=now)
        made.append(
            rooms.create_room(
                db,
                purpose="call_cert",
                name=a,
                certifier=b,
                meet_link=f"https://meet.test/{c}",
                now=now,
            )
        )
        earlier = now - timedelta(minutes=10 * (4 - i))
        tl_status.set_status(db, "available", now=earlier, message=a)
    tickets.create_ticket(db, "carrier_ticket", ODD_ID, {"summary": "plain"}, now=now)
    rooms.move_agent(db, "H1", made[0].id, now=now)
    trees, _ = ts.tree_catalog(config)
    walk = ts.start_session(db, trees, "H1", "evil", now=now)
    ts.answer_step(db, walk, "no", now=now)
    return db


@pytest.fixture
def app(hostile_db: Database, hostile_config: Config, clock) -> EspApp:
    return make_app(hostile_config, hostile_db, clock=clock)


async def on_agent(pilot: Pilot, agent_id: str) -> RosterScreen:
    screen = pilot.app.screen
    assert isinstance(screen, RosterScreen)
    screen.jump_to_agent(agent_id)
    await pilot.pause()
    assert screen.selected_agent_id() == agent_id
    return screen


# ----------------------------------------------------------------------------- screens
async def test_roster_shows_names_teams_the_cohort_and_the_filter_as_text(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = shown(app)
        # names cut to the Agent column (a row number, then 11 cells here: Where takes the rest
        # for the long hostile room name), teams to 5
        for needle in (BOLD, "[URGENT] wa", "\\x1b[2J w", "said [/] in"):
            assert needle in text
        assert "[/]    -" in text and "\\x1b[  -" in text  # H1's and H2's teams
        assert visible(COHORT) in text  # the header: Cohort [b]x[/b] \u202e\x9b
        await pilot.press("slash")
        app.screen.query_one("#filter", Input).value = URGENT
        await pilot.pause()
        assert f"filter: '{URGENT}' (1 shown)" in shown(app)  # the day bar, in full


async def test_agent_screen_title_notes_flags_caps_and_sessions(app):
    async with app.run_test(size=TALL) as pilot:
        await on_agent(pilot, "H1")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AgentScreen)
        text = shown(app)
        assert_text_is_text(text, f"{SLASH} · H1 · [/] · h1@example.com", f"Day 1: {BOLD}")
        assert f"#1 conduct · PM not notified · {SLASH}" in text  # flag lines keep our style
        assert f"verbal CAP · day 1 · Mon 23 Nov 09:14 · {BOLD}" in text
        assert f"{BOLD} — did not work" in text  # the troubleshooting session's last step


async def test_task_list_title_caps_and_flags(app):
    async with app.run_test(size=SIZE) as pilot:
        await on_agent(pilot, "H4")
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, TaskListScreen)
        text = shown(app)
        assert_text_is_text(text, "Tasks · \\x1b[2J wiped \\x1b]0;title\\x07 (H4)", SLASH, BOLD)


async def test_progress_grid_and_detail(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
        assert_text_is_text(shown(app), SLASH, BOLD)


async def test_flags_screen_table_message_and_caps(app):
    async with app.run_test(size=(140, 50)) as pilot:
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, FlagsScreen)
        text = shown(app)
        assert_text_is_text(text, SLASH, BOLD)
        assert f"Red flag (other) for {visible(ESC)} (agent ID H4), {visible(COHORT)}" in text


async def test_tickets_screen_lists_summaries_and_names(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TicketsScreen)
        assert_text_is_text(shown(app), SLASH, BOLD)
        await pilot.press("a")  # the agent filter names the highlighted ticket's agent id
        await pilot.pause()
        assert screen.agent_filter in {a.agent_id for a in AGENTS}


async def test_ticket_form_shows_stored_values_as_pictures_and_keeps_them(app, hostile_db, clock):
    t = Ticket(
        id="0dd00000-0000-4000-8000-000000000001",
        form="carrier_ticket",
        agent_id="H4",  # its name is the escape sequence: the title shows it escaped
        fields={
            "carrier": URGENT,
            "summary": SLASH,
            "steps_tried": ESC,
            "contact_made": BOLD,
            "urgency": URGENT,  # not a choice: kept as typed (e.g. via the CLI)
        },
        created_at=clock(),
        updated_at=clock(),
    )
    with hostile_db.atomic():
        insert_ticket(hostile_db, t)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(TicketFormScreen(t.id))
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TicketFormScreen)
        text = shown(app)
        assert_text_is_text(text, SLASH, BOLD, PICTURED_ESC)
        assert "Carrier Ticket · \\x1b[2J wiped" in text
        # what is on screen is a picture; the value is what was stored
        assert form.values()["steps_tried"] == ESC
        assert not form.is_dirty()


async def test_wizard_picker_and_steps_from_a_hostile_user_tree(app):
    title = visible(TREE_TITLE)
    async with app.run_test(size=SIZE) as pilot:
        await on_agent(pilot, "H1")  # has an open session on the tree: resume is offered
        await pilot.press("w")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TreePickerScreen)
        text = shown(app)
        assert_text_is_text(text, f"Troubleshoot · {SLASH} — pick a tree", f"{title}  (2 steps)")
        assert f"▶ Resume {title} (1 answered so" in text  # wraps in the 84-wide box
        options = picker.query_one(OptionList)
        options.highlighted = options.get_option_index("tree:evil")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
        text = shown(app)
        assert_text_is_text(text, f"Troubleshoot · {title} · {SLASH}", f"▶ {BOLD}")
        assert f"{SLASH} 555 0100" in text and visible(ESC) in text  # contact, detail
        await pilot.press("n")  # the breadcrumb now holds the first step's text
        await pilot.pause()
        assert f"{title}: {BOLD} .. did not work" in shown(app)


async def test_rooms_screen_table_and_detail(app, hostile_db):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RoomsScreen)
        table = screen.query_one(DataTable)
        urgent = next(r for r in rooms.list_rooms(hostile_db) if r.name == URGENT)
        table.move_cursor(row=table.get_row_index(str(urgent.id)))
        await pilot.pause()
        text = shown(app)
        assert_text_is_text(text, SLASH, BOLD, "https://meet.test/\\x1b[2J")
        assert f"{URGENT} (call cert · {visible(ESC)})" in text  # the detail, in full


async def test_move_agent_dialog_lists_rooms_and_the_name(app):
    async with app.run_test(size=SIZE) as pilot:
        await on_agent(pilot, "H1")
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MoveAgentScreen)
        text = shown(app)
        assert_text_is_text(text, f"Move {SLASH} — now in: {SLASH}", f"{BOLD} (call cert")


async def test_tl_status_options_and_log(app):
    async with app.run_test(size=SIZE) as pilot:
        await on_agent(pilot, "H3")
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, TlStatusScreen)
        text = shown(app)
        assert_text_is_text(text, f"Assisting in {SLASH}", f"Assisting {URGENT}", BOLD)


async def test_close_screen_gaps(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CloseScreen)
        text = shown(app)
        assert_text_is_text(text, f"{SLASH}: no attendance for day 1", BOLD)


async def test_meet_import_names_and_unmatched_people(app, tmp_path):
    report = tmp_path / "meet.csv"
    report.write_text(
        "Participant,Email,First seen,Last seen\n"
        f"{URGENT} (Meet),h1@example.com,08:58,16:59\n"  # matched by email, spelled otherwise
        f"{BOLD},,09:12,12:00\n"  # matched by name
        f'"{ESC} (guest)",esc@example.org,10:00,10:30\n',  # nobody on the roster
        encoding="utf-8",
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("M")
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one(Input).value = str(report)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MeetImportScreen)
        text = shown(app)
        assert_text_is_text(text, SLASH, BOLD, f"email ({URGENT} (Meet))")
        assert f"Not in the roster: {visible(ESC)} (guest) <esc@example.org>" in text


async def test_intro_resources_from_config(app):
    async with app.run_test(size=(130, 30)) as pilot:
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, IntroScreen)
        assert_text_is_text(shown(app), SLASH, "https://x.test/\\x1b[2J", "https://x.test/[b]")


async def test_palette_jump_to_agent_hits(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"jump")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = shown(app)
        assert_text_is_text(text, f"agent: {SLASH}", f"agent: {BOLD}", "H5[/]\\x1b[2J")


async def test_note_prompt_shows_the_note_as_pictures_and_saves_it_unchanged(app, hostile_db):
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await on_agent(pilot, "H3")  # name URGENT, day-1 note ESC
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        text = shown(app)
        assert f"Note · {URGENT} · day 1" in text and PICTURED_ESC in text
        await pilot.press("enter")  # saved as it is
        await pilot.pause()
        assert get_note(hostile_db, "H3", 1) == ESC
        await pilot.pause()
        assert f"Note saved · {URGENT}" in shown(app)  # the toast


async def test_toasts_and_pick_prompts_show_names_as_text(app):
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        for agent_id in ("H4", "H3"):  # the toasts name the agents: ESC, URGENT
            await on_agent(pilot, agent_id)
            await pilot.press("i")
            await pilot.pause()
        text = shown(app)
        assert f"{visible(ESC)} · in 09:14" in text and f"{URGENT} · in 09:14" in text
        await on_agent(pilot, "H1")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, PickOne)
        assert_text_is_text(shown(app), f"{SLASH} · absent on day 1 as")


# ----------------------------------------------------------------------------- sheet values
KEY = "textkey-0123456789"
EVENING = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 18:00 New York: day 1 is over


@pytest.fixture(scope="module")
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def edited_sheet(emu: SheetsEmulator, hostile_db, hostile_config, monkeypatch) -> str:
    """The cohort synced once, then a note cell edited on the sheet with hostile text."""
    emu.create_spreadsheet(KEY, {"Sheet1": []})
    emu.clear_faults()
    env = {"ESP_TUI_SHEETS_ENDPOINT": emu.endpoint, "ESP_TUI_SPREADSHEET": KEY}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    target = connect_sheet(hostile_config, env)
    target.sleep = lambda s: None
    init_sheet(target, hostile_config, 5)
    cohort = get_cohort(hostile_db)
    assert cohort is not None
    run_sync(hostile_db, hostile_config, cohort, target, now=lambda: EVENING)
    values = emu.get_values(KEY, "ESP Tracker")
    ids = [r[1] if len(r) > 1 else "" for r in values]  # columns: Cohort, Agent ID, …
    col, row = values[0].index("Day 1 Notes"), ids.index("H1") + 1
    edit = f"PM: {SLASH} {URGENT} {ESC} \x9b\u202e"  # C1 and bidi: json.dumps leaves them raw
    emu.set_cell(KEY, "ESP Tracker", f"{col_letters(col)}{row}", edit)
    return edit


async def test_close_screen_shows_sheet_values_of_a_conflict_as_text(
    app, edited_sheet, clock
) -> None:
    clock.now = EVENING
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("c")
        await pilot.press("d")  # dry run: reads the sheet, lists the conflict
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CloseScreen)
        conflicts = screen.query_one("#conflicts", DataTable)
        assert conflicts.row_count == 1
        assert str(conflicts.get_row_at(0)[3]) == visible(edited_sheet)
        text = shown(app)
        assert "PM: said [/] in" in text  # the 20-wide Sheet column, cut
        assert_text_is_text(text, BOLD)  # ours: H1's note; the gaps name every agent


def test_cli_sync_dry_run_conflicts_and_json(cli, edited_sheet) -> None:
    code, out, _ = cli("sync", "--dry-run", now=EVENING)
    assert code == 1  # conflicts
    assert "conflict ESP Tracker · H1 · Day 1 Notes: sheet 'PM: said [/] in chat" in out
    assert "\\x1b[2J" in out
    code, out, _ = cli("sync", "--dry-run", "--json", now=EVENING)
    [conflict] = json.loads(out)["conflicts"]
    assert conflict["sheet"] == edited_sheet  # the data is intact


# ----------------------------------------------------------------------------- CLI
@pytest.fixture
def cli(hostile_db, db_path, config_path, capsys):
    """Run the CLI on the hostile DB at FIXED_NOW (or `now`); stdout and stderr must hold no raw
    control character but line feeds."""

    def run(*argv: str, now: datetime = FIXED_NOW) -> tuple[int, str, str]:
        with time_machine.travel(now, tick=False):
            code = main(["--db", str(db_path), "--config", str(config_path), *argv])
        out, err = capsys.readouterr()
        for stream in (out, err):
            raw = sorted({f"U+{ord(c):04X}" for c in stream if is_unsafe(c) and c != "\n"})
            assert not raw, f"{argv}: raw control characters printed: {raw}"
        return code, out, err

    return run


def test_cli_roster_list_and_json(cli):
    code, out, _ = cli("roster", "list")
    assert code == 0
    assert_text_is_text(out, SLASH, BOLD, visible(ESC), "\\u202e\\x9b", "H5[/]\\x1b[2J")
    code, out, _ = cli("roster", "list", "--json")
    rows = json.loads(out)
    assert [r["name"] for r in rows if r["agent_id"] != ODD_ID] == sorted(HOSTILE, key=str)
    assert {r["team"] for r in rows} >= {"\u202e\x9b", "\x1b[1m"}  # the data is intact
    assert "\\u202e\\u009b" in out  # what json.dumps left raw is escaped


def test_cli_report_handoff_stdout_and_file(cli, tmp_path):
    code, out, _ = cli("report", "handoff")
    assert code == 0
    assert_text_is_text(out, SLASH, BOLD, f"# ESP handoff · {visible(COHORT)}")
    assert f"## {visible(ESC)} (H4) · [b]" in out
    path = tmp_path / "handoff.md"
    code, out, _ = cli("report", "handoff", "--out", str(path))
    assert code == 0
    markdown = path.read_text(encoding="utf-8")
    assert_text_is_text(markdown, SLASH, BOLD)
    assert not [c for c in markdown if is_unsafe(c) and c != "\n"]


def test_cli_tickets_list_and_json(cli):
    code, out, _ = cli("tickets", "list")
    assert code == 0 and "H5[/]\\x1b[2J" in out
    code, out, _ = cli("tickets", "list", "--json")
    summaries = {t["fields"]["summary"] for t in json.loads(out)}
    assert summaries == {*HOSTILE, "plain"}


def test_cli_progress_list(cli):
    code, out, _ = cli("progress", "list")
    assert code == 0
    assert_text_is_text(out, SLASH, BOLD)


def test_cli_check_text_and_json(cli):
    code, out, _ = cli("check")
    assert code == 1  # gaps
    assert_text_is_text(out, f"- {SLASH}: no attendance for day 1", BOLD)
    code, out, _ = cli("check", "--json")
    details = [g["detail"] for g in json.loads(out)["gaps"]]
    assert f"{ESC}: no attendance for day 1 (stamp in or mark absent)" in details


def test_cli_tree_show_list_and_errors(cli):
    code, out, _ = cli("tree", "show", "evil")
    assert code == 0
    assert_text_is_text(out, f"{visible(TREE_TITLE)} [evil]", f"- first: {BOLD}")
    assert f"contact {SLASH} 555 0100" in out
    code, out, _ = cli("tree", "list")
    assert code == 0 and f"evil        {visible(TREE_TITLE)} (2 steps) [" in out
    code, _, err = cli("tree", "show", f"no{ESC}")
    assert code == 2 and f"unknown tree 'no{visible(ESC)}'" in err


def test_cli_stamp_import_proposals(cli, tmp_path):
    report = tmp_path / "meet.csv"
    report.write_text(
        "Participant,Email,First seen,Last seen\n"
        f"{URGENT},h1@example.com,08:58,16:59\n"
        f'"Guest [/] {ESC}",esc@example.org,10:00,10:30\n'
        f"{URGENT} too,,11:00,11:30\n",
        encoding="utf-8",
    )
    code, out, _ = cli("stamp", "import", str(report))
    assert code == 0
    assert f"H1         {SLASH}  in 08:58" in out
    assert_text_is_text(out, f"unmatched: Guest [/] {visible(ESC)} <esc@example.org>")
    assert f"unmatched: {URGENT} too" in out


def test_cli_confirmations_name_the_agent_as_text(cli):
    code, out, _ = cli("note", "H4", f"{URGENT} [/]")
    assert code == 0 and out.startswith(f"note saved: {visible(ESC)} · day 1")
    code, out, _ = cli("stamp", "H4", "in")
    assert code == 0 and out.startswith(f"{visible(ESC)} · in 09:14")
