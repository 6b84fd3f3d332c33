"""The four forms: fields, validation messages per field, computed fields, JSON-ability."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from importlib.resources import files
from typing import Any

import pytest

from esp_tui.domain.forms import (
    FORM_LABELS,
    FORM_MODELS,
    FORM_NAMES,
    CallCertification,
    CarrierCertCompletion,
    CarrierTicket,
    FailedCarrierCertExam,
    UnknownFormError,
    completion_task,
    form_fields,
    form_label,
    parse_scores,
    validate_form,
)
from esp_tui.domain.tasks import CallCertRule, GuideStep, validate_catalog

_CFG = tomllib.loads((files("esp_tui") / "data" / "default_config.toml").read_text("utf-8"))
TASKS = {t.key: t for t in validate_catalog(_CFG["tasks"])}

COMPLETION = {"carrier": "Aetna", "completed_on": "2025-11-24", "score": "92"}
CALL_CERT = {"certifier": "Q. Grader", "date": "2025-11-27", "scores": "90, 85, 70, 95, 88"}
FAILED = {"task_key": "cert_aetna", "attempt_no": "2", "score": "70", "date": "2025-11-25"}
TICKET = {"carrier": "AHIP", "summary": "Module 3 will not load", "steps_tried": "Cleared cache"}
VALID = {
    "carrier_cert_completion": COMPLETION,
    "call_certification": CALL_CERT,
    "failed_carrier_cert_exam": FAILED,
    "carrier_ticket": TICKET,
}


def test_form_names_and_labels() -> None:
    assert FORM_NAMES == (
        "carrier_cert_completion",
        "call_certification",
        "failed_carrier_cert_exam",
        "carrier_ticket",
    )
    assert [form_label(n) for n in FORM_NAMES] == [
        "Carrier Cert Completion",
        "Call Certification",
        "Failed Carrier Cert Exam",
        "Carrier Ticket",
    ]
    assert set(FORM_LABELS) == set(FORM_MODELS) == set(FORM_NAMES)


def test_unknown_form_name_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownFormError) as err:
        validate_form("carrier_tickets", {})
    assert isinstance(err.value, ValueError)
    assert str(err.value) == (
        "unknown form 'carrier_tickets'; valid: carrier_cert_completion, call_certification, "
        "failed_carrier_cert_exam, carrier_ticket"
    )
    with pytest.raises(UnknownFormError):
        form_fields("nope")


COMPUTED = {"call_certification": {"result"}, "failed_carrier_cert_exam": {"next_step"}}


@pytest.mark.parametrize("name", FORM_NAMES)
def test_form_fields_cover_the_model_except_computed(name: str) -> None:
    keys = [f.key for f in form_fields(name)]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(FORM_MODELS[name].model_fields) - COMPUTED.get(name, set())
    assert "agent_id" not in keys
    for spec in form_fields(name):
        model_field = FORM_MODELS[name].model_fields[spec.key]
        assert spec.required == model_field.is_required(), spec.key


def test_carrier_ticket_fields_exactly() -> None:
    specs = form_fields("carrier_ticket")
    assert [f.key for f in specs] == [
        "carrier",
        "summary",
        "steps_tried",
        "contact_made",
        "urgency",
    ]
    urgency = specs[-1]
    assert (urgency.kind, urgency.choices, urgency.default) == (
        "choice",
        ("low", "normal", "high"),
        "normal",
    )


def test_task_key_is_a_choice_of_exams_when_the_catalog_is_given() -> None:
    plain = {f.key: f for f in form_fields("failed_carrier_cert_exam")}
    assert plain["task_key"].kind == "text"
    with_tasks = {f.key: f for f in form_fields("failed_carrier_cert_exam", TASKS)}
    assert with_tasks["task_key"].kind == "choice"
    assert "cert_aetna" in with_tasks["task_key"].choices
    assert "ahip_m1" not in with_tasks["task_key"].choices


@pytest.mark.parametrize("name", FORM_NAMES)
@pytest.mark.parametrize("tasks", [None, TASKS])
def test_valid_forms_dump_to_json_and_reload(name: str, tasks: Any) -> None:
    model, errors = validate_form(name, VALID[name], tasks=tasks)
    assert errors == {}
    assert model is not None
    dumped = model.model_dump(mode="json")
    assert json.loads(json.dumps(dumped)) == dumped
    # What storage keeps validates back to the same form.
    again, errors = validate_form(name, dumped, tasks=tasks)
    assert errors == {}
    assert again == model


def test_strings_are_stripped_and_typed() -> None:
    model, _ = validate_form(
        "carrier_cert_completion",
        {
            "carrier": "  Aetna ",
            "completed_on": " 2025-11-24 ",
            "score": " 92% ",
            "proof_note": " ",
        },
    )
    assert isinstance(model, CarrierCertCompletion)
    assert (model.carrier, model.completed_on, model.score, model.proof_note) == (
        "Aetna",
        dt.date(2025, 11, 24),
        92.0,
        "",
    )


@pytest.mark.parametrize(
    ("name", "fields", "errors"),
    [
        (
            "carrier_cert_completion",
            {},
            {
                "carrier": "required",
                "completed_on": "required",
                "certificate_id": "give a score or a certificate id",
            },
        ),
        (
            "carrier_cert_completion",
            {"carrier": "Aetna", "completed_on": "2025-11-24"},
            {"certificate_id": "give a score or a certificate id"},
        ),
        (
            "carrier_cert_completion",
            {"carrier": " ", "completed_on": "24/11/2025", "score": "ninety"},
            {
                "carrier": "required",
                "completed_on": "must be a date as YYYY-MM-DD",
                "score": "must be a number from 0 to 100",
            },
        ),
        (
            "carrier_cert_completion",
            {**COMPLETION, "score": "101"},
            {"score": "must be a number from 0 to 100"},
        ),
        (
            "carrier_cert_completion",
            {**COMPLETION, "agent_id": "A1"},
            {
                "agent_id": "not a field of Carrier Cert Completion; fields: carrier, task_key, "
                "completed_on, score, certificate_id, proof_note"
            },
        ),
        (
            "call_certification",
            {},
            {"certifier": "required", "date": "required", "scores": "required"},
        ),
        (
            "call_certification",
            {**CALL_CERT, "scores": "90, 85, 7x"},
            {"scores": "call 3: '7x' is not a number"},
        ),
        (
            "call_certification",
            {**CALL_CERT, "scores": "90, 185"},
            {"scores": "call 2: 185 is outside 0 to 100"},
        ),
        (
            "call_certification",
            {**CALL_CERT, "scores": "90, 85, 70"},
            {"scores": "not decided yet: 3 of 5 calls graded, 2 passed, 4 needed"},
        ),
        (
            "call_certification",
            {**CALL_CERT, "scores": "90 90 90 90 90 90"},
            {"scores": "6 scores given; the certification grades 5"},
        ),
        (
            "call_certification",
            {**CALL_CERT, "scores": ",,"},
            {"scores": "enter the graded calls' scores, e.g. 90, 85, 70"},
        ),
        (
            "failed_carrier_cert_exam",
            {},
            {
                "task_key": "required",
                "attempt_no": "required",
                "score": "required",
                "date": "required",
            },
        ),
        (
            "failed_carrier_cert_exam",
            {**FAILED, "attempt_no": "0", "score": "-1", "date": "2025-02-30"},
            {
                "attempt_no": "must be a whole number, 1 or more",
                "score": "must be a number from 0 to 100",
                "date": "must be a date as YYYY-MM-DD",
            },
        ),
        (
            "failed_carrier_cert_exam",
            {**FAILED, "attempt_no": "1.5"},
            {"attempt_no": "must be a whole number, 1 or more"},
        ),
        (
            "carrier_ticket",
            {},
            {"carrier": "required", "summary": "required", "steps_tried": "required"},
        ),
        (
            "carrier_ticket",
            {**TICKET, "urgency": "urgent"},
            {"urgency": "must be one of: low, normal, high"},
        ),
    ],
)
def test_validation_errors_per_field(
    name: str, fields: dict[str, str], errors: dict[str, str]
) -> None:
    model, got = validate_form(name, fields)
    assert model is None
    assert got == errors


@pytest.mark.parametrize(
    ("name", "fields", "errors"),
    [
        (
            "carrier_cert_completion",
            {**COMPLETION, "score": "80"},
            {
                "score": "80 is below the Aetna certification pass mark (85); "
                "use a Failed Carrier Cert Exam"
            },
        ),
        (
            "carrier_cert_completion",
            {**COMPLETION, "task_key": "cert_humana"},
            {"task_key": "'cert_humana' is the Humana certification, not Aetna"},
        ),
        (
            "failed_carrier_cert_exam",
            {**FAILED, "task_key": "ahip_m1"},
            {
                "task_key": "'ahip_m1' is not an exam or cert task; known: ahip_final, "
                "cert_aetna, cert_humana, cert_uhc, cert_wellcare, cert_cigna, tbt_compliance"
            },
        ),
        (
            "failed_carrier_cert_exam",
            {**FAILED, "attempt_no": "4", "score": "85"},
            {
                "attempt_no": "Aetna certification allows 3 attempts",
                "score": "85 passes Aetna certification (pass mark 85); "
                "use a Carrier Cert Completion",
            },
        ),
    ],
)
def test_catalog_checks_when_tasks_are_given(
    name: str, fields: dict[str, str], errors: dict[str, str]
) -> None:
    assert validate_form(name, fields)[1] == {}  # without the catalog these pass
    model, got = validate_form(name, fields, tasks=TASKS)
    assert model is None
    assert got == errors


def test_certificate_id_alone_is_enough() -> None:
    model, errors = validate_form(
        "carrier_cert_completion",
        {"carrier": "Aetna", "completed_on": "2025-11-24", "certificate_id": "AET-1"},
        tasks=TASKS,
    )
    assert errors == {}
    assert isinstance(model, CarrierCertCompletion)
    assert model.score is None
    assert completion_task(model, TASKS) == TASKS["cert_aetna"]


def test_completion_task_by_key_or_unknown_carrier() -> None:
    by_key = CarrierCertCompletion(
        carrier="Aetna", task_key="cert_aetna", completed_on="2025-11-24", score=90
    )
    assert completion_task(by_key, TASKS) == TASKS["cert_aetna"]
    nobody = CarrierCertCompletion(carrier="Acme", completed_on="2025-11-24", score=90)
    assert completion_task(nobody, TASKS) is None


@pytest.mark.parametrize(
    ("raw", "scores"),
    [
        ("90, 85, 70", [90.0, 85.0, 70.0]),
        ("90 85;70", [90.0, 85.0, 70.0]),
        ("88%, 84.99", [88.0, 84.99]),
        ([90, "85"], [90.0, 85.0]),
    ],
)
def test_parse_scores(raw: Any, scores: list[float]) -> None:
    assert parse_scores(raw) == scores


@pytest.mark.parametrize(
    ("scores", "result"),
    [("90, 85, 70, 95, 88", "passed"), ("90, 90, 90, 90", "passed"), ("90, 70, 70", "failed")],
)
def test_call_cert_result_is_computed_not_typed(scores: str, result: str) -> None:
    model, errors = validate_form(
        "call_certification", {**CALL_CERT, "scores": scores, "result": "typed by hand"}
    )
    assert errors == {}
    assert isinstance(model, CallCertification)
    assert model.result == result


def test_call_cert_uses_the_rule_given() -> None:
    rule = CallCertRule(calls=3, pass_score=70, calls_to_pass=2)
    model, errors = validate_form(
        "call_certification", {**CALL_CERT, "scores": "70, 60, 75"}, call_cert=rule
    )
    assert errors == {}
    assert isinstance(model, CallCertification)
    assert model.result == "passed"


@pytest.mark.parametrize(
    ("attempt", "score", "step"),
    [
        ("1", "60", "Coach the agent on the missed sections before the next attempt."),
        ("2", "60", "Issue a written CAP; the next attempt is the last and is proctored."),
        ("3", "60", "The agent cannot sell for this carrier: raise a red flag to the PMs today."),
    ],
)
def test_failed_exam_next_step_from_the_guide(attempt: str, score: str, step: str) -> None:
    fields = {**FAILED, "attempt_no": attempt, "score": score}
    model, errors = validate_form("failed_carrier_cert_exam", fields, tasks=TASKS)
    assert errors == {}
    assert isinstance(model, FailedCarrierCertExam)
    assert model.next_step == step
    # Without the catalog the service has not filled it in: nothing is invented.
    bare, _ = validate_form("failed_carrier_cert_exam", fields)
    assert isinstance(bare, FailedCarrierCertExam)
    assert bare.next_step == ""


def test_failed_exam_next_step_follows_a_configured_guide() -> None:
    guide = [GuideStep(attempt=1, action="written_cap", text="CAP at once.", creates="cap")]
    model, _ = validate_form("failed_carrier_cert_exam", FAILED, tasks=TASKS, guide=guide)
    assert isinstance(model, FailedCarrierCertExam)
    assert model.next_step == "CAP at once."


@pytest.mark.parametrize(("given", "urgency"), [(None, "normal"), ("HIGH", "high"), ("low", "low")])
def test_ticket_urgency(given: str | None, urgency: str) -> None:
    fields = TICKET if given is None else {**TICKET, "urgency": given}
    model, errors = validate_form("carrier_ticket", fields)
    assert errors == {}
    assert isinstance(model, CarrierTicket)
    assert model.urgency == urgency
    assert model.contact_made == ""
