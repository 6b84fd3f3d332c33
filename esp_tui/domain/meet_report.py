"""Google Meet attendance reports: parse the CSV and propose stamps (pure: pydantic + stdlib).

Two header styles are accepted (matched case- and space-insensitively):
  "First name","Last name","Email","Duration","Time joined","Time exited"   (Meet attendance report)
  "Participant","Email","First seen","Last seen"                            (older / add-on exports)
A few preamble lines before the header (meeting code, title) are skipped.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, time, tzinfo
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict


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


class Proposal(BaseModel):
    """A stamp pair the TL reviews: in at first_seen, out at last_seen."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    agent_id: str
    participant: str
    first_seen: time
    last_seen: time
    matched_by: Literal["email", "name"]


# Normalized header -> role, per style. Duration is read by nobody: it follows from the times.
_STYLES: Final[tuple[dict[str, str], ...]] = (
    {
        "firstname": "first_name",
        "lastname": "last_name",
        "email": "email",
        "timejoined": "first_seen",
        "timeexited": "last_seen",
    },
    {
        "participant": "participant",
        "email": "email",
        "firstseen": "first_seen",
        "lastseen": "last_seen",
    },
)
_HEADER_SCAN: Final = 10  # how many leading records may precede the header
_EXPECTED: Final = (
    '"First name","Last name","Email","Time joined","Time exited" '
    'or "Participant","Email","First seen","Last seen"'
)


def _norm_header(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\ufeff", "")).lower()


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)


def parse_meet_time(text: str, tz: tzinfo | None = None) -> time:
    """Parse HH:MM, HH:MM:SS, h:mm AM, h:mm:ss PM or an ISO datetime (whose date is ignored).

    An ISO datetime with an offset is converted to `tz` when given; otherwise its wall time is kept.
    """
    s = text.strip()
    m = _CLOCK.fullmatch(s)
    if m is not None:
        hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
        if m[4]:
            if not 1 <= hour <= 12:
                raise ValueError(f"bad time {text!r}")
            hour = hour % 12 + (12 if m[4].lower().startswith("p") else 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"bad time {text!r}")
        return time(hour, minute, second)
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"bad time {text!r}") from None
    if dt.tzinfo is not None and tz is not None:
        dt = dt.astimezone(tz)
    return dt.time().replace(microsecond=0)


def _find_header(records: list[list[str]]) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """(index of the header record, role -> column, role -> header text as written)."""
    for i, rec in enumerate(records[:_HEADER_SCAN]):
        normalized = [_norm_header(c) for c in rec]
        for style in _STYLES:
            if all(h in normalized for h in style):
                cols = {role: normalized.index(h) for h, role in style.items()}
                names = {role: rec[col].replace("\ufeff", "").strip() for role, col in cols.items()}
                return i, cols, names
    return None


def parse_meet_report(text: str, filename: str, tz: tzinfo | None = None) -> list[MeetRow]:
    """Parse a Meet attendance report; blank lines are skipped, any bad row is an error."""
    records = list(csv.reader(io.StringIO(text)))
    found = _find_header(records)
    if found is None:
        raise MeetReportError(f"{filename}: no header row: expected columns {_EXPECTED}")
    start, cols, names = found
    rows: list[MeetRow] = []
    for index in range(start + 1, len(records)):
        rec = records[index]
        if not any(c.strip() for c in rec):
            continue
        rows.append(_parse_row(rec, index + 1, cols, names, filename, tz))
    return rows


def _parse_row(
    rec: list[str],
    row_no: int,
    cols: dict[str, int],
    names: dict[str, str],
    filename: str,
    tz: tzinfo | None,
) -> MeetRow:
    def fail(role: str, problem: str) -> MeetReportError:
        return MeetReportError(f"{filename}: row {row_no}: field '{names[role]}': {problem}")

    def cell(role: str) -> str:
        col = cols[role]
        return rec[col].strip() if col < len(rec) else ""

    if "participant" in cols:
        participant, name_role = cell("participant"), "participant"
    else:
        participant, name_role = f"{cell('first_name')} {cell('last_name')}".strip(), "first_name"
    if not participant:
        raise fail(name_role, "empty")
    email = cell("email") or None
    if email is not None and "@" not in email:
        raise fail("email", f"bad email {email!r}")
    seen: dict[str, time] = {}
    for role in ("first_seen", "last_seen"):
        raw = cell(role)
        if not raw:
            raise fail(role, "empty")
        try:
            seen[role] = parse_meet_time(raw, tz)
        except ValueError:
            raise fail(role, f"bad time {raw!r}") from None
    if seen["last_seen"] < seen["first_seen"]:
        raise fail("last_seen", f"{seen['last_seen']} is before {seen['first_seen']}")
    return MeetRow(
        row=row_no,
        participant=participant,
        email=email,
        first_seen=seen["first_seen"],
        last_seen=seen["last_seen"],
    )


def normalize_name(name: str) -> str:
    """Case, accents, punctuation and spacing do not count: "José  O'Neil" == "jose o neil"."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", bare.casefold()).split())


def _unique_index(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """key -> agent_id, leaving out keys two agents share (matching on them would be a guess)."""
    index: dict[str, str] = {}
    shared: set[str] = set()
    for key, agent_id in pairs:
        if not key:
            continue
        if key in index and index[key] != agent_id:
            shared.add(key)
        index[key] = agent_id
    return {k: v for k, v in index.items() if k not in shared}


def propose_stamps(
    rows: Sequence[MeetRow], agents: Sequence[tuple[str, str, str]]
) -> tuple[list[Proposal], list[str]]:
    """Match participants to (agent_id, name, email) by email, then by normalized name.

    Several rows of one agent (rejoins) merge into one proposal: earliest first seen, latest last
    seen. Unmatched people are listed once each, as "Name <email>" when the email is known.
    """
    by_email = _unique_index((e.strip().casefold(), a) for a, _, e in agents)
    by_name = _unique_index((normalize_name(n), a) for a, n, _ in agents)
    merged: dict[str, Proposal] = {}
    unmatched: list[str] = []
    for r in rows:
        agent_id = by_email.get((r.email or "").strip().casefold())
        how: Literal["email", "name"] = "email"
        if agent_id is None:
            agent_id, how = by_name.get(normalize_name(r.participant)), "name"
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
