"""What every workbook does before it is saved: text from the sources stays text.

A cell value starting with '=' is a formula to openpyxl and to Excel; '+', '-', '@', a tab or a CR
can start one when a user edits the cell. Every such value is written as a string and marked with
Excel's quote prefix (the leading apostrophe), so a threat written as =HYPERLINK(...) shows as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_only(book: Workbook) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if cell.data_type == "f" or (isinstance(value, str) and value.startswith(FORMULA_START)):
                    cell.data_type = "s"
                    cell.quotePrefix = True


HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
ALERT_FILL = PatternFill("solid", fgColor="F4B6B0")


def simple_sheet(
    wb: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[int],
    alert_column: int | None = None, dates: bool = False,
):
    """A filterable table sheet: the new workbook's empty sheet first, then one more per call.
    `dates`: date cells read yyyy-mm-dd; `alert_column`: rows whose cell there is True are marked."""
    fresh = len(wb.worksheets) == 1 and wb.worksheets[0].title == "Sheet" and wb.worksheets[0].max_row == 1
    ws = wb.worksheets[0] if fresh else wb.create_sheet()
    ws.title = title[:31]  # Excel's limit
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if dates and hasattr(cell.value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
        if alert_column is not None and row[alert_column] is True:
            for cell in ws[ws.max_row]:
                cell.fill = ALERT_FILL
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    return ws
