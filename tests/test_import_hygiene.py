"""What the static layer contracts cannot see: what a command actually loads at run time.

The layers of DESIGN.md §2 (the core never imports the UI; storage never the services) are
checked statically, imports inside functions included, by import-linter in `make test`
(`[tool.importlinter]` in pyproject.toml).
"""

from __future__ import annotations

import subprocess
import sys


def test_cli_help_does_not_load_textual_or_gspread():
    code = (
        "import sys\nfrom esp_tui.cli import build_parser\nbuild_parser()\n"
        "print(','.join(m for m in ('textual', 'gspread', 'google.auth') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
