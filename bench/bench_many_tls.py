"""Ten TLs, one tracker (issue 11): ten TLs, each with their own SQLite database and a cohort of
30 agents (distinct agent ids; each agent has a day-1 note unique to it), sync at the same moment
(threads released by one barrier) into ONE spreadsheet on the Sheets emulator, whose latency per
request (2 s; 0.5 s with --quick) makes every TL's reads and writes overlap the others'.

All from the same run: the round's wall time (barrier released -> last TL done; median over the
repetitions), requests per TL (median and max over every TL of every repetition, as counted by
each TL's client; the emulator's own count is checked against their sum), and the tracker
audited right after the round: rows lost, duplicated and crossed (a row whose Name or Day 1 note
is not its own agent's). Then a second concurrent round with nothing new: requests per TL and
the writes the emulator received (must be 0), and the tracker audited again.

Baselines from the same run: one TL syncing the same cohort alone into its own spreadsheet at
the same latency, and the floor of 4 requests x latency (open, read, write, verify read).

The emulator's HTTP server listens with socketserver's default backlog of 5: ten TLs opening
their connections at the same moment overflow it, the kernel drops a SYN and that TL waits for
TCP's 1 s retransmit, a stall of the emulator, not of the sync (Google's front end has no such
queue). The bench widens the backlog (BACKLOG) so the round measures the sync.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # the emulator lives in tests/
    sys.path.insert(0, str(ROOT))

TLS = 10
AGENTS = 30
LATENCY_S = 2.0  # as in issue 11
QUICK_LATENCY_S = 0.5
REPS = 5
QUICK_REPS = 2
DAY1 = date(2026, 11, 23)
TZ = "America/New_York"
EVENING = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # day 1, 18:00 New York
FLOOR_REQUESTS = 4  # open, one read, one batchUpdate, one verify read
BACKLOG = 64  # listen() backlog of the emulator's socket (socketserver's default is 5)


def agent_id(tl: int, n: int) -> str:
    return f"T{tl:02d}A{n:03d}"


def agent_name(tl: int, n: int) -> str:
    return f"TL{tl} Agent {n}"


def agent_note(tl: int, n: int) -> str:
    return f"note of {agent_id(tl, n)}"


def _config(tl: int) -> Any:
    from esp_tui.config import Config, build_config

    raw: dict[str, Any] = {"cohort": {"timezone": TZ}}
    if "tl" in Config.model_fields:  # the tracker's TL column ([tl] name), when this tree has it
        raw["tl"] = {"name": f"TL {tl}"}
    return build_config(raw, f"bench-tl{tl}")


def _make_tl(path: Path, config: Any, tl: int) -> Any:
    """TL `tl`'s own database: a cohort of AGENTS agents, each with its own day-1 note."""
    from esp_tui.domain.models import Agent
    from esp_tui.services.roster import cohort_from_config
    from storage.agents import upsert_agents
    from storage.cohort import save_cohort
    from storage.db import connect
    from storage.notes import set_note

    db = connect(path)
    cohort = cohort_from_config(config, f"Cohort of TL {tl}", DAY1, is_demo=False)
    with db.atomic():
        save_cohort(db, cohort)
        upsert_agents(
            db,
            [
                Agent(agent_id=agent_id(tl, n), name=agent_name(tl, n), email=f"t{tl}a{n}@ex.com")
                for n in range(AGENTS)
            ],
        )
        for n in range(AGENTS):
            set_note(db, agent_id(tl, n), 1, agent_note(tl, n))
    return db, cohort


def _target(emu: Any, config: Any, key: str) -> Any:
    from esp_tui.sync.engine import connect

    return connect(config, {"ESP_TUI_SHEETS_ENDPOINT": emu.endpoint, "ESP_TUI_SPREADSHEET": key})


def _sync(emu: Any, config: Any, key: str, db: Any, cohort: Any) -> dict[str, Any]:
    from esp_tui.sync.engine import run_sync

    t0 = time.perf_counter()
    try:
        r = run_sync(db, config, cohort, _target(emu, config, key), now=lambda: EVENING)
    except Exception as exc:  # reported, never hidden: a failed TL is a finding
        return {"error": f"{type(exc).__name__}: {exc}", "s": time.perf_counter() - t0}
    return {
        "s": time.perf_counter() - t0,
        "requests": r.requests,
        "cells": r.cells_written,
        "rows_appended": r.rows_appended,
        "conflicts": len(r.conflicts),
        "problems": len(r.problems),
        "repaired_rows": len(r.moved),
        "rewritten_cells": r.rewritten,
    }


def _concurrently(fns: list[Callable[[], dict[str, Any]]]) -> tuple[float, list[dict[str, Any]]]:
    """Run the callables on threads released at the same moment by one barrier; the wall time
    from that moment until the last one is done."""
    barrier = threading.Barrier(len(fns) + 1)
    results: list[dict[str, Any]] = [{} for _ in fns]

    def run(i: int) -> None:
        barrier.wait()
        results[i] = fns[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, results


def audit(emu: Any, key: str, config: Any) -> dict[str, int]:
    """Lost, duplicated and crossed rows of the ten cohorts in the tracker as it is now; `other`
    counts rows whose key is none of theirs (there should be none)."""
    h = config.sheet.headers
    values = emu.get_values(key, config.sheet.tracker_tab)
    head_at = next(i for i, row in enumerate(values) if h.agent_id in row)
    head = values[head_at]
    k, name, note = head.index(h.agent_id), head.index(h.name), head.index(h.note.format(day=1))
    expected = {
        agent_id(tl, n): (agent_name(tl, n), agent_note(tl, n))
        for tl in range(TLS)
        for n in range(AGENTS)
    }
    seen: dict[str, int] = {}
    crossed = other = 0
    for raw in values[head_at + 1 :]:
        if not any(raw):
            continue
        row = raw + [""] * (len(head) - len(raw))
        rid = row[k].strip()
        seen[rid] = seen.get(rid, 0) + 1
        if rid in expected:
            crossed += (row[name], row[note]) != expected[rid]
        else:
            other += 1
    return {
        "lost": sum(1 for rid in expected if rid not in seen),
        "duplicated": sum(c - 1 for rid, c in seen.items() if rid in expected and c > 1),
        "crossed": crossed,
        "other": other,
    }


def _wide_backlog(emu: Any) -> bool:
    """Re-listen the emulator's socket with BACKLOG (Linux applies a new backlog in place)."""
    server = getattr(emu, "_server", None)
    if server is None:
        return False
    server.socket.listen(BACKLOG)
    return True


def _one_rep(emu: Any, rep: int, tmp: Path) -> dict[str, Any]:
    from esp_tui.sync.engine import init_sheet

    configs = [_config(tl) for tl in range(TLS)]
    tls = [_make_tl(tmp / f"r{rep}-tl{tl}.db", configs[tl], tl) for tl in range(TLS)]
    days = tls[0][1].days

    # Baseline: TL 0's cohort synced alone into its own spreadsheet, same latency.
    alone_key = f"bench-alone-{rep}-0123456789"
    emu.create_spreadsheet(alone_key, {"Sheet1": []})
    init_sheet(_target(emu, configs[0], alone_key), configs[0], days, agents=AGENTS)
    alone_db, alone_cohort = _make_tl(tmp / f"r{rep}-alone.db", configs[0], 0)
    alone = _sync(emu, configs[0], alone_key, alone_db, alone_cohort)
    alone_db.close()

    key = f"bench-ten-tls-{rep}-0123456789"
    emu.create_spreadsheet(key, {"Sheet1": []})
    init_sheet(_target(emu, configs[0], key), configs[0], days, agents=TLS * AGENTS)

    def round_of_syncs() -> tuple[float, list[dict[str, Any]], int, int]:
        emu.reset_log()
        wall, got = _concurrently(
            [
                lambda tl=tl: _sync(emu, configs[tl], key, tls[tl][0], tls[tl][1])
                for tl in range(TLS)
            ]
        )
        log = [r for r in emu.requests if key in r.path]
        return wall, got, len(log), sum(1 for r in log if r.method != "GET")

    wall, first, seen1, writes1 = round_of_syncs()
    # Overlap: the reads that reached the emulator before the round's first write did (in
    # arrival order; a write is applied one latency later still, so this is a lower bound of
    # the TLs that read a tracker holding no other TL's new rows).
    log = [r for r in emu.requests if key in r.path]
    first_write = next((i for i, r in enumerate(log) if r.method != "GET"), len(log))
    stale = sum(1 for r in log[:first_write] if r.path.endswith("/values:batchGet"))
    audit1 = audit(emu, key, configs[0])  # right after the concurrent round
    wall2, again, seen2, writes2 = round_of_syncs()
    audit2 = audit(emu, key, configs[0])
    for db, _ in tls:
        db.close()
    return {
        "wall_s": wall,
        "tls": first,
        "emulator_requests": seen1,
        "emulator_writes": writes1,
        "reads_before_first_write": stale,
        "audit": audit1,
        "again_wall_s": wall2,
        "again": again,
        "again_emulator_requests": seen2,
        "again_writes": writes2,
        "again_audit": audit2,
        "alone": alone,
    }


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"median": float("nan"), "max": float("nan")}
    return {"median": statistics.median(values), "max": max(values)}


def run(quick: bool) -> dict[str, Any]:
    from tests.sheets_emulator import running_emulator

    latency = QUICK_LATENCY_S if quick else LATENCY_S
    reps = QUICK_REPS if quick else REPS
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as d, running_emulator(latency_s=latency) as emu:
        backlog = BACKLOG if _wide_backlog(emu) else 5
        for rep in range(reps):
            runs.append(_one_rep(emu, rep, Path(d)))

    def ok(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in results if "error" not in r]

    first = [t for r in runs for t in r["tls"]]
    again = [t for r in runs for t in r["again"]]
    alone = [r["alone"] for r in runs if "error" not in r["alone"]]
    total = {f: sum(r["audit"][f] for r in runs) for f in ("lost", "duplicated", "crossed")}
    total_again = {
        f: sum(r["again_audit"][f] for r in runs) for f in ("lost", "duplicated", "crossed")
    }
    wall = statistics.median(r["wall_s"] for r in runs)
    alone_s = statistics.median(a["s"] for a in alone) if alone else float("nan")
    out: dict[str, Any] = {
        "tls": TLS,
        "agents_per_tl": AGENTS,
        "latency_s": latency,
        "listen_backlog": backlog,
        "reps": reps,
        "wall_s": wall,
        "wall_s_each": [r["wall_s"] for r in runs],
        "floor_s": FLOOR_REQUESTS * latency,
        "alone_s": alone_s,
        "alone_requests": [a["requests"] for a in alone],
        "requests_per_tl": _stats([t["requests"] for t in ok(first)]),
        "tl_sync_s": _stats([t["s"] for t in ok(first)]),
        "failed_syncs": [t["error"] for t in first if "error" in t],
        "requests_counted": sum(t.get("requests", 0) for t in first),
        "requests_seen_by_emulator": sum(r["emulator_requests"] for r in runs),
        "reads_before_first_write": [r["reads_before_first_write"] for r in runs],
        "conflicts": sum(t.get("conflicts", 0) for t in first),
        "problems": sum(t.get("problems", 0) for t in first),
        "repaired_rows": sum(t.get("repaired_rows", 0) for t in first),
        "rewritten_cells": sum(t.get("rewritten_cells", 0) for t in first),
        "rows_appended": sum(t.get("rows_appended", 0) for t in first),
        "lost": total["lost"],
        "duplicated": total["duplicated"],
        "crossed": total["crossed"],
        "other_rows": sum(r["audit"]["other"] for r in runs),
        "audit_each": [r["audit"] for r in runs],
        "again_wall_s": statistics.median(r["again_wall_s"] for r in runs),
        "again_requests_per_tl": _stats([t["requests"] for t in ok(again)]),
        "again_failed_syncs": [t["error"] for t in again if "error" in t],
        "again_cells": sum(t.get("cells", 0) for t in again),
        "again_writes": sum(r["again_writes"] for r in runs),
        "again_lost_duplicated_crossed": total_again,
        "runs": runs,
    }
    out["ok"] = (
        not out["failed_syncs"]
        and not out["again_failed_syncs"]
        and total == {"lost": 0, "duplicated": 0, "crossed": 0}
        and total_again == {"lost": 0, "duplicated": 0, "crossed": 0}
        and out["again_writes"] == 0
        and out["requests_counted"] == out["requests_seen_by_emulator"]
    )
    return out


def table(result: dict[str, Any]) -> str:
    lat = result["latency_s"]
    n = result["reps"]
    rq, again = result["requests_per_tl"], result["again_requests_per_tl"]
    syncs = result["tls"] * n
    rows = result["tls"] * result["agents_per_tl"]
    d = result["again_lost_duplicated_crossed"]
    lines = [
        f"{result['tls']} TLs x {result['agents_per_tl']} agents, each TL its own database, "
        f"syncing at once (one barrier) into ONE spreadsheet; Sheets emulator with "
        f"{lat:g} s latency per request{' (--quick)' if lat != LATENCY_S else ''}; "
        f"{n} repetition(s), each on a new spreadsheet and new databases; emulator listen "
        f"backlog {result['listen_backlog']} (socketserver's 5 stalls a TL 1 s on a dropped SYN).",
        "Lost / duplicated / crossed are summed over every repetition, audited from the sheet "
        f"right after each round ({rows} agents per round); crossed = a row whose Name or Day 1 "
        "note is not its own agent's.",
        "",
        "| figure | result |",
        "| --- | --- |",
        f"| round wall time, median | {result['wall_s']:.2f} s (one TL alone: "
        f"{result['alone_s']:.2f} s = {result['wall_s'] / result['alone_s']:.2f}x; floor "
        f"{FLOOR_REQUESTS} x {lat:g} s = {result['floor_s']:.1f} s = "
        f"{result['wall_s'] / result['floor_s']:.2f}x) |",
        f"| round wall time, each repetition | "
        f"{' / '.join(f'{w:.2f} s' for w in result['wall_s_each'])} |",
        f"| requests per TL, median / max ({syncs} syncs) | {rq['median']:g} / {rq['max']:g} "
        f"(emulator saw {result['requests_seen_by_emulator']}, TLs counted "
        f"{result['requests_counted']}) |",
        f"| overlap: TLs whose read reached the sheet before any TL's write, each repetition | "
        f"{' / '.join(str(x) for x in result['reads_before_first_write'])} (of "
        f"{result['tls']}) |",
        f"| one TL's sync time in the round, median / max | {result['tl_sync_s']['median']:.2f} "
        f"s / {result['tl_sync_s']['max']:.2f} s |",
        f"| rows lost / duplicated / crossed | {result['lost']} / {result['duplicated']} / "
        f"{result['crossed']} (of {rows * n}; rows of no TL: {result['other_rows']}) |",
        f"| failed syncs / conflicts / rows repaired | {len(result['failed_syncs'])} / "
        f"{result['conflicts']} / {result['repaired_rows']} |",
        f"| second round, nothing new: requests per TL, median / max | {again['median']:g} / "
        f"{again['max']:g} ({result['again_wall_s']:.2f} s) |",
        f"| second round: writes sent (must be 0) | {result['again_writes']} (cells "
        f"{result['again_cells']}; lost / duplicated / crossed after it: {d['lost']} / "
        f"{d['duplicated']} / {d['crossed']}) |",
    ]
    for err in (result["failed_syncs"] + result["again_failed_syncs"])[:5]:
        lines.append(f"failed sync: {err}")
    lines += ["", f"ten-TL round: {'ok' if result['ok'] else 'FAILED'}"]
    return "\n".join(lines)
