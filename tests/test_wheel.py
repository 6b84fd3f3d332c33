"""Packaging: the wheel carries its data files and runs outside the checkout.

The wheel is built from a copy of the sources (the checkout is left alone), installed with
its dependencies (pinned by constraints.txt, through the machine's pip configuration) into a
fresh virtualenv under tmp_path, and its console script is run from a folder that is not
the checkout, with nothing of the development venv on PATH or PYTHONPATH."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from esp_tui import __version__

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("esp_tui", "storage")
pytestmark = pytest.mark.slow


def run(
    argv: list[str | Path], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=cwd, env=env)
    assert done.returncode == 0, f"{argv}: {done.stdout}\n{done.stderr}"
    return done


def data_files(root: Path) -> set[str]:
    """Every file of the packages that is not Python source: what the app reads at runtime."""
    return {
        p.relative_to(root).as_posix()
        for package in PACKAGES
        for p in (root / package).rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }


def pip_env() -> dict[str, str]:
    """The machine's pip configuration, with the real user's download cache (the tests'
    HOME is a temporary one)."""
    env = dict(os.environ)
    env.setdefault("PIP_CACHE_DIR", str(Path(pwd.getpwuid(os.getuid()).pw_dir, ".cache", "pip")))
    env.pop("PYTHONPATH", None)
    return env


def test_wheel_installs_into_a_fresh_venv_and_runs_outside_the_checkout(
    tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    timings: dict[str, float] = {}

    start = time.monotonic()
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, src], env=pip_env())
    [wheel] = dist.glob("esp_tui-*.whl")
    timings["build"] = time.monotonic() - start
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = data_files(ROOT)
    assert {"esp_tui/app.tcss", "esp_tui/data/default_config.toml"} <= expected
    assert any(n.startswith("esp_tui/data/trees/") for n in expected)
    assert expected - names == set(), "non-Python files missing from the wheel"

    start = time.monotonic()
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])  # our pip installs into it
    timings["venv"] = time.monotonic() - start
    start = time.monotonic()
    python, constraints = venv / "bin" / "python", ROOT / "constraints.txt"
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--no-compile"]
    run([*pip, "-c", constraints, wheel], env=pip_env())
    timings["install"] = time.monotonic() - start

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "home" / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "home" / "config"),
        "LANG": "C.UTF-8",
    }

    def esp_tui(*argv: str) -> str:
        return run(["esp-tui", *argv], cwd=elsewhere, env=env).stdout

    start = time.monotonic()
    assert esp_tui("--version") == f"esp-tui {__version__}\n"
    db = tmp_path / "home" / "data" / "esp-tui" / "demo.db"
    seeded = esp_tui("demo", "--seed-only")
    assert re.fullmatch(rf"demo cohort created in {re.escape(str(db))} \(day 1 = \S+\)\n", seeded)
    assert db.is_file()
    listed = esp_tui("tree", "list").splitlines()
    shipped = sorted(p.stem for p in (ROOT / "esp_tui" / "data" / "trees").glob("*.toml"))
    assert [line.split()[0] for line in listed] == shipped
    assert all(line.endswith("[shipped]") for line in listed)
    # The code and the stylesheet come from the venv, not from the checkout.
    where = run(
        [python, "-c", "import esp_tui.app as a; print(a.__file__); print(a.EspApp.CSS_PATH)"],
        cwd=elsewhere,
        env=env,
    ).stdout.split()
    site = venv / "lib"
    assert all(Path(p).is_relative_to(site) for p in where) and Path(where[1]).is_file()
    timings["run"] = time.monotonic() - start

    for step, seconds in timings.items():
        record_property(f"{step}_s", round(seconds, 1))
    print("wheel test timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))


def test_make_demo_says_each_step_and_lets_pip_show_its_progress(tmp_path: Path) -> None:
    """`make demo` on a new machine: one line per step (dry run: the recipes as make would
    run them); pip is not --quiet there, unlike the CI-facing dev install."""
    venv = tmp_path / "venv"

    def recipe(target: str) -> list[str]:
        argv = ["make", "--no-print-directory", "-n", target, f"VENV={venv}"]
        return run([*argv], cwd=ROOT).stdout.splitlines()

    demo = recipe("demo")
    steps = [line.split('"')[3] for line in demo if line.startswith('echo "==> esp-tui:"')]
    assert steps == [
        "checking python3 is Python 3.11 or newer",
        f"creating the virtualenv in {venv} (python3 -m venv {venv})",
        f"installing esp-tui and its pinned dependencies into {venv} (first time: a few minutes)",
        f"starting the demo cohort ({venv}/bin/esp-tui demo; q quits)",
    ]
    [install] = [line for line in demo if " -m pip install " in line]
    assert "--quiet" not in install and "-c constraints.txt" in install
    [dev_install] = [line for line in recipe("test") if " -m pip install " in line]
    assert "--quiet" in dev_install and '".[dev]"' in dev_install
