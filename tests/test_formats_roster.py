"""Rosters as TLs get them (issue 15): every encoding, delimiter and HR header layout imports
the same four agents; every bad case is one line naming the row and field, exit 2, nothing
written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from esp_tui.cli import main
from tests.fixtures.make_format_fixtures import ROSTER_ROWS, meet_reports, rosters

FIXTURES = Path(__file__).parent / "fixtures"
ROSTERS = FIXTURES / "roster"
GOOD = "agent_id,name,email,team\nA1,Ann Lee,ann@example.com,Blue\nA2,Bo Yu,bo@example.com,Red\n"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys, db: Path) -> list[tuple[str, str, str, str]]:
    code, out, _ = run(capsys, "--db", str(db), "roster", "list", "--json")
    assert code == 0
    return sorted((r["agent_id"], r["name"], r["email"], r["team"]) for r in json.loads(out))


def table_counts(db: Path) -> tuple[int, ...]:
    if not db.exists():
        return ()
    con = sqlite3.connect(db)
    try:
        return tuple(
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("cohorts", "agents", "cohort_agents")
        )
    finally:
        con.close()


def test_the_committed_fixtures_are_what_the_generator_writes():
    for folder, files in (("roster", rosters()), ("meet", meet_reports())):
        for name, data in files.items():
            assert (FIXTURES / folder / name).read_bytes() == data, name


EXPECTED = [(i, f"{f} {la}", e, t) for i, f, la, e, t in ROSTER_ROWS]


@pytest.mark.parametrize(
    ("name", "warning"),
    [
        ("excel_cp1252.csv", "not UTF-8; read as Windows-1252 (cp1252), as Excel saves it"),
        ("excel_eu_semicolon.csv", None),
        ("tab_separated.tsv", None),
        ("excel_utf16.txt", None),
        ("mac_cr_only.csv", None),
        ("associate_export.csv", None),
    ],
)
def test_each_encoding_and_delimiter_imports_the_same_agents(tmp_path, capsys, name, warning):
    db = tmp_path / "esp.db"
    code, out, err = run(capsys, "--db", str(db), "roster", "import", str(ROSTERS / name))
    assert code == 0, err
    assert "4 added, 0 updated, 0 unchanged" in out
    assert listed(capsys, db) == EXPECTED  # "José Núñez" decoded right in every encoding
    if warning is None:
        assert err == ""
    else:
        assert err == f"esp-tui: warning: {ROSTERS / name}: {warning}" + (
            ': check accented names (save as "CSV UTF-8" to be sure)\n'
        )


def test_hr_export_with_a_title_line_legal_names_and_work_email(tmp_path, capsys):
    db = tmp_path / "esp.db"
    code, _, err = run(capsys, "--db", str(db), "roster", "import", str(ROSTERS / "hr_export.csv"))
    assert code == 0, err
    assert listed(capsys, db) == [(i, n, e, f"ESP {t}") for i, n, e, t in EXPECTED]


def test_roster_columns_from_config(tmp_path, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[roster.columns]\nagent_id = ["Badge"]\nemail = ["Mail"]\n')
    f = tmp_path / "badge.csv"
    f.write_text("Badge,Name,Mail\nB7,Cy Ng,cy@example.com\n")
    db = tmp_path / "esp.db"
    code, _, err = run(capsys, "--db", str(db), "--config", str(cfg), "roster", "import", str(f))
    assert code == 0, err
    assert listed(capsys, db) == [("B7", "Cy Ng", "cy@example.com", "")]
    # Without the config the same file names what is missing and what was found.
    code, _, err = run(capsys, "--db", str(tmp_path / "other.db"), "roster", "import", str(f))
    assert code == 2
    assert (
        err == f"esp-tui: error: {f}: row 1: missing column 'agent_id' (found: Badge, Name, Mail)\n"
    )


def test_ids_and_names_are_normalised(tmp_path, capsys):
    f = tmp_path / "r.csv"
    # Full-width digits (NFKC), a zero-width space, a BOM mid-file, a soft hyphen in the name.
    f.write_text(
        "agent_id,name,email\n"
        "E\uff11\u200b,Ann\u00ad Lee,ann@example.com\n"
        "E2\ufeff,Bo,bo@example.com\n",
        encoding="utf-8",
    )
    db = tmp_path / "esp.db"
    assert run(capsys, "--db", str(db), "roster", "import", str(f))[0] == 0
    assert [a[:2] for a in listed(capsys, db)] == [("E1", "Ann Lee"), ("E2", "Bo")]


BAD = [
    (  # zero-width space: the same agent twice
        "agent_id,name,email\nE1,Ann,a@example.com\nE1\u200b,Bo,b@example.com\n".encode(),
        "row 3: field 'agent_id': duplicate 'E1' (first on row 2)",
    ),
    (  # case does not make another agent either
        b"agent_id,name,email\nE1,Ann,a@example.com\ne1,Bo,b@example.com\n",
        "row 3: field 'agent_id': duplicate 'e1' (first on row 2)",
    ),
    (
        b"agent_id,name,email,Email\nE1,Ann,a@example.com,b@example.com\n",
        "row 1: header 'email' appears 2 times (columns 3, 4); keep one",
    ),
    (
        b"agent_id,name,email\nE1,Ann\x00Lee,a@example.com\n",
        "row 2: field 'name': control character U+0000",
    ),
    (
        b"agent_id,name,email\nE1,Ann \x1b[2J,a@example.com\n",
        "row 2: field 'name': control character U+001B",
    ),
    (
        b'agent_id,name,email\nE1,"Ann Lee,a@example.com\nE2,Bo,b@example.com\n',
        'row 2: a quote (") opens a field that is never closed',
    ),
    (
        b"agent_id,name,email\nE1,Ann," + b"x" * 5_000_000 + b"@example.com\n",
        "row 2: a field is longer than 131,072 characters; is this the right file?",
    ),
    (b"Name,Mail\nAnn,a@example.com\n", "row 1: missing column 'agent_id' (found: Name, Mail)"),
    (b"\xff\xfe", "the file is empty"),
    (
        b"agent_id,first name,last name,email\nE1,Ann,,a@example.com\nE2,,,b@example.com\n",
        "row 3: field 'first name': empty",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD, ids=range(len(BAD)))
def test_bad_roster_is_one_line_exit_2_nothing_imported(tmp_path, capsys, content, message):
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    db = tmp_path / "esp.db"
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    assert run(capsys, "--db", str(db), "roster", "import", str(good))[0] == 0
    before = table_counts(db)
    code, out, err = run(capsys, "--db", str(db), "roster", "import", str(f))
    assert (code, out) == (2, "")
    assert err.startswith(f"esp-tui: error: {f}: {message}")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert table_counts(db) == before


def test_bad_roster_leaves_no_database_behind(tmp_path, capsys):
    f = tmp_path / "bad.csv"
    f.write_bytes(b'agent_id,name,email\nE1,"Ann,a@example.com\n')
    db = tmp_path / "fresh.db"
    assert run(capsys, "--db", str(db), "roster", "import", str(f))[0] == 2
    assert not db.exists()


def test_tab_is_only_for_a_sheet_url(tmp_path, capsys):
    f = tmp_path / "r.csv"
    f.write_text(GOOD)
    code, _, err = run(
        capsys, "--db", str(tmp_path / "e.db"), "roster", "import", str(f), "--tab", "X"
    )
    assert (
        code == 2 and err == "esp-tui: error: --tab 'X': only for a Google Sheet URL, not a file\n"
    )
