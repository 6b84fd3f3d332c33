"""Small generic modal prompts: pick one of a list, type a line of text, confirm.

Each is an `EspModal` whose result is the answer, or None / False when the TL presses escape.
`Confirm` is the one yes/no question of the app:

    self.app.push_screen(PickOne("Absence kind", [("ncns", "no call, no show"), ...]), on_pick)
    self.app.push_screen(TextPrompt("Time (HH:MM)", validate=check_time), on_text)
    self.app.push_screen(Confirm("Mark 20 agents in at 09:00?"), on_answer)
    self.app.push_screen(PathPrompt("Meet report (CSV)"), on_path)  # a file path, pasted
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from esp_tui.screens.base import EspModal
from esp_tui.widgets.pick_list import PickList
from esp_tui.widgets.plain import PlainInput, plain

T = TypeVar("T")

# Validation: return None when the text is fine, else a one-line message shown under the input.
Validator = Callable[[str], str | None]

# The box: the shared dialog style (app.tcss), 64 wide.
_BOX = "{name} > Vertical {{ width: 64; max-height: 80%; }}"


class PickOne(EspModal[T | None], Generic[T]):
    """Choose one value; enter picks the highlighted one, 1-9 pick directly, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt_cancel")]
    DEFAULT_CSS = _BOX.format(name="PickOne") + "PickOne OptionList { height: auto; }"

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[T, str]],
        *,
        initial: T | None = None,
        hint: str = "enter picks · 1-9 pick directly · esc cancels",
    ) -> None:
        super().__init__()
        if not choices:
            raise ValueError("PickOne needs at least one choice")
        self._title = title
        self._choices = list(choices)
        self._initial = initial
        self._hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self._title), classes="prompt-title")
            yield PickList(
                *(
                    Option(plain(f"{i}  {label}" if i <= 9 else f"   {label}"))
                    for i, (_, label) in enumerate(self._choices, start=1)
                ),
                markup=False,
            )
            yield Static(self._hint, classes="prompt-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [v for v, _ in self._choices]
        options.highlighted = values.index(self._initial) if self._initial in values else 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._choices[event.option_index][0])

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit() and event.character != "0":
            n = int(event.character)
            if n <= len(self._choices):
                event.stop()
                self.dismiss(self._choices[n - 1][0])


class TextPrompt(EspModal[str | None]):
    """Type one line; enter submits once `validate` accepts it, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt_cancel")]
    DEFAULT_CSS = _BOX.format(name="TextPrompt")

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        placeholder: str = "",
        hint: str = "enter saves · esc cancels",
        validate: Validator | None = None,
        transform: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._hint = hint
        self._validate = validate
        self._transform = transform  # what the prompt answers, from the accepted text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self._title), classes="prompt-title")
            yield PlainInput(
                value=self._value, placeholder=self._placeholder, select_on_focus=False
            )
            yield Static("", classes="prompt-error", markup=False)
            yield Static(self._hint, classes="prompt-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self._validate(event.value) if self._validate else None
        if problem:
            self.query_one(".prompt-error", Static).update(plain(problem))
            return
        self.dismiss(self._transform(event.value) if self._transform else event.value)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one(".prompt-error", Static).update("")


class PathPrompt(TextPrompt):
    """A file's path, typed or pasted: quoted, with backslash-escaped spaces (what dragging a
    file onto the terminal pastes), a file:// URL or `~/...` all work (services/paths.py).
    Enter is refused, under the input, while the path names no file; the answer is the path
    as esp-tui reads it (or a Sheet URL as is, with `allow_url`)."""

    DEFAULT_CSS = _BOX.format(name="PathPrompt")

    def __init__(
        self,
        title: str,
        *,
        placeholder: str = "path/to/file.csv (paste or drag the file here)",
        hint: str = "enter reads the file · esc cancels",
        allow_url: bool = False,
    ) -> None:
        from esp_tui.services.paths import is_url, missing_file_problem, pasted_source

        def check(text: str) -> str | None:
            if not allow_url and is_url(text):
                return "a web address: expected a file's path"
            return missing_file_problem(text)

        super().__init__(
            title, placeholder=placeholder, hint=hint, validate=check, transform=pasted_source
        )


class Confirm(EspModal[bool]):
    """Yes or no: y / enter confirm (enter presses the focused button: Yes unless tab moved to
    No), n / escape decline."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]
    DEFAULT_CSS = _BOX.format(name="Confirm") + "Confirm Horizontal { height: auto; }"

    def __init__(self, message: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self._message = message
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self._message, multiline=True), classes="prompt-title")
            with Horizontal():
                yield Button(f"{self._yes} (y)", id="yes", variant="primary")
                yield Button(f"{self._no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
