"""Google Meet attendance reports: read the export and propose stamps (pure).

The file (or a Google Sheet tab) is read by detection (domain/tabular.py: encoding, delimiter,
title lines). The layouts known, by their headers (any case, spacing or punctuation):
  First name, Last name, Email, Duration, Time joined, Time exited   (Workspace report; Excel)
  Participant, Email, First seen, Last seen                          (older / add-on exports)
  Full Name, First Seen, Time in Call                  (Google Meet Attendance List extension)
  Names, Email, Comments, Arrival time, Last Seen                      (other extensions)
  Last Name, First Name, Present, Time In, Time Out, # of Joins, Mins. Present
Without an email a participant is matched by name: "First Last" or "Last, First", accents,
case and punctuation folded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, time, tzinfo
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from esp_tui.domain.tabular import (
    Layout,
    NoHeader,
    Record,
    Table,
    TableError,
    key,
    read_rows,
    read_table,
)
from esp_tui.domain.tabular_time import (
    add_clamped,
    parse_duration,
    parse_meet_moment,
    parse_meet_time,
)

__all__ = [
    "MEET_LAYOUTS",
    "MeetReportError",
    "MeetRow",
    "Proposal",
    "normalize_name",
    "parse_meet_report",
    "parse_meet_time",
    "propose_stamps",
    "read_meet_report",
    "read_meet_rows",
    "wrong_day_warning",
]


class MeetReportError(ValueError):
    """A bad report: the message names the file, the row and the field."""


class MeetRow(BaseModel):
    """One participant line of the report; times are wall-clock times of the meeting."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    row: int  # record number in the file, header included, 1-based
    participant: str
    email: str | None
    first_seen: time
    last_seen: time
    dated: date | None = None  # the date its times name (or a zone moved them to), if any


class Proposal(BaseModel):
    """A stamp pair the TL reviews: in at first_seen, out at last_seen."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    agent_id: str
    participant: str
    first_seen: time
    last_seen: time
    matched_by: Literal["email", "name"]


MEET_LAYOUTS: Final[tuple[Layout, ...]] = (
    Layout(
        "Google Meet attendance report",
        {
            "first_name": ("First name",),
            "last_name": ("Last name",),
            "email": ("Email",),
            "first_seen": ("Time joined",),
            "last_seen": ("Time exited",),
        },
        ("first_name", "last_name", "email", "first_seen", "last_seen"),
    ),
    Layout(
        "participant list",
        {
            "participant": ("Participant",),
            "email": ("Email",),
            "first_seen": ("First seen",),
            "last_seen": ("Last seen",),
        },
        ("participant", "email", "first_seen", "last_seen"),
    ),
    Layout(
        "Google Meet Attendance List extension",
        {"participant": ("Full Name",), "first_seen": ("First Seen",), "length": ("Time in Call",)},
        ("participant", "first_seen", "length"),
    ),
    Layout(
        "arrival list",
        {
            "participant": ("Names", "Name"),
            "email": ("Email",),
            "first_seen": ("Arrival time",),
            "last_seen": ("Last Seen",),
        },
        ("participant", "first_seen", "last_seen"),
    ),
    Layout(
        "Time In / Time Out list",
        {
            "last_name": ("Last Name",),
            "first_name": ("First Name",),
            "present": ("Present",),
            "first_seen": ("Time In",),
            "last_seen": ("Time Out",),
        },
        ("last_name", "first_name", "first_seen", "last_seen"),
    ),
)
_ABSENT: Final = frozenset({"no", "n", "false", "0", "absent", "not present"})


def known_layouts() -> str:
    return "; ".join(layout.describe() for layout in MEET_LAYOUTS)


def _wrap(err: TableError) -> MeetReportError:
    if isinstance(err, NoHeader):
        return MeetReportError(
            f"{err.source}: no header row of a Meet report: found"
            f" {', '.join(err.found) or 'nothing'} (row {err.row}); known: {known_layouts()}"
        )
    return MeetReportError(str(err))


def read_meet_report(
    data: bytes, filename: str, tz: tzinfo | None = None, *, on: date | None = None
) -> tuple[list[MeetRow], tuple[str, ...]]:
    """(rows, warnings) from a report file's bytes, by detection (module docstring)."""
    try:
        table = read_table(data, filename, MEET_LAYOUTS)
        return _rows(table, tz, on), table.warnings
    except TableError as e:
        raise _wrap(e) from None


def read_meet_rows(
    values: Sequence[Sequence[object]], source: str, tz: tzinfo | None = None,
    *, on: date | None = None,
) -> list[MeetRow]:  # fmt: skip
    """The same from a Google Sheet tab's values."""
    try:
        return _rows(read_rows(values, source, MEET_LAYOUTS), tz, on)
    except TableError as e:
        raise _wrap(e) from None


def parse_meet_report(
    text: str | bytes, filename: str, tz: tzinfo | None = None, *, on: date | None = None
) -> list[MeetRow]:
    """Parse a Meet attendance report; blank lines are skipped, any bad row is an error."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_meet_report(data, filename, tz, on=on)[0]


def _rows(table: Table, tz: tzinfo | None, on: date | None) -> list[MeetRow]:
    rows: list[MeetRow] = []
    for rec in table.records:
        row = _parse_row(table, rec, tz, on)
        if row is not None:
            rows.append(row)
    return rows


def _parse_row(table: Table, rec: Record, tz: tzinfo | None, on: date | None) -> MeetRow | None:
    def cell(role: str) -> str:
        # Names are matched (normalize_name) and shown escaped, never stored: kept as written.
        return table.value(rec, role, shown_only=role in ("participant", "first_name", "last_name"))

    if table.has("present") and cell("present").casefold() in _ABSENT:
        return None  # listed, but not in the call
    if table.has("participant"):
        participant, name_role = " ".join(cell("participant").split()), "participant"
    else:
        participant = " ".join(f"{cell('first_name')} {cell('last_name')}".split())
        name_role = "first_name"
    if not participant:
        raise table.error(rec, name_role, "empty")
    email = cell("email") or None
    if email is not None and "@" not in email:
        raise table.error(rec, "email", f"bad email {email!r}")
    seen: dict[str, time] = {}
    dated: date | None = None
    for role in ("first_seen", "last_seen") if table.has("last_seen") else ("first_seen",):
        raw = cell(role)
        if not raw:
            raise table.error(rec, role, "empty")
        try:
            seen[role], when = parse_meet_moment(raw, tz, on)
        except ValueError:
            raise table.error(rec, role, f"bad time {raw!r}") from None
        if role == "first_seen":
            dated = when
    if "last_seen" not in seen:  # the extension: first seen + time in call
        raw = cell("length")
        try:
            seen["last_seen"] = add_clamped(seen["first_seen"], parse_duration(raw))
        except ValueError:
            raise table.error(rec, "length", f"bad duration {raw!r}") from None
    if seen["last_seen"] < seen["first_seen"]:
        raise table.error(rec, "last_seen", f"{seen['last_seen']} is before {seen['first_seen']}")
    return MeetRow(
        row=rec.row,
        participant=participant,
        email=email,
        first_seen=seen["first_seen"],
        last_seen=seen["last_seen"],
        dated=dated,
    )


def wrong_day_warning(rows: Sequence[MeetRow], on: date, day_label: str) -> str | None:
    """One line when the report's times name another date than the day it is imported for
    (the wrong report, or the wrong --day): the stamps would land on the wrong day."""
    other = sorted({r.dated for r in rows if r.dated is not None and r.dated != on})
    if not other:
        return None
    dates = ", ".join(d.isoformat() for d in other[:3]) + (" …" if len(other) > 3 else "")
    return (
        f"the report's times are dated {dates}, not {day_label} ({on.isoformat()}): "
        "check that this is the right report and the right day before accepting"
    )


def normalize_name(name: str) -> str:
    """Case, accents, punctuation, spacing and invisible characters do not count:
    "José  O'Neil" == "jose o neil"."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Me", "Cf"))
    return " ".join(re.sub(r"[^\w]+", " ", bare.casefold()).split())


def name_keys(name: str) -> tuple[str, ...]:
    """The name as written, and "Last, First" turned round to "First Last"."""
    keys = [normalize_name(name)]
    if name.count(",") == 1:
        last, first = name.split(",")
        keys.append(normalize_name(f"{first} {last}"))
    return tuple(dict.fromkeys(k for k in keys if k))


def _unique_index(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """key -> agent_id, leaving out keys two agents share (matching on them would be a guess)."""
    index: dict[str, str] = {}
    shared: set[str] = set()
    for k, agent_id in pairs:
        if not k:
            continue
        if k in index and index[k] != agent_id:
            shared.add(k)
        index[k] = agent_id
    return {k: v for k, v in index.items() if k not in shared}


def propose_stamps(
    rows: Sequence[MeetRow], agents: Sequence[tuple[str, str, str]]
) -> tuple[list[Proposal], list[str]]:
    """Match participants to (agent_id, name, email) by email, then by normalized name
    ("First Last" or "Last, First" on either side).

    Several rows of one agent (rejoins) merge into one proposal: earliest first seen, latest last
    seen. Unmatched people are listed once each, as "Name <email>" when the email is known.
    """
    by_email = _unique_index((key(e), a) for a, _, e in agents)
    by_name = _unique_index((k, a) for a, n, _ in agents for k in name_keys(n))
    merged: dict[str, Proposal] = {}
    unmatched: list[str] = []
    for r in rows:
        agent_id = by_email.get(key(r.email or ""))
        how: Literal["email", "name"] = "email"
        if agent_id is None:
            how = "name"
            agent_id = next((by_name[k] for k in name_keys(r.participant) if k in by_name), None)
        if agent_id is None:
            label = f"{r.participant} <{r.email}>" if r.email else r.participant
            if label not in unmatched:
                unmatched.append(label)
            continue
        prev = merged.get(agent_id)
        if prev is None:
            merged[agent_id] = Proposal(
                agent_id=agent_id,
                participant=r.participant,
                first_seen=r.first_seen,
                last_seen=r.last_seen,
                matched_by=how,
            )
        else:
            merged[agent_id] = prev.model_copy(
                update={
                    "first_seen": min(prev.first_seen, r.first_seen),
                    "last_seen": max(prev.last_seen, r.last_seen),
                    "matched_by": "email" if "email" in (prev.matched_by, how) else "name",
                }
            )
    return list(merged.values()), unmatched
