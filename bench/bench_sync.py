"""Sync cost: requests and wall time per sync against the Sheets emulator with 50 ms latency per
request, at 50 / 500 / 2,000 agents x 5 days, beside a naive gspread loop that writes the same
cells one `update_cell` at a time (measured on the first NAIVE_CAP cells, then extrapolated).

A sync that writes costs: open (1) + one values.batchGet (1) + one spreadsheets.batchUpdate per
~2 MB of body (updateCells for existing rows, appendCells for new ones; 1 unless the write is
bigger) + one verify read (1) = 4 when the write fits in one batch. A rerun with nothing new
costs open + read = 2 and sends no write. The ten-TL round is bench_many_tls.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # the emulator lives in tests/
    sys.path.insert(0, str(ROOT))

LATENCY_S = 0.05
SIZES = (50, 500, 2000)
DAYS = 5
NAIVE_CAP = 200
TARGET_REQUESTS = 4  # a sync that writes, when the write fits in one ~2 MB batchUpdate
TARGET_NOOP_REQUESTS = 2  # a rerun with nothing new: open + read, no write
DAY1 = date(2026, 11, 23)
TZ = "America/New_York"


def _seed(path: Path, agents: int) -> Any:
    """A cohort of `agents` on day 5 evening: 5 days of stamps and notes, some task progress."""
    from esp_tui.config import build_config
    from esp_tui.domain.models import Agent
    from esp_tui.services.roster import cohort_from_config
    from storage.agents import upsert_agents
    from storage.attendance import append_event
    from storage.cohort import save_cohort
    from storage.db import connect
    from storage.notes import set_note
    from storage.progress import set_status

    config = build_config({"cohort": {"timezone": TZ}}, "bench")
    db = connect(path)
    cohort = cohort_from_config(config, f"Bench {agents}", DAY1, is_demo=False)
    roster = [
        Agent(agent_id=f"B{i:05d}", name=f"Agent {i}", email=f"a{i}@example.com")
        for i in range(agents)
    ]
    with db.atomic():
        save_cohort(db, cohort)
        upsert_agents(db, roster)
        for day in range(1, DAYS + 1):
            start = datetime(2026, 11, 22 + day, 14, 0, tzinfo=UTC)
            for i, a in enumerate(roster):
                late = timedelta(minutes=15 if i % 7 == 0 else 0)
                append_event(db, agent_id=a.agent_id, day=day, kind="in", at=start + late)
                set_note(db, a.agent_id, day, f"Day {day}: on track, module {day} done")
        for a in roster:
            for task in config.tasks[:4]:
                set_status(db, a.agent_id, task.key, "passed", datetime(2026, 11, 24, tzinfo=UTC))
    return config, db, cohort


def _target(emu: Any, config: Any, key: str) -> Any:
    from esp_tui.sync.engine import connect

    return connect(config, {"ESP_TUI_SHEETS_ENDPOINT": emu.endpoint, "ESP_TUI_SPREADSHEET": key})


def _one_size(emu: Any, agents: int, reps: int, tmp: Path) -> dict[str, Any]:
    from esp_tui.sync.engine import init_sheet, prepare, run_sync
    from esp_tui.sync.layout import TabLayout

    now = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # day 5, 18:30 New York
    first_s: list[float] = []
    noop_s: list[float] = []
    first_req = noop_req = cells = rows = batches = noop_writes = 0
    for rep in range(reps):
        config, db, cohort = _seed(tmp / f"b{agents}-{rep}.db", agents)
        key = f"bench-{agents}-{rep}-0123456789"
        emu.create_spreadsheet(key, {"Sheet1": []})
        init_sheet(_target(emu, config, key), config, DAYS, agents=agents)
        target = _target(emu, config, key)
        t0 = time.perf_counter()
        report = run_sync(db, config, cohort, target, now=lambda: now)
        first_s.append(time.perf_counter() - t0)
        first_req, cells, rows = report.requests, report.cells_written, report.rows_appended
        batches = report.batches
        target = _target(emu, config, key)
        emu.reset_log()
        t0 = time.perf_counter()
        again = run_sync(db, config, cohort, target, now=lambda: now)
        noop_s.append(time.perf_counter() - t0)
        noop_req = again.requests
        noop_writes = len(emu.writes)  # requests other than GET the emulator received
        assert again.cells_written == 0, "a rerun with nothing new must write nothing"
        db.close()

    # The naive loop writes the same cells as the first sync, one request each: the cells of
    # existing rows where the read found them, the new rows below the last used row.
    config, db, cohort = _seed(tmp / f"naive{agents}.db", agents)
    key = f"naive-{agents}-0123456789"
    emu.create_spreadsheet(key, {"Sheet1": []})
    init_sheet(_target(emu, config, key), config, DAYS, agents=agents)
    target = _target(emu, config, key)
    prepared = prepare(db, config, cohort, target, now=now)
    writes = _naive_cells(prepared)[:NAIVE_CAP]
    titles = {t.title: t for t in prepared.layout.tabs() if isinstance(t, TabLayout)}
    book = target.client.open_by_key(key)
    sheets = {title: book.worksheet(title) for title in titles}
    before = target.requests
    t0 = time.perf_counter()
    for tab, row, col, value in writes:
        sheets[tab].update_cell(row + 1, col + 1, value)
    naive_s = time.perf_counter() - t0
    naive_req = target.requests - before
    db.close()
    per_cell = naive_s / max(1, len(writes))
    return {
        "agents": agents,
        "days": DAYS,
        "cells": cells,
        "rows_appended": rows,
        "sync_requests": first_req,
        "sync_batches": batches,
        "sync_s": statistics.median(first_s),
        "noop_requests": noop_req,
        "noop_writes": noop_writes,
        "noop_s": statistics.median(noop_s),
        "naive_cells_measured": len(writes),
        "naive_requests_per_cell": naive_req / max(1, len(writes)),
        "naive_s_per_cell": per_cell,
        "naive_requests_est": cells,
        "naive_s_est": per_cell * cells,
        "speedup_est": (per_cell * cells) / statistics.median(first_s),
    }


def _naive_cells(prepared: Any) -> list[tuple[str, int, int, str]]:
    """(tab, row, col, value) of every cell the plan writes, new rows placed one after another
    below each tab's last used row (0-based)."""
    plan = prepared.plan
    cells = [(w.key[0], w.row, w.col, w.value) for w in plan.writes]
    next_row = {tab: grid.last_used_row + 1 for tab, grid in prepared.grids.items()}
    for new in plan.appends:
        row = next_row[new.tab]
        next_row[new.tab] += 1
        cells += [(new.tab, row, col, value) for col, value in sorted(new.cells.items())]
    return cells


def run(quick: bool) -> dict[str, Any]:
    from tests.sheets_emulator import running_emulator

    reps = 1 if quick else 3
    out: dict[str, Any] = {
        "latency_ms": LATENCY_S * 1000,
        "reps": reps,
        "naive_cap": NAIVE_CAP,
        "target_max_requests": TARGET_REQUESTS,
        "target_noop_requests": TARGET_NOOP_REQUESTS,
        "sizes": [],
    }
    with tempfile.TemporaryDirectory() as d, running_emulator(latency_s=LATENCY_S) as emu:
        for n in SIZES:
            out["sizes"].append(_one_size(emu, n, reps, Path(d)))
    # open + read + one batchUpdate per ~2 MB batch + verify read; a rerun: open + read, no write
    out["target_met"] = all(
        s["sync_requests"] == TARGET_REQUESTS - 1 + s["sync_batches"]
        and s["noop_requests"] <= TARGET_NOOP_REQUESTS
        and s["noop_writes"] == 0
        for s in out["sizes"]
    )
    return out


def table(result: dict[str, Any]) -> str:
    lines = [
        f"Sheets emulator, {result['latency_ms']:.0f} ms latency per request; median of "
        f"{result['reps']} run(s). Naive = gspread update_cell per cell, measured on the first "
        f"{result['naive_cap']} cells and EXTRAPOLATED to all cells.",
        "",
        "Sync requests = open + read + one batchUpdate per ~2 MB batch + verify read; "
        "rerun = a second sync with nothing new (writes = requests other than GET it sent).",
        "",
        "| agents x days | cells | sync requests (batches) | sync time | rerun requests "
        "| rerun writes | rerun time | naive requests (est.) | naive time (est.) | speed-up |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in result["sizes"]:
        lines.append(
            f"| {s['agents']} x {s['days']} | {s['cells']:,} | {s['sync_requests']} "
            f"({s['sync_batches']}) | {s['sync_s']:.2f} s | {s['noop_requests']} | "
            f"{s['noop_writes']} | {s['noop_s']:.2f} s | "
            f"{s['naive_requests_est']:,} | {s['naive_s_est']:,.0f} s | "
            f"{s['speedup_est']:,.0f}x |"
        )
    verdict = "met" if result["target_met"] else "MISSED"
    lines += [
        "",
        f"target: {result['target_max_requests']} requests per sync that writes (one more per "
        f"extra 2 MB batch), {result['target_noop_requests']} and no write for a rerun with "
        f"nothing new: {verdict}",
    ]
    return "\n".join(lines)
