"""esp_tui/domain/text.py: user text made safe for the screen, the terminal and JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from esp_tui.domain.text import (
    escape_char,
    is_unsafe,
    json_safe,
    pictures,
    printable,
    unescape,
    visible,
)

ESC_SEQ = "\x1b[2J wiped \x1b]0;title\x07"
# Every unsafe code point named by the rules, and neighbours that must stay as they are.
UNSAFE = [
    *(chr(c) for c in range(0x20)),
    "\x7f",
    *(chr(c) for c in range(0x80, 0xA0)),
    "\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069", "\u2028", "\u2029", "\ud800", "\udcff", "\udfff",
]  # fmt: skip
SAFE = [" ", "~", "\xa0", "é", "中", "\u200b", "\u2065", "\u206a", "\u202f", "[", "]", "/", "😀"]

# Text that hits the interesting cases often: backslashes before escape letters, controls,
# markup brackets, CR LF, surrogates, besides any other character.
_SPECIAL = st.sampled_from(
    ["\\", "x", "u", "n", "t", "r", "1b", "[", "]", "/", "\r\n", *UNSAFE, "\\x1b", "\\u202e"]
)
texts = st.lists(st.one_of(st.characters(codec=None), _SPECIAL), max_size=40).map("".join)


def unsafe_in(text: str, allowed: str = "") -> list[str]:
    return [ch for ch in text if is_unsafe(ch) and ch not in allowed]


@pytest.mark.parametrize("ch", UNSAFE)
def test_every_listed_character_is_unsafe(ch):
    assert is_unsafe(ch)


@pytest.mark.parametrize("ch", SAFE)
def test_ordinary_characters_are_safe(ch):
    assert not is_unsafe(ch)


def test_escape_sequences_markup_and_bidi_are_shown_escaped():
    assert visible(ESC_SEQ) == "\\x1b[2J wiped \\x1b]0;title\\x07"
    assert visible("said [/] in chat [b]bold[/b]") == "said [/] in chat [b]bold[/b]"
    assert visible("abc\u202edef\x9b31m\x7f") == "abc\\u202edef\\x9b31m\\x7f"
    assert visible("\udcff") == "\\udcff"


def test_newlines_tabs_and_cr_single_line_and_multiline():
    assert visible("a\nb\tc\rd") == "a\\nb\\tc\\rd"
    assert visible("a\nb\r\nc\td\re", multiline=True) == "a\nb\nc\\td\\re"


def test_backslashes_stay_unless_they_would_read_as_an_escape():
    assert visible("C:\\Users\\Kai") == "C:\\Users\\Kai"
    assert visible("C:\\new") == "C:\\\\new"  # \n would read as a line feed
    assert visible("\\\x1b") == "\\\\\\x1b"  # a backslash right before an escape
    assert visible("ends with \\") == "ends with \\"
    assert unescape(visible("C:\\new\\\x1b")) == "C:\\new\\\x1b"


def test_escape_char_forms():
    assert [escape_char(c) for c in "\n\t\r\\\x1b\x9b\u202e"] == [
        "\\n", "\\t", "\\r", "\\\\", "\\x1b", "\\x9b", "\\u202e"
    ]  # fmt: skip


def test_printable_keeps_lines_tabs_and_backslashes():
    assert printable(f"a\tb\nc\\d {ESC_SEQ}\r") == "a\tb\nc\\d \\x1b[2J wiped \\x1b]0;title\\x07\\r"


def test_pictures_one_for_one():
    assert pictures(ESC_SEQ) == "␛[2J wiped ␛]0;title␇"
    assert pictures("\x00\x7f\x9b\u202e\ttab", keep="\t") == "␀␡\ufffd\ufffd\ttab"


def test_json_safe_escapes_c1_and_bidi_left_raw_by_json_dumps():
    raw = json.dumps({"note": "a\x9bb\u202ec\x7f"}, ensure_ascii=False)
    assert "\x9b" in raw  # what json.dumps leaves: the reason json_safe exists
    safe = json_safe(raw)
    assert safe == '{"note": "a\\u009bb\\u202ec\\u007f"}'
    assert json.loads(safe) == {"note": "a\x9bb\u202ec\x7f"}


@given(texts)
def test_visible_never_leaves_an_unsafe_character_and_always_encodes(text):
    out = visible(text)
    assert unsafe_in(out) == []
    out.encode("utf-8")  # no lone surrogate left: printing it cannot raise


@given(texts)
def test_visible_is_reversible(text):
    assert unescape(visible(text)) == text


@given(texts)
def test_visible_leaves_ordinary_text_alone(text):
    ordinary = "".join(ch for ch in text if not is_unsafe(ch) and ch != "\\")
    assert visible(ordinary) == ordinary


@given(texts)
def test_multiline_keeps_only_line_feeds(text):
    out = visible(text, multiline=True)
    assert unsafe_in(out, allowed="\n") == []
    assert out.count("\n") == text.count("\n")


@given(texts)
def test_printable_is_idempotent_and_keeps_visible_output(text):
    once = printable(text)
    assert unsafe_in(once, allowed="\n\t") == []
    assert printable(once) == once
    assert printable(visible(text)) == visible(text)
    assert printable(visible(text, multiline=True)) == visible(text, multiline=True)


@given(texts, st.sampled_from(["", "\t"]))
def test_pictures_keep_the_length(text, keep):
    out = pictures(text, keep=keep)
    assert len(out) == len(text)
    assert unsafe_in(out, allowed=keep) == []


@given(st.recursive(texts, lambda inner: st.lists(inner, max_size=3), max_leaves=6), st.booleans())
def test_json_safe_is_valid_json_of_the_same_data(data, indent):
    text = json_safe(json.dumps({"v": data}, indent=2 if indent else None, ensure_ascii=False))
    assert json.loads(text) == {"v": data}
    assert unsafe_in(text, allowed="\n") == []
    text.encode("utf-8")
