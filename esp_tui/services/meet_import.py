"""Google Meet attendance report (a file or a Google Sheet URL): preview the proposals
(nothing written), then stamp the accepted ones in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from esp_tui.domain.attendance import AttendanceEvent, local_datetime
from esp_tui.domain.models import Cohort
from esp_tui.services.agents import require_agent
from esp_tui.services.attendance import Action, _agents
from esp_tui.services.attendance_views import agents_without_stamp, live_stamp_agents
from esp_tui.services.cohort_time import (
    AttendanceError,
    check_day,
    check_not_future,
    is_day_over,
    zone_of,
)
from storage import attendance as events_db
from storage.agents import list_agents

if TYPE_CHECKING:
    from collections.abc import Iterable

    from esp_tui.config import Config
    from esp_tui.domain.meet_report import Proposal


@dataclass(frozen=True)
class MeetPreview:
    """What a Meet report proposes, before anything is written."""

    proposals: tuple[Proposal, ...]
    unmatched: tuple[str, ...]
    names: dict[str, str]  # agent_id -> name
    warnings: tuple[str, ...] = ()  # e.g. "read as Windows-1252"


def meet_defaults(
    db: Database, cohort: Cohort, day: int, preview: MeetPreview, now: datetime
) -> tuple[set[str], set[str], bool]:
    """What the review screen starts with: (ticked agent ids, agents already stamped that day,
    include outs). Agents already stamped start unticked (the TL's own stamps come first), and
    outs are proposed only once the day is over (a mid-day report would fake early leaves)."""
    stamped = set(preview.names) - set(agents_without_stamp(db, cohort, day))
    chosen = {p.agent_id for p in preview.proposals if p.agent_id not in stamped}
    return chosen, stamped, is_day_over(cohort, day, now)


def preview_meet_report(
    db: Database,
    cohort: Cohort,
    source: Path | str,
    *,
    day: int | None = None,
    config: Config | None = None,
    env: Mapping[str, str] | None = None,
    tab: str | None = None,
    interactive: bool = False,
) -> MeetPreview:
    """Read a Meet report (a file, or a Google Sheet URL with `config` and `env`) and match it
    to the roster; nothing is written. `day` (default day 1) dates zoned times such as
    `9:02 AM EST` for daylight saving time. A Sheet that cannot be reached raises
    sheet_source.SheetReadError (its one line and exit code)."""
    from esp_tui.domain.meet_report import (
        MeetReportError,
        propose_stamps,
        read_meet_report,
        read_meet_rows,
        wrong_day_warning,
    )
    from esp_tui.services.sheet_source import SheetValues, read_source

    on = cohort.date_of(day) if day is not None and 1 <= day <= cohort.days else cohort.start_date
    zone = zone_of(cohort)
    warnings: tuple[str, ...] = ()
    try:
        got = read_source(
            source, config, env, tab=tab, interactive=interactive, error=AttendanceError
        )
        if isinstance(got, SheetValues):
            rows = read_meet_rows(got.values, got.source, zone, on=on)
        else:
            rows, warnings = read_meet_report(got, str(source), zone, on=on)
    except MeetReportError as e:
        raise AttendanceError(str(e)) from None
    label = f"day {day}" if day is not None and 1 <= day <= cohort.days else "day 1"
    if (wrong := wrong_day_warning(rows, on, label)) is not None:
        warnings = (*warnings, wrong)
    agents = list_agents(db)
    proposals, unmatched = propose_stamps(rows, [(a.agent_id, a.name, a.email) for a in agents])
    return MeetPreview(
        proposals=tuple(proposals),
        unmatched=tuple(unmatched),
        names={a.agent_id: a.name for a in agents},
        warnings=warnings,
    )


def accept_meet_proposals(
    db: Database,
    cohort: Cohort,
    day: int,
    proposals: Iterable[Proposal],
    *,
    now: datetime,
    include_out: bool = True,
    restamp: Iterable[str] = (),
) -> Action:
    """Stamp in at first seen (and out at last seen) for each accepted proposal; one transaction.

    The rules, for the review screen and `esp-tui stamp import --yes` alike: an agent already
    stamped (or marked) that day is skipped, their own stamps come first, unless the TL picked
    them (`restamp`); no stamp may be later than now (a report for the wrong --day, or a clock
    that is off, is refused with nothing written)."""
    check_day(cohort, day)
    zone = zone_of(cohort)
    d = cohort.date_of(day)
    chosen = list(proposals)
    for p in chosen:
        require_agent(db, p.agent_id, AttendanceError)
    forced = set(restamp)
    appended: list[AttendanceEvent] = []
    with db.atomic():  # the skip is decided inside the write: no stamp slips in between
        stamped = live_stamp_agents(db, day) - forced
        todo = [p for p in chosen if p.agent_id not in stamped]
        for p in todo:
            stamps = [("in", p.first_seen)] + ([("out", p.last_seen)] if include_out else [])
            for kind, seen in stamps:
                at = local_datetime(d, seen, zone)
                check_not_future(cohort, day, at, now, field=f"{p.agent_id} {kind}")
                appended.append(
                    events_db.append_event(
                        db, agent_id=p.agent_id, day=day, kind=kind, at=at, entered_by="meet"
                    )
                )
    skipped = len(chosen) - len(todo)
    return Action(
        label=f"Meet report: {_agents(len(todo))} stamped (day {day})"
        + (f", {_agents(skipped)} already stamped left as they were" if skipped else ""),
        event_ids=tuple(e.id for e in appended),
        agent_ids=tuple(p.agent_id for p in todo),
        day=day,
    )
