"""End-of-day readiness: what must be true before the TL logs off (pure: pydantic + stdlib).

Every agent has attendance (an in stamp or an absence), every agent stamped in was stamped out
(unless the config's day-end rule counts the day's end as the out), a note for the day, no ticket
is still a draft, and every red flag was notified to a PM. The caller gathers the facts from
storage.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from esp_tui.domain.forms import FORM_LABELS, FORM_NAMES
from esp_tui.domain.progress import RED_FLAG_LABELS

GapKind = Literal["attendance", "out", "note", "draft_ticket", "red_flag"]
GAP_KINDS: tuple[GapKind, ...] = ("attendance", "out", "note", "draft_ticket", "red_flag")


class ReadinessInput(BaseModel):
    """The day's facts. Tuples: agents (agent_id, name), draft_tickets (ticket_id, form,
    agent_id), unnotified_flags (flag_id, agent_id, kind). Pass active agents only.

    `still_in`: agents whose last stamp of the day is an in (present, never stamped out);
    `day_end_is_out` (config `[attendance] auto_out_at_day_end`): the day's end counts as
    their out, so they are no gap."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    day: int = Field(ge=1)
    agents: list[tuple[str, str]]
    has_attendance: set[str] = Field(default_factory=set)
    has_note: set[str] = Field(default_factory=set)
    still_in: set[str] = Field(default_factory=set)
    day_end_is_out: bool = False
    draft_tickets: list[tuple[str, str, str]] = Field(default_factory=list)
    unnotified_flags: list[tuple[str | int, str, str]] = Field(default_factory=list)


class Gap(BaseModel):
    """One thing left to do. `ref` is the ticket or flag id and `form` the draft's form name
    (None for the other kinds), so the Close screen can jump to it."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: GapKind
    agent_id: str
    detail: str
    ref: str | None = None
    form: str | None = None


class Readiness(BaseModel):
    model_config = ConfigDict(defer_build=True)

    day: int
    ready: bool
    gaps: list[Gap]

    def to_json(self) -> dict[str, object]:
        """The `esp-tui check --json` shape: {"ready", "gaps": [{"kind", "agent_id", "detail"}]}."""
        return {
            "ready": self.ready,
            "gaps": [g.model_dump(include={"kind", "agent_id", "detail"}) for g in self.gaps],
        }


def readiness(inp: ReadinessInput) -> Readiness:
    """All gaps for the day, ordered by kind (GAP_KINDS order), then agent id, then ref."""
    names = dict(inp.agents)
    day = inp.day
    gaps: list[Gap] = []
    for agent_id, name in inp.agents:
        if agent_id not in inp.has_attendance:
            gaps.append(
                Gap(
                    kind="attendance",
                    agent_id=agent_id,
                    detail=f"{name}: no attendance for day {day} (stamp in or mark absent)",
                )
            )
        elif agent_id in inp.still_in and not inp.day_end_is_out:
            gaps.append(
                Gap(
                    kind="out",
                    agent_id=agent_id,
                    detail=f"{name}: stamped in but never out on day {day} (stamp out)",
                )
            )
        if agent_id not in inp.has_note:
            gaps.append(
                Gap(kind="note", agent_id=agent_id, detail=f"{name}: no note for day {day}")
            )
    for ticket_id, form, agent_id in inp.draft_tickets:
        who = names.get(agent_id, agent_id)
        label = FORM_LABELS.get(form, form)
        gaps.append(
            Gap(
                kind="draft_ticket",
                agent_id=agent_id,
                detail=f"{who}: {label} {str(ticket_id)[:8]} is still a draft",
                ref=str(ticket_id),
                form=form,
            )
        )
    for flag_id, agent_id, kind in inp.unnotified_flags:
        who = names.get(agent_id, agent_id)
        what = RED_FLAG_LABELS.get(kind, kind)
        gaps.append(
            Gap(
                kind="red_flag",
                agent_id=agent_id,
                detail=f"{who}: {what} red flag not notified to a PM",
                ref=str(flag_id),
            )
        )
    gaps.sort(key=lambda g: (GAP_KINDS.index(g.kind), g.agent_id, g.ref or ""))
    return Readiness(day=day, ready=not gaps, gaps=gaps)


def _agents(n: int) -> str:
    return "1 agent has" if n == 1 else f"{n} agents have"


def _drafts(label: str, n: int) -> str:
    return f"{n} {label} is still a draft" if n == 1 else f"{n} {label}s are still drafts"


def summary_lines(r: Readiness) -> list[str]:
    """The Close screen's checklist: one line per rule, ✗ with counts or ✓, in GAP_KINDS order."""
    by_kind = {k: [g for g in r.gaps if g.kind == k] for k in GAP_KINDS}
    lines: list[str] = []

    missing = len({g.agent_id for g in by_kind["attendance"]})
    no_out = len({g.agent_id for g in by_kind["out"]})
    if missing:
        lines.append(f"✗ {_agents(missing)} no attendance for day {r.day}")
    if no_out:
        lines.append(f"✗ {_agents(no_out)} no out stamp for day {r.day}")
    if not missing and not no_out:
        lines.append("✓ attendance complete")
    missing = len({g.agent_id for g in by_kind["note"]})
    lines.append(f"✗ {_agents(missing)} no note for day {r.day}" if missing else "✓ notes written")

    drafts = by_kind["draft_ticket"]
    if drafts:
        # One line per form, in FORM_NAMES order; forms this version does not know last.
        forms = [g.form or "" for g in drafts]
        order = [f for f in FORM_NAMES if f in forms] + sorted(set(forms) - set(FORM_NAMES))
        for form in order:
            lines.append(f"✗ {_drafts(FORM_LABELS.get(form, form or 'ticket'), forms.count(form))}")
    else:
        lines.append("✓ no draft tickets")

    flags = len(by_kind["red_flag"])
    if flags:
        noun = "1 red flag is" if flags == 1 else f"{flags} red flags are"
        lines.append(f"✗ {noun} not notified to a PM")
    else:
        lines.append("✓ red flags notified")
    return lines
