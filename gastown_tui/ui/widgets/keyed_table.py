"""`KeyedTable`: a DataTable synchronised by row key, the way every board of the control room is.

`sync(rows)` adds new rows, updates only the cells whose text changed, removes rows that went
away and restores the given order, keeping the cursor on the row it was on. An unchanged sync
touches nothing (a DataTable repaints every visible cell on any change, so no change must cost
no repaint). Rows are put in order by their keys through the public `sort`, which sees only
cell values: each row's first cell object is remembered against its key for that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

Row = tuple[str, tuple[Text, ...]]  # (key, cells after the key column)


class KeyedTable(DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
    ]

    @dataclass
    class RowChosen(Message):
        """The cursor moved to a row (or the table emptied: key None)."""

        table: KeyedTable
        key: str | None

    def __init__(self, columns: Sequence[tuple[str, int | None]], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self._columns = columns
        self._key_of_first: dict[int, str] = {}  # id() of each row's first cell → row key
        self._cells: dict[str, tuple[str, ...]] = {}
        self._order: list[str] = []
        self.placeholder: Text | None = None

    def on_mount(self) -> None:
        for index, (label, width) in enumerate(self._columns):
            self.add_column(Text(label, style="bold"), width=width or 8, key=f"c{index}")

    def on_resize(self) -> None:
        """The column given no width takes whatever the others leave (so nothing scrolls
        sideways, and the key column stays last and visible when there is room)."""
        flexible = [index for index, (_, width) in enumerate(self._columns) if width is None]
        if not flexible:
            return
        fixed = sum(width or 0 for _, width in self._columns)
        padding = 2 * self.cell_padding * len(self._columns)
        room = self.size.width - fixed - padding - 1  # the vertical scrollbar
        column = self.columns.get(ColumnKey(f"c{flexible[0]}"))
        if column is not None and room != column.width:
            column.width = max(6, room)
            self.refresh(layout=True)

    def sync(self, rows: Sequence[Row]) -> None:
        selected = self.selected_key()
        wanted = {key for key, _ in rows}
        for key in [key for key in self._order if key not in wanted]:
            self.remove_row(key)
            self._cells.pop(key)
        self._key_of_first = {}
        for key, cells in rows:
            marks = tuple(cell.markup for cell in cells)
            old = self._cells.get(key)
            if old is None:
                self.add_row(*cells, key=key)
            else:
                for index, (before, after) in enumerate(zip(old, marks, strict=True)):
                    if before != after:
                        self.update_cell(key, f"c{index}", cells[index])
            self._key_of_first[id(self.get_cell(key, "c0"))] = key
            self._cells[key] = marks
        order = [key for key, _ in rows]
        if self.ordered_keys() != order:
            rank = {key: index for index, key in enumerate(order)}
            self.sort(key=lambda values: rank[self._key_of_first[id(values[0])]])
        self._order = order
        if selected is not None and selected in self._cells:
            self.move_cursor(row=order.index(selected), animate=False)
        elif selected is not None or (order and self.cursor_row >= len(order)):
            self.move_cursor(row=min(self.cursor_row, max(0, len(order) - 1)), animate=False)
        if selected != self.selected_key():
            self.post_message(self.RowChosen(self, self.selected_key()))

    def ordered_keys(self) -> list[str]:
        return [str(row.key.value) for row in self.ordered_rows]

    def selected_key(self) -> str | None:
        if not self._order or self.row_count == 0:
            return None
        index = min(max(self.cursor_row, 0), self.row_count - 1)
        return str(self.ordered_rows[index].key.value)

    def select_key(self, key: str) -> bool:
        if key not in self._cells:
            return False
        self.move_cursor(row=self.get_row_index(key), animate=False)
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.RowChosen(self, self.selected_key()))
