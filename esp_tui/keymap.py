"""`[keymap]` of config: checked against every binding of the app, then applied.

Textual's own keymap ignores an id it does not know and lets a screen's binding silently
shadow the app's (`stamp_in = "q"` would make `q` stamp in instead of quitting). Here a keymap
is refused, with one line naming both bindings, when it

- names a binding id no screen has (`stamp_inn`), or
- gives a binding a key another binding of the same screen uses: the screen's own bindings,
  the app's (quit, help, the command palette) and those of the widgets the screen shows.

Shipped bindings that share a key on purpose (`q` closes help instead of quitting) are left as
they are: only a key the keymap gives is checked. The rules are the bindings themselves (the
classes' BINDINGS), so a new screen is covered with no list to keep up to date.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from difflib import get_close_matches
from functools import cache
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_ALIASES, _character_to_key

if TYPE_CHECKING:
    from esp_tui.config import Config

# The widgets with bindings of their own, by the screen that shows them (tests/test_keymap.py
# checks this against each screen's compose()).
WIDGETS_ON: dict[str, tuple[str, ...]] = {
    "RosterScreen": ("esp_tui.widgets.roster_table:RosterTable",),
    "CloseScreen": (
        "esp_tui.widgets.close_tables:CloseTable",
        "esp_tui.widgets.close_tables:ConflictTable",
    ),
    "PickOne": ("esp_tui.widgets.pick_list:PickList",),
    "MoveAgentScreen": ("esp_tui.widgets.pick_list:PickList",),
    "NewTicketScreen": ("esp_tui.widgets.pick_list:PickList",),
    "TlStatusScreen": ("esp_tui.widgets.pick_list:PickList",),
    "TreePickerScreen": ("esp_tui.widgets.pick_list:PickList",),
}


# A terminal sends the same key for both names: `ctrl+i` is `tab`, `ctrl+m` is `enter`.
_SAME_KEY = {alias: key for key, aliases in KEY_ALIASES.items() for alias in aliases}


def normalize_key(key: str) -> str:
    """A key as Textual names it: `?` -> `question_mark`, ` ctrl+s ` -> `ctrl+s`."""
    key = key.strip()
    return _character_to_key(key) if len(key) == 1 else key


def _same_key(key: str) -> str:
    """One name per key a terminal can send (`ctrl+i` -> `tab`), to compare keys."""
    return _SAME_KEY.get(key, key)


def keymap_keys(value: str) -> list[str]:
    """The keys of one keymap entry (`"ctrl+i,f2"` gives two)."""
    return [normalize_key(k) for k in value.split(",") if k.strip()]


def normalized(keymap: Mapping[str, str]) -> dict[str, str]:
    """The keymap as Textual's set_keymap needs it (which would not match `?` or ` i`)."""
    return {bid: ",".join(keymap_keys(value)) for bid, value in keymap.items()}


def _bindings(node: type[DOMNode]) -> list[Binding]:
    """Every binding of a class, its bases' included (one per key), as Textual merges them."""
    merged = node._merged_bindings
    if merged is None:
        return []
    return [b for bs in merged.key_to_bindings.values() for b in bs]


def _load(path: str) -> type[DOMNode]:
    module, name = path.split(":")
    node: type[DOMNode] = getattr(importlib.import_module(module), name)
    return node


def _screen_classes() -> list[type[DOMNode]]:
    """Every screen and dialog of esp-tui that is not only a base of another one."""
    import esp_tui.screens
    from esp_tui.screens.base import EspModal, EspScreen

    for info in pkgutil.iter_modules(esp_tui.screens.__path__):
        importlib.import_module(f"esp_tui.screens.{info.name}")
    found: list[type[DOMNode]] = []
    todo: list[type[DOMNode]] = [EspScreen, EspModal]
    while todo:
        cls = todo.pop(0)
        subs = [s for s in cls.__subclasses__() if s.__module__.startswith("esp_tui.")]
        if not subs and cls not in found:
            found.append(cls)
        todo += subs
    return sorted(found, key=lambda c: c.__name__)


def screen_label(cls: type[DOMNode]) -> str:
    """`RosterScreen` -> `roster screen`, `Confirm` (a dialog) -> `confirm dialog`."""
    from esp_tui.screens.base import EspModal

    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", cls.__name__.lstrip("_")).lower().split()
    if len(words) > 1 and words[-1] in ("screen", "modal"):
        words = words[:-1]
    return " ".join([*words, "dialog" if issubclass(cls, EspModal) else "screen"])


@cache
def binding_scopes() -> tuple[tuple[str, tuple[Binding, ...]], ...]:
    """(screen label, every binding active on it): the app's, the screen's, its widgets'."""
    from esp_tui.app import EspApp

    app = _bindings(EspApp)
    if EspApp.ENABLE_COMMAND_PALETTE:
        app.append(Binding(EspApp.COMMAND_PALETTE_BINDING, "command_palette", "Palette"))
    scopes = []
    for cls in _screen_classes():
        widgets = [b for w in WIDGETS_ON.get(cls.__name__, ()) for b in _bindings(_load(w))]
        scopes.append((screen_label(cls), tuple([*app, *_bindings(cls), *widgets])))
    return tuple(scopes)


def binding_ids() -> set[str]:
    return {b.id for _, bindings in binding_scopes() for b in bindings if b.id}


def _name(binding: Binding) -> str:
    return f"'{binding.id}'" if binding.id else f"the built-in '{binding.action}'"


def keymap_problem(keymap: Mapping[str, str]) -> str | None:
    """The first problem of a keymap as `key 'keymap.ID': ...`, else None."""
    ids = binding_ids()
    for bid, value in keymap.items():
        if bid not in ids:
            near = get_close_matches(bid, sorted(ids), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            return (
                f"key 'keymap.{bid}': no binding has the id '{bid}'{hint};"
                " `?` in the app lists each screen's ids"
            )
        if not keymap_keys(value):
            return f'key \'keymap.{bid}\': expected a key like "f2" or "ctrl+s", got {value!r}'
    for bid in keymap:
        for label, bindings in binding_scopes():
            problem = _clash(bid, keymap, label, bindings)
            if problem:
                return problem
    return None


def _clash(
    bid: str, keymap: Mapping[str, str], label: str, bindings: tuple[Binding, ...]
) -> str | None:
    """Does a key the keymap gives `bid` belong to another binding on this screen?"""
    if not any(b.id == bid for b in bindings):
        return None
    actions = {b.action for b in bindings if b.id == bid}
    shipped: dict[str, set[str]] = {}  # binding id -> its shipped keys on this screen
    for b in bindings:
        if b.id:
            shipped.setdefault(b.id, set()).add(_same_key(b.key))
    for key in keymap_keys(keymap[bid]):
        for other in bindings:
            if other.id == bid or other.action in actions:
                continue  # the same binding (or the same action under another key)
            if other.id and shipped[other.id] & shipped[bid]:
                continue  # shipped sharing a key on purpose (`?` opens help and closes it)
            remapped = other.id is not None and other.id in keymap
            keys = keymap_keys(keymap[other.id]) if other.id and remapped else [other.key]
            if _same_key(key) in {_same_key(k) for k in keys}:
                whose = "the keymap also gives it to" if remapped else "it is already the key of"
                return (
                    f"key 'keymap.{bid}': '{key}' is taken on the {label}: {whose} {_name(other)};"
                    f" choose another key for '{bid}'"
                )
    return None


def check_keymap(config: Config) -> None:
    """Raise ConfigError (one line naming the file and both bindings) for a bad keymap."""
    from esp_tui.config import ConfigError

    problem = keymap_problem(config.keymap) if config.keymap else None
    if problem:
        raise ConfigError(f"{config.source or 'config'}: {problem}")
