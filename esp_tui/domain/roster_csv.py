"""Parse a roster CSV into agents, with one-line errors naming the row and field (pure)."""

from __future__ import annotations

import csv
import io
import re

from esp_tui.domain.models import Agent

REQUIRED = ("agent_id", "name", "email")
OPTIONAL = ("team",)
# Deliberately loose: one @, a dot in the domain, no spaces. Real validation is the mail server's.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RosterError(ValueError):
    """A roster file problem; str() is the one-line message shown to the TL."""


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


def parse_roster(data: bytes, filename: str) -> list[Agent]:
    """Agents from CSV bytes (UTF-8, BOM or not). Raises RosterError on the first problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise RosterError(
            f"{filename}: line {line}: not valid UTF-8 (byte {e.start}); save the file as UTF-8"
        ) from None
    if not text.strip():
        raise RosterError(f"{filename}: the file is empty; expected a header row {REQUIRED}")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    columns = {_norm(h): i for i, h in enumerate(header)}
    for field in REQUIRED:
        if _norm(field) not in columns:
            raise RosterError(
                f"{filename}: row 1: missing column '{field}' (found: {', '.join(header)})"
            )
    wanted = {f: columns.get(_norm(f)) for f in REQUIRED + OPTIONAL}

    agents: list[Agent] = []
    seen: dict[str, int] = {}
    for row_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines are harmless

        def cell(field: str, row: list[str] = row) -> str:
            i = wanted[field]
            return row[i].strip() if i is not None and i < len(row) else ""

        agent_id, name, email = cell("agent_id"), cell("name"), cell("email")
        for field, value in (("agent_id", agent_id), ("name", name), ("email", email)):
            if not value:
                raise RosterError(f"{filename}: row {row_no}: field '{field}' is empty")
        if not _EMAIL.match(email):
            raise RosterError(f"{filename}: row {row_no}: field 'email': malformed email '{email}'")
        if agent_id in seen:
            raise RosterError(
                f"{filename}: row {row_no}: field 'agent_id': duplicate '{agent_id}' "
                f"(first on row {seen[agent_id]})"
            )
        seen[agent_id] = row_no
        agents.append(Agent(agent_id=agent_id, name=name, email=email, team=cell("team")))
    if not agents:
        raise RosterError(f"{filename}: no agents below the header row")
    return agents
