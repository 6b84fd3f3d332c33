"""Google Meet attendance reports: both header styles, time formats, errors, matching."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import pytest

from esp_tui.domain.meet_report import (
    MeetReportError,
    MeetRow,
    Proposal,
    normalize_name,
    parse_meet_report,
    parse_meet_time,
    propose_stamps,
)

MEET_EXPORT = (
    "\ufeffFirst name,Last name,Email,Duration,Time joined,Time exited\n"
    "Ana,Lima,ana.lima@example.com,7 hr 50 min,9:04 AM,4:54 PM\n"
    "Bo,Chen,,45 min,9:30 AM,10:15 AM\n"
)

ADDON_EXPORT = (
    "Meeting code: abc-defg-hij\n"
    "\n"
    '" participant ","EMAIL","First  Seen","last seen"\n'
    '"Ana Lima","Ana.Lima@Example.com","09:04:10","16:54"\n'
    "\n"
    '"Dee O\'Neil","","2026-03-09T09:15:00","2026-03-09 17:01:00"\n'
)

AGENTS = [
    ("E100", "Ana Lima", "ana.lima@example.com"),
    ("E200", "Bo Chen", "bo.chen@example.com"),
    ("E300", "Dee O'Neil", "dee.oneil@example.com"),
    ("E400", "Chris Park", "chris.park@example.com"),
]


# --- parsing -----


def test_meet_attendance_report_header_style() -> None:
    rows = parse_meet_report(MEET_EXPORT, "meet.csv")
    assert rows == [
        MeetRow(
            row=2,
            participant="Ana Lima",
            email="ana.lima@example.com",
            first_seen=time(9, 4),
            last_seen=time(16, 54),
        ),
        MeetRow(
            row=3, participant="Bo Chen", email=None, first_seen=time(9, 30), last_seen=time(10, 15)
        ),
    ]


def test_participant_header_style_any_case_and_spacing_after_a_preamble() -> None:
    rows = parse_meet_report(ADDON_EXPORT, "meet.csv")
    assert [(r.row, r.participant, r.email, r.first_seen, r.last_seen) for r in rows] == [
        (4, "Ana Lima", "Ana.Lima@Example.com", time(9, 4, 10), time(16, 54)),
        (6, "Dee O'Neil", None, time(9, 15), time(17, 1)),
    ]


def test_header_only_report_has_no_rows() -> None:
    assert parse_meet_report("Participant,Email,First seen,Last seen\n", "meet.csv") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:04", time(9, 4)),
        ("9:04", time(9, 4)),
        ("09:04:33", time(9, 4, 33)),
        ("9:04 AM", time(9, 4)),
        ("9:04am", time(9, 4)),
        ("1:15 PM", time(13, 15)),
        ("1:15:07 p.m.", time(13, 15, 7)),
        ("12:05 AM", time(0, 5)),
        ("12:30 pm", time(12, 30)),
        ("2026-03-09T09:04:00", time(9, 4)),
        ("2026-03-09 16:59:59.250", time(16, 59, 59)),
    ],
)
def test_time_formats(text: str, expected: time) -> None:
    assert parse_meet_time(text) == expected


def test_iso_time_with_an_offset_is_converted_to_the_cohort_zone() -> None:
    ny = ZoneInfo("America/New_York")
    assert parse_meet_time("2026-03-09T13:04:00Z", ny) == time(9, 4)  # EDT since 2026-03-08
    assert parse_meet_time("2026-03-09T13:04:00Z") == time(13, 4)  # no zone given: as written


@pytest.mark.parametrize("text", ["9:7x", "13:00 PM", "0:30 AM", "25:00", "9:60", "noon", "9"])
def test_bad_times(text: str) -> None:
    with pytest.raises(ValueError, match="bad time"):
        parse_meet_time(text)


# --- errors -----

HEADER_B = "Participant,Email,First seen,Last seen\n"
OK_B = "Ana Lima,ana.lima@example.com,09:00,17:00\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEADER_B + OK_B + OK_B + "Bo Chen,bo@example.com,9:7x,17:00\n",
            "meet.csv: row 4: field 'First seen': bad time '9:7x'",
        ),
        (
            HEADER_B + "Bo Chen,bo@example.com,09:00,\n",
            "meet.csv: row 2: field 'Last seen': empty",
        ),
        (
            HEADER_B + "Bo Chen,bo@example.com,09:00\n",
            "meet.csv: row 2: field 'Last seen': empty",
        ),
        (
            HEADER_B + ",bo@example.com,09:00,10:00\n",
            "meet.csv: row 2: field 'Participant': empty",
        ),
        (
            HEADER_B + "Bo Chen,bo-at-example,09:00,10:00\n",
            "meet.csv: row 2: field 'Email': bad email 'bo-at-example'",
        ),
        (
            HEADER_B + "Bo Chen,bo@example.com,11:00,10:00\n",
            "meet.csv: row 2: field 'Last seen': 10:00:00 is before 11:00:00",
        ),
        (
            "First name,Last name,Email,Duration,Time joined,Time exited\n"
            "Bo,Chen,bo@example.com,1 hr,9:00 AM,25:00\n",
            "meet.csv: row 2: field 'Time exited': bad time '25:00'",
        ),
        (
            "First name,Last name,Email,Duration,Time joined,Time exited\n"
            ",,bo@example.com,1 hr,9:00 AM,10:00 AM\n",
            "meet.csv: row 2: field 'First name': empty",
        ),
    ],
)
def test_errors_name_the_file_row_and_field(text: str, message: str) -> None:
    with pytest.raises(MeetReportError) as err:
        parse_meet_report(text, "meet.csv")
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("", None),
        ("\n\n", None),
        ("Name,Joined\nAna,09:00\n", "Name, Joined (row 1)"),
        ("Participant,Email\n", "Participant, Email (row 1)"),
    ],
)
def test_an_unknown_header_is_an_error(text: str, found: str | None) -> None:
    with pytest.raises(MeetReportError) as err:
        parse_meet_report(text, "report.csv")
    if found is None:
        assert str(err.value) == "report.csv: the file is empty"
        return
    # One line: the headers found, and every layout known with its columns.
    assert str(err.value).startswith(f"report.csv: no header row of a Meet report: found {found};")
    assert "known: Google Meet attendance report (First name, Last name, Email," in str(err.value)
    assert "Google Meet Attendance List extension (Full Name, First Seen, Time in Call)" in str(
        err.value
    )
    assert "\n" not in str(err.value)


def test_meet_report_error_is_a_value_error() -> None:
    assert issubclass(MeetReportError, ValueError)


# --- matching -----


def row(
    name: str, email: str | None, first: time = time(9), last: time = time(17), n: int = 2
) -> MeetRow:
    return MeetRow(row=n, participant=name, email=email, first_seen=first, last_seen=last)


def test_match_by_email_then_by_name_and_list_the_unmatched() -> None:
    rows = [
        *parse_meet_report(MEET_EXPORT, "meet.csv"),
        row("Jordan TL", "jordan.tl@example.com"),
        row("Guest", None),
    ]
    proposals, unmatched = propose_stamps(rows, AGENTS)
    assert proposals == [
        Proposal(
            agent_id="E100",
            participant="Ana Lima",
            first_seen=time(9, 4),
            last_seen=time(16, 54),
            matched_by="email",
        ),
        Proposal(
            agent_id="E200",
            participant="Bo Chen",
            first_seen=time(9, 30),
            last_seen=time(10, 15),
            matched_by="name",
        ),
    ]
    assert unmatched == ["Jordan TL <jordan.tl@example.com>", "Guest"]


def test_email_match_is_case_insensitive_and_wins_over_the_name() -> None:
    # Displayed as Bo Chen, but the email is Ana's account: the email decides.
    proposals, unmatched = propose_stamps([row("Bo Chen", " ANA.LIMA@example.COM ")], AGENTS)
    assert [(p.agent_id, p.matched_by) for p in proposals] == [("E100", "email")]
    assert unmatched == []


def test_unknown_email_falls_back_to_the_name() -> None:
    proposals, _ = propose_stamps(
        [row("  josé  o'neil ", "personal@example.org")],
        [*AGENTS, ("E500", "José O'Neil", "jose@example.com")],
    )
    assert [(p.agent_id, p.matched_by) for p in proposals] == [("E500", "name")]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ana Lima", "ana lima"),
        ("José Núñez", "JOSE NUNEZ"),
        ("Dee O'Neil", "dee  o neil"),
        ("Mary-Jo  Smith", "mary jo smith"),
    ],
)
def test_normalized_names_match(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_normalized_names_still_tell_people_apart() -> None:
    assert normalize_name("Ana Lima") != normalize_name("Ana Lim")


def test_a_name_two_agents_share_is_not_guessed() -> None:
    agents = [("E1", "Sam Lee", "sam1@example.com"), ("E2", "Sam Lee", "sam2@example.com")]
    proposals, unmatched = propose_stamps(
        [row("Sam Lee", None), row("Sam Lee", "SAM2@example.com")], agents
    )
    assert [(p.agent_id, p.matched_by) for p in proposals] == [("E2", "email")]
    assert unmatched == ["Sam Lee"]


def test_rejoins_merge_into_one_proposal() -> None:
    rows = [
        row("Ana Lima", None, time(9, 2), time(12, 0)),
        row("Ana Lima", "ana.lima@example.com", time(12, 45), time(16, 58)),
        row("Ana Lima", None, time(8, 58), time(9, 1)),
    ]
    proposals, unmatched = propose_stamps(rows, AGENTS)
    assert proposals == [
        Proposal(
            agent_id="E100",
            participant="Ana Lima",
            first_seen=time(8, 58),
            last_seen=time(16, 58),
            matched_by="email",
        )
    ]
    assert unmatched == []


def test_unmatched_people_are_listed_once() -> None:
    _, unmatched = propose_stamps([row("Guest", None), row("Guest", None)], AGENTS)
    assert unmatched == ["Guest"]
