"""Readiness gathered from storage: `check_day` and `esp-tui check`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from esp_tui.cli import main
from esp_tui.config import build_config
from esp_tui.domain.readiness import summary_lines
from esp_tui.domain.tickets import Ticket
from esp_tui.services.readiness import attended, check_day, readiness_input
from storage.agents import list_agents
from storage.attendance import append_event, append_undos
from storage.flags import add_flag, list_flags, mark_notified, mark_resolved
from storage.notes import set_note
from storage.tickets import insert_ticket

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
END = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 17:00 New York: day 1's end


def ids(db) -> list[str]:
    return sorted(a.agent_id for a in list_agents(db))


def make_ready(db, day: int = 1) -> None:
    """Every agent in, out and noted; the demo's red flag notified."""
    with db.atomic():
        for agent_id in ids(db):
            append_event(db, agent_id=agent_id, day=day, kind="in", at=AT)
            append_event(db, agent_id=agent_id, day=day, kind="out", at=END)
            set_note(db, agent_id, day, "fine")
        for f in list_flags(db):
            mark_notified(db, f.id, AT)


def draft(db, agent_id: str) -> None:
    with db.atomic():
        insert_ticket(
            db,
            Ticket(id="t-draft-1", form="carrier_ticket", agent_id=agent_id, created_at=AT,
                   updated_at=AT),
        )  # fmt: skip


def test_ready_day(seeded_db) -> None:
    make_ready(seeded_db)
    result = check_day(seeded_db, 1)
    assert result.ready and result.gaps == []


def test_each_rule_yields_its_gap(seeded_db) -> None:
    make_ready(seeded_db)
    a, b, c = ids(seeded_db)[:3]
    with seeded_db.atomic():
        append_undos(seeded_db, _events(seeded_db, a), at=AT)  # the stamps were a mistake
        set_note(seeded_db, b, 1, "")  # note deleted
        add_flag(seeded_db, c, "conduct", "Rude on the Meet", AT)
    draft(seeded_db, c)
    result = check_day(seeded_db, 1)
    assert [(g.kind, g.agent_id) for g in result.gaps] == [
        ("attendance", a),
        ("note", b),
        ("draft_ticket", c),
        ("red_flag", c),
    ]
    assert result.gaps[2].ref == "t-draft-1" and result.gaps[2].form == "carrier_ticket"


def _events(db, agent_id: str) -> list[int]:
    rows = db.execute("SELECT id FROM attendance_events WHERE agent_id = ?", [agent_id])
    return [r[0] for r in rows.fetchall()]


def test_absence_counts_as_attendance_and_resolved_flags_do_not_count(seeded_db) -> None:
    a = ids(seeded_db)[0]
    with seeded_db.atomic():
        append_event(seeded_db, agent_id=a, day=2, kind="absent", at=AT, absence_kind="excused")
        append_event(seeded_db, agent_id=ids(seeded_db)[1], day=2, kind="out", at=AT)
        for f in list_flags(seeded_db):
            mark_resolved(seeded_db, f.id, AT)
    assert attended(seeded_db, 2) == {a}  # an `out` alone is not an arrival
    assert readiness_input(seeded_db, 2).unnotified_flags == []


def test_cli_check_exit_codes_and_json(seeded_db, db_path, capsys) -> None:
    assert main(["check", "--day", "1", "--json", "--db", str(db_path)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ready"] is False
    assert {g["kind"] for g in out["gaps"]} == {"attendance", "note", "red_flag"}
    assert set(out["gaps"][0]) == {"kind", "agent_id", "detail"}
    make_ready(seeded_db)
    assert main(["check", "--day", "1", "--db", str(db_path)]) == 0
    assert "Close day 1: ready" in capsys.readouterr().out


def test_cli_check_rejects_a_day_outside_the_cohort(seeded_db, db_path, capsys) -> None:
    assert main(["check", "--day", "9", "--db", str(db_path)]) == 2
    assert "--day 9" in capsys.readouterr().err


def _stamp(db, agent_id: str, kind: str, hhmm: str, **kw) -> None:
    h, m = map(int, hhmm.split(":"))
    at = datetime(2026, 11, 23, h + 5, m, tzinfo=UTC)  # New York time on day 1
    append_event(db, agent_id=agent_id, day=1, kind=kind, at=at, **kw)


def test_an_agent_never_stamped_out_is_an_out_gap(seeded_db, config) -> None:
    """Issue 14, item 7: readiness said "attendance complete" with nobody stamped out."""
    make_ready(seeded_db)
    a, b, c, d = ids(seeded_db)[:4]
    with seeded_db.atomic():
        append_undos(seeded_db, [max(_events(seeded_db, a))], at=END)  # a's out undone
        _stamp(seeded_db, b, "in", "17:05")  # b came back in after the out
        _stamp(seeded_db, c, "absent", "17:10", absence_kind="excused")  # an absence wins
        _stamp(seeded_db, d, "out", "16:00")  # an out before the last one: still out
    result = check_day(seeded_db, 1, config)
    assert [(g.kind, g.agent_id) for g in result.gaps] == [("out", a), ("out", b)]
    assert summary_lines(result)[0] == "✗ 2 agents have no out stamp for day 1"
    # no config = the shipped rule: an out is asked for
    assert check_day(seeded_db, 1).gaps == result.gaps


def test_the_day_end_rule_from_config(seeded_db, db_path, tmp_path, capsys) -> None:
    make_ready(seeded_db)
    a = ids(seeded_db)[0]
    with seeded_db.atomic():
        append_undos(seeded_db, [max(_events(seeded_db, a))], at=END)
    cfg = build_config(
        {"cohort": {"timezone": "America/New_York"}, "attendance": {"auto_out_at_day_end": True}},
        "t",
    )
    assert check_day(seeded_db, 1, cfg).ready
    assert main(["check", "--day", "1", "--db", str(db_path)]) == 1
    assert "✗ 1 agent has no out stamp for day 1" in capsys.readouterr().out
    path = tmp_path / "config.toml"
    path.write_text(
        '[cohort]\ntimezone = "America/New_York"\n[attendance]\nauto_out_at_day_end = true\n'
    )
    assert main(["check", "--day", "1", "--db", str(db_path), "--config", str(path)]) == 0
    assert "✓ attendance complete" in capsys.readouterr().out
