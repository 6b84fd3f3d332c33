"""The sync plan (pure): per-cell three-way decisions, new rows, ranges, resolutions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from esp_tui.config import build_config
from esp_tui.sync.layout import (
    LayoutError,
    TabLayout,
    a1_range,
    cell_text,
    col_letters,
    read_tab,
    sheet_layout,
)
from esp_tui.sync.plan import DesiredTab, Resolution, decide, plan_sync

TAB = "ESP Tracker"
LAYOUT = TabLayout(TAB, "Agent ID", ("Agent ID", "Name", "Day 1 Notes"))


def grid(values: list[list[object]], rows: int = 1000, cols: int = 26):
    return read_tab(LAYOUT, values, rows, cols)


def want(rows: dict[str, dict[str, str]]) -> dict[str, DesiredTab]:
    return {TAB: DesiredTab(LAYOUT, rows)}


# ----------------------------------------------------------------------------- decide
@pytest.mark.parametrize(
    ("desired", "current", "base", "action", "after"),
    [
        ("a", "a", None, "skip", ("a", "a")),  # already there: agreed now
        ("", "", None, "skip", None),  # nothing on either side: not owned
        ("", "", ("x", "x"), "skip", ("", "")),  # both cleared
        ("a", "", None, "write", ("a", "a")),  # new cell
        ("b", "a", ("a", "a"), "write", ("b", "b")),  # we changed, sheet untouched
        ("a", "", ("a", "a"), "write", ("a", "a")),  # someone cleared it: restore
        ("", "a", ("a", "a"), "write", ("", "")),  # we deleted the note: clear
        ("a", "hand", ("a", "a"), "conflict", ("a", "a")),  # sheet edited, we differ
        ("b", "hand", ("a", "a"), "conflict", ("a", "a")),  # both edited
        ("a", "typed", None, "conflict", None),  # never pushed, cell not empty
        ("a", "sheet", ("sheet", "a"), "skip", ("sheet", "a")),  # keep-sheet sticks
        ("b", "sheet", ("sheet", "a"), "write", ("b", "b")),  # ...until we change again
    ],
)
def test_decide(desired, current, base, action, after) -> None:
    assert decide(desired, current, base) == (action, after)


@pytest.mark.parametrize(
    ("choice", "seen", "action", "after"),
    [
        ("keep-local", "hand", "write", ("a", "a")),
        ("keep-sheet", "hand", "keep-sheet", ("hand", "a")),
        ("keep-local", "older", "conflict", ("a", "a")),  # the sheet moved on: ask again
    ],
)
def test_decide_with_resolution(choice, seen, action, after) -> None:
    assert decide("a", "hand", ("a", "a"), Resolution(choice, seen)) == (action, after)


# ----------------------------------------------------------------------------- layout
def test_columns_by_header_rows_by_key_with_a_title_row_and_reordered_columns() -> None:
    g = grid(
        [
            ["ESP Master Tracking — Nov"],
            ["day 1 notes", "Other team col", " agent  id ", "NAME"],
            ["", "x", "E2", "Bo"],
            ["", "", 1001.0, "Num"],
        ]
    )
    assert g.header_row == 1
    assert g.columns == {"Agent ID": 2, "Name": 3, "Day 1 Notes": 0}
    assert g.rows == {"e2": 2, "1001": 3}  # keys normalised: case and spaces ignored
    assert g.last_used_row == 3


def test_missing_header_names_tab_and_header() -> None:
    with pytest.raises(LayoutError, match=r"'ESP Tracker': header 'Day 1 Notes' is missing"):
        grid([["Agent ID", "Name"]])
    with pytest.raises(LayoutError, match=r"header 'Agent ID' not found"):
        grid([["Name"]])


@pytest.mark.parametrize(
    ("value", "text"), [(1001.0, "1001"), (0.5, "0.5"), (True, "TRUE"), (None, ""), ("x", "x")]
)
def test_cell_text(value, text) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(("i", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ")])
def test_col_letters(i: int, letters: str) -> None:
    assert col_letters(i) == letters


def test_a1_range_quotes_every_tab_name() -> None:
    assert a1_range("It's", 0, 0, 0, 0) == "'It''s'!A1"
    assert a1_range(TAB, 1, 2, 3, 4) == "'ESP Tracker'!C2:E4"


def test_default_layout_puts_notes_far_right_and_one_column_per_task() -> None:
    config = build_config({}, "t")
    tracker = sheet_layout(config, 5).tracker
    assert tracker.headers[:6] == ("Cohort", "Agent ID", "Name", "Email", "TL", "Day 1 Attendance")
    assert tracker.scope_header == "Cohort"
    assert tracker.headers[-5:] == tuple(f"Day {d} Notes" for d in range(1, 6))
    assert sum(h in tracker.headers for h in (t.label for t in config.tasks)) == len(config.tasks)


def test_two_kinds_of_rows_in_one_tab_is_a_config_error() -> None:
    config = build_config({"sheet": {"red_flags_tab": "ESP Tracker"}}, "t")
    with pytest.raises(LayoutError, match="share one tab"):
        sheet_layout(config, 5)


# ----------------------------------------------------------------------------- plan
def test_new_rows_are_appends_and_existing_rows_are_found_by_key() -> None:
    g = grid([["Agent ID", "Name", "Day 1 Notes"], ["E1", "Ann", ""], [], ["other", "x"]])
    plan = plan_sync(
        want({"E1": {"Name": "Ann", "Day 1 Notes": "ok"}, "E9": {"Name": "Zed"}}), {TAB: g}, {}
    )
    assert plan.new_rows == {TAB: ["E9"]}
    assert {(w.row, w.col): w.value for w in plan.writes} == {(1, 2): "ok"}
    [new] = plan.appends  # no row number: the server places it when it applies the append
    assert dict(new.cells) == {0: "E9", 1: "Zed"}
    assert plan.row_keys == {(TAB, 1): "E1"}  # what the verify read must find there
    assert plan.skipped == 2 and plan.rows_appended == 1 and plan.cells_written == 3


@pytest.mark.parametrize("typed", ["e1", " E1 ", "E 1", "e1\t"])
def test_keys_match_ignoring_case_and_spaces(typed: str) -> None:
    g = grid([["Agent ID", "Name", "Day 1 Notes"], [typed, "Ann", ""]])
    plan = plan_sync(want({"E1": {"Name": "Ann", "Day 1 Notes": "ok"}}), {TAB: g}, {})
    assert plan.appends == [] and [(w.row, w.value) for w in plan.writes] == [(1, "ok")]
    assert plan.conflicts == []  # the key cell as the PM typed it is left alone


def test_a_key_on_two_rows_is_a_problem_and_neither_row_is_written() -> None:
    g = grid([["Agent ID", "Name", "Day 1 Notes"], ["E1", "Ann", ""], ["e1", "Ann", ""]])
    plan = plan_sync(want({"E1": {"Day 1 Notes": "ok"}, "E2": {"Name": "Bo"}}), {TAB: g}, {})
    assert plan.writes == [] and [r.row_key for r in plan.appends] == ["E2"]
    assert plan.duplicate_keys == {TAB: ["E1"]}
    [problem] = plan.problems
    assert "'E1' is on more than one row" in problem and TAB in problem


def test_conflict_is_listed_with_both_values_and_not_written() -> None:
    g = grid([["Agent ID", "Name", "Day 1 Notes"], ["E1", "Ann", "typed by PM"]])
    snap = {(TAB, "E1", "Day 1 Notes"): ("ours", "ours"), (TAB, "E1", "Name"): ("Ann", "Ann")}
    plan = plan_sync(want({"E1": {"Name": "Ann", "Day 1 Notes": "ours"}}), {TAB: g}, snap)
    assert plan.writes == []
    [c] = plan.conflicts
    assert (c.header, c.local, c.sheet, c.base) == ("Day 1 Notes", "ours", "typed by PM", "ours")
    assert (TAB, "E1", "Day 1 Notes") not in plan.snapshot


@pytest.mark.parametrize(
    ("choice", "writes", "base"),
    [("keep-local", 1, ("ours", "ours")), ("keep-sheet", 0, ("typed by PM", "ours"))],
)
def test_resolve_all(choice, writes, base) -> None:
    g = grid([["Agent ID", "Name", "Day 1 Notes"], ["E1", "", "typed by PM"]])
    snap = {(TAB, "E1", "Day 1 Notes"): ("ours", "ours")}
    plan = plan_sync(want({"E1": {"Day 1 Notes": "ours"}}), {TAB: g}, snap, resolve_all=choice)
    assert plan.conflicts == [] and plan.resolved == 1
    assert len([w for w in plan.writes if w.key[2] == "Day 1 Notes"]) == writes
    key = (TAB, "E1", "Day 1 Notes")
    assert plan.snapshot.get(key, snap[key]) == base


def test_a_pushed_cell_with_no_value_now_is_cleared_but_other_rows_are_left_alone() -> None:
    g = grid([["Agent ID", "Name", "Day 1 Notes"], ["E1", "Ann", "old"], ["E2", "Bo", "x"]])
    snap = {
        (TAB, "E1", "Day 1 Notes"): ("old", "old"),
        (TAB, "E2", "Day 1 Notes"): ("x", "x"),  # E2 left the roster: untouched
    }
    plan = plan_sync(want({"E1": {"Name": "Ann"}}), {TAB: g}, snap)
    assert [(w.key, w.value) for w in plan.writes] == [((TAB, "E1", "Day 1 Notes"), "")]


# ----------------------------------------------------------------------------- convergence
_text = st.sampled_from(["", "a", "b", "=1+1", "-x"])


@settings(max_examples=200, deadline=None)
@given(
    desired=st.dictionaries(st.sampled_from(["E1", "E2", "E3"]), _text, max_size=3),
    sheet=st.dictionaries(st.sampled_from(["E1", "E2", "E4"]), _text, max_size=3),
)
def test_after_applying_a_plan_the_next_plan_writes_nothing(desired, sheet) -> None:
    values: list[list[object]] = [["Agent ID", "Name", "Day 1 Notes"]]
    values += [[k, "", v] for k, v in sheet.items()]
    rows = {k: {"Day 1 Notes": v} for k, v in desired.items()}
    plan = plan_sync(want(rows), {TAB: grid(values)}, {})
    # apply the writes like the sheet would (appends after the last row with data), and the
    # snapshot like the engine would
    for w in plan.writes:
        row = values[w.row]
        row.extend([""] * (w.col + 1 - len(row)))
        row[w.col] = w.value
    for new in plan.appends:
        values.append([new.cells.get(c, "") for c in range(max(new.cells) + 1)])
    snap = {k: v for k, v in plan.snapshot.items() if v is not None}
    again = plan_sync(want(rows), {TAB: grid(values)}, snap)
    assert again.writes == []
    assert [c.key for c in again.conflicts] == [c.key for c in plan.conflicts]


@pytest.mark.parametrize("choice", ["keep-sheet", "keep-local"])
def test_keep_turns_the_screens_choice_into_a_resolution(choice: str) -> None:
    from esp_tui.services.sync import keep

    assert keep(choice, "PM text") == Resolution(choice, "PM text")


def test_keep_refuses_an_unknown_choice() -> None:
    from esp_tui.services.sync import keep

    with pytest.raises(ValueError, match="choice 'keep-both': expected one of keep-sheet"):
        keep("keep-both", "PM text")
