"""Side Meets (rooms, moves, time in rooms) and the TL's status (log, message, header)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from esp_tui.domain.rooms import (
    RoomMove,
    TlStatus,
    chat_message,
    header_text,
    short_duration,
    stays,
    time_in_rooms,
)
from esp_tui.services import rooms, tl_status
from esp_tui.services.header import header_parts
from esp_tui.services.roster_view import RosterRow, fill_extras
from storage.cohort import get_cohort
from tests.conftest import FIXED_NOW, TZ

NOW = FIXED_NOW
MIN = timedelta(minutes=1)


# --- pure rules -------------------------------------------------------------------------------


def _mv(agent: str, room: int | None, minute: int) -> RoomMove:
    return RoomMove(agent_id=agent, room_id=room, at=NOW + minute * MIN)


def test_stays_follow_moves_and_ignore_repeats():
    moves = [_mv("a", 1, 0), _mv("a", 1, 5), _mv("a", 2, 10), _mv("b", 1, 12), _mv("a", None, 20)]
    got = [(s.agent_id, s.room_id, s.start, s.end) for s in stays(moves)]
    assert got == [
        ("a", 1, NOW, NOW + 10 * MIN),
        ("a", 2, NOW + 10 * MIN, NOW + 20 * MIN),
        ("b", 1, NOW + 12 * MIN, None),
    ]
    assert time_in_rooms(moves, NOW + 30 * MIN) == {"a": 20 * MIN, "b": 18 * MIN}


@pytest.mark.parametrize(
    ("delta", "text"),
    [(timedelta(0), "0m"), (59 * MIN, "59m"), (60 * MIN, "1h00m"), (125 * MIN, "2h05m")],
)
def test_short_duration(delta, text):
    assert short_duration(delta) == text


@pytest.mark.parametrize(
    ("status", "where", "minutes", "text"),
    [
        ("assisting", "Room 2", 10, "Back in 10 min - assisting in Room 2"),
        ("assisting", "", None, "Back shortly - assisting another agent"),
        ("break", "", 15, "Back in 15 min - on a short break"),
        ("available", "", None, "I'm back and available - ask away in the chat"),
    ],
)
def test_chat_message(status, where, minutes, text):
    assert chat_message(status, where=where, minutes=minutes) == text


def test_header_text():
    brk = TlStatus(status="break", minutes=10, since=NOW)
    assert header_text(brk, NOW + 4 * MIN) == "TL on break 4m/10m"
    helping = TlStatus(status="assisting", detail="Room 1", since=NOW)
    assert header_text(helping, NOW + 7 * MIN) == "TL assisting Room 1 7m"
    assert header_text(None, NOW) == "TL available"


# --- rooms service ----------------------------------------------------------------------------


def test_create_room_defaults_and_validation(seeded_db):
    r1 = rooms.create_room(seeded_db, purpose="assist", now=NOW)
    r2 = rooms.create_room(
        seeded_db,
        purpose="call_cert",
        certifier="Ann QA",
        meet_link="https://meet.google.com/x",
        now=NOW,
    )
    assert (r1.name, r2.name) == ("Room 1", "Cert 2")
    assert r2.certifier == "Ann QA" and r2.is_open
    bad = [
        ({"purpose": "party"}, "purpose"),
        ({"purpose": "call_cert"}, "certifier"),
        ({"purpose": "assist", "meet_link": "not a link"}, "meet link"),
    ]
    for kwargs, field in bad:
        with pytest.raises(rooms.RoomError, match=field):
            rooms.create_room(seeded_db, now=NOW, **kwargs)
    assert len(rooms.list_rooms(seeded_db)) == 2


def test_move_and_close_keep_times_and_where(seeded_db, config):
    room = rooms.create_room(seeded_db, purpose="assist", now=NOW)
    rooms.move_agent(seeded_db, "D1001", room.id, now=NOW)
    rooms.move_agent(seeded_db, "D1002", room.id, now=NOW + 2 * MIN)
    rooms.move_agent(seeded_db, "D1002", room.id, now=NOW + 3 * MIN)  # no-op: already there
    assert rooms.where_by_agent(seeded_db) == {"D1001": room.name, "D1002": room.name}
    assert [o.agent_id for o in rooms.occupants(seeded_db, room.id)] == ["D1001", "D1002"]
    rows = {a: RosterRow(agent_id=a, name=a, team="") for a in ("D1001", "D1003")}
    fill_extras(seeded_db, config, get_cohort(seeded_db), 1, NOW, rows)  # type: ignore[arg-type]
    assert (rows["D1001"].where, rows["D1003"].where) == (room.name, "")

    rooms.move_agent(seeded_db, "D1001", None, now=NOW + 5 * MIN)
    assert rooms.where_label(seeded_db, "D1001") == "main Meet"
    back = rooms.close_room(seeded_db, room.id, now=NOW + 12 * MIN)
    assert back == ["D1002"]
    assert rooms.where_by_agent(seeded_db) == {}
    assert rooms.room_times(seeded_db, NOW + 60 * MIN) == {"D1001": 5 * MIN, "D1002": 10 * MIN}
    with pytest.raises(rooms.RoomError, match="closed"):
        rooms.move_agent(seeded_db, "D1001", room.id, now=NOW + 13 * MIN)
    with pytest.raises(rooms.RoomError, match="already closed"):
        rooms.close_room(seeded_db, room.id, now=NOW + 13 * MIN)
    assert rooms.list_rooms(seeded_db) == []
    assert len(rooms.list_rooms(seeded_db, include_closed=True)) == 1


def test_move_refuses_unknown_agent_or_room(seeded_db):
    unknown = r"^agent 'NOPE': not in the roster of cohort 'Demo cohort'$"  # the one message
    with pytest.raises(rooms.RoomError, match=unknown):
        rooms.move_agent(seeded_db, "NOPE", None, now=NOW)
    with pytest.raises(rooms.RoomError, match="no room"):
        rooms.move_agent(seeded_db, "D1001", 99, now=NOW)


# --- TL status --------------------------------------------------------------------------------


def test_set_status_logs_and_shows_in_the_header(seeded_db, config):
    from esp_tui.clock import cohort_zone

    zone = cohort_zone(TZ)
    local = NOW.astimezone(zone)
    assert tl_status.header_segment(seeded_db, local) is None  # nothing set today
    room = rooms.create_room(seeded_db, purpose="assist", now=NOW)
    e = tl_status.set_status(seeded_db, "assisting", room_id=room.id, minutes=10, now=NOW)
    assert e.message == "Back in 10 min - assisting in Room 1"
    assert e.detail == "Room 1"
    tl_status.set_status(seeded_db, "break", minutes=15, now=NOW + 20 * MIN)
    later = (NOW + 24 * MIN).astimezone(zone)
    assert header_parts(seeded_db, config, later)[0] == "TL on break 4m/15m"
    log = tl_status.day_log(seeded_db, local.date(), zone)
    assert [x.status for x in log] == ["assisting", "break"]
    # The next day yesterday's break no longer shows.
    tomorrow = (NOW + timedelta(days=1)).astimezone(zone)
    assert tl_status.header_segment(seeded_db, tomorrow) is None
    assert tl_status.day_log(seeded_db, tomorrow.date(), zone) == []


def test_assisting_an_agent_does_not_name_them_in_the_chat(seeded_db):
    e = tl_status.set_status(seeded_db, "assisting", agent_id="D1003", minutes=5, now=NOW)
    assert e.message == "Back in 5 min - assisting another agent"
    assert e.detail  # the agent's name is kept in the log


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "lunch"}, "status"),
        ({"status": "break"}, "minutes"),
        ({"status": "break", "minutes": 0}, "minutes"),
        ({"status": "assisting", "room_id": 42}, "room"),
        ({"status": "assisting", "agent_id": "NOPE"}, "agent"),
    ],
)
def test_set_status_refuses_bad_input(seeded_db, kwargs, field):
    with pytest.raises(tl_status.TlStatusError, match=field):
        tl_status.set_status(seeded_db, now=NOW, **kwargs)
    assert tl_status.current_status(seeded_db) is None


def test_custom_message_and_parse_minutes(seeded_db):
    e = tl_status.set_status(seeded_db, "break", minutes=5, message=" brb ", now=NOW)
    assert e.message == "brb"
    assert [tl_status.parse_minutes(t) for t in ("10", "10m", " 7 min", "")] == [10, 10, 7, None]
    with pytest.raises(tl_status.TlStatusError, match="minutes"):
        tl_status.parse_minutes("ten")
