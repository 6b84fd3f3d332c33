"""Property: whatever a PM does to the rows between our read and our write (sort, delete,
insert), write_verified leaves every one of our rows with our values, every other row with its
own values, and no key twice.

The sheet is the emulator's own model driven in-process (its updateCells/appendCells code, no
HTTP), so hypothesis can try hundreds of interleavings in seconds.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from esp_tui.sync.layout import TabLayout, read_tab
from esp_tui.sync.plan import DesiredTab, plan_sync
from esp_tui.sync.requests import Batch
from esp_tui.sync.write import write_verified
from tests.sheets_emulator import SheetsEmulator

KEY = "prop-0123456789"
TAB = "ESP Tracker"
LAYOUT = TabLayout(TAB, "Agent ID", ("Agent ID", "Name", "Day 1 Notes"))
HEADER = ["Agent ID", "Name", "Day 1 Notes"]
OURS = [f"A{i}" for i in range(5)]  # our agents; "O…" rows belong to other TLs
OTHERS = [f"O{i}" for i in range(4)]

pm_action = st.one_of(
    st.tuples(st.just("sort"), st.sampled_from(HEADER), st.booleans()),
    st.tuples(st.just("delete"), st.integers(1, 9)),
    st.tuples(st.just("insert"), st.integers(1, 9)),
    st.tuples(st.just("none")),
)


def _values(emu: SheetsEmulator) -> list[list[str]]:
    return [[str(v) for v in row] for row in emu.get_values(KEY, TAB)]


def _read(emu: SheetsEmulator) -> dict[str, Any]:
    return {TAB: read_tab(LAYOUT, _values(emu), *emu.grid_size(KEY, TAB))}


def _apply(emu: SheetsEmulator, action: tuple[Any, ...]) -> None:
    if action[0] == "sort":
        emu.sort_rows(KEY, TAB, action[1], reverse=action[2])
    elif action[0] == "delete" and action[1] < len(_values(emu)):
        emu.delete_row(KEY, TAB, action[1])
    elif action[0] == "insert":
        emu.insert_row(KEY, TAB, action[1])


@settings(max_examples=150, deadline=None)
@given(
    present=st.lists(st.sampled_from(OURS), unique=True),  # which of ours are already rows
    notes=st.dictionaries(st.sampled_from(OURS), st.sampled_from(["", "x", "late", "ok"])),
    action=pm_action,
    second=pm_action,
)
def test_any_pm_action_during_the_write_leaves_every_value_on_its_own_row(
    present: list[str], notes: dict[str, str], action: tuple[Any, ...], second: tuple[Any, ...]
) -> None:
    emu = SheetsEmulator()
    rows = [HEADER] + [[k, f"name {k}", f"old {k}"] for k in present + OTHERS]
    emu.create_spreadsheet(KEY, {TAB: rows})
    desired = {TAB: DesiredTab(LAYOUT, {k: {"Name": f"name {k}", "Day 1 Notes": notes.get(k, "")}
                                         for k in OURS})}  # fmt: skip
    sheet_id = int(emu._metadata(KEY, emu._books[KEY])["sheets"][0]["properties"]["sheetId"])
    grids = _read(emu)
    # Our earlier pushes: the "old" notes of present rows are ours (so they may be replaced).
    snapshot = {(TAB, k, "Day 1 Notes"): (f"old {k}", f"old {k}") for k in present}
    snapshot |= {(TAB, k, "Name"): (f"name {k}", f"name {k}") for k in present}
    plan = plan_sync(desired, grids, snapshot)
    pending = [action, second]  # the PM acts before our first write, then before the second

    def send(batch: Batch, _what: str) -> None:
        if pending:
            _apply(emu, pending.pop(0))
        emu.handle("POST", f"/v4/spreadsheets/{KEY}:batchUpdate", {}, batch.body())

    deleted: set[str] = set()
    before = {r[0]: r for r in _values(emu)[1:] if r and r[0]}
    write_verified(
        plan,
        grids,
        sheet_ids={TAB: sheet_id},
        send=send,
        read=lambda: _read(emu),
        replan=lambda g: plan_sync(desired, g, snapshot),
    )
    after = [r + [""] * (3 - len(r)) for r in _values(emu)[1:] if any(r)]
    keys = [r[0] for r in after]
    assert len(keys) == len(set(keys)), f"a key twice: {keys}"
    by_key = {r[0]: r for r in after}
    for k in OURS:  # every one of ours, each with its own values
        assert k in by_key, f"{k} lost"
        assert by_key[k][1:] == [f"name {k}", notes.get(k, "")], (k, by_key[k])
    deleted = {k for k in before if k not in by_key}
    for k in OTHERS:  # the others keep their own values (unless the PM deleted the row)
        if k in deleted:
            continue
        assert by_key[k][1:] == [f"name {k}", f"old {k}"], (k, by_key[k])
