"""How a roster row looks: its columns, the cell of each, the coloured badges (shared with the
agent screen) and the empty-roster texts. Pure rendering: `RosterRow` in, Rich `Text` out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text

from esp_tui.domain.notes import first_words
from esp_tui.domain.text import visible
from esp_tui.widgets.plain import cell

if TYPE_CHECKING:
    from esp_tui.domain.models import Cohort
    from esp_tui.services.roster_view import RosterRow

# (column key, label, width). Sized to fit a 100-column terminal; the agent screen shows
# everything in full.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("agent", "Agent", 18),
    ("team", "Team", 5),
    ("in", "In", 5),
    ("out", "Out", 5),
    ("flags", "Flags", 15),
    ("pts", "Pts", 13),
    ("progress", "Progress", 9),
    ("where", "Where", 7),
    ("note", "Note", 4),
)
NOTE_WIDE_AT = 130  # from this terminal width the Note column shows the note's first words
MARK = "● "  # before the name of a row marked with space (one note for every marked agent)

# Badge colours by flag code (absences by kind); Rich styles, no theme variables.
_BADGE_STYLE = {
    "late_10m": "black on yellow",
    "early_10m": "black on yellow",
    "late_4h": "bold black on dark_orange",
    "early_4h": "bold black on dark_orange",
}
_ABSENCE_STYLE = {
    "absent": "bold white on red",
    "ncns": "bold white on dark_red",
    "unresponsive": "bold white on magenta",
    "excused": "black on grey70",
}
_STEP_STYLE = ("bold black on yellow", "bold white on red")  # first step, later steps

EMPTY_STATE = """\
[b]No cohort yet.[/b]

Import your roster (CSV with agent_id, name, email and optionally team):

    esp-tui roster import roster.csv --cohort "Nov cohort" --start 2026-11-23

or try the app on invented agents:

    esp-tui demo

Press q to quit.
"""


def empty_cohort_text(cohort: Cohort) -> Text:
    """A cohort with no agent yet (its name is user text: never markup)."""
    return Text.assemble(
        ("No agents in cohort ", "bold"),
        (cohort.name, "bold"),
        (" yet.", "bold"),
        "\n\nImport its roster (CSV with agent_id, name, email and optionally team):\n\n    ",
        f"esp-tui roster import roster.csv --cohort {_shell_quote(cohort.name)}",
        "\n\nor press C to view another cohort. Press q to quit.\n",
    )


def _shell_quote(text: str) -> str:
    import shlex

    from esp_tui.domain.text import visible

    return shlex.quote(visible(text))


def points(p: float) -> str:
    return f"{p:g}"


def badges_text(
    flags: Iterable[str],
    badges: Iterable[str],
    absence_kind: str | None = None,
    away_minutes: int = 0,
) -> Text:
    """Coloured flag badges (shared with the agent screen); "away 25m" dim after them."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for code, badge in zip(flags, badges, strict=True):
        if text:
            text.append(" ")
        style = _ABSENCE_STYLE.get(absence_kind or "absent") if code == "absent" else None
        text.append(badge, style=style or _BADGE_STYLE.get(code, "reverse"))
    if away_minutes and not absence_kind:
        if text:
            text.append(" ")
        text.append(f"away {away_minutes}m", style="dim")
    return text


def flags_cell(row: RosterRow) -> Text:
    away = int(row.away.total_seconds() // 60)
    return badges_text(row.flags, row.badges, row.absence_kind, away)


def points_cell(row: RosterRow) -> Text:
    if row.step:
        style = _STEP_STYLE[0 if row.step_rank <= 1 else 1]
        return Text(
            f"{points(row.points)} {row.step}", style=style, no_wrap=True, overflow="ellipsis"
        )
    return Text(points(row.points), style="dim" if row.points == 0 else "")


def note_width(screen_width: int) -> int:
    """The Note column's width on a terminal this wide: the ✎ column when narrower than
    NOTE_WIDE_AT, else every column left over (each column has 1 cell of padding each side,
    and 2 for the scrollbar)."""
    base = dict((k, w) for k, _, w in COLUMNS)["note"]
    if screen_width < NOTE_WIDE_AT:
        return base
    others = sum(w + 2 for k, _, w in COLUMNS if k != "note")
    return max(base, screen_width - others - 2 - 2)


def columns(screen_width: int) -> tuple[tuple[str, str, int], ...]:
    """COLUMNS with the Note column as wide as `note_width` gives."""
    wide = note_width(screen_width)
    return tuple((k, label, wide if k == "note" else w) for k, label, w in COLUMNS)


def note_cell(note: str | None, width: int) -> str | Text:
    """✎ when the column is narrow, else the note's first words (plain text, never markup)."""
    if not note:
        return ""
    if width < 8:
        return "✎"
    return Text(first_words(note, width), no_wrap=True, overflow="ellipsis", end="")


# The Where column fits the longest room name in use, between WHERE_MIN and WHERE_MAX cells,
# and the Agent column gives or takes the difference: a row is as wide as COLUMNS says.
WHERE_MIN, WHERE_MAX = len("Where"), 11
_AGENT_PLUS_WHERE = sum(w for k, _, w in COLUMNS if k in ("agent", "where"))


def fitted_widths(room_names: Iterable[str]) -> dict[str, int]:
    """{"agent": width, "where": width} for these room names (the rooms agents are in now)."""
    longest = max((len(visible(n)) for n in room_names), default=0)
    where = min(max(longest, WHERE_MIN), WHERE_MAX)
    return {"agent": _AGENT_PLUS_WHERE - where, "where": where}


def short_room(name: str, width: int) -> str:
    """A room name (made `visible`: plain text) in `width` cells: as it is when it fits, else
    cut predictably: its start, "…" and its last word when that is short (a number, a letter),
    so "Call cert 1" and "Call cert 2" stay apart ("Call cer… 1")."""
    name = visible(name)
    if len(name) <= width:
        return name
    words = name.split()
    tail = f" {words[-1]}" if len(words) > 1 and len(words[-1]) <= 3 else ""
    return name[: max(width - 1 - len(tail), 1)].rstrip() + "…" + tail


def render_cells(
    row: RosterRow, *, marked: bool = False, note_width: int = 4, where_width: int = 7
) -> dict[str, str | Text]:
    """Every cell of a row, by column key (user text as `cell` Text: a str cell is markup).
    `marked`: a MARK before the name; `note_width`: the Note column's width (note_cell);
    `where_width`: the Where column's width (fitted_widths, short_room)."""
    dash = Text("-", style="dim")
    name = cell(row.name)
    if row.number:  # the row's number, dim: typing it on the roster jumps there (roll call)
        name = Text.assemble((f"{row.number:>2} ", "dim"), name)
    return {
        "agent": Text.assemble((MARK, "bold magenta"), name) if marked else name,
        "team": cell(row.team),
        "in": row.in_time or dash,
        "out": row.out_time or dash,
        "flags": flags_cell(row),
        "pts": points_cell(row),
        "progress": Text(row.progress, style="bold red" if row.behind else ""),
        "where": Text(short_room(row.where, where_width), no_wrap=True, end=""),  # visible
        "note": note_cell(row.note, note_width),
    }


def same_cell(a: str | Text | None, b: str | Text) -> bool:
    """Whether a painted cell already shows this value (Text compares by text and styling)."""
    if isinstance(a, Text) and isinstance(b, Text):
        return (a.plain, str(a.style), a.spans) == (b.plain, str(b.style), b.spans)
    return a == b
