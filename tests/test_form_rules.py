"""The form rules of issue 14 item 6, in the models and the tickets service: every invalid field
at once (also those that depend on a missing exam), no date of something done after the
cohort's today, no blank urgency."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.forms import validate_form
from esp_tui.domain.models import Agent
from esp_tui.services import tickets as svc
from esp_tui.services.roster import cohort_from_config
from storage import progress as progress_store
from storage.agents import upsert_agents
from storage.cohort import save_cohort
from tests.conftest import DAY1, FIXED_NOW

TODAY = date(2026, 11, 23)
DONE_DATES = [
    ("carrier_cert_completion", "completed_on",
     {"carrier": "Aetna", "score": "95"}),
    ("call_certification", "date",
     {"certifier": "Ann QA", "scores": "90, 85, 70, 95, 88"}),
    ("failed_carrier_cert_exam", "date",
     {"task_key": "cert_aetna", "attempt_no": "1", "score": "70"}),
]  # fmt: skip


@pytest.fixture
def tdb(db: Database, config: Config) -> Database:
    with db.atomic():
        save_cohort(db, cohort_from_config(config, "Test cohort", DAY1))
        upsert_agents(db, [Agent(agent_id="A1", name="Agent 1", email="a1@example.com")])
    return db


@pytest.mark.parametrize(("form", "key", "fields"), DONE_DATES)
def test_a_date_of_something_done_may_not_be_after_today(config, form, key, fields):
    tasks = {t.key: t for t in config.tasks}
    model, errors = validate_form(form, {**fields, key: "2026-11-24"}, tasks=tasks, today=TODAY)
    assert model is None
    assert errors == {
        key: "2026-11-24 is in the future (today is 2026-11-23): give the day it happened"
    }
    for ok in ("2026-11-23", "2026-11-20"):
        model, errors = validate_form(form, {**fields, key: ok}, tasks=tasks, today=TODAY)
        assert errors == {} and model is not None, ok


def test_a_blank_urgency_is_refused_and_a_missing_one_is_normal():
    base = {"carrier": "Citrix", "summary": "Blank desktop", "steps_tried": "Reinstalled"}
    model, errors = validate_form("carrier_ticket", {**base, "urgency": "  "})
    assert model is None
    assert errors == {"urgency": "blank is not an urgency; must be one of: low, normal, high"}
    model, errors = validate_form("carrier_ticket", base)
    assert errors == {} and model is not None and model.urgency == "normal"  # type: ignore[attr-defined]


def test_a_missing_exam_does_not_hide_what_is_wrong_with_any_exam(config):
    tasks = {t.key: t for t in config.tasks}
    fields = {"attempt_no": "9", "score": "95", "date": "2026-11-30"}
    _, errors = validate_form("failed_carrier_cert_exam", fields, tasks=tasks, today=TODAY)
    assert errors == {
        "task_key": "required",
        "attempt_no": "no exam allows more than 3 attempts",
        "score": "95 passes every exam (the highest pass mark is 90); "
        "use a Carrier Cert Completion",
        "date": "2026-11-30 is in the future (today is 2026-11-23): give the day it happened",
    }
    # 85 fails the AHIP final (90) but passes Aetna (85): which exam decides, so no error yet.
    fields = {"task_key": "nope", "attempt_no": "2", "score": "85", "date": "2026-11-23"}
    _, errors = validate_form("failed_carrier_cert_exam", fields, tasks=tasks, today=TODAY)
    assert set(errors) == {"task_key"}


def test_submit_refuses_a_future_date_by_the_cohorts_clock(tdb, config):
    fields = {"task_key": "cert_aetna", "attempt_no": "1", "score": "70", "date": "2026-11-24"}
    t = svc.create_ticket(tdb, "failed_carrier_cert_exam", "A1", fields, now=FIXED_NOW)
    # 03:00 UTC on the 24th is still 22:00 on the 23rd in New York: the 24th is tomorrow there.
    late_evening = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    with pytest.raises(svc.TicketInvalid) as refused:
        svc.submit_ticket(tdb, config, t.id, now=late_evening)
    assert set(refused.value.errors) == {"date"}
    assert svc.get_ticket(tdb, t.id).is_draft
    assert progress_store.failed_count(tdb, "A1", "cert_aetna") == 0
    next_morning = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert svc.submit_ticket(tdb, config, t.id, now=next_morning).status == "submitted"


def test_new_ticket_refuses_a_blank_urgency_and_writes_nothing(tdb, config):
    fields = {"carrier": "Citrix", "summary": "Blank", "steps_tried": "Reinstalled", "urgency": ""}
    for submit in (False, True):
        with pytest.raises(svc.TicketInvalid) as refused:
            svc.new_ticket(tdb, config, "carrier_ticket", "A1", fields, now=FIXED_NOW,
                           submit=submit)  # fmt: skip
        assert set(refused.value.errors) == {"urgency"}, submit
    assert svc.list_tickets(tdb) == []


def test_form_problems_names_every_problem_at_once_and_writes_nothing(tdb, config):
    t = svc.create_ticket(tdb, "failed_carrier_cert_exam", "A1", {}, now=FIXED_NOW)
    typed = {"task_key": "cert_aetna", "attempt_no": "2", "score": "95", "date": "2026-12-01"}
    problems = svc.form_problems(tdb, config, t.id, typed, now=FIXED_NOW, agent_id="NOPE")
    assert set(problems) == {"agent_id", "attempt_no", "score", "date"}
    assert "not in the roster" in problems["agent_id"]
    assert "this one is attempt 1" in problems["attempt_no"]
    # A draft save points out only what is filled in; the stored draft is untouched.
    partial = svc.form_problems(tdb, config, t.id, {"score": "x"}, now=FIXED_NOW, partial=True)
    assert partial == {"score": "must be a number from 0 to 100"}
    assert svc.get_ticket(tdb, t.id).fields == {}
