"""The Close screen's note gaps: `n` opens the one note editor on the note gap under the cursor
(or the next one), and each save opens it straight on the next note gap, so closing a day's
notes is `n`, then the note and enter for each agent (tab fills in a template); esc stops.

`CloseNotes` is mixed into `CloseScreen` (esp_tui/screens/close.py), which holds the
checklist (`readiness`, `day`, `reload`) and the `#gaps` table. Which gap comes next is
esp_tui/domain/notes.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import DataTable

from esp_tui.screens.base import EspScreen

if TYPE_CHECKING:
    from esp_tui.domain.readiness import Gap, Readiness

CHAIN_HINT = "enter saves, then the next note gap · tab: a template · esc stops"


class CloseNotes(EspScreen[None]):
    """`n` on the Close screen (the screen provides the attributes below)."""

    readiness: Readiness | None
    day: int | None

    def reload(self) -> None:  # the Close screen's: recheck the day, keep the cursor's row
        raise NotImplementedError

    def action_note(self) -> None:
        from esp_tui.domain.notes import note_gap_from

        gaps = self.readiness.gaps if self.readiness else []
        table = self.query_one("#gaps", DataTable)
        index = note_gap_from(gaps, table.cursor_row if table.row_count else 0)
        if index is None:
            self.app.notify(f"Every agent has a note for day {self.day or 1}")
            return
        self._edit_gap_note(index)

    def _edit_gap_note(self, index: int) -> None:
        from esp_tui.screens.note_editor import edit_note
        from esp_tui.services.agents import require_agent

        assert self.readiness is not None
        gap: Gap = self.readiness.gaps[index]
        self.query_one("#gaps", DataTable).move_cursor(row=index)
        left = sum(1 for g in self.readiness.gaps if g.kind == "note")
        name = require_agent(self.esp.db, gap.agent_id).name

        def saved(_text: str) -> None:
            from esp_tui.domain.notes import next_note_gap

            self.reload()
            gaps = self.readiness.gaps if self.readiness else []
            following = next_note_gap(gaps, gap.agent_id)
            if following is None:
                self.app.notify(f"Notes done for day {self.day or 1}")
                return
            self._edit_gap_note(following)

        edit_note(
            self,
            gap.agent_id,
            name,
            self.day or 1,
            saved,
            more=f"{left} note{'s' if left != 1 else ''} left",
            hint=CHAIN_HINT,
        )
