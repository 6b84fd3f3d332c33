"""The wizard engine records what really happened: skipped steps, the case/reference number, who
was contacted, and the carrier a walk concerns (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from esp_tui.config import build_config
from esp_tui.domain.wizard import WizardEngine, WizardError, concerned_carrier
from esp_tui.services.tree_files import load_trees, shipped_trees_dir

T0 = datetime(2026, 11, 23, 14, 14, tzinfo=UTC)
SHIPPED = load_trees(shipped_trees_dir())
GENERAL = [s.text for s in SHIPPED["general"].steps]
TASKS = {t.key: t for t in build_config({}, "t").tasks}


def at(i: int) -> datetime:
    return T0 + timedelta(minutes=i)


def test_skip_moves_on_like_no_and_the_ticket_says_skipped() -> None:
    engine = WizardEngine(SHIPPED, "general")
    engine.answer("no", at(0))
    engine.answer("skip", at(1))  # pop-ups: not applicable
    assert engine.current is not None and engine.current.id == "clear_cache"
    assert [e.answer for e in engine.path] == ["no", "skip"]
    while engine.outcome is None:
        engine.answer("skip" if engine.current.id == "password_reset" else "no", at(9))
    assert engine.outcome == "escalated"
    lines = engine.ticket_payload("Avery")["steps_tried"].splitlines()
    assert lines[0] == "General: Reload the page — did not work"
    assert lines[1] == "General: Allow pop-ups for the training site — skipped"
    assert lines[-1] == "General: Reset the password (if it is a sign-in problem) — skipped"
    assert sum(line.endswith("— did not work") for line in lines) == len(GENERAL) - 2


def test_skip_survives_a_save_and_back_undoes_it() -> None:
    engine = WizardEngine(SHIPPED, "ahip-aetna")
    engine.answer("skip", at(0))
    resumed = WizardEngine.from_state(SHIPPED, json.loads(json.dumps(engine.to_state())))
    assert resumed.path[0].answer == "skip"
    removed = resumed.back()
    assert removed is not None and removed.answer == "skip"
    assert resumed.current is not None and resumed.current.id == "reload"


def test_a_skipped_contact_step_lists_no_contact_shown() -> None:
    engine = WizardEngine(SHIPPED, "ahip-aetna")
    for _ in GENERAL:
        engine.answer("no", at(0))
    engine.answer("skip", at(1))  # the agent did not call AHIP/Aetna
    engine.escalate(at(2))  # escalated at the TL's own call step
    contact = engine.ticket_payload("Avery")["contact_made"]
    # the TL-call step (escalated at) showed the same two lines
    assert contact.startswith("Not recorded who was contacted; lines shown: AHIP 866.234.6909")
    engine = WizardEngine(SHIPPED, "ahip-aetna")
    for _ in GENERAL:
        engine.answer("no", at(0))
    engine.answer("skip", at(1))
    engine.answer("skip", at(2))
    assert engine.outcome == "escalated"
    assert engine.ticket_payload("Avery")["contact_made"] == ""


def test_reference_and_contacted_are_saved_and_reach_the_ticket() -> None:
    engine = WizardEngine(SHIPPED, "ahip-aetna")
    engine.set_details(reference="  AET-0441 ", contacted="Aetna support, Dana, 10:05")
    state = json.loads(json.dumps(engine.to_state()))
    assert (state["reference"], state["contacted"]) == ("AET-0441", "Aetna support, Dana, 10:05")
    resumed = WizardEngine.from_state(SHIPPED, state)
    assert resumed.details == engine.details
    resumed.escalate(at(0))
    assert resumed.ticket_payload("Avery")["contact_made"] == (
        "Contacted: Aetna support, Dana, 10:05\nCase/reference no.: AET-0441"
    )


def test_a_state_saved_before_the_details_existed_still_loads() -> None:
    state = WizardEngine(SHIPPED, "general").to_state()
    del state["reference"], state["contacted"]
    assert WizardEngine.from_state(SHIPPED, state).details.reference == ""


@pytest.mark.parametrize(
    ("reference", "contacted", "error"),
    [
        ("A\nB", "", "case/reference no.: one line"),
        ("", "x" * 501, "contacted: at most 500 characters"),
    ],
)
def test_bad_details_are_refused_and_change_nothing(
    reference: str, contacted: str, error: str
) -> None:
    engine = WizardEngine(SHIPPED, "general")
    engine.set_details(reference="R1", contacted="")
    with pytest.raises(WizardError, match=error):
        engine.set_details(reference=reference, contacted=contacted)
    assert engine.details.reference == "R1"


@pytest.mark.parametrize(
    ("statuses", "carrier", "why"),
    [
        ({}, "AHIP", "the agent's AHIP module 1 is not started"),
        ({"ahip_m3": "in_progress"}, "AHIP", "the agent's AHIP module 3 is in progress"),
        ({"cert_aetna": "failed"}, "Aetna", "the agent's Aetna certification is failed"),
    ],
)
def test_the_carrier_is_the_one_the_agents_open_task_concerns(
    statuses: dict[str, str], carrier: str, why: str
) -> None:
    open_tasks = [(t, statuses.get(k, "not_started")) for k, t in TASKS.items()]
    assert concerned_carrier(SHIPPED["ahip-aetna"], open_tasks) == (carrier, why)


def test_a_tree_without_carriers_or_no_matching_task_names_its_system() -> None:
    aetna_left = [(TASKS["call_cert"], "not_started")]
    assert concerned_carrier(SHIPPED["ahip-aetna"], aetna_left) == ("AHIP/Aetna", None)
    assert concerned_carrier(SHIPPED["tbt"], [(TASKS["cert_aetna"], "failed")]) == (
        "TBT / Citrix",
        None,
    )
