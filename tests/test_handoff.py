"""The day-5 handoff report."""

from __future__ import annotations

import stat
from datetime import UTC, datetime

from esp_tui.cli import main
from esp_tui.domain.tickets import Ticket
from esp_tui.services.handoff import handoff_markdown, write_handoff
from storage.agents import list_agents
from storage.attendance import append_event
from storage.flags import add_cap
from storage.notes import set_note
from storage.progress import set_status
from storage.tickets import insert_ticket

DAY5_EVENING = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
AT = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # 09:30 New York: late 10+


def agents(db):
    return sorted(list_agents(db), key=lambda a: a.agent_id)


def test_handoff_has_what_the_next_tl_needs(seeded_db, config) -> None:
    a, b = agents(seeded_db)[:2]
    with seeded_db.atomic():
        for task in config.tasks:
            set_status(seeded_db, b.agent_id, task.key, "passed", AT)
        append_event(seeded_db, agent_id=a.agent_id, day=1, kind="in", at=AT)
        set_note(seeded_db, a.agent_id, 4, "Citrix down all afternoon, TBT not finished")
        add_cap(seeded_db, a.agent_id, "written", "Second failed AHIP final", AT, 3)
        insert_ticket(
            seeded_db,
            Ticket(id="abcdef1234", form="carrier_ticket", agent_id=a.agent_id,
                   fields={"carrier": "Citrix", "summary": "No desktop"}, status="submitted",
                   created_at=AT, updated_at=AT, submitted_at=AT),
        )  # fmt: skip
    text = handoff_markdown(seeded_db, config, now=DAY5_EVENING)
    section = text.split(f"## {a.name} ({a.agent_id})")[1].split("\n## ")[0]
    assert "day 1 LATE 10+" in section
    assert "day 2 ABSENT" in section  # no stamp on a day that is over
    assert "Not done: " in section and "Call certification (not started)" in section
    assert "day 4: Citrix down all afternoon, TBT not finished" in section
    assert "written CAP (day 3): Second failed AHIP final" in section
    assert "Carrier Ticket abcdef12 — No desktop (submitted, awaiting the carrier)" in section
    done = text.split(f"## {b.name} ({b.agent_id})")[1].split("\n## ")[0]
    assert "Tasks: all done" in done and "Why" not in done
    assert text.startswith("# ESP handoff · Demo cohort")
    assert "24 agents · 1 completed every task · 23 with tasks not done · 1 CAPs" in text
    # the demo's unnotified background-check flag is called out
    assert "background check: " in text and "(PM NOT notified)" in text


def test_write_handoff_is_private(seeded_db, config, tmp_path) -> None:
    path = write_handoff(seeded_db, config, tmp_path / "h.md", now=DAY5_EVENING)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("# ESP handoff")


def test_cli_report_handoff(seeded_db, db_path, tmp_path, capsys) -> None:
    out = tmp_path / "handoff.md"
    assert main(["report", "handoff", "--out", str(out), "--db", str(db_path)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out and out.exists()
    bad = tmp_path / "missing-dir" / "h.md"
    assert main(["report", "handoff", "--out", str(bad), "--db", str(db_path)]) == 2
    assert "--out" in capsys.readouterr().err


def test_a_handoff_before_the_last_day_is_over_says_it_is_a_preview(
    seeded_db, db_path, tmp_path, capsys
) -> None:
    """Issue 14, item 7: `report handoff` before day 5 wrote without a word."""
    import time_machine

    out = tmp_path / "handoff.md"
    argv = ["report", "handoff", "--out", str(out), "--db", str(db_path)]
    with time_machine.travel("2026-11-25 15:00Z", tick=False):  # day 3, 10:00 New York
        assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Preview: day 5 is not over yet" in err
    assert "**Preview: day 5 is not over yet" in out.read_text()
    with time_machine.travel("2026-11-27 22:30Z", tick=False):  # day 5, 17:30: the week is over
        assert main(argv) == 0
    assert capsys.readouterr().err == ""
    assert "Preview" not in out.read_text()
