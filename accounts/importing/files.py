"""Writing files: CSV and XLSX in an import template's format, the template, the failed rows (every import)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.choices import choice_names
from accounts.importing.base import OK, duplicate_text
from accounts.importing.layout import ERRORS_HEADER, SOURCE_ROW_HEADER, Column, ColumnSet
from accounts.importing.reading import FORMULA_STARTS, XLSX, cell_text, read_table


class _Echo:
    def write(self, value):
        return value


def csv_lines(headers: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text, one line at a time, starting with a BOM so Excel reads it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers)
    for row in rows:
        yield writer.writerow(_csv_safe(value) for value in row)


def _csv_safe(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_bytes(headers: list[str], rows: Iterable[Iterable]) -> bytes:
    return "".join(csv_lines(headers, rows)).encode("utf-8")


def xlsx_bytes(sheets: list[tuple[str, list[str], Iterable[Iterable]]]) -> bytes:
    """An XLSX workbook written with openpyxl's write-only mode: ``(title, headers, rows)`` per sheet.

    Every cell is text, so "0571…" keeps its zero, mobiles are not shown as 1.38E+10 and
    "=…" is never a formula. Text that Excel would read as a formula once the cell is edited
    ("=", "+", "-", "@") also gets the quote-prefix style: Excel's own "this is text" mark, not
    shown in the cell (the CSV's visible ' guard is for CSV only).
    """
    workbook = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(header) * 2 + 4))
        sheet.append([_xlsx_cell(sheet, header, font=bold) for header in headers])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value, font=None) -> WriteOnlyCell:
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    cell = WriteOnlyCell(sheet, value=text or None)
    if text:
        cell.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def file_bytes(fmt: str, headers: list[str], rows: Iterable[Iterable], title: str) -> bytes:
    if fmt == XLSX:
        return xlsx_bytes([(title, headers, rows)])
    return csv_bytes(headers, rows)


def failed_rows_file(*, report: dict, content: bytes, fmt: str, columns: ColumnSet, group_key: str = "row") -> bytes:
    """The rows that failed, with every other row of the same record (``group_key``: the report entry's key
    naming the record's first row), as typed in the uploaded file, plus a 错误 column saying why and a
    原行号 column with the row number in that file. After a commit: the rows it left out."""
    table = read_table(content, report.get("filename", ""))
    committed = report.get("committed")
    failed = {
        row[group_key] for row in report["rows"] if (not row.get("imported") if committed else row["status"] != OK)
    }
    by_number = {row["row"]: row for row in report["rows"] if row[group_key] in failed}
    keep = [index for index, text in enumerate(table.headers) if not columns.is_ignored(text)]
    headers = [table.headers[index] for index in keep] + [ERRORS_HEADER, SOURCE_ROW_HEADER]

    def rows():
        for number, values in table.rows:
            entry = by_number.get(number)
            if entry is None:
                continue
            reasons = [f"{header}: {message}" for header, messages in entry["errors"].items() for message in messages]
            reasons += [_("Possible duplicate: %(text)s") % {"text": duplicate_text(d)} for d in entry["duplicates"]]
            cells = [cell_text(values[index]) if index < len(values) else "" for index in keep]
            yield [*cells, "; ".join(reasons), str(number)]

    return file_bytes(fmt, headers, rows(), title=_("Failed rows"))


def template_file(*, fmt: str, columns: ColumnSet, example: dict, title: str) -> bytes:
    """An import template: the headers and one example row; the XLSX has a second sheet explaining the columns."""
    headers = [column.header for column in columns.template]
    example_rows = [[example.get(column.key, "") for column in columns.template]]
    if fmt != XLSX:
        return csv_bytes(headers, example_rows)
    guide = [
        [
            column.header,
            column.english,
            _("yes") if column.required else "",
            str(column.hint) if column.hint else accepted_values(columns, column),
        ]
        for column in columns.columns
    ]
    return xlsx_bytes(
        [
            (title, headers, example_rows),
            (_("Columns"), [_("Header"), _("English header"), _("Required"), _("Notes")], guide),
        ]
    )


def accepted_values(columns: ColumnSet, column: Column) -> str:
    """The Chinese names a choice column accepts, for the template's guide."""
    choices_cls = columns.choices.get(column.key)
    return choice_names(choices_cls) if choices_cls else ""
