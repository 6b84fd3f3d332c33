"""The troubleshooting wizard's dialogs: pick a tree (or resume the agent's open session), and
restart or abandon a saved session that no longer replays on the current trees."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from esp_tui.domain.models import Agent
from esp_tui.domain.trees import Tree
from esp_tui.screens.base import EspModal
from esp_tui.services import troubleshoot as ts
from esp_tui.widgets.pick_list import PickList
from esp_tui.widgets.plain import plain
from storage.troubleshoot import TroubleshootSession

RESUME = "resume"  # the picker's answer: resume the open session
TREE = "tree:"  # the picker's answer for a tree: TREE + its name


class TreePickerScreen(EspModal[str | None]):
    """Pick the tree (last used highlighted) or resume the agent's open session."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker_cancel")]
    DIALOG_CLASSES = "-roomy"
    DEFAULT_CSS = """
    TreePickerScreen > Vertical { width: 84; }
    TreePickerScreen OptionList { height: auto; max-height: 14; margin: 1 0; }
    """

    def __init__(
        self,
        agent: Agent,
        trees: dict[str, Tree],
        *,
        default: str | None,
        session: TroubleshootSession | None,
    ) -> None:
        super().__init__()
        self.agent = agent
        self.trees = trees
        self.default = default
        self.session = session

    def compose(self) -> ComposeResult:
        options: list[Option] = []
        if self.session is not None:
            s = self.session
            title = self.trees[s.tree].title if s.tree in self.trees else s.tree
            options.append(
                Option(plain(f"▶ Resume {title} ({s.steps_answered} answered so far)"), id=RESUME)
            )
        for name in sorted(self.trees, key=lambda n: self.trees[n].title.casefold()):
            tree = self.trees[name]
            first = (
                f", {self.trees[tree.include].short} first" if tree.include in self.trees else ""
            )
            last = " · last used" if name == self.default else ""
            label = Text.assemble(
                plain(tree.title), plain(f"  ({len(tree.steps)} steps{first}){last}", style="dim")
            )
            options.append(Option(label, id=TREE + name))
        with Vertical():
            yield Static(
                Text.assemble(
                    plain(f"Troubleshoot · {self.agent.name}", style="bold"), " — pick a tree"
                )
            )
            # PickList: j/k move too, like every other list of the app.
            yield PickList(*options, id="tree-options")
            note = "j/k or ↑/↓ move · enter choose · esc cancel"
            if self.session is not None:
                note += " · choosing a tree abandons the open session"
            yield Static(note, classes="prompt-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        wanted = RESUME if self.session is not None else TREE + (self.default or "")
        try:
            options.highlighted = options.get_option_index(wanted)
        except Exception:  # no such option (e.g. last used tree since removed)
            options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


class StaleSessionScreen(EspModal[str | None]):
    """The saved session no longer replays on the current trees: restart it or abandon it."""

    BINDINGS = [
        Binding("r", "choose('restart')", "Restart", id="stale_restart"),
        Binding("a", "choose('abandon')", "Abandon", id="stale_abandon"),
        Binding("escape", "choose('')", "Cancel", id="stale_cancel"),
    ]
    DIALOG_CLASSES = "-warning -roomy"
    DEFAULT_CSS = "StaleSessionScreen > Vertical { width: 84; }"

    def __init__(self, agent: Agent, exc: ts.StaleSessionError) -> None:
        super().__init__()
        self.agent = agent
        self.exc = exc

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                plain(
                    f"{self.agent.name}'s saved {self.exc.session.tree} session no longer"
                    " matches the trees",
                    style="bold",
                )
            )
            yield Static(plain(self.exc.reason, multiline=True), id="stale-reason")
            yield Static(
                "\n[b]r[/b] restart the tree from the first step   "
                "[b]a[/b] abandon it   [b]esc[/b] cancel"
            )

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice or None)
