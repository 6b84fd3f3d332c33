"""Review the stamps a Google Meet attendance report proposes, then accept them as one action.

Dismisses with the `Action` written (the roster pushes it on its undo stack), or None.
`preview_from_prompt` reads what the `M` prompt was given: a file path or a Google Sheet URL.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from esp_tui.domain.models import Cohort
from esp_tui.screens.base import EspModal
from esp_tui.services import attendance as svc
from esp_tui.services import meet_import as meet
from esp_tui.widgets.esp_node import EspNode
from esp_tui.widgets.plain import cell, plain_lines


def preview_from_prompt(node: EspNode, cohort: Cohort, day: int, typed: str) -> meet.MeetPreview:
    """The proposals of the report the TL typed or pasted into the `M` prompt: a file path
    (`~` expanded) or a Google Sheet URL (its `#gid=` tab, else the first; read as sync reads,
    with the app's config). Every refusal is an AttendanceError with one line to show."""
    from esp_tui.services.paths import pasted_source
    from esp_tui.services.sheet_source import SheetReadError

    # quoted, backslash-escaped (drag-and-drop) or ~ paths work; a URL loses its quotes only
    source = pasted_source(typed)
    try:
        return meet.preview_meet_report(
            node.esp.db, cohort, source, day=day, config=node.esp.config
        )
    except SheetReadError as e:
        raise svc.AttendanceError(str(e)) from None


class MeetImportScreen(EspModal[svc.Action | None]):
    BINDINGS = [
        Binding("space", "toggle_row", "Toggle", id="meet_toggle"),
        Binding("a", "toggle_all", "All/none", id="meet_toggle_all"),
        Binding("o", "toggle_out", "Out stamps", id="meet_toggle_out"),
        Binding("enter", "accept", "Accept", id="meet_accept", priority=True),
        Binding("escape", "cancel", "Cancel", id="meet_cancel"),
    ]
    DEFAULT_CSS = """
    MeetImportScreen > Vertical { width: 100; max-height: 90%; }
    MeetImportScreen #proposals { height: auto; max-height: 30; }
    MeetImportScreen #unmatched { height: auto; max-height: 8; color: $warning; }
    MeetImportScreen #summary { height: auto; }
    """

    def __init__(self, preview: meet.MeetPreview, *, day: int) -> None:
        super().__init__()
        self.preview = preview
        self.day = day
        self.chosen: set[str] = set()
        self.include_out = False
        self._stamped: set[str] = set()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="summary")
            yield DataTable(id="proposals", cursor_type="row", zebra_stripes=True)
            yield Static(id="unmatched", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        cohort = self.esp.cohort
        assert cohort is not None  # the roster only opens this with a cohort
        self.chosen, self._stamped, self.include_out = meet.meet_defaults(
            self.esp.db, cohort, self.day, self.preview, self.esp.now()
        )
        table = self.query_one("#proposals", DataTable)
        for key, label in (
            ("ok", "✓"),
            ("agent", "Agent"),
            ("by", "Matched by"),
            ("in", "In"),
            ("out", "Out"),
            ("now", "Already"),
        ):
            table.add_column(label, key=key)
        for p in self.preview.proposals:
            table.add_row(*self._cells(p.agent_id), key=p.agent_id)
        unmatched = self.preview.unmatched
        lines = list(self.preview.warnings)  # e.g. read as cp1252: the CLI prints it too
        if unmatched:
            lines.append("Not in the roster: " + "; ".join(unmatched))
        self.query_one("#unmatched", Static).update(plain_lines(lines))
        self._refresh_summary()
        table.focus()

    def _cells(self, agent_id: str) -> list[str | Text]:
        p = next(p for p in self.preview.proposals if p.agent_id == agent_id)
        ok = agent_id in self.chosen
        out = f"{p.last_seen:%H:%M}"
        name = self.preview.names.get(agent_id, agent_id)
        # Show the name as Meet spelled it when that is what matched and it differs.
        by = p.matched_by if p.participant == name else f"{p.matched_by} ({p.participant})"
        return [
            Text("✓" if ok else "·", style="bold green" if ok else "dim"),
            cell(name),  # names as the roster and the Meet report spell them: text
            cell(by),
            f"{p.first_seen:%H:%M}",
            out if self.include_out else Text(out, style="dim strike"),
            "stamped" if agent_id in self._stamped else "",
        ]

    def _repaint(self, agent_id: str) -> None:
        table = self.query_one("#proposals", DataTable)
        for key, value in zip(
            ("ok", "agent", "by", "in", "out", "now"), self._cells(agent_id), strict=True
        ):
            table.update_cell(agent_id, key, value)

    def _refresh_summary(self) -> None:
        n, total = len(self.chosen), len(self.preview.proposals)
        outs = "in and out stamps" if self.include_out else "in stamps only (o adds outs)"
        self.query_one("#summary", Static).update(
            f"[b]Meet report · day {self.day}[/b] · {n} of {total} matched agents ticked · {outs}"
            " · enter accepts"
        )

    def _selected(self) -> str | None:
        table = self.query_one("#proposals", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate)[0].value

    def action_toggle_row(self) -> None:
        agent_id = self._selected()
        if agent_id is None:
            return
        self.chosen.symmetric_difference_update({agent_id})
        self._repaint(agent_id)
        self._refresh_summary()

    def action_toggle_all(self) -> None:
        every = {p.agent_id for p in self.preview.proposals}
        self.chosen = set() if self.chosen == every else every
        for agent_id in every:
            self._repaint(agent_id)
        self._refresh_summary()

    def action_toggle_out(self) -> None:
        self.include_out = not self.include_out
        for p in self.preview.proposals:
            self._repaint(p.agent_id)
        self._refresh_summary()

    def action_accept(self) -> None:
        cohort = self.esp.cohort
        if cohort is None or not self.chosen:
            self.dismiss(None)
            return
        picked = [p for p in self.preview.proposals if p.agent_id in self.chosen]
        try:
            action = meet.accept_meet_proposals(
                self.esp.db, cohort, self.day, picked, now=self.esp.now(),
                include_out=self.include_out, restamp=self.chosen & self._stamped,
            )  # fmt: skip
        except svc.AttendanceError as e:  # e.g. a stamp later than now: nothing written
            self.app.notify(str(e), severity="error", timeout=8)
            return
        self.dismiss(action)
