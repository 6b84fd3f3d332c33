"""Cohorts (`C` on the roster, "cohorts" in the palette): every cohort of the database, to view
one in this window or to make it the database's current cohort.

Viewing scopes only this app's connection (`storage.cohort.use`): the CLI and a newly opened
esp-tui still open the current cohort. The picker writes nothing itself; it answers a
`CohortPick` and `EspApp.switch_cohort` does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from esp_tui.screens.base import EspModal
from esp_tui.services.cohorts import CohortRow, cohort_rows
from esp_tui.widgets.plain import cell, plain

if TYPE_CHECKING:
    from esp_tui.app import EspApp

HINT = "enter view here · u make current (and view) · esc cancel"
LEGEND = (
    "current: the cohort esp-tui and the CLI open by default · "
    "viewing: what this window shows; a closed cohort is read-only"
)


@dataclass(frozen=True)
class CohortPick:
    cohort_id: int
    make_current: bool = False


class CohortTable(DataTable):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="cohorts_down"),
        Binding("k", "cursor_up", "Up", show=False, id="cohorts_up"),
    ]


def mark_text(row: CohortRow, viewing: int | None) -> Text:
    parts = []
    if row.current:
        parts.append("current")
    if row.id == viewing:
        parts.append("viewing")
    return Text(" · ".join(parts), style="bold" if row.id == viewing else "", no_wrap=True)


class CohortPicker(EspModal[CohortPick | None]):
    BINDINGS = [
        Binding(
            "enter",
            "view",
            "View",
            id="cohort_view",
            tooltip="View the highlighted cohort in this window",
        ),
        Binding(
            "u",
            "make_current",
            "Make current",
            id="cohort_use",
            tooltip="Make the highlighted cohort the database's current cohort, and view it",
        ),
        Binding("escape", "cancel", "Cancel", id="cohort_cancel"),
    ]
    DEFAULT_CSS = """
    CohortPicker > Vertical { width: 90; max-width: 96%; max-height: 90%; }
    CohortPicker CohortTable { height: auto; max-height: 20; }
    CohortPicker #cohorts-legend { margin-top: 1; }
    """

    def __init__(self, rows: list[CohortRow], viewing: int | None) -> None:
        super().__init__()
        self.rows = rows
        self.viewing = viewing

    def compose(self) -> ComposeResult:
        with Vertical():
            count = len(self.rows)
            yield Static(
                plain(f"Cohorts · {count} in this database"),
                id="cohorts-title",
                classes="prompt-title",
                markup=False,
            )
            yield CohortTable(id="cohorts", cursor_type="row", zebra_stripes=True)
            yield Static(plain(LEGEND), id="cohorts-legend", classes="prompt-hint", markup=False)
            yield Static(plain(HINT), classes="prompt-hint", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(CohortTable)
        for key, label, width in (
            ("view", "", 1), ("name", "Cohort", 22), ("start", "Day 1", 15), ("days", "Days", 4),
            ("agents", "Agents", 6), ("state", "State", 6), ("mark", "", 17),
        ):  # fmt: skip
            table.add_column(label, width=width, key=key)
        for row in self.rows:
            viewed = row.id == self.viewing
            table.add_row(
                Text("▶" if viewed else "", style="bold"),
                cell(row.name, "bold" if viewed else ""),
                f"{row.start:%a %d %b %Y}",
                Text(str(row.days), justify="right"),
                Text(str(row.agents), justify="right"),
                Text(row.state, style="bold red" if row.state == "closed" else "green"),
                mark_text(row, self.viewing),
                key=str(row.id),
            )
        ids = [r.id for r in self.rows]
        if self.viewing in ids:
            table.move_cursor(row=ids.index(self.viewing), animate=False)
        table.focus()

    def highlighted(self) -> CohortRow | None:
        table = self.query_one(CohortTable)
        if table.row_count == 0:
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowSelected, "#cohorts")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # enter on the table, or a click
        self.action_view()

    def action_view(self) -> None:
        row = self.highlighted()
        if row is None or row.id == self.viewing:
            self.dismiss(None)  # already on screen: nothing to switch
            return
        self.dismiss(CohortPick(row.id))

    def action_make_current(self) -> None:
        row = self.highlighted()
        if row is None or (row.current and row.id == self.viewing):
            self.dismiss(None)
            return
        self.dismiss(CohortPick(row.id, make_current=True))


def open_cohort_picker(app: EspApp) -> None:
    """`C` on the roster (and its palette entry): pick, then switch the app's view."""
    rows = cohort_rows(app.db)
    if not rows:
        app.notify(
            "No cohort yet: `esp-tui roster import FILE.csv --cohort NAME --start YYYY-MM-DD`",
            severity="warning",
        )
        return
    viewing = app.cohort.id if app.cohort else None

    def picked(pick: CohortPick | None) -> None:
        if pick is None:
            return
        cohort = app.switch_cohort(pick.cohort_id, make_current=pick.make_current)
        if cohort is None:
            return
        if pick.make_current:
            said = f"'{cohort.name}' is now the current cohort (esp-tui and the CLI open it)"
        else:
            said = f"Viewing '{cohort.name}' in this window; the current cohort is unchanged"
        if cohort.closed:
            said += " · closed: stamps and notes are read-only"
        app.notify(said, timeout=4)

    app.push_screen(CohortPicker(rows, viewing), picked)
