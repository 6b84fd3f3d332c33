"""`[keymap]`: an unknown binding id, or a key another binding of the same screen uses, is one
line naming both bindings (issue 15); a good keymap is applied with Textual's key names."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual.widgets import DataTable

import esp_tui.widgets
from esp_tui.app import make_app
from esp_tui.config import ConfigError, build_config
from esp_tui.keymap import WIDGETS_ON, _screen_classes, binding_ids, keymap_problem, normalized
from esp_tui.screens.help import HelpScreen


def cfg(keymap: dict[str, str]):
    return build_config({"cohort": {"timezone": "America/New_York"}, "keymap": keymap}, "k.toml")


@pytest.mark.parametrize(
    ("keymap", "expected"),
    [
        (
            {"stamp_in": "q"},
            "key 'keymap.stamp_in': 'q' is taken on the roster screen: it is already the key of"
            " 'quit'; choose another key for 'stamp_in'",
        ),
        (
            {"stamp_in": "x"},
            "key 'keymap.stamp_in': 'x' is taken on the roster screen: it is already the key of"
            " 'mark_absent'; choose another key for 'stamp_in'",
        ),
        (
            {"stamp_in": "f2", "stamp_out": "f2"},
            "key 'keymap.stamp_in': 'f2' is taken on the roster screen: the keymap also gives it"
            " to 'stamp_out'; choose another key for 'stamp_in'",
        ),
        (  # the roster table's own binding counts too
            {"roster_down": "n"},
            "key 'keymap.roster_down': 'n' is taken on the roster screen: it is already the key"
            " of 'edit_note'; choose another key for 'roster_down'",
        ),
        (  # a terminal sends ctrl+i for tab
            {"stamp_in": "ctrl+i"},
            "key 'keymap.stamp_in': 'ctrl+i' is taken on the roster screen: it is already the"
            " key of the built-in 'app.focus_next'; choose another key for 'stamp_in'",
        ),
        (  # the app's quit, moved onto a dialog's key
            {"quit": "y"},
            "key 'keymap.quit': 'y' is taken on the confirm dialog: it is already the key of"
            " 'confirm_yes'; choose another key for 'quit'",
        ),
        (
            {"stamp_inn": "f2"},
            "key 'keymap.stamp_inn': no binding has the id 'stamp_inn' (did you mean"
            " 'stamp_in'?); `?` in the app lists each screen's ids",
        ),
        (
            {"zzz": "f2"},
            "key 'keymap.zzz': no binding has the id 'zzz'; `?` in the app lists each screen's ids",
        ),
        ({"stamp_in": " , "}, 'key \'keymap.stamp_in\': expected a key like "f2" or "ctrl+s"'),
    ],
)
def test_a_bad_keymap_names_both_bindings(keymap, expected):
    problem = keymap_problem(keymap)
    assert problem is not None and problem.startswith(expected)
    with pytest.raises(ConfigError) as e:
        make_app(cfg(keymap), None)  # type: ignore[arg-type]  # refused before the DB is used
    assert str(e.value) == f"k.toml: {problem}"


@pytest.mark.parametrize(
    "keymap",
    [
        {"stamp_in": "f2"},
        {"stamp_in": "o", "stamp_out": "i"},  # a swap: each leaves the key the other takes
        {"quit": "ctrl+q"},  # Textual's own ctrl+q quits too
        {"help": "f1", "help_close": "f1,escape"},
        {"roster_down": "down"},  # the table's arrow does the same
        {"open_agent": "ctrl+m"},  # enter, under its other name
        {"pick_down": "ctrl+n", "close_down": "ctrl+n"},  # two screens, one key each
    ],
)
def test_keymaps_that_take_no_other_binding_key_are_accepted(keymap):
    assert keymap_problem(keymap) is None


def test_every_binding_of_the_screens_and_widgets_has_a_known_id():
    ids = binding_ids()
    assert {"quit", "help", "stamp_in", "roster_down", "pick_down", "close_conflict_detail"} <= ids
    assert {"help_close", "confirm_yes", "wizard_yes", "meet_accept"} <= ids


def test_keys_are_given_to_textual_by_its_names():
    assert normalized({"filter": "!", "help": " f1 , ? "}) == {
        "filter": "exclamation_mark",
        "help": "f1,question_mark",
    }


def _binding_widgets() -> dict[str, str]:
    """class name -> "module:Class" for each esp-tui widget with bindings of its own."""
    out = {}
    for info in pkgutil.iter_modules(esp_tui.widgets.__path__):
        module = importlib.import_module(f"esp_tui.widgets.{info.name}")
        for name, cls in vars(module).items():
            if (
                inspect.isclass(cls)
                and cls.__module__ == module.__name__
                and "BINDINGS" in vars(cls)
            ):
                out[name] = f"{module.__name__}:{name}"
    return out


def test_widgets_on_matches_what_each_screen_composes():
    """A tripwire: a screen that starts showing a widget with bindings must be listed."""
    widgets = _binding_widgets()
    assert set(widgets) == {"PickList", "CloseTable", "ConflictTable", "RosterTable"}
    found = {}
    for screen in _screen_classes():
        source = "".join(
            inspect.getsource(vars(c)["compose"])
            for c in screen.__mro__
            if "compose" in vars(c) and c.__module__.startswith("esp_tui.")
        )
        shown = tuple(path for name, path in widgets.items() if f"{name}(" in source)
        if shown:
            found[screen.__name__] = shown
    assert found == WIDGETS_ON


async def test_a_remapped_help_key_opens_help_and_quit_still_quits(seeded_db, clock):
    app = make_app(cfg({"help": "f1", "stamp_in": "f2"}), seeded_db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        table = app.screen.query_one("#roster", DataTable)
        assert table.cursor_row == 0
        await pilot.press("q")
    assert app.return_code == 0
