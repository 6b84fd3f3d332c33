"""Typed access to the running `EspApp` for every screen and widget of esp-tui.

Textual types `self.app` as `App[object]`; `self.esp` is the same object as the `EspApp` it is,
with its database, config, clock and cohort. Mixed into `EspScreen`, `EspModal`
(esp_tui/screens/base.py), `AgentSection` and `StatusHeader`: the one place it is defined.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from esp_tui.app import EspApp


class EspNode:
    """Mix in next to a Textual class (it is not a DOMNode itself, so CSS type names and
    bindings stay those of the Textual base)."""

    @property
    def esp(self) -> EspApp:
        # Every screen and widget of the package runs inside EspApp (make_app builds it).
        return cast("EspApp", cast(DOMNode, self).app)
