"""Every Textual private the project overrides or patches, in one list, checked by signature.

The roster table's internals have their own behaviour tests (test_roster_table.py); this file
is the tripwire for the rest: a Textual upgrade that renames or reshapes any of them fails here,
by name, before a screen silently stops escaping control characters or catching a busy DB.
A new override of a Textual private (found by scanning every esp_tui class) must be added here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual.app import App
from textual.widgets import DataTable, Input, TextArea

import esp_tui

# (Textual class, private name) -> its parameters, or None for a property / attribute.
KNOWN: dict[tuple[type, str], list[str] | None] = {
    (App, "_check_bindings"): ["self", "key", "priority"],  # app.py: typed text is text
    (App, "_handle_exception"): ["self", "error"],  # app.py: a busy DB is a message
    (Input, "_value"): None,  # widgets/plain.py: control characters shown as pictures
    (Input, "_position_to_cell"): ["self", "position"],  # the cursor lines up with them
    (Input, "_toggle_cursor"): ["self"],  # tests/conftest.py: the blink frozen
    (TextArea, "_toggle_cursor_blink_visible"): ["self"],  # idem
    (DataTable, "_update_dimensions"): ["self", "new_rows"],  # widgets/roster_table.py
}


@pytest.mark.parametrize(("owner", "name"), list(KNOWN), ids=lambda v: getattr(v, "__name__", v))
def test_each_private_is_still_there_with_the_same_shape(owner, name):
    attr = inspect.getattr_static(owner, name, None)
    assert attr is not None, f"{owner.__name__}.{name} is gone: see {__name__}"
    expected = KNOWN[(owner, name)]
    if expected is None:
        assert isinstance(attr, property), f"{owner.__name__}.{name} is no longer a property"
    else:
        assert list(inspect.signature(attr).parameters) == expected


def _textual_privates_overridden() -> set[tuple[str, str]]:
    found = set()
    for info in pkgutil.walk_packages(esp_tui.__path__, "esp_tui."):
        if info.name.endswith("__main__"):
            continue  # running it would start the CLI
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            textual_bases = [b for b in cls.__mro__[1:] if b.__module__.startswith("textual.")]
            for name, value in vars(cls).items():
                if not name.startswith("_") or name.startswith("__"):
                    continue
                if not (inspect.isfunction(value) or isinstance(value, property)):
                    continue  # class bookkeeping Textual's metaclass writes (_css_type_name...)
                owner = next((b for b in textual_bases if name in vars(b)), None)
                if owner is not None and not name.startswith(("_on_", "_watch_", "_validate_")):
                    found.add((owner.__name__, name))
    return found


def test_no_override_of_a_textual_private_goes_unlisted():
    listed = {(owner.__name__, name) for owner, name in KNOWN}
    found = _textual_privates_overridden()
    # The scan sees the overrides we know of (the conftest patches are not classes of esp_tui).
    assert {
        ("DataTable", "_update_dimensions"),
        ("Input", "_value"),
        ("App", "_check_bindings"),
    } <= found
    unlisted = found - listed
    assert not unlisted, f"Textual privates overridden but not in KNOWN: {sorted(unlisted)}"
