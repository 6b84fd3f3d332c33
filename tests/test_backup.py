"""Backups and restore (issue 10, item 7): SQLite's backup API only, real files, no mocks."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from esp_tui.app import make_app
from esp_tui.cli import main
from esp_tui.config import Config, ConfigError, build_config, default_config_text
from esp_tui.domain.models import Agent
from esp_tui.services.backup import backup_after
from esp_tui.services.demo import seed_demo
from esp_tui.sync.engine import connect as connect_sheet
from esp_tui.sync.engine import init_sheet
from storage.agents import list_agents, upsert_agents
from storage.backup import (
    BadBackupFile,
    backups_dir_for,
    check_backup_file,
    list_backups,
    make_backup,
)
from storage.db import connect
from storage.migrations import latest_version
from storage.notes import get_note, set_note
from storage.restore import DatabaseInUse, restore
from tests.conftest import DAY1, TZ
from tests.sheets_emulator import SheetsEmulator, running_emulator

ROOT = Path(__file__).resolve().parents[1]
KEY = "backupkey-0123456789"
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


# ----------------------------------------------------------------------------- helpers
@pytest.fixture
def seeded_path(db_path: Path, config: Config) -> Path:
    """The 24-agent demo cohort in a DB file that no connection of the test holds open."""
    db = connect(db_path)
    seed_demo(db, config, agents=24, today=DAY1)
    db.close()
    return db_path


def state(db_path: Path) -> tuple[list[str], str | None]:
    """What a TL would notice: every agent id, and the first agent's day-1 note."""
    db = connect(db_path)
    try:
        ids = sorted(a.agent_id for a in list_agents(db, include_inactive=True))
        return ids, get_note(db, ids[0], 1)
    finally:
        db.close()


def change(db_path: Path, note: str) -> None:
    db = connect(db_path)
    with db.atomic():
        first = sorted(a.agent_id for a in list_agents(db))[0]
        set_note(db, first, 1, note)
        upsert_agents(db, [Agent(agent_id="NEW01", name="Nova Newcomer", email="n@example.com")])
    db.close()


def agents_in(path: Path) -> set[str]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT agent_id FROM agents")}
    finally:
        conn.close()


def cli(db_path: Path, *args: str, env: dict[str, str] | None = None) -> int:
    return main([*args, "--db", str(db_path)], env=env or {})


def one_line_error(err: str, *names: object) -> None:
    assert err.startswith("esp-tui: error: ") and err.count("\n") == 1, err
    for name in names:
        assert str(name) in err


def backups(db_path: Path) -> list[Path]:
    return list_backups(backups_dir_for(db_path), db_path.stem)


# ----------------------------------------------------------------------------- backup
def test_backup_while_another_connection_is_mid_write_holds_the_committed_data(
    seeded_path: Path, tmp_path: Path
) -> None:
    reader, writer = connect(seeded_path), connect(seeded_path)
    committed = {a.agent_id for a in list_agents(reader)}
    with writer.atomic():  # BEGIN IMMEDIATE: the write lock is held during the backup
        upsert_agents(writer, [Agent(agent_id="MID01", name="Mid Write", email="m@example.com")])
        path = make_backup(reader, tmp_path / "backups", reason="manual", keep=14)
    assert agents_in(path) == committed and len(committed) == 24
    assert "MID01" in {a.agent_id for a in list_agents(reader)}  # the write did commit
    assert check_backup_file(path).agents == 24
    reader.close()
    writer.close()


def test_backup_file_is_0600_in_a_0700_folder_and_self_contained(
    seeded_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    db = connect(seeded_path)
    path = make_backup(db, folder, reason="manual", keep=14)
    db.close()
    assert folder.stat().st_mode & 0o777 == 0o700
    assert path.parent == folder and path.stat().st_mode & 0o777 == 0o600
    # one file, rollback-journal mode: nothing beside it, opens read-only anywhere
    assert sorted(p.name for p in folder.iterdir()) == [path.name]
    assert path.read_bytes()[18:20] == b"\x01\x01"


def test_keep_3_prunes_to_the_3_newest_of_that_database_only(
    seeded_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    db = connect(seeded_path)
    made = [
        make_backup(db, folder, reason="sync", keep=None, now=T0 + timedelta(hours=h))
        for h in range(5)
    ]
    other = make_backup(db, folder, reason="sync", keep=None, stem="demo", now=T0)
    (folder / "notes.txt").write_text("mine")
    newest = make_backup(db, folder, reason="quit", keep=3, now=T0 + timedelta(hours=9))
    db.close()
    assert list_backups(folder, "esp") == [made[3], made[4], newest]
    assert other.exists() and (folder / "notes.txt").read_text() == "mine"


def test_two_backups_in_the_same_microsecond_get_two_files(seeded_path, tmp_path) -> None:
    db = connect(seeded_path)
    a = make_backup(db, tmp_path / "b", reason="sync", keep=None, now=T0)
    b = make_backup(db, tmp_path / "b", reason="sync", keep=None, now=T0)
    db.close()
    assert a != b and list_backups(tmp_path / "b", "esp") == [a, b]


def test_cli_backup_prints_a_path_that_opens_with_every_agent(seeded_path, capsys) -> None:
    assert cli(seeded_path, "backup") == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed.parent == seeded_path.parent / "backups"
    assert agents_in(printed) == set(state(seeded_path)[0]) and len(agents_in(printed)) == 24
    assert backups(seeded_path) == [printed]


def test_cli_backup_out_writes_the_file_and_refuses_to_overwrite(
    seeded_path, tmp_path, capsys
) -> None:
    out = tmp_path / "copy.db"
    assert cli(seeded_path, "backup", "--out", str(out)) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert out.stat().st_mode & 0o777 == 0o600 and len(agents_in(out)) == 24
    existing = tmp_path / "keep-me.db"
    existing.write_bytes(b"precious")
    assert cli(seeded_path, "backup", "--out", str(existing)) == 2
    one_line_error(capsys.readouterr().err, existing, "already exists")
    assert existing.read_bytes() == b"precious"
    assert backups(seeded_path) == []  # --out never writes into the backups folder


def test_cli_backup_without_a_database_creates_nothing(tmp_path, capsys) -> None:
    missing = tmp_path / "none" / "esp.db"
    assert cli(missing, "backup") == 2
    one_line_error(capsys.readouterr().err, missing)
    assert not missing.parent.exists()


def test_backup_keep_is_in_the_shipped_config_and_validated(tmp_path) -> None:
    assert "[backup]\n" in default_config_text()
    assert build_config({}, "x").backup.keep == 14
    assert build_config({"backup": {"keep": 1}}, "x").backup.keep == 1
    with pytest.raises(ConfigError) as err:
        build_config({"backup": {"keep": 0}}, "my.toml")
    assert str(err.value).startswith("my.toml: key 'backup.keep': ")


def test_backup_after_never_raises_and_says_what_failed(seeded_path, config) -> None:
    (seeded_path.parent / "backups").write_text("a file where the folder should be")
    db = connect(seeded_path)
    warning = backup_after(db, seeded_path, config, "sync")
    assert warning is not None and "backup after sync failed" in warning
    assert "\n" not in warning and str(seeded_path.parent / "backups") in warning
    assert backup_after(db, None, config, "sync") is None  # no file: nothing to back up
    db.close()


# ----------------------------------------------------------------------------- restore
def test_restore_round_trip_keeps_the_replaced_database(seeded_path, capsys) -> None:
    before = state(seeded_path)
    assert cli(seeded_path, "backup") == 0
    saved = Path(capsys.readouterr().out.strip())
    change(seeded_path, "changed after the backup")
    changed = state(seeded_path)
    assert changed != before

    assert cli(seeded_path, "restore", str(saved)) == 0
    out = capsys.readouterr().out
    assert state(seeded_path) == before
    pre = [p for p in backups(seeded_path) if p.name.endswith("-pre-restore.db")]
    assert len(pre) == 1 and str(pre[0]) in out
    assert state(pre[0]) == changed  # the replaced database, data and all
    # the restored file is whole and back in WAL mode
    conn = sqlite3.connect(seeded_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert seeded_path.stat().st_mode & 0o777 == 0o600
    # nothing left beside it: no rollback journal from the copy, no -wal/-shm
    assert sorted(p.name for p in seeded_path.parent.iterdir()) == ["backups", "esp.db"]


def test_restore_takes_a_backup_with_another_page_size(tmp_path, config) -> None:
    """The live DB leaves WAL for the copy, so a different page size restores too."""
    big = tmp_path / "big" / "esp.db"
    big.parent.mkdir()
    raw = sqlite3.connect(big)
    raw.execute("PRAGMA page_size = 8192")
    raw.execute("VACUUM")
    raw.close()
    db = connect(big)
    seed_demo(db, config, agents=5, today=DAY1)
    saved = make_backup(db, tmp_path / "saved", reason="manual", keep=None)
    db.close()
    live = tmp_path / "esp.db"
    connect(live).close()
    result = restore(live, saved, backups_dir_for(live))
    assert result.agents == 5 and len(state(live)[0]) == 5
    conn = sqlite3.connect(live)
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 8192
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def _holder(db_path: Path) -> subprocess.Popen[str]:
    """Another esp-tui: a real process with a connection open, waiting on stdin."""
    code = (
        "import sys\nfrom pathlib import Path\nfrom storage.db import connect\n"
        "db = connect(Path(sys.argv[1]))\n"
        "db.execute('SELECT count(*) FROM agents').fetchone()\n"
        "print('ready', flush=True)\nsys.stdin.readline()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(db_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_restore_is_refused_while_another_process_has_the_database_open(
    seeded_path, tmp_path, capsys
) -> None:
    saved = make_backup(seeded_path, tmp_path / "saved", reason="manual", keep=None)
    change(seeded_path, "newer than the backup")
    changed = state(seeded_path)
    proc = _holder(seeded_path)
    try:
        assert cli(seeded_path, "restore", str(saved)) == 1
        one_line_error(capsys.readouterr().err, seeded_path, "another esp-tui")
        assert state(seeded_path) == changed
        assert not backups_dir_for(seeded_path).exists()  # not even the pre-restore backup
    finally:
        proc.kill()
        proc.wait()
    # the same command works once the other esp-tui is gone
    assert cli(seeded_path, "restore", str(saved)) == 0
    assert state(seeded_path) != changed and "NEW01" not in state(seeded_path)[0]


def test_restore_is_refused_while_this_process_has_another_connection(
    seeded_path, tmp_path
) -> None:
    saved = make_backup(seeded_path, tmp_path / "saved", reason="manual", keep=None)
    change(seeded_path, "newer than the backup")
    changed = state(seeded_path)
    other = connect(seeded_path)
    with pytest.raises(DatabaseInUse, match="another esp-tui has the database open"):
        restore(seeded_path, saved, backups_dir_for(seeded_path))
    assert state(seeded_path) == changed and not backups_dir_for(seeded_path).exists()
    assert len(list_agents(other)) == 25  # the open connection still works
    other.close()


def _corrupt(good: Path, to: Path) -> Path:
    conn = sqlite3.connect(f"{good.resolve().as_uri()}?mode=ro", uri=True)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'agents'").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(good.read_bytes())
    start = (root - 1) * size
    data[start + 8 : start + size - 8] = b"\xab" * (size - 16)
    to.write_bytes(bytes(data))
    return to


def _newer(good: Path, to: Path) -> Path:
    to.write_bytes(good.read_bytes())  # a closed backup file, not a live database
    conn = sqlite3.connect(to)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('esp-tui', '9999_from_the_future', '2027-01-01')"
    )
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.commit()
    conn.close()
    return to


def _foreign(good: Path, to: Path) -> Path:
    conn = sqlite3.connect(to)
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.execute("INSERT INTO songs VALUES ('not an esp-tui database')")
    conn.commit()
    conn.close()
    return to


def _text(good: Path, to: Path) -> Path:
    to.write_text("agent_id,name\nE1,Avery\n" * 200)
    return to


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_corrupt, "damaged"),
        (_text, "not a SQLite database"),
        (_foreign, "not an esp-tui one"),
        (_newer, "newer esp-tui"),
        (lambda good, to: to, "no such file"),
    ],
    ids=["corrupt", "not-sqlite", "foreign-sqlite", "newer-schema", "missing"],
)
def test_restore_refuses_a_bad_file_and_changes_nothing(
    seeded_path, tmp_path, capsys, make, says
) -> None:
    good = make_backup(seeded_path, tmp_path / "saved", reason="manual", keep=None)
    bad = make(good, tmp_path / "offered.db")
    change(seeded_path, "the live data")
    changed = state(seeded_path)
    assert cli(seeded_path, "restore", str(bad)) == 2
    one_line_error(capsys.readouterr().err, bad, says)
    assert state(seeded_path) == changed and not backups_dir_for(seeded_path).exists()
    with pytest.raises(BadBackupFile):
        check_backup_file(bad)


def test_restore_never_replaces_another_programs_database(tmp_path, seeded_path) -> None:
    saved = make_backup(seeded_path, tmp_path / "saved", reason="manual", keep=None)
    theirs = _foreign(saved, tmp_path / "theirs.db")
    with pytest.raises(Exception, match="not an esp-tui database"):
        restore(theirs, saved, tmp_path / "b")
    conn = sqlite3.connect(theirs)
    assert conn.execute("SELECT title FROM songs").fetchall() == [("not an esp-tui database",)]
    conn.close()


# ----------------------------------------------------------------------------- sync and quit
@pytest.fixture(scope="module")
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def sheet(emu: SheetsEmulator, config: Config, monkeypatch) -> dict[str, str]:
    emu.create_spreadsheet(KEY, {"Sheet1": []})
    emu.clear_faults()
    env = {"ESP_TUI_SHEETS_ENDPOINT": emu.endpoint, "ESP_TUI_SPREADSHEET": KEY}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    init_sheet(connect_sheet(config, env), config, 5)
    return env


def test_cli_sync_leaves_one_new_backup_and_a_dry_run_none(
    seeded_path, tmp_path, sheet, capsys
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[cohort]\ntimezone = "{TZ}"\n[backup]\nkeep = 5\n')
    args = ("--config", str(cfg))
    assert cli(seeded_path, "sync", "--dry-run", *args, env=sheet) == 0
    assert "would write" in capsys.readouterr().out
    assert backups(seeded_path) == []
    assert cli(seeded_path, "sync", "--yes", "--json", *args, env=sheet) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "written"
    made = backups(seeded_path)
    assert len(made) == 1 and made[0].name.endswith("-sync.db")
    assert len(agents_in(made[0])) == 24


async def test_close_screen_sync_then_quit_leave_one_backup_each(
    seeded_path, config, clock, sheet
) -> None:
    db = connect(seeded_path)
    app = make_app(config, db, db_path=seeded_path, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c", "d")  # a dry run: no backup
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert backups(seeded_path) == []
        await pilot.press("s", "y")  # sync despite the open gaps
        await app.workers.wait_for_complete()
        await pilot.pause()
        made = backups(seeded_path)
        assert [p.name.rsplit("-", 1)[1] for p in made] == ["sync.db"]
        await pilot.press("escape", "q")
    made = backups(seeded_path)
    assert [p.name.rsplit("-", 1)[1] for p in made] == ["sync.db", "quit.db"]
    db.close()


async def test_quitting_the_app_leaves_one_backup(seeded_path, config, clock) -> None:
    db = connect(seeded_path)
    app = make_app(config, db, db_path=seeded_path, clock=clock)
    async with app.run_test() as pilot:
        assert backups(seeded_path) == []
        await pilot.press("q")
    made = backups(seeded_path)
    assert len(made) == 1 and made[0].name.endswith("-quit.db")
    assert agents_in(made[0]) == {a.agent_id for a in list_agents(db)}
    assert app.return_code == 0
    db.close()


async def test_quitting_an_app_without_a_file_writes_no_backup(seeded_db, config, clock, tmp_path):
    app = make_app(config, seeded_db, clock=clock)  # no db_path: nothing to name a backup after
    async with app.run_test() as pilot:
        await pilot.press("q")
    assert not (tmp_path / "backups").exists()
