"""`make bench`: run every bench/bench_*.py, print their tables, write bench/results.json.

Each module exposes `run(quick: bool) -> dict` (JSON-able figures) and `table(result) -> str`.
Machines are shared and noisy: modules report medians and ratios against a baseline measured in
the same run, never absolute targets alone.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help="only these modules (e.g. bench_attendance)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.names:
        modules = [m for m in modules if m in args.names]
    results: dict = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    for name in modules:
        mod = importlib.import_module(f"bench.{name}")
        print(f"== {name} ==", flush=True)
        result = mod.run(quick=args.quick)
        results[name] = result
        print(mod.table(result), flush=True)
    out = HERE / "results.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
