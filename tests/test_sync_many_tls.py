"""Many TLs, one tracker: concurrent syncs, PMs sorting and deleting rows, lost answers.

Every TL has their own database and cohort; they all write the same spreadsheet through real
gspread over HTTP to the emulator, whose latency lets reads and writes of different TLs overlap.
After each round the tracker must hold every agent exactly once (0 lost, 0 duplicated), and each
row must hold its own agent's data (0 crossed).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from esp_tui.config import Config, build_config
from esp_tui.domain.models import Agent
from esp_tui.services.roster import cohort_from_config
from esp_tui.sync.engine import SyncReport, Target, connect, init_sheet, run_sync
from storage.agents import upsert_agents
from storage.cohort import get_cohort, save_cohort
from storage.db import connect as connect_db
from storage.notes import set_note
from tests.conftest import DAY1, TZ
from tests.sheets_emulator import SheetsEmulator, running_emulator

KEY = "many-tls-0123456789"
TRACKER = "ESP Tracker"
EVENING = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


@pytest.fixture
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator(latency_s=0.15) as emulator:
        emulator.create_spreadsheet(KEY, {"Sheet1": []})
        yield emulator


@pytest.fixture
def cfg() -> Config:
    return build_config({"cohort": {"timezone": TZ}}, "many-tls")


def target(emu: SheetsEmulator, config: Config) -> Target:
    t = connect(config, {"ESP_TUI_SHEETS_ENDPOINT": emu.endpoint, "ESP_TUI_SPREADSHEET": KEY})
    t.sleep = lambda s: None
    return t


def agent_id(tl: int, n: int) -> str:
    return f"T{tl:02d}A{n:03d}"


def make_tl(tmp_path: Path, config: Config, tl: int, agents: int) -> Database:
    db = connect_db(tmp_path / f"tl{tl}.db")
    cohort = cohort_from_config(config, f"Cohort of TL {tl}", DAY1)
    with db.atomic():
        save_cohort(db, cohort)
        upsert_agents(
            db,
            [
                Agent(
                    agent_id=agent_id(tl, n),
                    name=f"TL{tl} Agent {n}",
                    email=f"t{tl}a{n}@example.com",
                )
                for n in range(agents)
            ],
        )
        for n in range(agents):
            set_note(db, agent_id(tl, n), 1, f"note of {agent_id(tl, n)}")
    return db


def sync(db: Database, config: Config, emu: SheetsEmulator, **kw: Any) -> SyncReport:
    cohort = get_cohort(db)
    assert cohort is not None
    return run_sync(db, config, cohort, target(emu, config), now=lambda: EVENING, **kw)


def tracker(emu: SheetsEmulator) -> tuple[list[str], list[list[str]]]:
    values = emu.get_values(KEY, TRACKER)
    head = values[0]
    return head, [r + [""] * (len(head) - len(r)) for r in values[1:] if any(r)]


def audit(emu: SheetsEmulator, expected: dict[str, str]) -> tuple[int, int, int]:
    """(lost, duplicated, crossed) for the expected {agent_id: note} against the tracker."""
    head, rows = tracker(emu)
    k, name, note = head.index("Agent ID"), head.index("Name"), head.index("Day 1 Notes")
    seen: dict[str, int] = {}
    crossed = 0
    for row in rows:
        key = row[k]
        seen[key] = seen.get(key, 0) + 1
        if key in expected:
            tl, n = int(key[1:3]), int(key[4:])
            crossed += row[name] != f"TL{tl} Agent {n}" or row[note] != expected[key]
    lost = sum(1 for key in expected if key not in seen)
    duplicated = sum(c - 1 for key, c in seen.items() if key in expected and c > 1)
    return lost, duplicated, crossed


def concurrently(fns: list[Any]) -> list[Any]:
    """Run the callables at the same moment on threads; re-raise the first failure."""
    barrier = threading.Barrier(len(fns))
    results: list[Any] = [None] * len(fns)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fns[i]()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


@pytest.mark.slow
def test_ten_tls_syncing_at_once_lose_duplicate_and_cross_nothing(emu, cfg, tmp_path):
    tls = [make_tl(tmp_path, cfg, tl, 30) for tl in range(10)]
    init_sheet(target(emu, cfg), cfg, 5, agents=300)
    expected = {
        agent_id(tl, n): f"note of {agent_id(tl, n)}" for tl in range(10) for n in range(30)
    }

    reports = concurrently([lambda db=db: sync(db, cfg, emu) for db in tls])
    assert all(r.conflicts == [] for r in reports)
    assert audit(emu, expected) == (0, 0, 0)  # right after the concurrent round
    # a second concurrent round writes nothing new and keeps it that way
    emu.reset_log()
    again = concurrently([lambda db=db: sync(db, cfg, emu) for db in tls])
    assert [r.cells_written for r in again] == [0] * 10 and emu.writes == []
    assert audit(emu, expected) == (0, 0, 0)
    for db in tls:
        db.close()


# --- a PM sorting, deleting, duplicating and retyping rows -----------------------------------


@pytest.fixture
def fast_emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        emulator.create_spreadsheet(KEY, {"Sheet1": []})
        yield emulator


def two_tls(tmp_path: Path, cfg: Config, emu: SheetsEmulator) -> tuple[Database, Database]:
    a, b = make_tl(tmp_path, cfg, 1, 6), make_tl(tmp_path, cfg, 2, 6)
    init_sheet(target(emu, cfg), cfg, 5, agents=12)
    sync(a, cfg, emu)
    sync(b, cfg, emu)
    return a, b


def expected_notes(*tls: int, n: int = 6) -> dict[str, str]:
    return {agent_id(t, i): f"note of {agent_id(t, i)}" for t in tls for i in range(n)}


def renote(db: Database, tl: int, text: str, n: int = 6) -> dict[str, str]:
    with db.atomic():
        for i in range(n):
            set_note(db, agent_id(tl, i), 1, f"{text} {agent_id(tl, i)}")
    return {agent_id(tl, i): f"{text} {agent_id(tl, i)}" for i in range(n)}


def test_a_pm_sort_between_two_syncs_every_value_lands_in_its_agents_row(fast_emu, cfg, tmp_path):
    a, _ = two_tls(tmp_path, cfg, fast_emu)
    fast_emu.sort_rows(KEY, TRACKER, "Name", reverse=True)
    want = {**expected_notes(2), **renote(a, 1, "day 1 again")}
    report = sync(a, cfg, fast_emu)
    assert report.cells_written == 6 and report.moved == []
    assert audit(fast_emu, want) == (0, 0, 0)


def test_a_pm_sort_while_the_write_is_in_flight_is_caught_and_repaired(fast_emu, cfg, tmp_path):
    a, b = two_tls(tmp_path, cfg, fast_emu)
    want = {**expected_notes(2), **renote(a, 1, "late note")}
    sorted_once: list[bool] = []

    def pm_sorts(method: str, path: str) -> None:  # between our read and our write
        if method == "POST" and path.endswith(":batchUpdate") and not sorted_once:
            sorted_once.append(True)
            fast_emu.sort_rows(KEY, TRACKER, "Name", reverse=True)

    fast_emu.before_apply.append(pm_sorts)
    report = sync(a, cfg, fast_emu)
    assert sorted_once and report.moved, "the sort should have moved rows under the write"
    assert "repaired" in report.summary() and report.to_json()["repaired_rows"] == len(
        report.moved
    )
    assert audit(fast_emu, want) == (0, 0, 0)  # no note on a neighbour's row, none lost
    fast_emu.before_apply.clear()
    fast_emu.reset_log()
    assert sync(a, cfg, fast_emu).cells_written == 0 and fast_emu.writes == []
    assert sync(b, cfg, fast_emu).conflicts == []  # TL 2's cells were given back


def test_a_pm_deleting_a_row_mid_write_moves_nothing_else(fast_emu, cfg, tmp_path):
    a, _ = two_tls(tmp_path, cfg, fast_emu)
    want = {**expected_notes(2), **renote(a, 1, "after delete")}
    done: list[bool] = []

    def pm_deletes(method: str, path: str) -> None:
        if method == "POST" and path.endswith(":batchUpdate") and not done:
            done.append(True)
            fast_emu.delete_row(KEY, TRACKER, 1)  # TL 1's first agent, right under the header

    fast_emu.before_apply.append(pm_deletes)
    sync(a, cfg, fast_emu)
    assert audit(fast_emu, want) == (0, 0, 0)  # the deleted row is back, nothing else moved


def test_a_row_deleted_between_syncs_comes_back_and_nothing_else_moves(fast_emu, cfg, tmp_path):
    a, b = two_tls(tmp_path, cfg, fast_emu)
    before = tracker(fast_emu)[1]
    fast_emu.delete_row(KEY, TRACKER, 3)
    gone = before[2][1]  # columns: Cohort, Agent ID, …
    report = sync(a if gone.startswith("T01") else b, cfg, fast_emu)
    assert report.rows_appended == 1
    after = tracker(fast_emu)[1]
    assert after[:2] + after[2:-1] == before[:2] + before[3:]  # the others did not move
    assert after[-1][1] == gone
    assert audit(fast_emu, expected_notes(1, 2)) == (0, 0, 0)


def test_a_row_duplicated_by_hand_is_a_listed_problem_not_half_updated(fast_emu, cfg, tmp_path):
    a, _ = two_tls(tmp_path, cfg, fast_emu)
    head, rows = tracker(fast_emu)
    copy = next(r for r in rows if r[1] == agent_id(1, 2))
    fast_emu.set_cell(KEY, TRACKER, f"A{len(rows) + 2}", copy[0])  # a PM's copy of the row
    fast_emu.set_cell(KEY, TRACKER, f"B{len(rows) + 2}", copy[1].lower())
    renote(a, 1, "changed")
    report = sync(a, cfg, fast_emu)
    assert any(f"'{agent_id(1, 2)}' is on more than one row" in p for p in report.problems)
    assert report.to_json()["problems"] == report.problems
    note = head.index("Day 1 Notes")
    both = [r for r in tracker(fast_emu)[1] if r[1].upper() == agent_id(1, 2)]
    assert len(both) == 2 and both[0][note] == f"note of {agent_id(1, 2)}"  # untouched
    others = {r[1]: r[note] for r in tracker(fast_emu)[1] if r[1].startswith("T01")}
    assert others[agent_id(1, 3)] == f"changed {agent_id(1, 3)}"


def test_an_agent_id_retyped_in_lower_case_gets_no_second_row(fast_emu, cfg, tmp_path):
    a, _ = two_tls(tmp_path, cfg, fast_emu)
    _, rows = tracker(fast_emu)
    r = next(i for i, row in enumerate(rows) if row[1] == agent_id(1, 4)) + 2
    fast_emu.set_cell(KEY, TRACKER, f"B{r}", f" {agent_id(1, 4).lower()} ")
    renote(a, 1, "retyped")
    report = sync(a, cfg, fast_emu)
    assert report.rows_appended == 0 and report.conflicts == []
    assert len(tracker(fast_emu)[1]) == 12


# --- quota and time bounds ---------------------------------------------------------------


def test_retry_after_is_honoured(fast_emu, cfg, tmp_path):
    a = make_tl(tmp_path, cfg, 1, 3)
    init_sheet(target(fast_emu, cfg), cfg, 5, agents=3)
    fast_emu.retry_after = "7"
    fast_emu.inject("429")
    t = target(fast_emu, cfg)
    waits: list[float] = []
    t.sleep = waits.append
    cohort = get_cohort(a)
    assert cohort is not None
    run_sync(a, cfg, cohort, t, now=lambda: EVENING)
    assert len(waits) == 1 and waits[0] >= 7


def test_a_silent_server_fails_the_sync_within_its_time_bound(cfg, tmp_path):
    from esp_tui.sync.transport import SheetsError

    slow = build_config({"cohort": {"timezone": TZ}, "sheet": {"sync_timeout_s": 1.0}}, "slow")
    a = make_tl(tmp_path, slow, 1, 3)
    with running_emulator(latency_s=0.6) as emu:  # every answer slower than half the bound
        emu.create_spreadsheet(KEY, {"Sheet1": []})
        init_sheet(target(emu, slow), slow, 5, agents=3)
        emu.reset_log()
        with pytest.raises(SheetsError, match="time limit") as info:
            sync(a, slow, emu)
        # the bound, not the per-request timeouts (10 s connect, 120 s read) ended it
        assert len(emu.requests) <= 3
    (runs,) = a.execute("SELECT count(*) FROM sync_runs").fetchone()
    assert runs == 0
    from esp_tui.sync.errors import describe

    said = describe(info.value)
    assert "[sheet] sync_timeout_s" in said.message and said.exit_code == 1
    assert "\n" not in said.message


def test_quota_through_a_shared_service_account_says_so_and_what_to_do() -> None:
    from esp_tui.sync.errors import describe
    from esp_tui.sync.transport import SheetsUnavailable

    exc = SheetsUnavailable(
        "writing to the sheet failed after 6 attempt(s)", what="writing to the sheet",
        attempts=6, status=429, last="HTTP 429",
    )  # fmt: skip
    shared = describe(exc, identity="service account esp-sync@corp.iam.gserviceaccount.com")
    assert "quota" in shared.message and "esp-sync@corp.iam.gserviceaccount.com" in shared.message
    assert "60 requests a minute" in shared.message and "oauth_client_file" in shared.message
    own = describe(exc, identity="OAuth user tl@example.com")
    assert "60 requests a minute" not in own.message and "quota" in own.message


# --- the TL column ---------------------------------------------------------------------------


def test_every_row_names_its_tl_and_a_pm_sort_by_tl_does_not_break_the_next_sync(
    fast_emu, tmp_path
):
    cfgs = [
        build_config({"cohort": {"timezone": TZ}, "tl": {"name": f"TL number {t}"}}, f"tl{t}")
        for t in (1, 2)
    ]
    dbs = [make_tl(tmp_path, cfgs[i], i + 1, 4) for i in range(2)]
    init_sheet(target(fast_emu, cfgs[0]), cfgs[0], 5, agents=8)
    for db, c in zip(dbs, cfgs, strict=True):
        sync(db, c, fast_emu)
    head, rows = tracker(fast_emu)
    tl = head.index("TL")
    assert {r[1]: r[tl] for r in rows} == {
        agent_id(t, n): f"TL number {t}" for t in (1, 2) for n in range(4)
    }
    fast_emu.sort_rows(KEY, TRACKER, "TL", reverse=True)  # PMs sort and filter by TL
    want = {**expected_notes(2, n=4), **renote(dbs[0], 1, "sorted", n=4)}
    for db, c in zip(dbs, cfgs, strict=True):
        assert sync(db, c, fast_emu).conflicts == []
    assert audit(fast_emu, want) == (0, 0, 0)


async def test_the_app_asks_once_for_the_tl_name_and_the_sheet_gets_it(tmp_path, monkeypatch):
    from esp_tui.app import make_app
    from esp_tui.screens.prompts import Confirm, TextPrompt
    from tests.conftest import FIXED_NOW

    no_name = build_config({"cohort": {"timezone": TZ}}, "no-name")
    db = make_tl(tmp_path, no_name, 3, 2)
    with running_emulator() as emu:
        emu.create_spreadsheet(KEY, {"Sheet1": []})
        init_sheet(target(emu, no_name), no_name, 5, agents=2)
        monkeypatch.setenv("ESP_TUI_SHEETS_ENDPOINT", emu.endpoint)
        monkeypatch.setenv("ESP_TUI_SPREADSHEET", KEY)
        app = make_app(no_name, db, clock=lambda: FIXED_NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("c", "s")
            assert isinstance(app.screen, TextPrompt)
            await pilot.press(*"Jordan Reyes", "enter")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)  # readiness gaps are open: sync anyway
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("s")  # asked once: the second sync does not ask again
            await pilot.pause()
            assert not isinstance(app.screen, TextPrompt)
        head, rows = tracker(emu)
        assert {r[head.index("TL")] for r in rows} == {"Jordan Reyes"}
    from storage.settings import tl_name

    assert tl_name(db) == "Jordan Reyes"


@pytest.mark.parametrize(
    ("typed", "error"),
    [("y", "2 characters or more"), ("  ", "2 characters or more"), ("a\x1bb", "control")],
)
def test_a_tl_name_that_cannot_be_used_is_refused(tmp_path, typed: str, error: str) -> None:
    from esp_tui.services.tl_profile import TlNameError, set_tl_name
    from storage.settings import tl_name

    db = connect_db(tmp_path / "n.db")
    with pytest.raises(TlNameError, match=error):
        set_tl_name(db, typed)
    assert tl_name(db) is None
    assert set_tl_name(db, "  Jordan   Reyes ") == "Jordan Reyes" == tl_name(db)
    assert tl_name(db, "From Config") == "From Config"  # [tl] name always wins


# --- the sheet keeps every week: rows keyed by (Cohort, Agent ID) ---------------------------


def week(tmp_path: Path, cfg: Config, name: str, start: str, ids: list[str], note: str):
    from datetime import date

    db = connect_db(tmp_path / f"{name.replace(' ', '_')}.db")
    cohort = cohort_from_config(cfg, name, date.fromisoformat(start))
    with db.atomic():
        save_cohort(db, cohort)
        upsert_agents(db, [Agent(agent_id=i, name=f"Agent {i}", email=f"{i}@example.com")
                           for i in ids])  # fmt: skip
        for i in ids:
            set_note(db, i, 1, f"{note} {i}")
    return db


def rows_of(emu: SheetsEmulator) -> dict[tuple[str, str], dict[str, str]]:
    head, rows = tracker(emu)
    return {(r[0], r[1]): dict(zip(head, r, strict=True)) for r in rows}


def test_week_2_never_touches_week_1s_rows_and_a_holdover_gets_a_row_per_week(
    fast_emu, cfg, tmp_path
):
    w1 = week(tmp_path, cfg, "Nov 16", "2026-11-16", ["H1", "W1A", "W1B"], "week 1")
    w2 = week(tmp_path, cfg, "Nov 23", "2026-11-23", ["H1", "W2A"], "week 2")
    init_sheet(target(fast_emu, cfg), cfg, 5, agents=5)
    sync(w1, cfg, fast_emu)
    week1 = {k: v for k, v in rows_of(fast_emu).items() if k[0] == "Nov 16"}
    assert set(week1) == {("Nov 16", "H1"), ("Nov 16", "W1A"), ("Nov 16", "W1B")}
    sync(w2, cfg, fast_emu)
    fast_emu.sort_rows(KEY, TRACKER, "Agent ID")  # a PM mixes the weeks
    with w2.atomic():
        set_note(w2, "H1", 1, "week 2 again")
    report = sync(w2, cfg, fast_emu)
    assert report.conflicts == [] and report.rows_appended == 0
    rows = rows_of(fast_emu)
    assert {k: v for k, v in rows.items() if k[0] == "Nov 16"} == week1  # untouched
    assert rows[("Nov 23", "H1")]["Day 1 Notes"] == "week 2 again"
    assert rows[("Nov 16", "H1")]["Day 1 Notes"] == "week 1 H1"
    assert len(rows) == 5  # the holdover has one row per week, nothing duplicated
    # week 1 (closed, synced again for a late fix) still finds only its own rows
    assert sync(w1, cfg, fast_emu).cells_written == 0


def test_rows_from_the_one_cohort_version_are_adopted_not_duplicated(fast_emu, cfg, tmp_path):
    w1 = week(tmp_path, cfg, "Nov 16", "2026-11-16", ["A1", "A2"], "week 1")
    init_sheet(target(fast_emu, cfg), cfg, 5, agents=2)
    head = sheet_headers(cfg)
    # what the one-cohort version wrote: no Cohort cell
    old = [
        dict.fromkeys(head, "")
        | {"Agent ID": a, "Name": f"Agent {a}", "Day 1 Notes": f"week 1 {a}"}
        for a in ("A1", "A2")
    ]
    fast_emu.create_spreadsheet(KEY, {TRACKER: [head] + [[r[h] for h in head] for r in old]})
    init_sheet(target(fast_emu, cfg), cfg, 5, agents=2)
    report = sync(w1, cfg, fast_emu)
    assert report.rows_appended == 0 and report.conflicts == []
    rows = rows_of(fast_emu)
    assert set(rows) == {("Nov 16", "A1"), ("Nov 16", "A2")}  # Cohort filled in, same rows
    w2 = week(tmp_path, cfg, "Nov 23", "2026-11-23", ["A1"], "week 2")
    assert sync(w2, cfg, fast_emu).rows_appended == 1  # a holdover: its own new row
    assert rows_of(fast_emu)[("Nov 16", "A1")]["Day 1 Notes"] == "week 1 A1"


def sheet_headers(cfg: Config) -> list[str]:
    from esp_tui.sync.layout import sheet_layout

    return list(sheet_layout(cfg, 5).tracker.headers)


def test_two_weeks_red_flag_1_of_a_holdover_are_two_rows(fast_emu, cfg, tmp_path):
    from storage.flags import add_flag

    dbs = [
        week(tmp_path, cfg, "Nov 16", "2026-11-16", ["H1"], "w1"),
        week(tmp_path, cfg, "Nov 23", "2026-11-23", ["H1"], "w2"),
    ]
    for db, text in zip(dbs, ("first week's flag", "second week's flag"), strict=True):
        with db.atomic():
            add_flag(db, "H1", "conduct", text, EVENING)
    init_sheet(target(fast_emu, cfg), cfg, 5, agents=1)
    for db in dbs:
        sync(db, cfg, fast_emu)
    values = fast_emu.get_values(KEY, "Red Flags")
    head = values[0]
    got = sorted((r[head.index("Cohort")], r[head.index("Details")]) for r in values[1:])
    assert got == [("Nov 16", "first week's flag"), ("Nov 23", "second week's flag")]
