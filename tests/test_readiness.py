"""End-of-day readiness: each gap kind, their order, the all-ready case, the Close lines."""

from __future__ import annotations

from typing import Any

import pytest

from esp_tui.domain.readiness import GAP_KINDS, ReadinessInput, readiness, summary_lines

AGENTS = [("A002", "Agent Two"), ("A001", "Agent One"), ("A003", "Agent Three")]
ALL = {"A001", "A002", "A003"}


def inp(**kw: Any) -> ReadinessInput:
    base: dict[str, Any] = {
        "day": 1,
        "agents": AGENTS,
        "has_attendance": ALL,
        "has_note": ALL,
    }
    return ReadinessInput(**{**base, **kw})


def test_all_ready() -> None:
    r = readiness(inp())
    assert r.ready is True
    assert r.gaps == []
    assert summary_lines(r) == [
        "✓ attendance complete",
        "✓ notes written",
        "✓ no draft tickets",
        "✓ red flags notified",
    ]
    assert r.to_json() == {"ready": True, "gaps": []}


def test_no_agents_is_ready() -> None:
    assert readiness(ReadinessInput(day=2, agents=[])).ready


@pytest.mark.parametrize(
    ("kw", "kind", "agent_id", "detail", "ref"),
    [
        (
            {"has_attendance": ALL - {"A003"}},
            "attendance",
            "A003",
            "Agent Three: no attendance for day 1 (stamp in or mark absent)",
            None,
        ),
        ({"has_note": ALL - {"A002"}}, "note", "A002", "Agent Two: no note for day 1", None),
        (
            {"draft_tickets": [("1a2b3c4d-0000-4000-8000-000000000000", "carrier_ticket", "A001")]},
            "draft_ticket",
            "A001",
            "Agent One: Carrier Ticket 1a2b3c4d is still a draft",
            "1a2b3c4d-0000-4000-8000-000000000000",
        ),
        (
            {"unnotified_flags": [(7, "A002", "background_check")]},
            "red_flag",
            "A002",
            "Agent Two: background check red flag not notified to a PM",
            "7",
        ),
    ],
)
def test_each_gap_kind(
    kw: dict[str, Any], kind: str, agent_id: str, detail: str, ref: str | None
) -> None:
    r = readiness(inp(**kw))
    assert r.ready is False
    assert [(g.kind, g.agent_id, g.detail, g.ref) for g in r.gaps] == [
        (kind, agent_id, detail, ref)
    ]
    assert r.to_json() == {
        "ready": False,
        "gaps": [{"kind": kind, "agent_id": agent_id, "detail": detail}],
    }


def test_gaps_are_ordered_by_kind_then_agent() -> None:
    r = readiness(
        inp(
            has_attendance={"A002"},
            still_in={"A002"},
            has_note={"A001"},
            draft_tickets=[
                ("t2", "call_certification", "A003"),
                ("t1", "carrier_ticket", "A001"),
                ("t0", "carrier_ticket", "A003"),
            ],
            unnotified_flags=[("f1", "A002", "conduct"), ("f2", "A001", "other")],
        )
    )
    assert [(g.kind, g.agent_id, g.ref) for g in r.gaps] == [
        ("attendance", "A001", None),
        ("attendance", "A003", None),
        ("out", "A002", None),
        ("note", "A002", None),
        ("note", "A003", None),
        ("draft_ticket", "A001", "t1"),
        ("draft_ticket", "A003", "t0"),
        ("draft_ticket", "A003", "t2"),
        ("red_flag", "A001", "f2"),
        ("red_flag", "A002", "f1"),
    ]
    assert {g.kind for g in r.gaps} == set(GAP_KINDS)
    assert summary_lines(r) == [
        "✗ 2 agents have no attendance for day 1",
        "✗ 1 agent has no out stamp for day 1",
        "✗ 2 agents have no note for day 1",
        "✗ 1 Call Certification is still a draft",
        "✗ 2 Carrier Tickets are still drafts",
        "✗ 2 red flags are not notified to a PM",
    ]


def test_summary_singulars_and_day_number() -> None:
    r = readiness(
        inp(
            day=3,
            has_attendance=ALL - {"A001"},
            unnotified_flags=[("f", "A001", "attendance")],
        )
    )
    assert summary_lines(r) == [
        "✗ 1 agent has no attendance for day 3",
        "✓ notes written",
        "✓ no draft tickets",
        "✗ 1 red flag is not notified to a PM",
    ]


def test_a_draft_for_an_agent_off_the_roster_still_counts() -> None:
    r = readiness(inp(draft_tickets=[("t9", "carrier_cert_completion", "A999")]))
    assert [g.detail for g in r.gaps] == ["A999: Carrier Cert Completion t9 is still a draft"]
    assert summary_lines(r)[2] == "✗ 1 Carrier Cert Completion is still a draft"


def test_day_must_be_positive() -> None:
    with pytest.raises(ValueError, match="day"):
        ReadinessInput(day=0, agents=[])


def test_an_agent_stamped_in_and_never_out_is_a_gap() -> None:
    """Issue 14, item 7: "attendance complete" with nobody stamped out at the end of the day."""
    r = readiness(inp(still_in={"A001", "A003"}))
    assert [(g.kind, g.agent_id, g.detail) for g in r.gaps] == [
        ("out", "A001", "Agent One: stamped in but never out on day 1 (stamp out)"),
        ("out", "A003", "Agent Three: stamped in but never out on day 1 (stamp out)"),
    ]
    assert summary_lines(r)[0] == "✗ 2 agents have no out stamp for day 1"
    assert "✓ attendance complete" not in summary_lines(r)


def test_the_day_end_rule_counts_the_end_of_the_day_as_the_out() -> None:
    r = readiness(inp(still_in={"A001", "A003"}, day_end_is_out=True))
    assert r.ready and summary_lines(r)[0] == "✓ attendance complete"
    # the rule never excuses an agent with no attendance at all
    r = readiness(inp(has_attendance=ALL - {"A002"}, still_in={"A001"}, day_end_is_out=True))
    assert [(g.kind, g.agent_id) for g in r.gaps] == [("attendance", "A002")]
