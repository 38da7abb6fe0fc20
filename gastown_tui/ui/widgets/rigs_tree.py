"""`RigsTree`: rig → polecats, each with its state glyph, hooked bead and age of last progress.

Updated in place by key (a rig's name, a polecat's address): labels change only when their text
does, nodes come and go as polecats do, and the cursor stays on what the operator selected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from gastown_tui.town.read_model.views import PolecatView, RigView, TownSnapshot
from gastown_tui.ui.display import age_since, glyph, safe, themed

RIG_KEY = "rig:"


class RigsTree(Tree[str]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
    ]
    DEFAULT_CSS = "RigsTree { padding: 0; }"

    @dataclass
    class PolecatSelected(Message):
        address: str | None

    def __init__(self, **kwargs: object) -> None:
        super().__init__(Text("rigs"), **kwargs)  # type: ignore[arg-type]
        self.show_root = False
        self.guide_depth = 2
        self._by_key: dict[str, TreeNode[str]] = {}
        self._labels: dict[str, str] = {}
        self._chosen_once = False  # the first polecat is selected once, then the operator leads

    def show(self, snapshot: TownSnapshot, colors: Mapping[str, str]) -> None:
        if not snapshot.rigs and not self.root.children and not self._by_key:
            self._set_empty(snapshot)
            return
        self._drop_placeholder()
        seen: set[str] = set()
        for rig in snapshot.rigs:
            rig_key = RIG_KEY + rig.name
            seen.add(rig_key)
            rig_node = self._ensure(self.root, rig_key, rig_label(rig, colors), expand=True)
            for polecat in rig.polecats:
                seen.add(polecat.address)
                label = polecat_label(polecat, snapshot.taken_at, colors)
                self._ensure(rig_node, polecat.address, label, leaf=True)
        for key in [key for key in self._by_key if key not in seen]:
            self._by_key.pop(key).remove()
            self._labels.pop(key, None)
        if self.selected_address() is None and not self._chosen_once:
            first = next((p.address for rig in snapshot.rigs for p in rig.polecats), None)
            if first is not None:
                self._chosen_once = True
                self.call_after_refresh(self._select_first, first)

    def _ensure(
        self,
        parent: TreeNode[str],
        key: str,
        label: Text,
        *,
        expand: bool = False,
        leaf: bool = False,
    ) -> TreeNode[str]:
        node = self._by_key.get(key)
        if node is None:
            node = parent.add_leaf(label, data=key) if leaf else parent.add(label, data=key)
            if expand:
                node.expand()
            self._by_key[key] = node
            self._labels[key] = label.markup
            return node
        if self._labels.get(key) != label.markup:
            node.set_label(label)
            self._labels[key] = label.markup
        return node

    def _set_empty(self, snapshot: TownSnapshot) -> None:
        why = "no rigs yet: gt rig add NAME SOURCE"
        projection = snapshot.source("projection")
        if projection is not None and not projection.ok:
            why = f"cannot read the town: {projection.detail}"
        if not self.root.children:
            self.root.add_leaf(safe(why, "dim"), data="")

    def _drop_placeholder(self) -> None:
        for child in list(self.root.children):
            if not child.data:
                child.remove()

    def _select_first(self, address: str) -> None:
        if self.selected_address() is None:  # the operator may have chosen meanwhile
            self.select_address(address)

    def selected_address(self) -> str | None:
        node = self.cursor_node
        if node is None or not node.data or node.data.startswith(RIG_KEY):
            return None
        return node.data

    def select_address(self, address: str) -> bool:
        node = self._by_key.get(address)
        if node is None:
            return False
        if node.parent is not None:
            node.parent.expand()
        self.move_cursor(node)
        return True

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        event.stop()
        self.post_message(self.PolecatSelected(self.selected_address()))


def rig_label(rig: RigView, colors: Mapping[str, str]) -> Text:
    text = Text(no_wrap=True, end="")
    text.append_text(safe(rig.name, "bold"))
    states = [polecat.state for polecat in rig.polecats]
    text.append(f"  {len(states)}")
    for state in ("working", "stalled", "zombie", "unknown"):
        if state in states:
            text.append(" ")
            text.append_text(glyph(state, colors))
            text.append(str(states.count(state)))
    if rig.queue_paused:
        text.append("  ⏸ MQ paused", style=themed("$error", colors))
    if rig.runtime_problem:
        text.append("  ✗ runtime missing", style=themed("$error", colors))
    return text


def polecat_label(polecat: PolecatView, now: datetime, colors: Mapping[str, str]) -> Text:
    text = Text(no_wrap=True, end="")
    text.append_text(glyph(polecat.state, colors))
    text.append(" ")
    text.append_text(safe(polecat.name.ljust(9)))
    first = polecat.first_hooked
    text.append_text(safe((first.id if first else "-").ljust(10), "dim" if not first else ""))
    if polecat.state == "zombie":
        text.append(" dead", style=themed("$error", colors))
    elif first is not None:
        text.append(f" {age_since(polecat.last_progress, now):>3}", style="dim")
    if len(polecat.hook) > 1:
        text.append(f" +{len(polecat.hook) - 1}", style="dim")
    return text
