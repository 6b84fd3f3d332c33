"""argparse types for file arguments: a path given quoted, with backslash-escaped spaces, as a
file:// URL or with `~` (the shell leaves `~` alone inside quotes) names the file the TL meant,
as in the app's path prompts (esp_tui/services/paths.py)."""

from __future__ import annotations

from pathlib import Path


def path_arg(text: str) -> Path:
    """A file argument (`--roster "~/My Rosters/week 3.csv"`)."""
    from esp_tui.services.paths import pasted_path

    return pasted_path(text)


def source_arg(text: str) -> str:
    """A file or a Google Sheet URL (`roster import`, `stamp import`)."""
    from esp_tui.services.paths import pasted_source

    return pasted_source(text)
