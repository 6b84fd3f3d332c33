"""The form registry: every form of FORMS reaches the CLI, the tickets list, the config defaults,
the sheet layout and the troubleshooting trees with no other edit; a fifth spec proves it."""

from __future__ import annotations

import argparse
import tomllib
from zoneinfo import ZoneInfo

import pytest

from esp_tui.cli import build_parser, main
from esp_tui.config import Config, ConfigError, build_config, default_config_text
from esp_tui.domain.forms import (
    FORMS,
    FormSpec,
    default_form_tabs,
    display_label,
    form_fields,
    ticket_gist,
)
from esp_tui.domain.trees import Step
from esp_tui.services import tickets as svc
from esp_tui.sync.desired import ticket_rows
from esp_tui.sync.layout import SUBMITTED, TICKET_KEY, sheet_layout
from tests.conftest import FIXED_NOW
from tests.fifth_form import FIFTH

NAMES = list(FORMS)  # read at collection: a spec added to FORMS is covered by every test below

# The names, labels, tabs and headers existing sheets and tooling rely on, exactly.
FIXED = ["Ticket ID", "Cohort", "Agent ID", "Name", "Submitted"]
PINNED = {
    "carrier_cert_completion": (
        "Carrier Cert Completion",
        "Carrier Cert Completion",
        ["Carrier", "Certification task", "Completed on", "Score", "Certificate ID", "Proof note"],
    ),
    "call_certification": (
        "Call Certification",
        "Call Certification",
        ["Certifier", "Date", "Call scores", "Feedback", "Result"],
    ),
    "failed_carrier_cert_exam": (
        "Failed Carrier Cert Exam",
        "Failed Carrier Cert Exams",
        ["Exam / cert", "Attempt number", "Score", "Date", "Next step"],
    ),
    "carrier_ticket": (
        "Carrier Ticket",
        "Carrier Tickets",
        ["Carrier / system", "Summary", "Steps tried", "Contact made", "Urgency"],
    ),
}


def _choices(*path: str) -> list[str]:
    """The choices of the `form` argument of `esp-tui tickets PATH...` (a fresh parser)."""
    parser = build_parser()
    for name in ("tickets", *path):
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return list(next(a for a in parser._actions if a.dest == "form").choices or ())


@pytest.fixture
def default_config() -> Config:
    return build_config({}, "test")


def test_the_four_forms_keep_their_names_labels_tabs_and_headers(default_config):
    assert NAMES[:4] == list(PINNED)
    layout = sheet_layout(default_config, 5)
    for name, (label, tab, headers) in PINNED.items():
        assert (FORMS[name].label, FORMS[name].default_tab) == (label, tab)
        assert layout.forms[name].title == tab
        assert list(layout.forms[name].headers) == FIXED + headers
    titles = [t.title for t in layout.tabs()]
    assert titles == ["ESP Tracker", *(tab for _, tab, _ in PINNED.values()), "Red Flags"]


@pytest.mark.parametrize("name", NAMES)
def test_every_form_is_a_cli_choice(name):
    assert name in _choices("new")
    assert name in _choices("list")


@pytest.mark.parametrize("name", NAMES)
def test_every_form_has_a_list_gist_that_never_raises(name):
    spec = FORMS[name]
    assert spec.gist, "a form needs a field that says what its tickets are about"
    keys = {f.key for f in spec.fields} | {k for k, _ in spec.computed}
    assert set(spec.gist) <= keys
    assert ticket_gist(name, {}) == ""
    filled = {key: f"<{key}>" for key in spec.gist}
    assert ticket_gist(name, filled) == " · ".join(filled.values())


@pytest.mark.parametrize("name", NAMES)
def test_every_form_has_a_config_default_tab_from_its_spec(name, default_config):
    assert default_config.sheet.form_tabs[name] == FORMS[name].default_tab
    assert Config().sheet.form_tabs[name] == FORMS[name].default_tab


@pytest.mark.parametrize("name", NAMES)
def test_every_form_has_a_sheet_tab_with_its_fields_then_computed_columns(name, default_config):
    spec = FORMS[name]
    tab = sheet_layout(default_config, 5).forms[name]
    assert tab.title == default_config.sheet.form_tabs[name]
    assert tab.key_header == TICKET_KEY and SUBMITTED in tab.headers
    assert list(tab.field_headers) == [(f.key, f.label) for f in spec.fields] + list(spec.computed)
    assert tab.headers[-len(tab.field_headers) :] == tuple(h for _, h in tab.field_headers)


@pytest.mark.parametrize("name", NAMES)
def test_every_form_declares_exactly_its_models_fields(name):
    spec = FORMS[name]
    model_fields = spec.model.model_fields
    typed = [f.key for f in spec.fields]
    assert len(typed) == len(set(typed))
    assert set(typed) | {k for k, _ in spec.computed} == set(model_fields)
    assert not set(typed) & {k for k, _ in spec.computed}
    for f in form_fields(name):
        assert f.required == model_fields[f.key].is_required(), f.key


@pytest.mark.parametrize("name", NAMES)
def test_every_form_is_a_valid_escalation_and_a_valid_service_form(name):
    step = Step.model_validate({"id": "a", "text": "A", "outcomes": {"no": "escalate"},
                                "escalate_form": name})  # fmt: skip
    assert step.escalate_form == name
    assert svc.check_form_name(name) == name


def test_default_toml_lists_every_forms_tab_as_the_registry_does():
    data = tomllib.loads(default_config_text())
    assert data["sheet"]["form_tabs"] == default_form_tabs()
    assert list(data["sheet"]["form_tabs"]) == NAMES  # same order as the registry


def test_a_user_config_overrides_one_tab_and_refuses_an_unknown_form():
    config = build_config({"sheet": {"form_tabs": {"carrier_ticket": "Tickets"}}}, "c.toml")
    assert config.sheet.form_tabs == {**default_form_tabs(), "carrier_ticket": "Tickets"}
    with pytest.raises(ConfigError) as e:
        build_config({"sheet": {"form_tabs": {"carrier_tickets": "T"}}}, "c.toml")
    assert str(e.value).startswith(
        "c.toml: key 'sheet.form_tabs': unknown form 'carrier_tickets'; forms: "
        "carrier_cert_completion, call_certification"
    )


def test_gist_and_label_of_a_form_this_version_does_not_know():
    assert ticket_gist("from_the_future", {"summary": "x"}) == ""
    assert display_label("from_the_future") == "from_the_future"
    assert ticket_gist("call_certification", {"scores": [90.0, 85.5]}) == "90, 85.5"


# --- a fifth form: one spec, no other edit ---------------------------------------------------


@pytest.fixture
def fifth(monkeypatch: pytest.MonkeyPatch) -> FormSpec:
    """FIFTH registered in FORMS (the very dict every module reads) for one test."""
    monkeypatch.setitem(FORMS, FIFTH.name, FIFTH)
    return FIFTH


def test_a_fifth_spec_reaches_cli_config_layout_and_trees(fifth):
    assert _choices("new")[-1] == _choices("list")[-1] == "agent_feedback"
    config = build_config({}, "test")  # the shipped TOML does not list it: the spec's default
    assert config.sheet.form_tabs["agent_feedback"] == "Agent Feedback"
    tab = sheet_layout(config, 5).forms["agent_feedback"]
    assert list(tab.headers) == [*FIXED, "Topic", "Rating", "Stars"]
    assert [t.title for t in sheet_layout(config, 5).tabs()][-2] == "Agent Feedback"
    step = Step.model_validate({"id": "a", "text": "A", "outcomes": {"no": "escalate"},
                                "escalate_form": "agent_feedback"})  # fmt: skip
    assert step.escalate_form == "agent_feedback"
    assert "agent_feedback" not in _choices_without_fifth()


def _choices_without_fifth() -> list[str]:
    spec = FORMS.pop(FIFTH.name)
    try:
        return _choices("new")
    finally:
        FORMS[FIFTH.name] = spec


def test_a_fifth_form_is_created_submitted_and_synced_without_a_migration(fifth, seeded_db):
    config = build_config({"cohort": {"timezone": "UTC"}}, "test")
    with pytest.raises(svc.TicketInvalid) as e:
        svc.new_ticket(seeded_db, config, "agent_feedback", "D1001", {"rating": "9"}, now=FIXED_NOW,
                       submit=True)  # fmt: skip
    assert e.value.errors == {"topic": "required", "rating": "must be 1 to 5"}
    t = svc.new_ticket(seeded_db, config, "agent_feedback", "D1001",
                       {"topic": "Headset", "rating": "4"}, now=FIXED_NOW, submit=True)  # fmt: skip
    assert (t.status, t.fields) == ("submitted", {"topic": "Headset", "rating": 4, "stars": "****"})
    assert [x.id for x in svc.list_tickets(seeded_db, form="agent_feedback")] == [t.id]
    assert ticket_gist(t.form, t.fields) == "Headset"
    rows = ticket_rows(seeded_db, config, sheet_layout(config, 5), ZoneInfo("UTC"))
    row = rows["agent_feedback"][t.id]
    assert (row["Topic"], row["Rating"], row["Stars"]) == ("Headset", "4", "****")


def test_the_cli_creates_a_fifth_form_ticket(fifth, db_path, capsys):
    assert main(["demo", "--seed-only", "--db", str(db_path)]) == 0
    capsys.readouterr()
    argv = ["tickets", "new", "agent_feedback", "--agent", "D1001", "--db", str(db_path),
            "--field", "topic=Headset", "--field", "rating=2", "--submit"]  # fmt: skip
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("submitted agent_feedback ")
    assert main(["tickets", "list", "--db", str(db_path)]) == 0
    assert "Agent Feedback" in capsys.readouterr().out
