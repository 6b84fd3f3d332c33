"""The conflicts half of the Close screen: the sync's conflicts listed, the one under the cursor
in words, S / L resolve it, enter opens it in full, and the question before a sync that would
write "keep ours" over a PM's edit.

`CloseConflicts` is the base of `CloseScreen` (esp_tui/screens/close.py), which composes the
widgets (`#conflicts`, `#conflict-hint`, `#gaps`, `#sync-status`) and runs the sync. The rules
(which choices stay valid, which overwrite a PM's edit) live in esp_tui/services/sync.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.widgets import DataTable, Static

from esp_tui.screens.base import EspScreen
from esp_tui.widgets.close_tables import choice_cell, cut_cell
from esp_tui.widgets.plain import cell, plain

if TYPE_CHECKING:
    from esp_tui.sync.plan import CellKey, Conflict, Resolution

SEP = "\x1f"  # conflict row keys: tab, row key and header joined


def brief(value: str, width: int = 24) -> str:
    """A value on one line of a prompt: whitespace runs as one space, cut with an ellipsis."""
    flat = " ".join(value.split())
    return f"“{flat if len(flat) <= width else flat[: width - 1] + '…'}”"


class CloseConflicts(EspScreen[None]):
    """The conflicts of the last sync and the TL's choices for them."""

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: list[Conflict] = []
        self.resolutions: dict[CellKey, Resolution] = {}

    def _status(self, text: str | Text) -> None:
        """The status line under the tables. A str carries paths, sheet values and error texts:
        shown as plain text."""
        status = self.query_one("#sync-status", Static)
        status.update(plain(text) if isinstance(text, str) else text)

    def _show_conflicts(self, conflicts: list[Conflict]) -> None:
        """List the sync's conflicts, the cursor kept on the same conflict. A choice made
        against a sheet value that has changed since is dropped (decide again); a choice still
        waiting for its sync stays listed (a dry run plans it away)."""
        from esp_tui.services.sync import still_valid

        listed = {c.key for c in conflicts}
        self.resolutions = still_valid(self.resolutions, conflicts)
        pending = [c for c in self.conflicts if c.key in self.resolutions and c.key not in listed]
        selected = self.selected_conflict()
        self.conflicts = [*conflicts, *pending]
        table = self.query_one("#conflicts", DataTable)
        table.clear()
        for c in self.conflicts:
            res = self.resolutions.get(c.key)
            table.add_row(
                cell(c.tab), cell(c.row_key), cell(c.header), cut_cell(c.sheet),
                cut_cell(c.local), choice_cell(res.choice if res else None), key=SEP.join(c.key),
            )  # fmt: skip
        keys = [c.key for c in self.conflicts]
        if selected is not None and selected.key in keys:
            table.move_cursor(row=keys.index(selected.key), animate=False)
        table.set_class(bool(self.conflicts), "shown")
        self._show_selected()
        self.refresh_bindings()
        if self.conflicts:
            table.focus()

    def selected_conflict(self) -> Conflict | None:
        """The conflict under the conflict table's cursor: the one S / L / enter act on."""
        table = self.query_one("#conflicts", DataTable)
        if not self.conflicts or table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((c for c in self.conflicts if SEP.join(c.key) == row_key.value), None)

    def _show_selected(self) -> None:
        """Under the table, in words: which conflict S / L will act on."""
        hint = self.query_one("#conflict-hint", Static)
        conflict = self.selected_conflict()
        hint.display = conflict is not None
        if conflict is None:
            return
        n = self.query_one("#conflicts", DataTable).cursor_row + 1
        res = self.resolutions.get(conflict.key)
        hint.update(
            Text.assemble(
                ("▶ S / L act on ", "bold"),
                (f"conflict {n} of {len(self.conflicts)}", "bold"),
                ": ", plain(conflict.row_key), " · ", plain(conflict.header), " (",
                choice_cell(res.choice if res else None),
                ")   enter: in full · tab: gaps ⇄ conflicts",
            )
        )  # fmt: skip

    @on(DataTable.RowHighlighted, "#conflicts")
    def _conflict_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_selected()

    @on(DataTable.RowSelected, "#conflicts")
    def _conflict_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_conflict()

    def open_conflict(self) -> None:
        """The selected conflict in full, in a modal where S / L resolve it."""
        from esp_tui.screens.conflict_detail import ConflictDetail, conflict_context

        conflict = self.selected_conflict()
        if conflict is None:
            return
        res = self.resolutions.get(conflict.key)
        self.app.push_screen(
            ConflictDetail(
                conflict,
                conflict_context(self.esp.db, conflict),
                choice=res.choice if res else None,
                zone=self.esp.zone,
                resolve=self._set_choice,
            )
        )

    def _resolve(self, choice: str) -> None:
        """S / L: the conflict under the cursor at the moment of the key press, and only it."""
        conflict = self.selected_conflict()
        if conflict is None:
            self.app.notify("No conflict to resolve (run d or s first)")
            return
        self._set_choice(conflict, choice)

    def _set_choice(self, conflict: Conflict, choice: str) -> None:
        """Record (or change) the choice for one conflict and show it in its row."""
        from esp_tui.services.sync import keep

        before = self.resolutions.get(conflict.key)
        self.resolutions[conflict.key] = keep(choice, conflict.sheet)
        table = self.query_one("#conflicts", DataTable)
        key = SEP.join(conflict.key)
        if key in table.rows:
            table.update_cell(key, "choice", choice_cell(choice))
        left = sum(1 for c in self.conflicts if c.key not in self.resolutions)
        was = f" (was {before.choice})" if before and before.choice != choice else ""
        self._status(
            f"{choice}{was} for {conflict.row_key} · {conflict.header}; {left} left; s syncs"
        )
        self._show_selected()

    def action_keep_sheet(self) -> None:
        self._resolve("keep-sheet")

    def action_keep_local(self) -> None:
        self._resolve("keep-local")

    def action_switch_table(self) -> None:
        """tab: focus moves between the gaps and the conflicts."""
        gaps = self.query_one("#gaps", DataTable)
        conflicts = self.query_one("#conflicts", DataTable)
        if self.focused is conflicts and gaps.display and gaps.row_count:
            gaps.focus()
        elif conflicts.has_class("shown"):
            conflicts.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch_table":  # only while there are conflicts to switch to
            return self.query_one("#conflicts", DataTable).has_class("shown")
        return True

    def _ask_overwrite(self, then: Callable[[], None]) -> bool:
        """Before a sync that writes a resolved "keep ours" over a PM's edit: ask, listing the
        cells. True when it asked (yes runs `then`, the sync; no syncs nothing)."""
        from esp_tui.screens.prompts import Confirm
        from esp_tui.services.sync import overwrites_pm_edits

        ours = overwrites_pm_edits(self.conflicts, self.resolutions)
        if not ours:
            return False
        n = len(ours)
        lines = [f"Overwrite {n} cell{'s' if n != 1 else ''} a PM edited in the sheet with ours?"]
        lines += [
            f"• {c.row_key} · {c.header}: {brief(c.sheet)} → {brief(c.local)}" for c in ours[:6]
        ]
        if n > 6:
            lines.append(f"… and {n - 6} more")

        def answer(yes: bool | None) -> None:
            if yes:
                then()
            else:
                self._status("nothing synced: the PM's values stay (S keeps the sheet's value)")

        self.app.push_screen(Confirm("\n".join(lines), yes="Overwrite", no="Don't sync"), answer)
        return True
