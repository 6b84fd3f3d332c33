"""Paths as a TL pastes them (issue 15, item 4): quoted, with backslash-escaped spaces (what
dragging a file onto a terminal pastes), as a file:// URL or with `~`, in the app's `M` prompt
and in the CLI's file arguments."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Static

import esp_tui.cli as cli
from esp_tui.app import make_app
from esp_tui.domain.paths import clean_pasted_path
from esp_tui.screens.meet_import import MeetImportScreen
from esp_tui.screens.prompts import PathPrompt
from esp_tui.services.paths import missing_file_problem, pasted_path, pasted_source

REPORT = (
    "Participant,Email,First seen,Last seen\n"
    "Kai Everly,kai.everly@example.com,08:58,16:59\n"
    "Dana Larkspur,,09:12,12:00\n"
)


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        ("/home/tl/meet.csv", "/home/tl/meet.csv"),
        ("  /home/tl/meet.csv \n", "/home/tl/meet.csv"),  # macOS adds a trailing space
        ("'/home/tl/My Reports/meet.csv'", "/home/tl/My Reports/meet.csv"),  # GNOME, KDE
        ('"/home/tl/My Reports/meet.csv"', "/home/tl/My Reports/meet.csv"),
        ("/home/tl/My\\ Reports/meet\\ \\(1\\).csv", "/home/tl/My Reports/meet (1).csv"),
        ("'/home/tl/O'\\''Brien.csv'", "/home/tl/O'Brien.csv"),  # a quote inside quotes
        ("~/My\\ Reports/meet.csv", "~/My Reports/meet.csv"),  # ~ is the service's
        ("'~/meet.csv'", "~/meet.csv"),
        ("file:///home/tl/My%20Reports/r%C3%A9sum%C3%A9.csv", "/home/tl/My Reports/résumé.csv"),
        ("file://localhost/tmp/a.csv", "/tmp/a.csv"),
        ('"C:\\Users\\tl\\meet.csv"', "C:\\Users\\tl\\meet.csv"),  # Windows: kept
        ("C:\\Users\\tl\\meet.csv", "C:\\Users\\tl\\meet.csv"),
        ("/home/tl/O'Brien.csv", "/home/tl/O'Brien.csv"),  # typed, not quoted
        ("'/home/tl/unclosed.csv", "'/home/tl/unclosed.csv"),  # left as typed
        ("'a.csv' 'b.csv'", "'a.csv' 'b.csv'"),  # two files: not one path, left as typed
    ],
)
def test_clean_pasted_path(pasted: str, expected: str) -> None:
    assert clean_pasted_path(pasted) == expected


def test_the_service_expands_home_and_keeps_a_real_name_as_typed(tmp_path: Path) -> None:
    home = Path.home()  # conftest points HOME at a temp folder
    folder = home / "My Reports"
    folder.mkdir(parents=True)
    (folder / "meet.csv").write_text(REPORT, encoding="utf-8")
    assert pasted_path("'~/My Reports/meet.csv'") == folder / "meet.csv"
    assert pasted_path("~/My\\ Reports/meet.csv") == folder / "meet.csv"
    odd = tmp_path / "back\\ slash.csv"  # a name that really has a backslash in it
    odd.write_text("x", encoding="utf-8")
    assert pasted_path(str(odd)) == odd
    url = "https://docs.google.com/spreadsheets/d/abc/edit#gid=0"
    assert pasted_source(f"'{url}'") == url
    assert missing_file_problem(f"'{tmp_path}'") == f"{tmp_path}: a folder, not a file"
    assert missing_file_problem("'/nowhere/x y.csv'") == "/nowhere/x y.csv: no such file"


@pytest.fixture
def report(tmp_path: Path) -> Path:
    folder = tmp_path / "My Reports"
    folder.mkdir()
    path = folder / "meet report (day 1).csv"
    path.write_text(REPORT, encoding="utf-8")
    return path


async def paste_and_enter(pilot, text: str) -> None:
    """Paste into the focused prompt (one bracketed paste, as a terminal sends it), then enter."""
    pilot.app.screen.query_one(Input).post_message(events.Paste(text))
    await pilot.pause()
    await pilot.press("enter")


def escaped(path: Path) -> str:
    """What macOS Terminal pastes when the file is dragged onto it."""
    return "".join(f"\\{c}" if c in " ()" else c for c in str(path))


@pytest.mark.parametrize(
    "paste", [lambda p: f"'{p}'", lambda p: f'"{p}"', escaped], ids=["single", "double", "esc"]
)
async def test_a_pasted_path_in_the_m_prompt_shows_the_proposals(
    config, seeded_db, clock, report, paste
):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("M")
        assert isinstance(app.screen, PathPrompt)
        # what a drag-and-drop delivers: one bracketed paste (a Paste event), not keys
        box = app.screen.query_one(Input)
        box.post_message(events.Paste(paste(report)))
        await pilot.pause()
        assert box.value == paste(report)
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, MeetImportScreen)
        assert [p.agent_id for p in review.preview.proposals] == ["D1001", "D1005"]


async def test_the_m_review_shows_the_encoding_warning(config, seeded_db, clock, tmp_path):
    """An Excel re-save (cp1252) read through `M` says so on the review screen, as
    `esp-tui stamp import` does on stderr (QA: the app dropped the warning)."""
    path = tmp_path / "excel.csv"
    path.write_bytes((REPORT + "Zoë Visitor,zoe@example.org,09:00,10:00\n").encode("cp1252"))
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("M")
        await paste_and_enter(pilot, str(path))
        await pilot.pause()
        review = app.screen
        assert isinstance(review, MeetImportScreen)
        shown = " ".join(str(s.render()) for s in review.query(Static))
        assert "Windows-1252" in shown
        assert "Zoë Visitor" in shown


async def test_accepting_a_report_stamp_later_than_now_is_refused_not_a_crash(
    config, seeded_db, clock, tmp_path
):
    """A report whose time joined is later than now (yesterday afternoon's report pasted this
    morning) is refused with the service's one line, the review stays open, nothing written
    (QA: the AttendanceError ended the app with a traceback)."""
    path = tmp_path / "afternoon.csv"
    path.write_text("Participant,Email,First seen,Last seen\nKai Everly,kai.everly@example.com,"
                    "13:30,16:59\n", encoding="utf-8")  # fmt: skip
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("M")
        await paste_and_enter(pilot, str(path))
        await pilot.pause()
        assert isinstance(app.screen, MeetImportScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MeetImportScreen)  # still reviewing
        assert any("in the future" in str(n.message) for n in app._notifications)
    assert seeded_db.execute(
        "SELECT count(*) FROM attendance_events WHERE agent_id = 'D1001'"
    ).fetchone()[0] == 0


async def test_the_m_prompt_says_when_the_path_names_no_file(config, seeded_db, clock, tmp_path):
    app = make_app(config, seeded_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("M")
        await paste_and_enter(pilot, f"'{tmp_path}/no such.csv'")
        assert isinstance(app.screen, PathPrompt)  # still asking
        error = str(app.screen.query_one(".prompt-error", Static).render())
        assert error == f"{tmp_path}/no such.csv: no such file"


def test_cli_file_arguments_take_pasted_paths(tmp_path: Path, capsys) -> None:
    folder = Path.home() / "My Trees"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(
        'title = "Mine"\nstart = "a"\n'
        '[[steps]]\nid = "a"\ntext = "A"\noutcomes = {no="escalate"}\n',
        encoding="utf-8",
    )
    env = {"ESP_TUI_DB": str(tmp_path / "x.db")}
    pasted = ("'~/My Trees/mine.toml'", "~/My\\ Trees/mine.toml", f"file://{folder}/mine.toml")
    for given in pasted:
        assert cli.main(["tree", "validate", given], env) == 0
        assert capsys.readouterr().out.strip() == "ok: 1 tree(s) valid: mine"
    roster = folder / "week 3.csv"
    roster.write_text("agent_id,name,email\nE1,Ann Ames,ann@example.com\n", encoding="utf-8")
    argv = ["cohort", "new", "Nov 30", "--start", "2026-11-30"]
    argv += ["--roster", "'~/My Trees/week 3.csv'"]
    assert cli.main(argv, env) == 0
    assert "1 added" in capsys.readouterr().out
    argv = ["roster", "import", "~/My\\ Trees/week\\ 3.csv", "--cohort", "Nov 30"]
    assert cli.main(argv, env) == 0
    assert "1 agents already up to date" in capsys.readouterr().out


def test_a_file_url_with_an_encoded_nul_is_one_line(tmp_path: Path, capsys) -> None:
    """`%00` in a pasted file URL names no file: it is left encoded, never decoded into a NUL
    that makes open() raise ValueError (a traceback from `roster import`)."""
    assert clean_pasted_path("file:///tmp/a%00b.csv") == "/tmp/a%00b.csv"
    env = {"ESP_TUI_DB": str(tmp_path / "x.db")}
    code = cli.main(["roster", "import", "file:///nowhere/a%00b.csv"], env)
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
