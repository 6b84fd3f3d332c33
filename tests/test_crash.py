"""Crash safety: a process stamping in a loop is SIGKILLed at random points, several times.

The reopened database must pass `PRAGMA integrity_check` and hold every event the process
reported committed (it prints an id only after the service's transaction returned).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from esp_tui.services.demo import seed_demo
from storage.db import connect
from tests.conftest import DAY1

ROOT = Path(__file__).resolve().parents[1]

STAMPER = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from esp_tui.config import build_config
from esp_tui.services import attendance as svc
from storage.cohort import get_cohort
from storage.db import connect

db = connect(Path(sys.argv[1]))
config = build_config({"cohort": {"timezone": "America/New_York"}}, "crash")
cohort = get_cohort(db)
now = datetime(2026, 11, 28, 4, 0, tzinfo=timezone.utc)  # Fri 23:00 NY: days 1-5 are all past
agents = [f"D{1000 + i}" for i in range(1, 25)]
print("ready", flush=True)
n = 0
while True:
    kind = ("in", "out", "absent")[n % 3]
    try:
        r = svc.stamp(db, config, cohort, agents[n % 24], kind, day=1 + n % 5, now=now,
                      absence_kind="ncns" if kind == "absent" else None)
    except svc.AlreadyIn:  # an in while already in is refused, nothing written: next one
        n += 1
        continue
    ids = r.action.event_ids
    if n % 7 == 6:
        ids += svc.undo(db, r.action, now).event_ids
    for i in ids:
        print(i, flush=True)
    n += 1
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def _run_and_kill(db_path: Path, rng: random.Random) -> list[int]:
    """Start the stamper, let it report a random number of events (it keeps writing while we
    read), SIGKILL it mid-stream; return every id it reported. Waiting on its output, not on
    the clock, keeps the test meaningful on a loaded machine."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", STAMPER, str(db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # imports done, DB open
    assert first.strip() == "ready", proc.stderr.read() if proc.stderr else first
    seen: list[int] = []
    for _ in range(rng.randint(3, 60)):
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err
    # The last line may be cut mid-write by the kill: only whole lines count as reported.
    lines = out.split("\n")
    complete = lines[:-1] if not out.endswith("\n") else lines
    return seen + [int(line) for line in complete if line.strip()]


def test_sigkill_mid_stamping_loses_no_reported_event(db_path, config):
    db = connect(db_path)
    seed_demo(db, config, agents=24, today=DAY1)
    db.close()
    rng = random.Random(20261123)
    reported: list[int] = []
    for _ in range(5):
        ids = _run_and_kill(db_path, rng)
        assert len(ids) >= 3
        reported += ids

    reopened = connect(db_path)
    try:
        assert reopened.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in reopened.execute("SELECT id FROM attendance_events")}
        missing = sorted(set(reported) - stored)
        assert not missing, f"reported committed but lost: {missing[:10]}"
        assert len(set(reported)) == len(reported)  # ids never reused after a crash
        # every undo points at an event that exists (no torn multi-row actions)
        dangling = reopened.execute(
            "SELECT count(*) FROM attendance_events u LEFT JOIN attendance_events t"
            " ON u.undoes = t.id WHERE u.kind = 'undo' AND t.id IS NULL"
        ).fetchone()[0]
        assert dangling == 0
    finally:
        reopened.close()
