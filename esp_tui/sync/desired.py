"""What the sheet should say, read from SQLite: one small function per source.

Every value is text (written RAW). A cell with nothing to say is "" and only owned once we
pushed it (plan.py). Sources: agents, attendance, notes, task progress, CAPs and red flags,
submitted tickets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from esp_tui.clock import cohort_zone
from esp_tui.config import Config
from esp_tui.domain.attendance import (
    AttendanceEvent,
    day_badges,
    evaluate_day,
    format_local,
    local_datetime,
)
from esp_tui.domain.models import Agent, Cohort
from esp_tui.domain.progress import RED_FLAG_LABELS, TaskState
from esp_tui.domain.records import coaching_text
from esp_tui.sync.layout import (
    SUBMITTED,
    SheetLayout,
    attendance_header,
    note_header,
    sheet_layout,
    task_header,
)
from esp_tui.sync.plan import DesiredTab
from storage.agents import list_agents
from storage.attendance import all_events
from storage.coaching import list_coaching
from storage.flags import list_caps, list_flags
from storage.notes import all_notes
from storage.progress import all_states
from storage.settings import tl_name
from storage.tickets import list_tickets

Cells = dict[str, dict[str, str]]  # row key -> header -> text


def _local(dt: datetime, zone: ZoneInfo) -> str:
    return dt.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _merge(into: Cells, more: Mapping[str, Mapping[str, str]]) -> None:
    for key, cells in more.items():
        if key in into:  # only rows of agents in the roster
            into[key].update(cells)


# ----------------------------------------------------------------------------- tracker
def identity_cells(config: Config, agents: Iterable[Agent], tl: str = "") -> Cells:
    h = config.sheet.headers
    return {
        a.agent_id: {h.agent_id: a.agent_id, h.name: a.name, h.email: a.email, h.tl: tl}
        for a in agents
    }


def _events_by_agent_day(db: Database) -> dict[tuple[str, int], list[AttendanceEvent]]:
    out: dict[tuple[str, int], list[AttendanceEvent]] = {}
    for ev in all_events(db):
        out.setdefault((ev.agent_id, ev.day), []).append(ev)
    return out


def attendance_text(
    events: list[AttendanceEvent], cohort: Cohort, config: Config, day: int, now: datetime
) -> str:
    """ "in 09:14 · out 16:40 · LATE 10+", "ABSENT ncns", or "" while the day has nothing yet."""
    zone = cohort_zone(cohort.timezone)
    hours = cohort.schedule.for_day(day)
    start = local_datetime(cohort.date_of(day), hours.start, zone)
    end = local_datetime(cohort.date_of(day), hours.end, zone)
    result = evaluate_day(
        events, scheduled_start=start, scheduled_end=end, config=config.attendance,
        day_over=now >= end,
    )  # fmt: skip
    if result.is_absent:
        return " · ".join(day_badges(result))
    parts = []
    if result.first_in:
        parts.append(f"in {format_local(result.first_in, zone)}")
    if result.last_out:
        parts.append(f"out {format_local(result.last_out, zone)}")
    return " · ".join(parts + day_badges(result))


def attendance_cells(
    db: Database, config: Config, cohort: Cohort, now: datetime, upto_day: int
) -> Cells:
    out: Cells = {}
    for (agent_id, day), events in _events_by_agent_day(db).items():
        if 1 <= day <= min(upto_day, cohort.days):
            text = attendance_text(events, cohort, config, day, now)
            out.setdefault(agent_id, {})[attendance_header(config, day)] = text
    return out


def note_cells(db: Database, config: Config, days: int) -> Cells:
    out: Cells = {}
    for (agent_id, day), text in all_notes(db).items():
        if 1 <= day <= days:
            out.setdefault(agent_id, {})[note_header(config, day)] = text
    return out


def task_text(state: TaskState) -> str:
    score = f" {state.last_score:g}" if state.last_score is not None else ""
    tries = f", {state.attempts} attempt{'s' if state.attempts != 1 else ''}"
    if state.status == "passed":
        return f"passed{score}"
    if state.status == "failed":
        return f"failed{score}{tries}"
    if state.status == "in_progress":
        return "in progress" + (f" ({tries[2:]}, last{score})" if state.attempts else "")
    if state.status == "waived":
        return "waived"
    return ""


def task_cells(db: Database, config: Config) -> Cells:
    labels = {t.key: task_header(config, t.label) for t in config.tasks}
    out: Cells = {}
    for agent_id, states in all_states(db).items():
        for key, state in states.items():
            if key in labels:
                out.setdefault(agent_id, {})[labels[key]] = task_text(state)
    return out


def caps_and_flags_cells(db: Database, config: Config, zone: ZoneInfo | None = None) -> Cells:
    """The CAP cell (CAPs and, given the cohort's zone, coaching, oldest first) and the red
    flags cell of each agent."""
    h = config.sheet.headers
    dated: dict[str, list[tuple[datetime, str]]] = {}
    for c in list_caps(db):
        when = f" (day {c.day})" if c.day else ""
        dated.setdefault(c.agent_id, []).append((c.created_at, f"{c.level} CAP{when}: {c.reason}"))
    for k in list_coaching(db) if zone is not None else []:
        task = config.task(k.task_key)
        text = coaching_text(k, zone or UTC, task.label if task else k.task_key)
        dated.setdefault(k.agent_id, []).append((k.at, text))
    caps = {a: [t for _, t in sorted(items, key=lambda i: i[0])] for a, items in dated.items()}
    flags: dict[str, list[str]] = {}
    for f in list_flags(db):
        state = (
            "resolved" if f.resolved_at else "PM notified" if f.pm_notified_at else "PM not told"
        )
        flags.setdefault(f.agent_id, []).append(f"{RED_FLAG_LABELS.get(f.kind, f.kind)} ({state})")
    out: Cells = {}
    for agent_id, lines in caps.items():
        out.setdefault(agent_id, {})[h.caps] = "; ".join(lines)
    for agent_id, lines in flags.items():
        out.setdefault(agent_id, {})[h.red_flags] = "; ".join(lines)
    return out


# ----------------------------------------------------------------------------- other tabs
def field_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(field_text(v) for v in value)
    return str(value)


def ticket_rows(
    db: Database, config: Config, layout: SheetLayout, zone: ZoneInfo
) -> dict[str, Cells]:
    """Per form: one row per SUBMITTED ticket (drafts are not final), keyed by ticket id."""
    names = {a.agent_id: a.name for a in list_agents(db, include_inactive=True)}
    h = config.sheet.headers
    out: dict[str, Cells] = {form: {} for form in layout.forms}
    for t in list_tickets(db, status="submitted"):
        tab = layout.forms.get(t.form)
        if tab is None:
            continue
        row = {
            tab.key_header: t.id,
            h.agent_id: t.agent_id,
            h.name: names.get(t.agent_id, ""),
            SUBMITTED: _local(t.submitted_at, zone) if t.submitted_at else "",
        }
        for key, header in tab.field_headers:
            row[header] = field_text(t.fields.get(key))
        out[t.form][t.id] = row
    return out


def flag_key(agent_id: str, flag_id: int) -> str:
    """Unique across cohorts sharing the tab: agent ids are employee ids."""
    return f"{agent_id}-{flag_id}"


def red_flag_rows(db: Database, config: Config, zone: ZoneInfo) -> Cells:
    names = {a.agent_id: a.name for a in list_agents(db, include_inactive=True)}
    h = config.sheet.headers
    out: Cells = {}
    for f in list_flags(db):
        key = flag_key(f.agent_id, f.id)
        out[key] = {
            "Flag ID": key,
            h.agent_id: f.agent_id,
            "Name": names.get(f.agent_id, ""),
            "Kind": RED_FLAG_LABELS.get(f.kind, f.kind),
            "Details": f.text,
            "Raised": _local(f.raised_at, zone),
            "PM notified": _local(f.pm_notified_at, zone) if f.pm_notified_at else "",
            "Resolved": _local(f.resolved_at, zone) if f.resolved_at else "",
        }
    return out


# ----------------------------------------------------------------------------- all of it
def desired_state(
    db: Database, config: Config, cohort: Cohort, now: datetime
) -> tuple[SheetLayout, dict[str, DesiredTab]]:
    """The layout and every tab's desired rows, as of `now` (aware)."""
    layout = sheet_layout(config, cohort.days)
    zone = cohort_zone(cohort.timezone)
    today = cohort.current_day(now.astimezone(zone).date())
    agents = list_agents(db)
    tracker = identity_cells(config, agents, tl_name(db, config.tl.name) or "")
    _merge(tracker, attendance_cells(db, config, cohort, now, today))
    _merge(tracker, task_cells(db, config))
    _merge(tracker, caps_and_flags_cells(db, config, zone))
    _merge(tracker, note_cells(db, config, cohort.days))
    tabs = {layout.tracker.title: DesiredTab(layout.tracker, tracker)}
    for form, rows in ticket_rows(db, config, layout, zone).items():
        tabs[layout.forms[form].title] = DesiredTab(layout.forms[form], rows)
    flags = red_flag_rows(db, config, zone)
    tabs[layout.red_flags.title] = DesiredTab(layout.red_flags, flags)
    for tab in tabs.values():  # every row says which week's cohort it belongs to
        for cells in tab.rows.values():
            cells[config.sheet.headers.cohort] = cohort.name
    return layout, tabs
