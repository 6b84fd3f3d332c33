"""The layers of DESIGN.md §2: the core never imports the UI (or sync libraries)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts)
    for base in ("esp_tui/domain", "storage", "esp_tui/sync", "esp_tui/services")
    for p in (ROOT / base).rglob("*.py")
)
FORBIDDEN = {
    "esp_tui.domain": ("textual", "sqlite_utils", "sqlite3", "gspread", "google"),
    "storage": ("textual", "gspread", "google", "esp_tui.screens", "esp_tui.sync"),
    # sync talks to Google but never to the UI
    "esp_tui.sync": ("textual", "esp_tui.screens", "esp_tui.widgets"),
    # services are shared by screens and CLI: no UI, and gspread only when syncing
    "esp_tui.services": ("textual", "gspread", "esp_tui.screens", "esp_tui.widgets"),
}


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_ui(module):
    banned = next(v for k, v in FORBIDDEN.items() if module.startswith(k))
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({module!r})\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {banned!r}"
        f" or any(m.startswith(b + '.') or m == b for b in {banned!r}))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} imports {out.stdout.strip()}"


def test_cli_help_does_not_load_textual_or_gspread():
    code = (
        "import sys\nfrom esp_tui.cli import build_parser\nbuild_parser()\n"
        "print(','.join(m for m in ('textual', 'gspread', 'google.auth') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
