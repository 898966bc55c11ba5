"""Writing files: CSV and XLSX in the import template's format, the template, the failed rows."""

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

from accounts.importing.checking import OK
from accounts.importing.columns import (
    CHOICE_COLUMNS,
    COLUMNS,
    ERRORS_HEADER,
    SOURCE_ROW_HEADER,
    TEMPLATE_COLUMNS,
    Column,
    choice_text,
    header_key,
    header_lookup,
)
from accounts.importing.duplicates import duplicate_text
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


def failed_rows_file(*, report: dict, content: bytes, fmt: str) -> bytes:
    """The rows that failed, with every other row of the same customers, as typed in the uploaded file,
    plus a 错误 column saying why and a 原行号 column with the row number in that file."""
    table = read_table(content, report.get("filename", ""))
    failed_customers = {row["customer_row"] for row in report["rows"] if row["status"] != OK}
    by_number = {row["row"]: row for row in report["rows"] if row["customer_row"] in failed_customers}
    lookup = header_lookup()
    keep = [index for index, text in enumerate(table.headers) if not (text and lookup.get(header_key(text), 0) is None)]
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


EXAMPLE_ROW = {
    "name": "杭州示例科技有限公司",
    "credit_code": "91330106MA2B3C4D5D",
    "industry": "信息传输、软件和信息技术服务业",
    "level": "重点",
    "source": "展会",
    "region": "浙江省-杭州市-西湖区",
    "address": "文三路 100 号 8 楼",
    "website": "https://www.example.com",
    "notes": "示例行：导入前请删除",
    "owner": "",
    "contact_name": "张三",
    "department": "采购部",
    "department_kind": "采购",
    "title": "采购经理",
    "mobile": "13912345678",
    "landline": "0571-88881234",
    "email": "zhangsan@example.com",
    "wechat": "zhangsan_2024",
    "buying_role": "决策者",
    "has_left": "否",
    "contact_notes": "",
}


def template_file(fmt: str) -> bytes:
    """The import template: the headers and one example row; the XLSX has a second sheet explaining the columns."""
    headers = [column.header for column in TEMPLATE_COLUMNS]
    example = [[EXAMPLE_ROW.get(column.key, "") for column in TEMPLATE_COLUMNS]]
    if fmt != XLSX:
        return csv_bytes(headers, example)
    guide = [
        [
            column.header,
            column.english,
            _("yes") if column.required else "",
            str(column.hint) if column.hint else _accepted_values(column),
        ]
        for column in COLUMNS
    ]
    return xlsx_bytes(
        [
            (_("Customers"), headers, example),
            (_("Columns"), [_("Header"), _("English header"), _("Required"), _("Notes")], guide),
        ]
    )


def _accepted_values(column: Column) -> str:
    choices_cls = CHOICE_COLUMNS.get(column.key)
    if choices_cls is None:
        return ""
    return "、".join(choice_text(choices_cls, value) for value in choices_cls.values)
