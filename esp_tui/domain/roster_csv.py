"""Parse a roster (a file's bytes or a Google Sheet tab) into agents, with one-line errors
naming the row and field (pure).

The file is read by detection (domain/tabular.py: encoding, delimiter, title lines). Columns
are found by header aliases (config `[roster.columns]`, defaults in `DEFAULT_COLUMNS`): an id,
a name (or a first and a last name), an email, and optionally a team. Ids are normalised (NFKC,
invisible characters removed) and compared case-folded, so `E1`, `e1` and `E1` + a zero-width
space are one agent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from esp_tui.domain.models import Agent
from esp_tui.domain.tabular import Layout, NoHeader, Table, TableError, key, read_rows, read_table

REQUIRED = ("agent_id", "name", "email")
OPTIONAL = ("team",)
ROLES: Final = ("agent_id", "name", "first_name", "last_name", "email", "team")
# Header aliases per role, tried in order (the role's own name is always accepted too).
DEFAULT_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "agent_id": ("Agent ID", "Employee ID", "Associate ID"),
    "name": ("Name", "Full Name"),
    "first_name": ("First Name", "Legal First Name"),
    "last_name": ("Last Name", "Legal Last Name"),
    "email": ("Email", "Work Email", "Email Address"),
    "team": ("Team", "Supervisory Organization"),
}
# Deliberately loose: one @, a dot in the domain, no spaces. Real validation is the mail server's.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RosterError(ValueError):
    """A roster file problem; str() is the one-line message shown to the TL."""


@dataclass(frozen=True)
class RosterFile:
    agents: list[Agent]
    warnings: tuple[str, ...] = ()


def roster_layouts(columns: Mapping[str, Sequence[str]] | None = None) -> tuple[Layout, ...]:
    """One full name column, or a first and a last name."""
    merged = {**DEFAULT_COLUMNS, **(columns or {})}
    aliases = {role: (*merged.get(role, ()), role) for role in ROLES}
    full = {r: aliases[r] for r in ("agent_id", "name", "email", "team")}
    split = {r: aliases[r] for r in ("agent_id", "first_name", "last_name", "email", "team")}
    return (
        Layout("roster", full, ("agent_id", "name", "email")),
        Layout("roster", split, ("agent_id", "first_name", "last_name", "email")),
    )


def _wrap(err: TableError) -> RosterError:
    if isinstance(err, NoHeader):
        role = err.missing[0] if err.missing else "agent_id"
        found = ", ".join(err.found) or "nothing"
        return RosterError(f"{err.source}: row {err.row}: missing column '{role}' (found: {found})")
    return RosterError(str(err))


def read_roster(
    data: bytes, filename: str, columns: Mapping[str, Sequence[str]] | None = None
) -> RosterFile:
    """Agents and warnings (e.g. "read as Windows-1252") from a file's bytes."""
    try:
        table = read_table(data, filename, roster_layouts(columns))
        return RosterFile(_agents(table), table.warnings)
    except TableError as e:
        raise _wrap(e) from None


def read_roster_rows(
    values: Sequence[Sequence[object]],
    source: str,
    columns: Mapping[str, Sequence[str]] | None = None,
) -> RosterFile:
    """The same from a Google Sheet tab's values."""
    try:
        return RosterFile(_agents(read_rows(values, source, roster_layouts(columns))))
    except TableError as e:
        raise _wrap(e) from None


def parse_roster(
    data: bytes, filename: str, columns: Mapping[str, Sequence[str]] | None = None
) -> list[Agent]:
    """Agents from a roster file's bytes. Raises RosterError on the first problem."""
    return read_roster(data, filename, columns).agents


def _agents(table: Table) -> list[Agent]:
    agents: list[Agent] = []
    seen: dict[str, int] = {}
    for rec in table.records:
        agent_id = table.value(rec, "agent_id")
        if table.has("name"):
            name, name_role = " ".join(table.value(rec, "name").split()), "name"
        else:
            first, last = table.value(rec, "first_name"), table.value(rec, "last_name")
            name, name_role = " ".join(f"{first} {last}".split()), "first_name"
        email = table.value(rec, "email")
        for role, value in (("agent_id", agent_id), (name_role, name), ("email", email)):
            if not value:
                raise table.error(rec, role, "empty")
        if not _EMAIL.match(email):
            raise table.error(rec, "email", f"malformed email '{email}'")
        folded = key(agent_id)
        if folded in seen:
            raise table.error(
                rec, "agent_id", f"duplicate '{agent_id}' (first on row {seen[folded]})"
            )
        seen[folded] = rec.row
        team = table.value(rec, "team")
        agents.append(Agent(agent_id=agent_id, name=name, email=email, team=team))
    if not agents:
        raise TableError(f"{table.source}: no agents below the header row")
    return agents
