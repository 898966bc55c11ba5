"""Reading an uploaded file: CSV in its encodings or XLSX, into a header row and data rows, within the limits."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

import openpyxl
from django.core.cache import cache
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from teams.errors import DomainError

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

MAX_FILE_SIZE = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
# How long a file read stays remembered for its commit (``read_table_again``): the time a
# person takes from the dry run's report to "import"; after that the commit reads it again.
# The cache holds the sheet's contents (names, phones): kept short, and forgotten once the
# file is imported (``forget_table``), so customer data does not linger in Redis (or in its
# append-only file on disk) beyond the upload row the database keeps anyway.
TABLE_CACHE_SECONDS = 1800

# Excel runs a cell starting with one of these as a formula; CSV cells get a leading ' (undone on import).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (size, format, encoding, headers); names the ``file`` field."""

    def __init__(self, messages):
        messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__({"file": messages}, code="import_file")


@dataclass
class Table:
    format: str
    encoding: str | None
    headers: list[str]
    header_row: int
    rows: list[tuple[int, list]]  # (row number as the spreadsheet shows it, cell values)


def check_size(size: int) -> None:
    """Refuse a file over the limit (called on the upload's size before it is read, and on the bytes)."""
    if size > MAX_FILE_SIZE:
        raise ImportFileError(
            _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
            % {"size": filesizeformat(size), "limit": filesizeformat(MAX_FILE_SIZE)}
        )


def read_table(content: bytes, filename: str = "") -> Table:
    """Read an uploaded CSV or XLSX file into its header and data rows; blank rows are skipped."""
    check_size(len(content))
    if not content.strip():
        raise ImportFileError(_("The file is empty."))
    name = (filename or "").lower()
    if content.startswith(b"PK\x03\x04"):
        table = _read_xlsx(content)
    elif content.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise ImportFileError(
            _(
                "Old Excel files (.xls) cannot be read. In Excel use “Save as” → “Excel workbook (.xlsx)” "
                "or “CSV UTF-8”."
            )
        )
    elif name.endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("This is not a valid .xlsx file. Save it again from Excel, or as CSV UTF-8."))
    else:
        table = _read_csv(content)
    if table is None:
        raise ImportFileError(_("The file is empty."))
    if not table.rows:
        raise ImportFileError(
            _("The file has only the header row (row %(row)d) and no data rows.") % {"row": table.header_row}
        )
    return table


def read_table_again(content: bytes, filename: str = "") -> Table:
    """``read_table``, remembered for ``TABLE_CACHE_SECONDS`` by the content (and name): an upload is read
    at its dry run and again, unchanged, at its commit (in the background job's process), where parsing a
    10,000-row XLSX again was a third of the commit's CPU. The cache hands out a copy each time; a file
    that cannot be read is read (and refused) again."""
    key = _table_key(content, filename)
    table = cache.get(key)
    if table is None:
        table = read_table(content, filename)
        cache.set(key, table, TABLE_CACHE_SECONDS)
    return table


def forget_table(content: bytes, filename: str = "") -> None:
    """Drop ``read_table_again``'s copy of a file (once its commit is done)."""
    cache.delete(_table_key(content, filename))


def _table_key(content: bytes, filename: str) -> str:
    digest = hashlib.sha256(filename.lower().encode() + b"\0" + content).hexdigest()
    return f"import-table:1:{digest}"  # 1: how this code reads a file; a new reading, a new number


def yes_no_text(value: bool) -> str:
    return "是" if value else "否"


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no_text(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # numbers typed into Excel: 13812345678.0
    elif isinstance(value, datetime | date | time):
        value = value.isoformat()
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:]  # undo the formula escape of our own CSV files
    return text


def _collect(rows: Iterable[tuple[int, list]]) -> Table | None:
    """Header = first non-blank row; then the non-blank rows, at most MAX_ROWS of them."""
    header, header_row, data = None, 0, []
    for number, values in rows:
        if not any(value not in (None, "") and str(value).strip() for value in values):
            continue
        if header is None:
            header, header_row = [cell_text(value) for value in values], number
            while header and not header[-1]:
                header.pop()
            if len(header) > MAX_COLUMNS:
                raise ImportFileError(
                    _("The first row has %(count)d columns; an import file has at most %(limit)d.")
                    % {"count": len(header), "limit": MAX_COLUMNS}
                )
            continue
        if len(data) >= MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(limit)d data rows. Split it into files of at most %(limit)d rows.")
                % {"limit": MAX_ROWS}
            )
        data.append((number, list(values)))
    if header is None:
        return None
    return Table(format="", encoding=None, headers=header, header_row=header_row, rows=data)


def _read_xlsx(content: bytes) -> Table | None:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise ImportFileError(
            _("This is not a valid .xlsx file. Save it again from Excel, or as CSV UTF-8.")
        ) from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # files from other tools often state wrong dimensions
        table = _collect(
            (number, list(values))
            for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), start=1)
        )
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError(_("This .xlsx file is damaged and cannot be read. Save it again from Excel.")) from error
    finally:
        workbook.close()
    if table is not None:
        table.format = XLSX
    return table


def _decode(content: bytes) -> tuple[str, str]:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        encoding = "utf-8-sig" if content.startswith(codecs.BOM_UTF8) else "utf-8"
        return content.decode("utf-8-sig"), encoding
    except UnicodeDecodeError as utf8_error:
        try:
            return content.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as gb_error:
            # The encoding that read further is the likelier one; its first bad byte is the one to fix.
            position = max(utf8_error.start, gb_error.start)
            raise ImportFileError(
                _(
                    "The file cannot be read as text: it is neither UTF-8 nor GBK/GB18030 (the first unreadable "
                    "byte is on line %(line)d). In Excel use “Save as” → “CSV UTF-8”, or upload the .xlsx file."
                )
                % {"line": content[:position].count(b"\n") + 1}
            ) from gb_error


def _read_csv(content: bytes) -> Table | None:
    text, encoding = _decode(content)
    if "\x00" in text:
        raise ImportFileError(
            _("This does not look like a CSV file (it contains binary data). Upload a .csv or .xlsx file.")
        )
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = max([",", "\t", ";"], key=first_line.count)
    if not first_line.count(delimiter):
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = _collect(enumerate(reader, start=1))
    except csv.Error as error:
        raise ImportFileError(
            _("Line %(line)d cannot be read as CSV (%(error)s).") % {"line": reader.line_num, "error": error}
        ) from error
    if table is not None:
        table.format, table.encoding = CSV, encoding
    return table
