"""Small modal screens: a one-line text prompt and a picker. Both return their answer (None on
Escape) to the callback that pushed them; neither does anything else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from gastown_tui.ui.display import safe

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 80%; max-width: 100; height: auto; max-height: 80%;
                     border: round $primary; background: $surface; padding: 0 1; }}
{name} Label {{ width: 100%; }}
{name} .hint {{ color: $foreground-muted; }}
"""


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text (a nudge, a reply, a reason, a filter)."""

    DEFAULT_CSS = MODAL_CSS.format(name="TextPrompt") + "TextPrompt OptionList { height: 0; }"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(
        self, title: str, *, hint: str = "", value: str = "", allow_empty: bool = False
    ) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe(self.title_text, "bold"))
            field = Input(value=self.value, id="prompt-input")
            # A steady cursor: a blinking one repaints twice a second for as long as it waits.
            field.cursor_blink = False
            yield field
            yield Label(
                Text(self.hint or "Enter to send · Esc to cancel", style="dim"), classes="hint"
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip() and not self.allow_empty:
            self.notify("Nothing entered: type something, or Esc to cancel", severity="warning")
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Picker(ModalScreen[str | None]):
    """Pick one of `choices` ((id, label) pairs); the id comes back."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="Picker") + "Picker OptionList { height: auto; max-height: 20; }"
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", show=False),
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
    ]

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[str, Text]],
        *,
        empty: str = "nothing to choose from",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe(self.title_text, "bold"))
            if self.choices:
                yield OptionList(
                    *(Option(label, id=key) for key, label in self.choices), markup=False
                )
                yield Label(Text("Enter to choose · Esc to cancel", style="dim"), classes="hint")
            else:
                yield Label(Text(self.empty, style="dim"))
                yield Label(Text("Esc to go back", style="dim"), classes="hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_id)

    def action_cursor_down(self) -> None:
        if self.choices:
            self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.choices:
            self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
