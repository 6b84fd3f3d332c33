"""Per-stamp latency (key -> committed -> repainted) and app startup, against baselines.

Stamp latency, at 50 and 500 agents, measured inside one headless app run each:
  - key -> committed: from posting the `i` key to the service's transaction returning;
  - handler: the whole `stamp_in` action (commit + that row's cell update + toast);
  - key -> painted: from posting the key to the first screen refresh after the action.
Beside it, in the same run: the same key with a full-table rebuild instead of the row update,
and a bare Textual app whose `i` updates one Static.
Startup: wall time of a subprocess (in a pseudo-terminal) from spawn until the roster of 500
agents is painted, beside a bare "hello" Textual app; medians of several runs.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.startup_probe import BENCH_NOW

ROOT = Path(__file__).resolve().parents[1]
TZ = "America/New_York"
SIZES = (50, 500)


def _stats(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return {"median_ms": round(statistics.median(ms), 3), "p95_ms": round(p95, 3), "n": len(ms)}


def _seeded_db(tmp: Path, agents: int, *, stamps: bool):
    from esp_tui.config import build_config
    from esp_tui.services.demo import seed_demo
    from storage.db import connect

    config = build_config({"cohort": {"timezone": TZ}}, "bench")
    db = connect(tmp / f"bench-{agents}.db")
    seed_demo(db, config, agents=agents, today=BENCH_NOW.date(), now=BENCH_NOW if stamps else None)
    return config, db


# --- stamp latency -----


class _Probe:
    """Timestamps of one key press: posted, committed, handler done, painted."""

    def __init__(self) -> None:
        self.t_key = self.t_commit = self.t_done = self.t_paint = 0.0

    def reset(self) -> None:
        self.t_key = time.perf_counter()
        self.t_commit = self.t_done = self.t_paint = 0.0


async def _press_and_wait(app, probe: _Probe, key: str) -> None:
    from textual import events

    probe.reset()
    app.post_message(events.Key(key, key))
    deadline = time.perf_counter() + 5
    while not probe.t_paint:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"no repaint after {key!r} within 5 s")
        await asyncio.sleep(0)


def _instrument(app, screen, action: str, probe: _Probe) -> None:
    """Wrap the screen's action: time its end, and the first refresh after it."""
    original: Callable[[], None] = getattr(screen, action)

    def timed() -> None:
        original()
        probe.t_done = time.perf_counter()
        app.screen.call_after_refresh(lambda: setattr(probe, "t_paint", time.perf_counter()))

    setattr(screen, action, timed)


async def _roster_latency(agents: int, samples: int, *, rebuild: bool) -> dict:
    from esp_tui.app import make_app
    from esp_tui.screens.roster import RosterTable
    from esp_tui.services import attendance as svc

    with tempfile.TemporaryDirectory() as tmp:
        config, db = _seeded_db(Path(tmp), agents, stamps=False)
        app = make_app(config, db, clock=lambda: BENCH_NOW)
        probe = _Probe()
        real_stamp = svc.stamp

        def timed_stamp(*a, **kw):
            result = real_stamp(*a, **kw)
            probe.t_commit = time.perf_counter()
            return result

        svc.stamp = timed_stamp
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                screen = app.screen
                table = screen.query_one(RosterTable)
                if rebuild:
                    screen.refresh_attendance = lambda ids: screen.reload()
                _instrument(app, screen, "action_stamp_in", probe)
                commit, handler, painted = [], [], []
                for i in range(samples):
                    table.move_cursor(row=(i * 7) % table.row_count, animate=False)
                    await pilot.pause()
                    await _press_and_wait(app, probe, "i")
                    commit.append(probe.t_commit - probe.t_key)
                    # handler = the action itself: from the key's dispatch, bounded by commit
                    handler.append(probe.t_done - probe.t_key)
                    painted.append(probe.t_paint - probe.t_key)
                app.clear_notifications()
        finally:
            svc.stamp = real_stamp
            db.close()
    return {
        "key_to_commit": _stats(commit),
        "key_to_handler_done": _stats(handler),
        "key_to_painted": _stats(painted),
    }


async def _handler_only(agents: int, samples: int) -> dict:
    """The handler's own work, without the key's trip through the message queue."""
    from esp_tui.app import make_app
    from esp_tui.screens.roster import RosterTable

    with tempfile.TemporaryDirectory() as tmp:
        config, db = _seeded_db(Path(tmp), agents, stamps=False)
        app = make_app(config, db, clock=lambda: BENCH_NOW)
        times = []
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            table = screen.query_one(RosterTable)
            for i in range(samples):
                table.move_cursor(row=(i * 7) % table.row_count, animate=False)
                t0 = time.perf_counter()
                screen.action_stamp_in()
                times.append(time.perf_counter() - t0)
                await pilot.pause()
            app.clear_notifications()
        db.close()
    return _stats(times)


def _commit_floor(samples: int) -> dict:
    """One single-row transaction with the app's storage settings (WAL, synchronous=FULL):
    the fsync every stamp pays before it may say "done", whatever the code around it."""
    from storage.db import connect

    with tempfile.TemporaryDirectory() as tmp:
        db = connect(Path(tmp) / "floor.db")
        db.execute("CREATE TABLE t (x INTEGER)")
        times = []
        for i in range(samples):
            t0 = time.perf_counter()
            with db.atomic():
                db.execute("INSERT INTO t VALUES (?)", [i])
            times.append(time.perf_counter() - t0)
        db.close()
    return _stats(times)


async def _bare_latency(samples: int) -> dict:
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.widgets import Static

    class Bare(App[None]):
        BINDINGS = [Binding("i", "bump", "Bump")]
        count = 0

        def compose(self) -> ComposeResult:
            yield Static("0", id="n")

        def action_bump(self) -> None:
            self.count += 1
            self.query_one("#n", Static).update(str(self.count))

    app = Bare()
    probe = _Probe()
    painted = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        _instrument(app, app, "action_bump", probe)
        for _ in range(samples):
            await pilot.pause()
            await _press_and_wait(app, probe, "i")
            painted.append(probe.t_paint - probe.t_key)
    return {"key_to_painted": _stats(painted)}


# --- startup -----


def _time_in_pty(argv: list[str]) -> tuple[float, float]:
    """(to painted, to exit) of a process run in a 120x40 pseudo-terminal (its output is
    drained): the probe writes a byte to a pipe once its first screen is on the terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    done_r, done_w = os.pipe()
    painted_at: list[float] = []

    def drain() -> None:
        try:
            while os.read(master, 65536):
                pass
        except OSError:
            pass

    def wait_painted() -> None:
        if os.read(done_r, 1):
            painted_at.append(time.perf_counter())

    threads = [threading.Thread(target=f, daemon=True) for f in (drain, wait_painted)]
    for t in threads:
        t.start()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
    env.pop("ESP_TUI_CONFIG", None)
    env["ESP_BENCH_PAINTED_FD"] = str(done_w)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, pass_fds=(done_w,)
    )
    code = proc.wait(timeout=60)
    elapsed = time.perf_counter() - t0
    os.close(done_w)  # a probe that never painted: the reader sees end of file
    threads[1].join(timeout=2)
    os.close(done_r)
    os.close(slave)
    threads[0].join(timeout=2)
    os.close(master)
    if code != 0 or not painted_at:
        state = "painted" if painted_at else "never painted"
        raise RuntimeError(f"{' '.join(argv)} exited {code} ({state})")
    return painted_at[0] - t0, elapsed


def _startup(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        _, db = _seeded_db(Path(tmp), 500, stamps=True)
        db.close()
        db_path = str(Path(tmp) / "bench-500.db")
        py = sys.executable
        hello, roster = [], []
        _time_in_pty([py, "-m", "bench.startup_probe", "hello"])  # warm the OS file cache
        for _ in range(runs):  # interleaved, so drift on a shared machine hits both alike
            hello.append(_time_in_pty([py, "-m", "bench.startup_probe", "hello"]))
            roster.append(_time_in_pty([py, "-m", "bench.startup_probe", "roster", db_path]))
    # Startup is process start -> the screen painted. The process's exit is reported beside it:
    # it adds Textual's and the interpreter's teardown, which is not startup.
    h, r = (statistics.median(t[0] for t in ts) for ts in (hello, roster))
    he, re_ = (statistics.median(t[1] for t in ts) for ts in (hello, roster))
    return {
        "hello_ms": round(h * 1000, 1),
        "roster_500_ms": round(r * 1000, 1),
        "ratio": round(r / h, 2),
        "hello_exit_ms": round(he * 1000, 1),
        "roster_500_exit_ms": round(re_ * 1000, 1),
        "exit_ratio": round(re_ / he, 2),
        "runs": runs,
        "target_ratio": 1.5,
    }


# --- entry points -----


def run(quick: bool) -> dict:
    samples = 30 if quick else 100
    result: dict = {"stamp": {}, "rebuild": {}, "handler": {}}
    for n in SIZES:
        result["stamp"][str(n)] = asyncio.run(_roster_latency(n, samples, rebuild=False))
        result["rebuild"][str(n)] = asyncio.run(
            _roster_latency(n, max(10, samples // 3), rebuild=True)
        )
        result["handler"][str(n)] = asyncio.run(_handler_only(n, samples))
    result["bare_static"] = asyncio.run(_bare_latency(samples))
    result["commit_floor"] = _commit_floor(samples)
    h500, floor = result["handler"]["500"]["median_ms"], result["commit_floor"]["median_ms"]
    result["handler_500_minus_commit_floor_ms"] = round(h500 - floor, 3)
    result["startup"] = _startup(3 if quick else 7)
    result["targets"] = {"handler_500_median_ms": 5.0, "startup_ratio": 1.5}
    return result


def table(result: dict) -> str:
    def cell(s: dict) -> str:
        return f"{s['median_ms']:8.2f} {s['p95_ms']:8.2f}"

    lines = [
        f"{'per stamp (ms)':<44} {'median':>8} {'p95':>8}",
    ]
    for n in SIZES:
        k = str(n)
        st, rb = result["stamp"][k], result["rebuild"][k]
        lines += [
            f"{n:>4} agents  handler (commit + cell update)    {cell(result['handler'][k])}",
            f"{n:>4} agents  key -> committed                  {cell(st['key_to_commit'])}",
            f"{n:>4} agents  key -> row repainted              {cell(st['key_to_painted'])}",
            f"{n:>4} agents  key -> painted, full rebuild      {cell(rb['key_to_painted'])}",
        ]
    bare = result["bare_static"]["key_to_painted"]
    floor = result["commit_floor"]
    lines += [
        f"bare Textual app: key -> Static repainted       {cell(bare)}",
        f"bare SQLite commit (WAL, synchronous=FULL)      {cell(floor)}",
    ]
    su = result["startup"]
    h500 = result["handler"]["500"]["median_ms"]
    lines += [
        f"handler at 500 minus the commit floor: {result['handler_500_minus_commit_floor_ms']:.2f}"
        " ms",
        "",
        f"startup to painted (median of {su['runs']}): bare hello {su['hello_ms']:.0f} ms,"
        f" roster of 500 {su['roster_500_ms']:.0f} ms, ratio {su['ratio']:.2f}"
        f" (to the process's exit: {su['hello_exit_ms']:.0f} vs {su['roster_500_exit_ms']:.0f} ms,"
        f" {su['exit_ratio']:.2f}x)",
        f"targets: handler at 500 < 5 ms: {'met' if h500 < 5 else 'MISSED'} ({h500:.2f} ms);"
        f" startup <= 1.5x bare: {'met' if su['ratio'] <= 1.5 else 'MISSED'} ({su['ratio']:.2f}x)",
    ]
    return "\n".join(lines)
