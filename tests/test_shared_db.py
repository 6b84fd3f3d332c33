"""One database shared the way a TL's day shares it: the app's connection, a worker opening its
own connection mid-day, and the real CLI in other processes, all writing at once.

What this guards against (issue 10): a process that opened and closed the DB file outside SQLite
dropped its own POSIX locks, so a CLI process finishing in another shell believed it was the last
connection, checkpointed and deleted the `-wal` under the open app, and the app's next commits
were lost. Here the WAL file must exist for as long as this process holds a connection, every
write any side reported must be in the file afterwards, and `integrity_check` must be ok.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.services import attendance as att
from esp_tui.services import progress as prog
from storage.agents import list_agents
from storage.cohort import get_cohort
from storage.db import connect
from storage.notes import get_note

ROOT = Path(__file__).resolve().parents[1]
AFTER_WEEK = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)  # Fri 23:00 New York: days 1-5 are past

# Runs the real CLI entry (`esp_tui.cli.main`, what the `esp-tui` script calls) once per
# command, in one process, so each command opens, writes and closes its own connection the
# way a TL's shell does. Prints "ok <argv>" + the command's output line, or "fail <argv>".
CLI_LOOP = """
import io, sys, contextlib
from esp_tui.cli import main
db = sys.argv[1]
commands = [line.split("\\t") for line in sys.argv[2].split("\\n") if line]
print("ready", flush=True)
for argv in commands:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", db, *argv])
    tag = "ok" if code in (0, 1) and not err.getvalue() else "fail"
    if argv[0] == "check":
        tag = "ok" if code in (0, 1) else "fail"
    print(tag, "\\t".join(argv), "|", out.getvalue().strip().replace("\\n", " / "),
          err.getvalue().strip(), flush=True)
"""


def _writer_commands(agents: list[str], tag: str) -> list[list[str]]:
    cmds: list[list[str]] = []
    for day in (2, 3, 4, 5):
        for i, a in enumerate(agents):
            cmds.append(["stamp", a, "in", "--day", str(day), "--at", f"09:{10 + i:02d}"])
            cmds.append(["note", a, f"{tag} note {a} d{day}", "--day", str(day)])
            if i % 3 == 0:
                cmds.append(["check", "--day", str(day)])
    return cmds


def _start_cli(db_path: Path, commands: list[list[str]]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI_LOOP, str(db_path), "\n".join("\t".join(c) for c in commands)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


@pytest.mark.slow
def test_app_worker_and_cli_processes_share_one_db_without_losing_a_write(
    seeded_db: Database, db_path: Path, config: Config
) -> None:
    cohort = get_cohort(seeded_db)
    assert cohort is not None
    ids = sorted(a.agent_id for a in list_agents(seeded_db))
    wal = db_path.with_name(db_path.name + "-wal")
    seeded_db.execute("SELECT count(*) FROM agents").fetchone()  # WAL mode: the WAL exists now
    assert wal.exists()

    procs = [
        _start_cli(db_path, _writer_commands(ids[0:8], "w1")),
        _start_cli(db_path, _writer_commands(ids[8:16], "w2")),
    ]

    # The "sync worker": its own connection, opened mid-day in another thread, doing
    # read-then-write transactions (attempts) and notes while the main connection stamps.
    worker_errors: list[BaseException] = []
    worker_attempts: list[tuple[str, int]] = []

    def worker() -> None:
        own = connect(db_path)  # what services/sync.sync_day does in the Close screen's worker
        try:
            for n, a in enumerate(ids[16:24]):
                out = prog.record_attempt(own, config, a, "ahip_final", 72.0, now=AFTER_WEEK)
                worker_attempts.append((a, out.attempt.attempt_no))
                att.set_note(own, cohort, a, 1, f"worker note {a} {n}")
        except BaseException as e:  # surfaced by the assert below
            worker_errors.append(e)
        finally:
            own.close()

    main_events: list[int] = []
    wal_seen_missing = 0
    thread: threading.Thread | None = None
    for n, (day, a) in enumerate((d, a) for d in (2, 3, 4, 5) for a in ids[16:24]):
        if n == 4:
            thread = threading.Thread(target=worker)
            thread.start()
        if n % 8 == 7:  # a "sync" opens and closes another connection of this process
            connect(db_path).close()
        r = att.stamp(
            seeded_db, config, cohort, a, "in", day=day, now=AFTER_WEEK, at=f"09:{20 + n % 30:02d}"
        )
        main_events.extend(r.action.event_ids)
        att.set_note(seeded_db, cohort, a, day, f"main note {a} d{day}")
        wal_seen_missing += not wal.exists()
    assert thread is not None
    thread.join()
    # Keep checking while the CLI processes finish: each of their commands closed a connection.
    outputs: list[str] = []
    for proc in procs:
        while True:
            try:
                out, err = proc.communicate(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                wal_seen_missing += not wal.exists()
                seeded_db.execute("SELECT count(*) FROM attendance_events").fetchone()
        assert proc.returncode == 0, err
        outputs.extend(out.splitlines())
    wal_seen_missing += not wal.exists()

    assert worker_errors == []
    assert wal_seen_missing == 0, "the WAL vanished while this process had the DB open"
    failed = [line for line in outputs if not line.startswith("ok ")]
    assert failed == [], failed[:3]

    # Every write every side reported is in the file, checked through a fresh connection.
    fresh = connect(db_path)
    try:
        assert fresh.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in fresh.execute("SELECT id FROM attendance_events")}
        assert set(main_events) <= stored
        cli_events = [
            int(tok.strip("#,()"))
            for line in outputs
            if line.startswith("ok stamp")
            for tok in line.split("event ")[1].split()
        ]
        assert len(cli_events) == 2 * 4 * 8 and set(cli_events) <= stored
        for tag, agents in (("w1", ids[0:8]), ("w2", ids[8:16])):
            for day in (2, 3, 4, 5):
                for a in agents:
                    assert get_note(fresh, a, day) == f"{tag} note {a} d{day}"
        for day in (2, 3, 4, 5):
            for a in ids[16:24]:
                assert get_note(fresh, a, day) == f"main note {a} d{day}"
        for n, a in enumerate(ids[16:24]):
            assert get_note(fresh, a, 1) == f"worker note {a} {n}"
        assert len(worker_attempts) == 8
        (attempts,) = fresh.execute(
            "SELECT count(*) FROM exam_attempts WHERE task_key = 'ahip_final' AND score = 72.0"
            f" AND agent_id IN ({','.join('?' * 8)})",
            ids[16:24],
        ).fetchone()
        assert attempts >= 8
    finally:
        fresh.close()


# --- contention: read-then-write transactions wait for the lock instead of failing ---------


def test_read_then_write_transactions_under_contention_all_succeed(
    seeded_db: Database, db_path: Path, config: Config
) -> None:
    """sqlite-utils' deferred BEGIN made ~1 in 3 of these fail at once with "database is
    locked"; with BEGIN IMMEDIATE the busy timeout applies and every call succeeds."""
    cohort = get_cohort(seeded_db)
    assert cohort is not None
    ids = sorted(a.agent_id for a in list_agents(seeded_db))
    errors: list[BaseException] = []
    done: list[int] = []
    start = threading.Barrier(4)

    def hammer(slot: int) -> None:
        own = connect(db_path)
        try:
            start.wait()
            for n in range(12):
                agent = ids[slot * 6 + n % 6]
                day = 2 + n % 4
                att.bulk_in(own, config, cohort, day, AFTER_WEEK, [agent])  # read, then write
                att.set_note(own, cohort, agent, day, f"slot {slot} n {n}")
                prog.set_status(own, config, agent, "cert_aetna", "in_progress", now=AFTER_WEEK)
                done.append(slot)
        except BaseException as e:
            errors.append(e)
        finally:
            own.close()

    threads = [threading.Thread(target=hammer, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(done) == 48
    (ins,) = seeded_db.execute(
        "SELECT count(*) FROM attendance_events WHERE kind = 'in' AND day BETWEEN 2 AND 5"
    ).fetchone()
    assert ins == 48  # 12 distinct (agent, day) pairs per thread, each stamped exactly once


# --- a lock held past the busy timeout: one line, never a traceback or a crash -------------


@pytest.fixture
def short_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storage.db.BUSY_TIMEOUT_MS", 150)


def _hold_write_lock(db_path: Path):
    import sqlite3

    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_cli_lock_held_past_the_timeout_is_one_line_and_exit_1(
    seeded_db: Database, db_path: Path, short_busy: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from esp_tui.cli import main

    holder = _hold_write_lock(db_path)
    try:
        code = main(["--db", str(db_path), "note", "D1001", "hello", "--day", "2"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err == "esp-tui: error: another esp-tui is writing the database; retry in a moment\n"
    assert get_note(seeded_db, "D1001", 2) is None


async def test_app_lock_held_past_the_timeout_is_a_message_not_a_crash(
    config: Config, seeded_db: Database, db_path: Path, clock, short_busy: None
) -> None:
    from esp_tui.app import make_app
    from storage.attendance import event_count

    app_db = connect(db_path)  # opened after the patch: the app's busy timeout is short
    app = make_app(config, app_db, db_path=db_path, clock=clock)
    before = event_count(seeded_db)
    async with app.run_test(size=(120, 40)) as pilot:
        holder = _hold_write_lock(db_path)
        try:
            await pilot.press("i")
            await pilot.pause()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert app.is_running and app.return_code is None
        messages = [n.message for n in app._notifications]
        assert any("another esp-tui is writing the database" in m for m in messages)
        assert event_count(seeded_db) == before
        await pilot.press("i")  # the lock is free again: the same key works
        await pilot.pause()
        assert event_count(seeded_db) == before + 1
        # the same through a prompt's callback (`t`, a time, enter) on the next agent
        await pilot.press("j", "t")  # t: the time box (what enter writes is said under it)
        await pilot.pause()
        holder = _hold_write_lock(db_path)
        try:
            await pilot.press(*"09:10", "enter")  # (09:20 would be refused first: the future)
            await pilot.pause()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert app.is_running and app.return_code is None
        busy = [n for n in app._notifications if "another esp-tui is writing" in n.message]
        assert len(busy) == 2 and event_count(seeded_db) == before + 1
        await pilot.press("j", "i")  # the screen still answers keys
        await pilot.pause()
        assert event_count(seeded_db) == before + 2
    app_db.close()


# --- --db pointed at something that is not an esp-tui database -------------------------------


def _foreign_db(path: Path) -> bytes:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()
    return path.read_bytes()  # no connection is open: reading the bytes is safe here


@pytest.mark.parametrize("via_symlink", [False, True])
def test_another_programs_sqlite_file_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], via_symlink: bool
) -> None:
    from esp_tui.cli import main

    foreign = tmp_path / "recipes.sqlite"
    before = _foreign_db(foreign)
    foreign.chmod(0o644)
    target = foreign
    if via_symlink:
        target = tmp_path / "esp.db"
        target.symlink_to(foreign)
    code = main(["--db", str(target), "roster", "list"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith(f"esp-tui: error: {target}: not an esp-tui database")
    assert err.count("\n") == 1
    assert foreign.read_bytes() == before
    assert (foreign.stat().st_mode & 0o777) == 0o644
    assert not list(tmp_path.glob("*-wal")) and not list(tmp_path.glob("*-shm"))


def test_a_file_that_is_not_sqlite_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from esp_tui.cli import main

    notes = tmp_path / "notes.txt"
    notes.write_text("my private notes\n" * 200)
    link = tmp_path / "esp.db"
    link.symlink_to(notes)
    assert main(["--db", str(link), "check"]) == 2
    assert "not an esp-tui database" in capsys.readouterr().err
    assert notes.read_text() == "my private notes\n" * 200


def test_a_dangling_symlink_is_refused_and_nothing_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from esp_tui.cli import main

    link = tmp_path / "esp.db"
    link.symlink_to(tmp_path / "nowhere" / "esp.db")
    assert main(["--db", str(link), "roster", "list"]) == 2
    assert "a symlink to nothing" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_a_symlink_to_an_esp_tui_db_is_followed_and_its_mode_left_alone(
    seeded_db: Database, db_path: Path, tmp_path: Path
) -> None:
    db_path.chmod(0o600)
    link = tmp_path / "link.db"
    link.symlink_to(db_path)
    other = connect(link)
    assert len(list_agents(other)) == 24
    other.close()
    assert link.is_symlink() and (db_path.stat().st_mode & 0o777) == 0o600


def test_a_db_from_a_newer_esp_tui_is_refused(seeded_db: Database, db_path: Path) -> None:
    from storage.db import StorageError

    with seeded_db.atomic():
        seeded_db.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('esp-tui', '0999_from_the_future', 'x')"
        )
    with pytest.raises(StorageError, match="made by a newer esp-tui"):
        connect(db_path)


def test_a_new_db_is_created_0600_in_a_private_dir(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "esp.db"
    db = connect(path)
    db.close()
    assert (path.stat().st_mode & 0o777) == 0o600
    assert (path.parent.stat().st_mode & 0o777) == 0o700


# --- the app syncing while the CLI writes from another shell -------------------------------


async def test_app_syncs_three_times_while_the_cli_writes_and_nothing_is_lost(
    config: Config, seeded_db: Database, db_path: Path, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from esp_tui.app import make_app
    from esp_tui.sync.engine import connect as connect_sheet
    from esp_tui.sync.engine import init_sheet
    from storage.attendance import all_events
    from storage.sync import count_runs
    from tests.sheets_emulator import running_emulator

    key = "shared-db-0123456789"
    wal = db_path.with_name(db_path.name + "-wal")
    ids = sorted(a.agent_id for a in list_agents(seeded_db))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def cli(*argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "esp_tui", "--db", str(db_path), *argv],
            capture_output=True, text=True, env=env, cwd=ROOT, check=False,
        )  # fmt: skip
        assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
        return done.stdout

    with running_emulator() as emu:
        emu.create_spreadsheet(key, {"Sheet1": []})
        monkeypatch.setenv("ESP_TUI_SHEETS_ENDPOINT", emu.endpoint)
        monkeypatch.setenv("ESP_TUI_SPREADSHEET", key)
        init_sheet(connect_sheet(config, dict(os.environ)), config, 5)

        app_db = connect(db_path)
        app = make_app(config, app_db, db_path=db_path, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            for n in range(3):
                await pilot.press("i", "j")  # the app stamps an agent in
                await pilot.press("c", "s", "y")  # close screen, sync despite the gaps
                await app.workers.wait_for_complete()
                await pilot.pause()
                assert count_runs(app_db) == n + 1
                assert "note saved" in cli("note", ids[10 + n], f"cli note {n}", "--day", "1")
                cli("check", "--day", "1")
                assert wal.exists(), "the WAL vanished under the open app"
                await pilot.press("escape")
            await pilot.press("i")  # one more write after the last CLI command
            await pilot.pause()
            await pilot.press("q")
        assert app.return_code in (0, None)
        app_db.close()

        fresh = connect(db_path)
        try:
            assert fresh.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stamped = [e.agent_id for e in all_events(fresh) if e.kind == "in" and e.day == 1]
            assert len(stamped) == len(set(stamped)) == 4  # four keypresses, four agents
            for n in range(3):
                assert get_note(fresh, ids[10 + n], 1) == f"cli note {n}"
            assert count_runs(fresh) == 3
        finally:
            fresh.close()
        # the notes the CLI wrote before the 2nd and 3rd syncs reached the sheet
        values = emu.get_values(key, "ESP Tracker")
        head = values[0]
        rows = {r[head.index("Agent ID")]: r for r in values[1:]}
        note_col = head.index("Day 1 Notes")
        assert [rows[ids[10 + n]][note_col] for n in range(2)] == ["cli note 0", "cli note 1"]


def test_a_db_path_with_an_escape_sequence_is_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from esp_tui.cli import main

    odd = tmp_path / "x\x1b]0;pwned\x07.db"
    odd.write_text("not sqlite\n" * 100)
    assert main(["--db", str(odd), "roster", "list"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b]0;pwned\\x07" in err


# --- the app sees what the CLI wrote, and never edits a stale copy ---------------------------


async def test_the_roster_shows_a_note_and_a_stamp_the_cli_wrote_meanwhile(
    config: Config, seeded_db: Database, db_path: Path, clock
) -> None:
    from esp_tui.app import make_app
    from esp_tui.screens.roster import RosterScreen, RosterTable

    cohort = get_cohort(seeded_db)
    assert cohort is not None
    app_db = connect(db_path)
    app = make_app(config, app_db, db_path=db_path, clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        roster = app.screen
        assert isinstance(roster, RosterScreen)
        table = roster.query_one(RosterTable)
        row = table.get_row_index("D1003")
        assert roster.rows["D1003"].note is None and not roster.rows["D1004"].in_time
        # "the CLI in another shell": another connection commits a note and a stamp
        att.set_note(seeded_db, cohort, "D1003", 1, "written from the CLI")
        att.stamp(seeded_db, config, cohort, "D1004", "in", day=1, now=clock.now, at="09:05")
        roster.watch_other_writers()  # what the 2-second timer runs
        await pilot.pause()
        assert roster.rows["D1003"].note == "written from the CLI"
        assert roster.rows["D1004"].in_time == "09:05"
        assert table.get_row_index("D1003") == row  # nothing jumped
    app_db.close()


async def test_a_note_changed_by_the_cli_while_the_editor_is_open_is_not_overwritten(
    config: Config, seeded_db: Database, db_path: Path, clock
) -> None:
    from esp_tui.app import make_app
    from esp_tui.screens.prompts import TextPrompt
    from esp_tui.screens.roster import RosterTable

    cohort = get_cohort(seeded_db)
    assert cohort is not None
    att.set_note(seeded_db, cohort, "D1001", 1, "first")
    app_db = connect(db_path)
    app = make_app(config, app_db, db_path=db_path, clock=clock)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        table = app.screen.query_one(RosterTable)
        table.move_cursor(row=table.get_row_index("D1001"), animate=False)
        await pilot.press("n")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        att.set_note(seeded_db, cohort, "D1001", 1, "from the CLI meanwhile")
        await pilot.press("end", *" + mine", "enter")
        await pilot.pause()
        assert get_note(seeded_db, "D1001", 1) == "from the CLI meanwhile"  # not overwritten
        again = app.screen
        assert isinstance(again, TextPrompt) and again is not prompt  # text kept, asked again
        assert any("changed while you typed" in n.message for n in app._notifications)
        await pilot.press("enter")  # knowingly replace the newer note
        await pilot.pause()
        assert get_note(seeded_db, "D1001", 1) == "first + mine"
    app_db.close()
