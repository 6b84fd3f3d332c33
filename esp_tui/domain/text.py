"""Text is text: how a user-supplied string is shown on a screen or printed to a terminal.

Names, notes, flags, tickets, tree files, Meet reports and sheet values can hold characters a
terminal acts on instead of showing: ESC starts a sequence (``\\x1b[2J`` wipes the screen,
``\\x1b]0;title\\x07`` retitles the terminal), C1 controls are 8-bit sequence starters, bidi
controls reorder what is shown (Trojan Source). Everything here is pure and total: any ``str`` in,
a ``str`` out that encodes as UTF-8, never an exception.

Markup is not this module's business: the UI hands the result over as plain text
(``rich.text.Text``, ``markup=False``, ``textual.content.Content``), never as markup.

The unsafe characters (`is_unsafe`):

- C0 controls U+0000-U+001F (TAB, LF and CR included), DEL U+007F, C1 controls U+0080-U+009F;
- the Unicode Bidi_Control characters U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069;
- LINE and PARAGRAPH SEPARATOR U+2028, U+2029 (a line break for some renderers, not others);
- lone surrogates U+D800-U+DFFF (undecodable bytes from argv or a file name; printing one raises).

What each function does with them:

`visible(s)`: the screen, and single-line CLI cells. Each unsafe character becomes a visible
escape: ``\\n``, ``\\t``, ``\\r``; ``\\xHH`` for the other C0 controls, DEL and C1 (ESC is
``\\x1b``); ``\\uHHHH`` for the rest (``\\u202e``). A backslash is doubled only where it would
otherwise read as the start of an escape (before ``\\ n t r x u`` or an unsafe character), so
``C:\\Users`` shows as typed and `unescape` gives the original back.
With ``multiline=True`` (notes or ticket text in a multi-line view) a line feed stays a line
break and CR LF becomes a line feed; every other rule is the same.

`printable(s)`: the last guard before a line reaches a terminal (every CLI line, warnings,
errors). Unsafe characters become the same escapes; line feeds and tabs stay; backslashes are left
alone, so it is idempotent and leaves `visible` output unchanged.

`pictures(s)`: one character for one character, for editable fields where the cursor counts
characters: a C0 control shows as its Control Picture (ESC as ␛, U+241B), DEL as ␡, every other
unsafe character as U+FFFD. The field's value itself is never changed.

`json_safe(json_text)`: for ``json.dumps(..., ensure_ascii=False)`` output, which leaves DEL, C1,
bidi controls, separators and surrogates raw: each becomes a ``\\uHHHH`` JSON escape (they can only
occur inside JSON strings), so the text is still valid JSON and loads to the same data.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Regex class bodies: above C0 (DEL, C1, bidi, separators, surrogates), then the C0 variants.
_ABOVE_C0 = "\x7f-\x9f" + _BIDI + "\u2028\u2029\ud800-\udfff"
_UNSAFE_CLASS = "\x00-\x1f" + _ABOVE_C0
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
# For visible(): an unsafe character, or a backslash that must be doubled to stay unambiguous.
_VISIBLE = re.compile(rf"[{_UNSAFE_CLASS}]|\\(?=[\\ntrxu{_UNSAFE_CLASS}])")
_VISIBLE_MULTILINE = re.compile(rf"\r\n|[{_UNSAFE_CLASS}]|\\(?=[\\ntrxu{_UNSAFE_CLASS}])")
# For printable(): the same, less TAB and LF.
_PRINTABLE = re.compile(f"[\x00-\x08\x0b-\x1f{_ABOVE_C0}]")
# For json_safe(): the same, less JSON's whitespace (TAB, LF, CR).
_JSON_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_ABOVE_C0}]")
_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|([\\ntr]))")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\"}
_UNNAMED = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def is_unsafe(ch: str) -> bool:
    """True for a character a terminal could act on (see the module docstring)."""
    return _UNSAFE.fullmatch(ch) is not None


def escape_char(ch: str) -> str:
    """The visible escape of one character: ``\\n``, ``\\x1b``, ``\\u202e``, ``\\\\``."""
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _visible_sub(m: re.Match[str]) -> str:
    return escape_char(m.group())


def _visible_multiline_sub(m: re.Match[str]) -> str:
    ch = m.group()
    return "\n" if ch in ("\r\n", "\n") else escape_char(ch)


def visible(text: str, *, multiline: bool = False) -> str:
    """User text for the screen: every unsafe character as a visible escape (module docstring).

    Single-line (the default) for table cells, titles, toasts and prompts: a line feed shows as
    ``\\n``. ``multiline=True`` keeps line feeds (CR LF becomes LF) for multi-line views.
    """
    if multiline:
        return _VISIBLE_MULTILINE.sub(_visible_multiline_sub, text)
    return _VISIBLE.sub(_visible_sub, text)


def unescape(text: str) -> str:
    """The inverse of `visible` (single-line): ``unescape(visible(s)) == s`` for every ``s``.

    A backslash that starts no escape is kept as it is.
    """

    def sub(m: re.Match[str]) -> str:
        hex2, hex4, named = m.groups()
        if named is not None:
            return _UNNAMED[named]
        return chr(int(hex2 or hex4, 16))

    return _ESCAPE.sub(sub, text)


def printable(text: str) -> str:
    """A whole line (or several) on its way to a terminal: unsafe characters escaped, line feeds
    and tabs kept, backslashes untouched. Idempotent; ``printable(visible(s)) == visible(s)``."""
    return _PRINTABLE.sub(_visible_sub, text)


def pictures(text: str, *, keep: str = "") -> str:
    """One visible character per character (same length), for editable fields: C0 controls as
    Control Pictures (ESC as ␛), DEL as ␡, other unsafe characters as U+FFFD. Characters in
    `keep` (e.g. a tab for a widget that expands tabs itself) are left as they are."""

    def sub(m: re.Match[str]) -> str:
        ch = m.group()
        if ch in keep:
            return ch
        code = ord(ch)
        if code < 0x20:
            return chr(0x2400 + code)
        return "\u2421" if code == 0x7F else "\ufffd"

    return _UNSAFE.sub(sub, text)


def json_safe(json_text: str) -> str:
    """JSON text from ``json.dumps(..., ensure_ascii=False)`` with every unsafe character left in
    it written as a ``\\uHHHH`` escape: still valid JSON, the same data once loaded. TAB, LF and
    CR are left alone: json.dumps escapes them inside strings, so raw ones are its layout."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)
