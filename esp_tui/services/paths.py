"""Paths the TL types or pastes (app prompts and CLI file arguments) made into real paths.

domain/paths.py undoes quotes, backslash escapes and file:// URLs; here `~` is expanded and the
text exactly as typed is kept when a file of that very name exists (a name that really has a
quote or a backslash in it).
"""

from __future__ import annotations

from pathlib import Path

from esp_tui.domain.paths import clean_pasted_path


def pasted_path(text: str) -> Path:
    """The file meant by `text`: as typed if that exists, else cleaned, with `~` expanded."""
    typed = text.strip()
    if typed:
        as_typed = Path(typed).expanduser()
        if as_typed.exists():
            return as_typed
    return Path(clean_pasted_path(typed)).expanduser()


def is_url(text: str) -> bool:
    """A web address (a Google Sheet's), which is no path: left as it is."""
    return clean_pasted_path(text).lower().startswith(("http://", "https://"))


def pasted_source(text: str) -> str:
    """A file path or a Sheet URL, as pasted: a URL loses its quotes only, a path is made
    real (`pasted_path`)."""
    if is_url(text):
        return clean_pasted_path(text)
    return str(pasted_path(text))


def missing_file_problem(text: str) -> str | None:
    """One line when the pasted path names no readable file (None for a URL or a file)."""
    if not text.strip():
        return "type or paste the file's path"
    if is_url(text):
        return None
    path = pasted_path(text)
    if path.is_dir():
        return f"{path}: a folder, not a file"
    if not path.is_file():
        return f"{path}: no such file"
    return None
