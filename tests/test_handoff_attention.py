"""The handoff opens with "Needs attention" (issue 14, item 7): agents behind, failed exams with
the guide's next step, open red flags, CAPs, before the per-agent pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from esp_tui.services import flags
from esp_tui.services import progress as progress_svc
from esp_tui.services.attention import PARTS
from esp_tui.services.handoff import handoff_markdown
from esp_tui.services.progress_base import guide_for
from storage.agents import list_agents
from storage.progress import set_status

DAY5_EVENING = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
DAY2 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 New York


def attention(text: str) -> str:
    return text.split("## Needs attention\n")[1].split("\n## ")[0]


def test_needs_attention_comes_first_with_its_four_parts_in_order(seeded_db, config) -> None:
    a, b, c = sorted(list_agents(seeded_db), key=lambda x: x.agent_id)[:3]
    for agent in (a, b):  # b: every task done; a: all but two failed AHIP finals
        with seeded_db.atomic():
            for task in config.tasks:
                if (agent, task.key) != (a, "ahip_final"):
                    set_status(seeded_db, agent.agent_id, task.key, "passed", DAY2)
    for score in (61, 64):
        progress_svc.record_attempt(seeded_db, config, a.agent_id, "ahip_final", score, now=DAY2)
    flags.create_cap(seeded_db, config, a.agent_id, "verbal", "Second failed AHIP final", now=DAY2)
    for f in flags.list_flags(seeded_db):  # the demo's own flag: resolved, so not open
        flags.resolve_flag(seeded_db, f.id, now=DAY2)
    told = flags.raise_flag(seeded_db, config, c.agent_id, "conduct", "Rude on the Meet", now=DAY2)
    flags.notify_pm(seeded_db, config, told.id, now=DAY2 + timedelta(minutes=5))
    flags.raise_flag(seeded_db, config, a.agent_id, "other", "Left\nearly [b]twice[/b]", now=DAY2)

    text = handoff_markdown(seeded_db, config, now=DAY5_EVENING)
    summary = attention(text)
    # before every agent's page, after the cohort's counts
    assert text.index("## Needs attention") < text.index(f"## {a.name} ({a.agent_id})")
    assert text.index(" open tickets\n") < text.index("## Needs attention")
    heads = [line for line in summary.splitlines() if line.startswith("**")]
    assert [h.split("**")[1] for h in heads] == list(PARTS)
    part = dict(chunk.split("** ", 1) for chunk in summary.split("\n**")[1:])  # name: body

    behind = part["Behind the timeframe"]
    assert f"{a.name} ({a.agent_id}): AHIP final exam (due day " in behind  # failed = not done
    assert f"({b.agent_id})" not in behind  # all done
    assert f"\n- {c.name} ({c.agent_id}): " in behind and "Call certification (due day 5)" in behind
    assert behind.startswith(f"· {len(list_agents(seeded_db)) - 1}\n")  # every agent but b

    failed = part["Failed exams"].splitlines()  # a's, and the demo's own failed exams
    step = guide_for(config)[1]  # the guide's step for a second fail
    assert (
        f"- {a.name} ({a.agent_id}): AHIP final exam failed 2 times, last score 64% · next: "
        f"{step.text} (1 attempt left)"
    ) in failed
    assert failed[0] == f"· {len(failed) - 1}" and len(failed) >= 3

    flag_lines = part["Open red flags"].splitlines()
    assert flag_lines[0] == "· 2" and "background check" not in part["Open red flags"]  # resolved
    assert flag_lines[1:] == [  # roster order (by name), one line of plain text each
        f"- {c.name} ({c.agent_id}): conduct: Rude on the Meet (PM notified Tue 24 Nov 10:05)",
        f"- {a.name} ({a.agent_id}): other: Left early [b]twice[/b] (PM NOT notified)",
    ]
    assert part["CAPs"].splitlines()[:2] == [
        "· 1",
        f"- {a.name} ({a.agent_id}): verbal CAP (day 2): Second failed AHIP final",
    ]


def test_the_preview_line_stays_first_and_an_empty_part_says_none(seeded_db, config) -> None:
    for f in flags.list_flags(seeded_db):
        flags.resolve_flag(seeded_db, f.id, now=DAY2)
    text = handoff_markdown(seeded_db, config, now=DAY2)  # day 2: a preview
    lines = text.splitlines()
    assert lines[4].startswith("**Preview: day 5 is not over yet")
    assert text.index("**Preview") < text.index("## Needs attention")
    summary = attention(text)
    assert "**Open red flags** · 0\n- none" in summary
    assert "**CAPs** · 0\n- none" in summary


def test_a_recorded_coaching_makes_the_retake_the_next_step(seeded_db, config) -> None:
    """QA: after the coaching was recorded, the summary still said "next: Coach the agent"."""
    from esp_tui.services.exam_guide import record_coaching

    a = sorted(list_agents(seeded_db), key=lambda x: x.agent_id)[0]
    progress_svc.record_attempt(seeded_db, config, a.agent_id, "ahip_final", 61, now=DAY2)
    coach_step = guide_for(config)[0]
    assert coach_step.action == "coaching"

    def line() -> str:
        failed = attention(handoff_markdown(seeded_db, config, now=DAY5_EVENING))
        return next(x for x in failed.splitlines() if f"({a.agent_id}): AHIP final exam" in x)

    assert f"next: {coach_step.text}" in line()
    record_coaching(seeded_db, config, a.agent_id, "ahip_final", "went over module 3", now=DAY2)
    done = "AHIP final exam failed 1 time · coached · next: the retake (2 attempts left)"
    assert line().endswith(done)
