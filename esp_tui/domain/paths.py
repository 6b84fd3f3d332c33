"""A file path as a TL pastes it (pure): what terminals and file managers put around a path.

Dragging a file onto a terminal, or copying it from a file manager, gives the path
- quoted: `'/home/tl/My Reports/meet.csv'` (GNOME, KDE), `"C:\\Users\\tl\\meet.csv"` (Windows);
  a quote inside single quotes comes as `'\\''` (`'/home/tl/O'\\''Brien.csv'`);
- with backslash-escaped spaces and shell characters: `/Users/tl/My\\ Reports/meet\\ (1).csv`
  (macOS Terminal, iTerm2);
- as a file URL: `file:///home/tl/My%20Reports/meet.csv`.

`clean_pasted_path` undoes those and nothing else: a backslash before an ordinary character is
kept (a Windows path), and `~` is left for the service to expand (services/paths.py).
"""

from __future__ import annotations

import re

# What a shell-escaping paste puts a backslash before (unquoted).
_ESCAPED = frozenset(" \t'\"\\()[]{}<>&;|!$`#*?~,=@%^")
# In double quotes the shell keeps a backslash except before these.
_DQ_ESCAPED = frozenset('$`"\\')
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def clean_pasted_path(text: str) -> str:
    """The path inside what was pasted or typed; `~` is kept as is."""
    text = text.strip()
    if text.lower().startswith("file://"):
        return _from_file_url(text)
    if text[:1] in ("'", '"'):
        word = _shell_word(text)
        if word is not None:
            return word
        return text  # an unbalanced quote: a name with a quote in it, taken as typed
    return _unescape(text)


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPED:
            out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _shell_word(text: str) -> str | None:
    """One shell word made of quoted and escaped parts (`'a b'\\''c'`), or None when it is not
    one (an unclosed quote, or a space outside quotes)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                return None
            out.append(text[i + 1 : end])
            i = end + 1
        elif ch == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _DQ_ESCAPED:
                    i += 1
                out.append(text[i])
                i += 1
            if i >= len(text):
                return None
            i += 1
        elif ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif ch.isspace():
            return None
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _from_file_url(text: str) -> str:
    """`file:///a/My%20File.csv` -> `/a/My File.csv` (`file://localhost/...` too)."""
    rest = text[len("file://") :]
    if rest.lower().startswith("localhost/"):
        rest = rest[len("localhost") :]
    decoded = _PERCENT.sub(lambda m: _decode(m.group()), rest)
    return rest if "\x00" in decoded else decoded  # a NUL names no file: left encoded


def _decode(escapes: str) -> str:
    raw = bytes.fromhex(escapes.replace("%", ""))
    return raw.decode("utf-8", errors="replace")
