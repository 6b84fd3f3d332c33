"""Tickets: drafts, each form's validation through submit, submit rules, the links to progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Agent
from esp_tui.services import tickets as svc
from esp_tui.services.header import header_parts
from esp_tui.services.roster import cohort_from_config
from storage import progress as progress_store
from storage.agents import upsert_agents
from storage.cohort import save_cohort
from tests.conftest import DAY1, FIXED_NOW

NOW = FIXED_NOW


@pytest.fixture
def tdb(db: Database, config: Config) -> Database:
    """Three agents and no progress at all (independent of what the demo seeds)."""
    with db.atomic():
        save_cohort(db, cohort_from_config(config, "Test cohort", DAY1))
        upsert_agents(
            db,
            [
                Agent(agent_id=f"A{i}", name=f"Agent {i}", email=f"a{i}@example.com")
                for i in (1, 2, 3)
            ],
        )
    return db


def _submit(db: Database, config: Config, form: str, fields: dict, agent: str = "A1"):
    t = svc.create_ticket(db, form, agent, fields, now=NOW)
    return svc.submit_ticket(db, config, t.id, now=NOW + timedelta(minutes=5))


GOOD = {
    "carrier_cert_completion": {"carrier": "Aetna", "completed_on": "2026-11-23", "score": "95"},
    "call_certification": {
        "certifier": "Ann QA",
        "date": "2026-11-23",
        "scores": "90, 85, 70, 95, 88",
    },
    "failed_carrier_cert_exam": {
        "task_key": "cert_aetna",
        "attempt_no": "1",
        "score": "70",
        "date": "2026-11-23",
    },
    "carrier_ticket": {
        "carrier": "Citrix",
        "summary": "Cannot launch the TBT desktop",
        "steps_tried": "Cleared cache; reinstalled receiver",
    },
}


@pytest.mark.parametrize("form", list(GOOD))
def test_each_valid_form_submits_with_normalised_fields(tdb, config, form):
    t = _submit(tdb, config, form, GOOD[form])
    assert t.status == "submitted"
    assert t.submitted_at == NOW + timedelta(minutes=5)
    stored = svc.get_ticket(tdb, t.id)
    assert stored == t
    assert svc.count_drafts(tdb) == 0


@pytest.mark.parametrize(
    ("form", "change", "field", "message_part"),
    [
        ("carrier_cert_completion", {"carrier": ""}, "carrier", "required"),
        ("carrier_cert_completion", {"completed_on": "23/11/2026"}, "completed_on", "YYYY-MM-DD"),
        ("carrier_cert_completion", {"score": "80"}, "score", "below"),
        ("carrier_cert_completion", {"score": ""}, "certificate_id", "score or a certificate"),
        ("call_certification", {"certifier": ""}, "certifier", "required"),
        ("call_certification", {"scores": "90, 85"}, "scores", "not decided"),
        ("call_certification", {"scores": "90, x"}, "scores", "not a number"),
        ("failed_carrier_cert_exam", {"task_key": "nope"}, "task_key", "not an exam"),
        ("failed_carrier_cert_exam", {"attempt_no": "0"}, "attempt_no", "1 or more"),
        ("failed_carrier_cert_exam", {"score": "95"}, "score", "passes"),
        ("carrier_ticket", {"steps_tried": " "}, "steps_tried", "required"),
        ("carrier_ticket", {"urgency": "asap"}, "urgency", "low, normal, high"),
    ],
)
def test_an_invalid_form_does_not_submit_and_names_the_field(
    tdb, config, form, change, field, message_part
):
    t = svc.create_ticket(tdb, form, "A1", {**GOOD[form], **change}, now=NOW)
    with pytest.raises(svc.TicketInvalid) as exc:
        svc.submit_ticket(tdb, config, t.id, now=NOW)
    assert field in exc.value.errors
    assert message_part in exc.value.errors[field]
    assert field in str(exc.value)
    assert svc.get_ticket(tdb, t.id).status == "draft"  # nothing changed


def test_a_draft_may_be_incomplete_and_is_merged_on_update(tdb):
    t = svc.create_ticket(tdb, "carrier_ticket", "A2", {"carrier": "Aetna"}, now=NOW)
    assert (t.status, t.fields) == ("draft", {"carrier": "Aetna"})
    later = NOW + timedelta(minutes=3)
    u = svc.update_ticket(tdb, t.id, {"summary": "Locked out", "carrier": " "}, now=later)
    assert u.fields == {"summary": "Locked out"}  # blank clears a field
    assert u.updated_at == later and u.created_at == NOW
    assert svc.get_ticket(tdb, t.id).fields == {"summary": "Locked out"}
    assert svc.count_drafts(tdb) == 1


def test_update_can_move_the_ticket_to_another_agent_but_not_an_unknown_one(tdb):
    t = svc.create_ticket(tdb, "carrier_ticket", "A1", {}, now=NOW)
    assert svc.update_ticket(tdb, t.id, {}, now=NOW, agent_id="A3").agent_id == "A3"
    with pytest.raises(svc.TicketInvalid) as exc:
        svc.update_ticket(tdb, t.id, {}, now=NOW, agent_id="ZZ")
    assert "agent_id" in exc.value.errors
    assert svc.get_ticket(tdb, t.id).agent_id == "A3"


@pytest.mark.parametrize(
    ("form", "agent", "fields", "needle"),
    [
        ("no_such_form", "A1", {}, "unknown form"),
        ("carrier_ticket", "ZZ", {}, "agent 'ZZ': not in the roster of cohort 'Test cohort'"),
        ("carrier_ticket", "A1", {"colour": "red"}, "not a field of Carrier Ticket"),
    ],
)
def test_create_refuses_unknown_form_agent_or_field(tdb, form, agent, fields, needle):
    with pytest.raises(svc.TicketError, match=needle):
        svc.create_ticket(tdb, form, agent, fields, now=NOW)
    assert svc.list_tickets(tdb) == []


def test_submitted_tickets_cannot_change_resubmit_or_be_deleted(tdb, config):
    t = _submit(tdb, config, "carrier_ticket", GOOD["carrier_ticket"])
    with pytest.raises(svc.TicketError, match="already submitted"):
        svc.update_ticket(tdb, t.id, {"summary": "x"}, now=NOW)
    with pytest.raises(svc.TicketError, match="already submitted"):
        svc.submit_ticket(tdb, config, t.id, now=NOW)
    with pytest.raises(svc.TicketError, match="already submitted"):
        svc.delete_draft(tdb, t.id)
    assert svc.get_ticket(tdb, t.id).fields["summary"] == GOOD["carrier_ticket"]["summary"]


def test_delete_draft_removes_it(tdb):
    t = svc.create_ticket(tdb, "carrier_ticket", "A1", {}, now=NOW)
    svc.delete_draft(tdb, t.id)
    with pytest.raises(svc.TicketError, match="no ticket"):
        svc.get_ticket(tdb, t.id)


def test_submit_stores_computed_fields(tdb, config):
    cc = _submit(tdb, config, "call_certification", GOOD["call_certification"])
    assert cc.fields["result"] == "passed"
    assert cc.fields["scores"] == [90, 85, 70, 95, 88]
    fe = _submit(tdb, config, "failed_carrier_cert_exam", GOOD["failed_carrier_cert_exam"])
    assert fe.fields["next_step"]  # from the failed-exam guide
    assert fe.fields["attempt_no"] == 1 and fe.fields["score"] == 70


def test_list_filters_and_header_draft_count(tdb, config):
    a = svc.create_ticket(tdb, "carrier_ticket", "A1", {}, now=NOW)
    b = svc.create_ticket(tdb, "carrier_ticket", "A2", {}, now=NOW)  # same time: insert order
    c = _submit(tdb, config, "call_certification", GOOD["call_certification"], agent="A2")
    assert [t.id for t in svc.list_tickets(tdb)] == [a.id, b.id, c.id]
    assert [t.id for t in svc.list_tickets(tdb, status="draft")] == [a.id, b.id]
    assert [t.id for t in svc.list_tickets(tdb, form="call_certification")] == [c.id]
    assert [t.id for t in svc.list_tickets(tdb, agent_id="A2")] == [b.id, c.id]
    assert [t.id for t in svc.list_tickets(tdb, "draft", agent_id="A2")] == [b.id]
    assert "2 drafts" in header_parts(tdb, config, NOW)
    with pytest.raises(svc.TicketError, match="unknown status"):
        svc.list_tickets(tdb, status="done")


def test_resolve_id_takes_an_unambiguous_prefix(tdb):
    t = svc.create_ticket(tdb, "carrier_ticket", "A1", {}, now=NOW)
    assert svc.resolve_id(tdb, t.id[:8]) == t.id
    with pytest.raises(svc.TicketError, match="no ticket"):
        svc.resolve_id(tdb, "zzzz")


def test_partial_field_errors_check_only_filled_fields(config):
    assert svc.field_errors(config, "carrier_ticket", {"carrier": "Aetna"}, partial=True) == {}
    errors = svc.field_errors(config, "carrier_ticket", {"urgency": "asap"}, partial=True)
    assert list(errors) == ["urgency"]
    full = svc.field_errors(config, "carrier_ticket", {"carrier": "Aetna"})
    assert {"summary", "steps_tried"} <= set(full)


# --- links to progress ----------------------------------------------------------------------


def test_carrier_cert_completion_marks_the_cert_passed_with_its_score(tdb, config):
    _submit(tdb, config, "carrier_cert_completion", GOOD["carrier_cert_completion"])
    assert progress_store.get_status(tdb, "A1", "cert_aetna") == "passed"
    attempts = progress_store.list_attempts(tdb, "A1", "cert_aetna")
    assert [(a.score, a.passed) for a in attempts] == [(95, True)]


def test_completion_by_certificate_id_marks_passed_without_an_attempt(tdb, config):
    fields = {"carrier": "Humana", "completed_on": "2026-11-23", "certificate_id": "HUM-778"}
    _submit(tdb, config, "carrier_cert_completion", fields)
    assert progress_store.get_status(tdb, "A1", "cert_humana") == "passed"
    assert progress_store.list_attempts(tdb, "A1", "cert_humana") == []


def test_failed_exam_records_the_attempt(tdb, config):
    _submit(tdb, config, "failed_carrier_cert_exam", GOOD["failed_carrier_cert_exam"])
    assert progress_store.get_status(tdb, "A1", "cert_aetna") == "failed"
    assert progress_store.failed_count(tdb, "A1", "cert_aetna") == 1


@pytest.mark.parametrize(
    ("scores", "status"),
    [("90, 85, 70, 95, 88", "passed"), ("60, 70, 90, 50, 95", "failed")],
)
def test_call_certification_records_the_result(tdb, config, scores, status):
    fields = {**GOOD["call_certification"], "scores": scores}
    t = _submit(tdb, config, "call_certification", fields)
    assert t.fields["result"] == status
    assert progress_store.get_status(tdb, "A1", "call_cert") == status


def test_a_progress_refusal_rolls_the_submit_back(tdb, config):
    task = config.task("cert_aetna")
    assert task is not None and task.max_attempts is not None
    for n in range(1, task.max_attempts + 1):
        fields = {**GOOD["failed_carrier_cert_exam"], "attempt_no": str(n)}
        _submit(tdb, config, "failed_carrier_cert_exam", fields)
    # One more fail than allowed: the form itself refuses the attempt number...
    extra = {**GOOD["failed_carrier_cert_exam"], "attempt_no": str(task.max_attempts + 1)}
    t = svc.create_ticket(tdb, "failed_carrier_cert_exam", "A1", extra, now=NOW)
    with pytest.raises(svc.TicketInvalid, match="allows"):
        svc.submit_ticket(tdb, config, t.id, now=NOW)
    # ...and an attempt number that disagrees with the recorded attempts is refused too.
    again = {**GOOD["failed_carrier_cert_exam"], "attempt_no": "1"}
    t2 = svc.create_ticket(tdb, "failed_carrier_cert_exam", "A1", again, now=NOW)
    with pytest.raises(svc.TicketInvalid, match="this one is attempt 4") as e:
        svc.submit_ticket(tdb, config, t2.id, now=NOW)
    assert set(e.value.errors) == {"attempt_no"}
    assert svc.get_ticket(tdb, t2.id).status == "draft"
    assert progress_store.failed_count(tdb, "A1", "cert_aetna") == task.max_attempts


def test_prefill_puts_today_in_date_fields_and_default_urgency():
    assert svc.prefill("call_certification", DAY1) == {"date": "2026-11-23"}
    assert svc.prefill("carrier_ticket", DAY1) == {"urgency": "normal"}


def test_failed_exam_attempt_number_must_match_the_recorded_attempts(tdb, config):
    first = {**GOOD["failed_carrier_cert_exam"], "attempt_no": "1"}
    _submit(tdb, config, "failed_carrier_cert_exam", first)
    # Typing 3 when only one attempt is recorded would show the wrong guide step.
    wrong = {**GOOD["failed_carrier_cert_exam"], "attempt_no": "3"}
    t = svc.create_ticket(tdb, "failed_carrier_cert_exam", "A1", wrong, now=NOW)
    with pytest.raises(svc.TicketInvalid, match="1 attempt\\(s\\) are recorded"):
        svc.submit_ticket(tdb, config, t.id, now=NOW)
    assert progress_store.failed_count(tdb, "A1", "cert_aetna") == 1
    # Left blank, it is filled with the next attempt number and the guide's step follows it.
    blank = {k: v for k, v in GOOD["failed_carrier_cert_exam"].items() if k != "attempt_no"}
    t = _submit(tdb, config, "failed_carrier_cert_exam", blank)
    assert t.fields["attempt_no"] == 2
    assert "CAP" in t.fields["next_step"]


# --- new_ticket: the one entry point of "new ticket" (the Tickets screen and the CLI) -----------


def _rows(db: Database, table: str) -> int:
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_new_ticket_reports_every_problem_at_once_and_writes_nothing(tdb, config):
    fields = {"urgency": "asap", "colour": "red", "summary": "x" * 50_001, "carrier": ""}
    with pytest.raises(svc.TicketInvalid) as exc:
        svc.new_ticket(tdb, config, "carrier_ticket", "ZZ", fields, now=NOW)
    errors = exc.value.errors
    # A draft: the blank carrier is fine until submit; everything else is named, the agent first.
    assert next(iter(errors)) == "agent_id"
    assert set(errors) == {"agent_id", "urgency", "colour", "summary"}
    assert errors["agent_id"] == "agent 'ZZ': not in the roster of cohort 'Test cohort'"
    assert "low, normal, high" in errors["urgency"]
    assert errors["colour"].startswith("not a field of Carrier Ticket; fields: carrier, summary")
    assert "50,000" in errors["summary"]
    assert _rows(tdb, "tickets") == 0


def test_new_ticket_submit_needs_the_whole_form_and_names_every_missing_field(tdb, config):
    with pytest.raises(svc.TicketInvalid) as exc:
        svc.new_ticket(tdb, config, "carrier_ticket", "A1", {"urgency": "asap"}, now=NOW,
                       submit=True)  # fmt: skip
    assert set(exc.value.errors) == {"carrier", "summary", "steps_tried", "urgency"}
    assert exc.value.errors["carrier"] == "required"
    assert _rows(tdb, "tickets") == 0
    # The same fields without submit: a draft may be incomplete, only urgency is wrong.
    with pytest.raises(svc.TicketInvalid) as exc:
        svc.new_ticket(tdb, config, "carrier_ticket", "A1", {"urgency": "asap"}, now=NOW)
    assert set(exc.value.errors) == {"urgency"}
    assert _rows(tdb, "tickets") == 0


def test_new_ticket_blank_agent_is_required_and_unknown_form_is_refused(tdb, config):
    with pytest.raises(svc.TicketInvalid) as exc:
        svc.new_ticket(tdb, config, "carrier_ticket", "  ", {}, now=NOW)
    assert exc.value.errors == {"agent_id": "required"}
    with pytest.raises(svc.TicketError, match="unknown form 'carrier_tickets'; valid: "):
        svc.new_ticket(tdb, config, "carrier_tickets", "A1", {}, now=NOW)
    assert _rows(tdb, "tickets") == 0


def test_new_ticket_draft_is_prefilled_with_the_cohorts_today(tdb, config):
    # 03:30 UTC on Tuesday is still Monday evening in New York, the cohort's zone.
    late = NOW.replace(day=24, hour=3, minute=30)
    t = svc.new_ticket(tdb, config, "call_certification", " A2 ", {"certifier": "Q"}, now=late)
    assert (t.status, t.agent_id) == ("draft", "A2")
    assert t.fields == {"certifier": "Q", "date": "2026-11-23"}
    assert svc.get_ticket(tdb, t.id) == t


def test_new_ticket_with_submit_writes_the_ticket_and_its_progress_together(tdb, config):
    t = svc.new_ticket(
        tdb, config, "failed_carrier_cert_exam", "A1",
        {"task_key": "cert_aetna", "score": "70"}, now=NOW, submit=True,
    )  # fmt: skip
    # The blank attempt number is the next one, the date the cohort's today.
    assert t.status == "submitted" and t.submitted_at == NOW
    assert t.fields["attempt_no"] == 1 and t.fields["date"] == "2026-11-23"
    assert svc.get_ticket(tdb, t.id).status == "submitted"
    assert progress_store.failed_count(tdb, "A1", "cert_aetna") == 1


def test_new_ticket_with_submit_is_both_or_neither(tdb, config):
    import sqlite3

    # A real failure of the progress write, after the draft is inserted and submitted.
    tdb.execute(
        "CREATE TRIGGER no_attempts BEFORE INSERT ON exam_attempts"
        " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    fields = {"task_key": "cert_aetna", "score": "70"}
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        svc.new_ticket(tdb, config, "failed_carrier_cert_exam", "A1", fields, now=NOW,
                       submit=True)  # fmt: skip
    assert _rows(tdb, "tickets") == 0 and _rows(tdb, "exam_attempts") == 0
    # And a refusal by the progress rules (a completed cert cannot be failed again) likewise.
    tdb.execute("DROP TRIGGER no_attempts")
    _submit(tdb, config, "carrier_cert_completion", GOOD["carrier_cert_completion"])
    before = _rows(tdb, "tickets")
    with pytest.raises(svc.TicketInvalid, match="progress: "):
        svc.new_ticket(tdb, config, "failed_carrier_cert_exam", "A1", fields, now=NOW,
                       submit=True)  # fmt: skip
    assert _rows(tdb, "tickets") == before
    assert progress_store.failed_count(tdb, "A1", "cert_aetna") == 0


def test_an_unknown_agent_is_the_one_roster_message_in_every_ticket_action(tdb, config):
    from esp_tui.services.agents import unknown_agent_message

    message = unknown_agent_message(tdb, "ZZ")
    draft = svc.create_ticket(tdb, "carrier_ticket", "A1", {}, now=NOW)
    actions = [
        lambda: svc.new_ticket(tdb, config, "carrier_ticket", "ZZ", {}, now=NOW),
        lambda: svc.new_ticket(
            tdb, config, "carrier_ticket", "ZZ", GOOD["carrier_ticket"], now=NOW, submit=True
        ),
        lambda: svc.create_ticket(tdb, "carrier_ticket", "ZZ", {}, now=NOW),
        lambda: svc.update_ticket(tdb, draft.id, {}, now=NOW, agent_id="ZZ"),
    ]
    for action in actions:
        with pytest.raises(svc.TicketInvalid) as exc:
            action()
        assert str(exc.value) == message == "agent 'ZZ': not in the roster of cohort 'Test cohort'"
        assert exc.value.errors == {"agent_id": message}
    assert [t.id for t in svc.list_tickets(tdb)] == [draft.id]
    assert svc.get_ticket(tdb, draft.id).agent_id == "A1"
