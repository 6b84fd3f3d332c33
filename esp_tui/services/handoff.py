"""The day-5 handoff: one markdown page per cohort for the agents' next TLs.

Per agent: attendance summary with flags and points, tasks not done and why (the TL's notes),
CAPs, red flags, open tickets. What the next TL needs, nothing more.
"""

from __future__ import annotations

import os
from datetime import datetime, tzinfo
from pathlib import Path

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.forms import FORM_LABELS
from esp_tui.domain.models import Cohort
from esp_tui.domain.progress import RED_FLAG_LABELS, TaskState
from esp_tui.domain.records import Cap, RedFlag
from esp_tui.domain.tasks import DONE_STATUSES
from esp_tui.domain.text import visible
from esp_tui.domain.tickets import Ticket
from esp_tui.services.attendance import AgentWeek, cohort_weeks, zone_of
from esp_tui.services.attention import attention_markdown
from storage.carry import holdovers
from storage.cohort import get_cohort
from storage.flags import list_caps, list_flags
from storage.progress import all_states
from storage.tickets import list_tickets


class HandoffError(ValueError):
    """No cohort to report on."""


def _one_line(text: str) -> str:
    """User text (names, notes, flags, tickets, config labels) as one line of the report: line
    breaks folded, escape sequences and other control characters shown escaped, never raw."""
    return visible(" ".join(text.split()))


def _pts(x: float) -> str:
    return f"{x:g}"


def attendance_line(week: AgentWeek) -> str:
    """ "Attendance: day 2 LATE 10+, day 4 ABSENT ncns · 2.5 pts (verbal warning)"."""
    flagged = [f"day {d.day} {' '.join(d.badges)}" for d in week.days if d.badges]
    points = f"{_pts(week.points)} pts" + (f" ({_one_line(week.step.name)})" if week.step else "")
    return f"Attendance: {', '.join(flagged) or 'no flags'} · {points}"


def _task_status(state: TaskState | None) -> str:
    if state is None or state.status == "not_started":
        return "not started"
    text = state.status.replace("_", " ")
    if state.attempts:
        text += f", {state.attempts} attempt{'s' if state.attempts != 1 else ''}"
    if state.last_score is not None:
        text += f", last score {state.last_score:g}"
    return text


def _ticket_line(t: Ticket) -> str:
    label = FORM_LABELS.get(t.form, t.form)
    what = t.fields.get("summary") or t.fields.get("carrier") or ""
    state = "draft, not submitted" if t.is_draft else "submitted, awaiting the carrier"
    return f"{label} {t.id[:8]}" + (f" — {_one_line(str(what))}" if what else "") + f" ({state})"


def _flag_line(f: RedFlag, cohort: Cohort) -> str:
    zone = zone_of(cohort)
    if f.resolved_at:
        state = f"resolved {f.resolved_at.astimezone(zone):%a %d %b}"
    elif f.pm_notified_at:
        state = f"PM notified {f.pm_notified_at.astimezone(zone):%a %d %b %H:%M}"
    else:
        state = "PM NOT notified"
    return f"{RED_FLAG_LABELS.get(f.kind, f.kind)}: {_one_line(f.text)} ({state})"


def _cap_line(c: Cap) -> str:
    when = f" (day {c.day})" if c.day else ""
    return f"{c.level} CAP{when}: {_one_line(c.reason)}"


def _coaching_lines(db: Database, config: Config, zone: tzinfo) -> dict[str, list[str]]:
    """agent id -> `coached 2026-11-23: … (AHIP final exam, TL)` lines, oldest first."""
    from esp_tui.domain.records import coaching_text
    from storage.coaching import list_coaching

    out: dict[str, list[str]] = {}
    for c in list_coaching(db):
        task = config.task(c.task_key)
        line = coaching_text(c, zone, task.label if task else c.task_key)
        out.setdefault(c.agent_id, []).append(_one_line(line))
    return out


def handoff_markdown(db: Database, config: Config, *, now: datetime) -> str:
    cohort = get_cohort(db)
    if cohort is None:
        raise HandoffError("no cohort in this database")
    weeks = cohort_weeks(db, config, cohort, now)
    states = all_states(db)
    caps: dict[str, list[Cap]] = {}
    for c in list_caps(db):
        caps.setdefault(c.agent_id, []).append(c)
    coached = _coaching_lines(db, config, zone_of(cohort))
    flags: dict[str, list[RedFlag]] = {}
    for f in list_flags(db):
        flags.setdefault(f.agent_id, []).append(f)
    # Open = not submitted yet, or a Carrier Ticket (an issue still with the carrier).
    tickets: dict[str, list[Ticket]] = {}
    for t in list_tickets(db):
        if t.is_draft or t.form == "carrier_ticket":
            tickets.setdefault(t.agent_id, []).append(t)

    carried = holdovers(db)
    zone = zone_of(cohort)
    open_agents = 0
    body: list[str] = []
    for agent_id, week in weeks.items():
        agent_states = states.get(agent_id, {})
        undone = [t for t in config.tasks if _status(agent_states.get(t.key)) not in DONE_STATUSES]
        open_agents += bool(undone)
        a = week.agent
        who = f"{_one_line(a.name)} ({_one_line(a.agent_id)})"
        body += ["", f"## {who}" + (f" · {_one_line(a.team)}" if a.team else "")]
        if agent_id in carried:
            body.append(f"- Holdover from cohort '{_one_line(carried[agent_id])}' (its record"
                        " stays there; passed tasks, exam attempts, CAPs and open flags came"
                        " along)")  # fmt: skip
        body.append(f"- {attendance_line(week)}")
        if undone:
            body.append("- Not done: " + "; ".join(
                f"{_one_line(t.label)} ({_task_status(agent_states.get(t.key))})" for t in undone
            ))  # fmt: skip
            notes = [f"day {d.day}: {_one_line(d.note)}" for d in week.days if d.note]
            body.append("- Why (TL notes): " + (" · ".join(notes) if notes else "no notes"))
        else:
            body.append("- Tasks: all done")
        for label, items in (
            ("CAPs", [_cap_line(c) for c in caps.get(agent_id, [])]),
            ("Coaching", coached.get(agent_id, [])),
            ("Red flags", [_flag_line(f, cohort) for f in flags.get(agent_id, [])]),
            ("Open tickets", [_ticket_line(t) for t in tickets.get(agent_id, [])]),
        ):
            if items:
                body.append(f"- {label}: " + "; ".join(items))

    head = [
        f"# ESP handoff · {_one_line(cohort.name)}",
        "",
        f"Days 1-{cohort.days}: {cohort.date_of(1):%a %d %b} to "
        f"{cohort.date_of(cohort.days):%a %d %b %Y} · generated "
        f"{now.astimezone(zone):%a %d %b %H:%M %Z}",
        "",
        *([f"**{preview_notice(cohort, now)}**", ""] if is_preview(cohort, now) else []),
        f"{len(weeks)} agents · {len(weeks) - open_agents} completed every task · "
        f"{open_agents} with tasks not done · {sum(map(len, caps.values()))} CAPs · "
        f"{sum(map(len, flags.values()))} red flags · "
        f"{sum(map(len, tickets.values()))} open tickets",
    ]
    # what the next TL acts on first (behind, failed exams, open flags, CAPs), then each agent
    attention = attention_markdown(db, config, cohort, now=now)
    return "\n".join(head + attention + body) + "\n"


def is_preview(cohort: Cohort, now: datetime) -> bool:
    """Before the last day is over the handoff is a preview: the week is not done yet."""
    from esp_tui.services.cohort_time import is_day_over

    return not is_day_over(cohort, cohort.days, now)


def preview_notice(cohort: Cohort, now: datetime) -> str:
    """The line the report, the CLI and the Close screen show on a preview."""
    return (
        f"Preview: day {cohort.days} is not over yet; run the handoff again after it ends for the"
        " final record"
    )


def _status(state: TaskState | None) -> str:
    return state.status if state is not None else "not_started"


def default_handoff_path(cohort: Cohort, directory: Path) -> Path:
    safe = "".join(ch if ch.isalnum() else "-" for ch in cohort.name).strip("-").lower()
    return directory / f"handoff-{safe or 'cohort'}-{cohort.start_date.isoformat()}.md"


def write_handoff(db: Database, config: Config, path: Path, *, now: datetime) -> Path:
    """Write the handoff (it names agents: created 0600, replaced atomically)."""
    text = handoff_markdown(db, config, now=now)
    path = path.expanduser()
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return path
