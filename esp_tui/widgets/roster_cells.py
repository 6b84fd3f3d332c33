"""How a roster row looks: its columns, the cell of each, the coloured badges (shared with the
agent screen) and the empty-roster texts. Pure rendering: `RosterRow` in, Rich `Text` out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text

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


def render_cells(row: RosterRow) -> dict[str, str | Text]:
    """Every cell of a row, by column key (user text as `cell` Text: a str cell is markup)."""
    dash = Text("-", style="dim")
    return {
        "agent": cell(row.name),
        "team": cell(row.team),
        "in": row.in_time or dash,
        "out": row.out_time or dash,
        "flags": flags_cell(row),
        "pts": points_cell(row),
        "progress": Text(row.progress, style="bold red" if row.behind else ""),
        "where": cell(row.where),
        "note": "✎" if row.has_note else "",
    }


def same_cell(a: str | Text | None, b: str | Text) -> bool:
    """Whether a painted cell already shows this value (Text compares by text and styling)."""
    if isinstance(a, Text) and isinstance(b, Text):
        return (a.plain, str(a.style), a.spans) == (b.plain, str(b.style), b.spans)
    return a == b
