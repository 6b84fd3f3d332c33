"""Two cohorts in ONE database, back to back, with a holdover, synced to one shared sheet.

Week 2's syncs (and a PM sort between them) must leave every cell of week 1's rows as it was;
week 1, closed, still syncs and finds only its own rows; each cohort keeps its own snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from esp_tui.config import Config, build_config
from esp_tui.domain.models import Agent
from esp_tui.services import cohorts
from esp_tui.services.sync import sync_day
from esp_tui.sync.engine import SyncReport, Target, connect, init_sheet, run_sync
from storage import cohort as cohort_store
from storage.attendance import append_event
from storage.db import connect as connect_db
from storage.flags import add_flag, mark_resolved
from storage.notes import set_note
from storage.progress import add_attempt, set_status
from storage.sync import load_snapshot
from tests.conftest import TZ
from tests.sheets_emulator import SheetsEmulator, running_emulator

KEY = "two-weeks-0123456789"
TRACKER = "ESP Tracker"
W1_DAY1 = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
W1_EVENING = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)  # day 5 of week 1
W2_EVENING = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # day 1 of week 2


@pytest.fixture
def emu() -> Iterator[SheetsEmulator]:
    with running_emulator() as emulator:
        emulator.create_spreadsheet(KEY, {"Sheet1": []})
        yield emulator


@pytest.fixture
def cfg() -> Config:
    return build_config({"cohort": {"timezone": TZ}}, "two-weeks")


ENV_KEYS = ("ESP_TUI_SHEETS_ENDPOINT", "ESP_TUI_SPREADSHEET")


def env(emu: SheetsEmulator) -> dict[str, str]:
    return dict(zip(ENV_KEYS, (emu.endpoint, KEY), strict=True))


def target(emu: SheetsEmulator, config: Config) -> Target:
    t = connect(config, env(emu))
    t.sleep = lambda s: None
    return t


def sync(db: Database, config: Config, emu: SheetsEmulator, now: datetime) -> SyncReport:
    cohort = cohort_store.get_cohort(db)
    assert cohort is not None
    return run_sync(db, config, cohort, target(emu, config), now=lambda: now)


def rows_of(emu: SheetsEmulator) -> dict[tuple[str, str], dict[str, str]]:
    values = emu.get_values(KEY, TRACKER)
    head = values[0]
    rows = [r + [""] * (len(head) - len(r)) for r in values[1:] if any(r)]
    return {(r[0], r[1]): dict(zip(head, r, strict=True)) for r in rows}


def people(*ids: str) -> list[Agent]:
    return [Agent(agent_id=i, name=f"Agent {i}", email=f"{i.lower()}@example.com") for i in ids]


@pytest.fixture
def two_weeks(tmp_path: Path, cfg: Config) -> tuple[Path, Database]:
    """Week 1 (Nov 16) run in full, then closed; week 2 (Nov 23) from a new roster, with the
    holdover H1 carried over. One database."""
    path = tmp_path / "esp.db"
    db = connect_db(path)
    cohorts.new_cohort(db, cfg, "Nov 16", date(2026, 11, 16), roster=people("H1", "W1A", "W1B"))
    with db.atomic():
        for i in ("H1", "W1A", "W1B"):
            append_event(db, agent_id=i, day=1, kind="in", at=W1_DAY1)
            set_note(db, i, 1, f"week 1 {i}")
        set_status(db, "W1A", "ahip", "passed", W1_DAY1)
        add_attempt(db, "H1", "cert_aetna", 61.0, False, W1_DAY1)
        add_attempt(db, "H1", "cert_aetna", 70.0, False, W1_DAY1)
        set_status(db, "H1", "cert_aetna", "failed", W1_DAY1)
        add_flag(db, "H1", "conduct", "open in week 1", W1_DAY1)
        old = add_flag(db, "H1", "other", "resolved in week 1", W1_DAY1)
        mark_resolved(db, old.id, W1_DAY1)
    return path, db


def test_week_2_in_the_same_database_never_touches_week_1s_rows(two_weeks, cfg, emu):
    _, db = two_weeks
    init_sheet(target(emu, cfg), cfg, 5, agents=6)
    assert sync(db, cfg, emu, W1_EVENING).rows_appended == 3 + 2  # tracker + red flags
    week1 = {k: v for k, v in rows_of(emu).items() if k[0] == "Nov 16"}
    assert set(week1) == {("Nov 16", "H1"), ("Nov 16", "W1A"), ("Nov 16", "W1B")}
    week1_flags = [r for r in emu.get_values(KEY, "Red Flags")[1:] if "Nov 16" in r]

    cohorts.set_closed(db, "Nov 16")
    cohorts.new_cohort(db, cfg, "Nov 23", date(2026, 11, 23), roster=people("W2A"))
    carried = cohorts.carry(db, "H1", "Nov 23")
    assert carried.carried.attempts == 2 and carried.carried.flags == 1
    assert cohort_store.get_cohort(db).name == "Nov 23"
    with db.atomic():
        set_note(db, "H1", 1, "week 2 H1")  # the same (agent, day 1) as week 1's note
        set_note(db, "W2A", 1, "week 2 W2A")
    assert sync(db, cfg, emu, W2_EVENING).rows_appended == 2 + 1  # tracker + the open flag
    emu.sort_rows(KEY, TRACKER, "Agent ID")  # a PM mixes the weeks
    with db.atomic():
        set_note(db, "H1", 1, "week 2 again")
    report = sync(db, cfg, emu, W2_EVENING)
    assert report.conflicts == [] and report.rows_appended == 0 and report.cells_written == 1

    rows = rows_of(emu)
    assert {k: v for k, v in rows.items() if k[0] == "Nov 16"} == week1  # every cell as it was
    assert rows[("Nov 23", "H1")]["Day 1 Notes"] == "week 2 again"
    assert rows[("Nov 16", "H1")]["Day 1 Notes"] == "week 1 H1"
    assert len(rows) == 5  # the holdover has one row per week
    head, *flags = emu.get_values(KEY, "Red Flags")
    assert [r for r in flags if "Nov 16" in r] == week1_flags
    details = sorted(r[head.index("Details")] for r in flags if "Nov 23" in r)
    assert details == ["open in week 1"]  # only the open flag came along

    # Week 1, closed, still syncs (a late fix): it finds only its own rows, writes nothing.
    cohort_store.use(db, cohort_store.cohort_by_name(db, "Nov 16").id)
    again = sync(db, cfg, emu, W2_EVENING)
    assert again.cells_written == 0 and again.rows_appended == 0 and again.conflicts == []
    assert rows_of(emu) == rows
    # each cohort has its own snapshot: week 1's H1 note is week 1's
    snap = load_snapshot(db, [TRACKER])
    assert {v.value for (t, k, h), v in snap.items() if h == "Day 1 Notes"} == {
        "week 1 H1", "week 1 W1A", "week 1 W1B",
    }  # fmt: skip


def test_the_close_screen_worker_syncs_the_cohort_the_tl_is_on(two_weeks, cfg, emu):
    """sync_day opens its own connection (a worker thread): it must sync the cohort the app
    shows, not the database's current one."""
    path, db = two_weeks
    init_sheet(target(emu, cfg), cfg, 5, agents=6)
    cohorts.new_cohort(db, cfg, "Nov 23", date(2026, 11, 23), roster=people("W2A"))
    assert cohort_store.current_id(db) == cohort_store.cohort_by_name(db, "Nov 23").id
    week1 = cohort_store.cohort_by_name(db, "Nov 16")
    cohort_store.use(db, week1.id)  # the TL views week 1 (the picker does this)
    report = sync_day(
        db, path, cfg, week1, env(emu), now=lambda: W1_EVENING, dry_run=False,
        resolutions={}, progress=lambda _f, _l: None,
    )  # fmt: skip
    assert report.rows_appended == 3 + 2  # tracker + red flags
    # nothing of week 2 went out
    assert sorted(rows_of(emu)) == [("Nov 16", "H1"), ("Nov 16", "W1A"), ("Nov 16", "W1B")]


def test_a_holdovers_attempts_count_toward_the_guide_and_the_handoff_says_holdover(
    two_weeks, cfg
):
    from esp_tui.services.exam_guide import latest_guide_step
    from esp_tui.services.handoff import handoff_markdown
    from esp_tui.services.progress import record_attempt

    _, db = two_weeks
    week1_step = latest_guide_step(db, cfg, "H1", "cert_aetna")
    assert week1_step is not None and week1_step[1] == 2
    cohorts.new_cohort(db, cfg, "Nov 23", date(2026, 11, 23), roster=people("W2A"))
    cohorts.carry(db, "H1", "Nov 23")
    # in week 2 the guide goes on from two failures: the same step as at the end of week 1
    assert latest_guide_step(db, cfg, "H1", "cert_aetna") == week1_step
    third = record_attempt(db, cfg, "H1", "cert_aetna", 50.0, now=W2_EVENING)
    assert third.attempt.attempt_no == 3 and third.attempts_left == 0
    assert "no attempts left" in third.message
    text = handoff_markdown(db, cfg, now=W2_EVENING)
    assert text.startswith("# ESP handoff · Nov 23")
    # H1's own page (the "Needs attention" summary above the pages names H1 too)
    h1 = next(page for page in text.split("\n## ") if "(H1)" in page.split("\n")[0])
    assert "Holdover from cohort 'Nov 16'" in h1
    assert "## Agent W1A" not in text and "## Agent W2A (W2A)" in text
    # week 1's record is unchanged by week 2's attempt
    cohort_store.use(db, cohort_store.cohort_by_name(db, "Nov 16").id)
    assert latest_guide_step(db, cfg, "H1", "cert_aetna") == week1_step
    assert "Holdover" not in handoff_markdown(db, cfg, now=W2_EVENING)


def test_telling_the_pm_about_a_carried_flag_marks_last_weeks_copy_too(two_weeks, cfg):
    """The copies are one flag: the closed week stops asking for a PM once the new week told
    one; a different flag with the same text raised at another time is left alone."""
    from storage.flags import list_flags, mark_notified, unnotified_flags

    _, db = two_weeks
    week1 = cohort_store.cohort_by_name(db, "Nov 16")
    with db.atomic():
        add_flag(db, "H1", "conduct", "open in week 1", W1_EVENING)  # same text, later: another
    cohorts.set_closed(db, "Nov 16")
    cohorts.new_cohort(db, cfg, "Nov 23", date(2026, 11, 23), roster=people("W2A"))
    cohorts.carry(db, "H1", "Nov 23")
    carried = [f for f in list_flags(db) if f.raised_at == W1_DAY1]
    assert len(carried) == 1 and len(unnotified_flags(db)) == 2
    with db.atomic():
        mark_notified(db, carried[0].id, W2_EVENING)
    assert len(unnotified_flags(db)) == 1
    cohort_store.use(db, week1.id)
    left = unnotified_flags(db)
    assert [f.raised_at for f in left] == [W1_EVENING]  # the other flag still asks
