"""Customer import from CSV and XLSX files: the column spec, reading, the dry run and the commit.

One row per contact; rows with the same customer (same credit code, else the
same normalised name) form one customer with several contacts. A row without
contact cells is a customer without people.

* :func:`read_table` reads the file: XLSX with openpyxl (read-only, cached
  formula values), CSV with the ``csv`` module after decoding UTF-8 (with or
  without BOM), then GB18030 (a superset of GBK, what Excel in China writes),
  plus UTF-16 with BOM ("Unicode text"). Problems with the file as a whole
  (too large, empty, wrong headers, unreadable) raise :class:`ImportFileError`.
* :func:`dry_run` checks every row without writing: values are mapped to choices
  and region codes here, but validated by the models' own ``full_clean()``
  (what ``accounts.services`` runs); duplicates are looked up in batches
  against the database and within the file. It returns a JSON-ready report.
* :func:`commit` re-checks the stored file and creates every customer through
  ``services.customer_create`` in one transaction: all or nothing.
* :func:`failed_rows_file` and :func:`template_file` write files in the same
  format, which :mod:`accounts.exporting` uses for the customer list too.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

import openpyxl
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from accounts import regions, services
from accounts.choices import (
    CHOICE_ALIASES,
    BuyingRole,
    CustomerLevel,
    CustomerSource,
    DepartmentKind,
    Industry,
    choice_from_text,
    industry_from_text,
)
from accounts.models import Contact, Customer, CustomerImport, Department
from accounts.normalize import normalize_company_name, normalize_credit_code
from accounts.selectors import MATCH_REASONS, SIMILARITY_THRESHOLD, find_duplicates
from teams.errors import DomainError
from teams.models import User

MAX_FILE_SIZE = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
# Lookups of many values at once go to the database in chunks of this size.
BATCH_SIZE = 1000
CONTACT_BATCH_SIZE = 200

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

OK, ERROR, DUPLICATE = "ok", "error", "duplicate"


# --------------------------------------------------------------------------- column spec


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Chinese: the template's and the export's header
    english: str  # accepted on import, shown in the English UI
    aliases: tuple[str, ...] = ()
    required: bool = False
    in_template: bool = True  # province/city/district are alternatives to the one region column
    hint: str = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "客户名称",
        "Customer name",
        ("客户", "客户名", "公司名称", "公司", "企业名称", "单位名称", "name", "customer", "company", "company name"),
        required=True,
        hint=gettext_lazy("Required. Rows with the same credit code, or else the same name, are one customer."),
    ),
    Column(
        "credit_code",
        "统一社会信用代码",
        "Unified social credit code",
        ("信用代码", "社会信用代码", "税号", "credit code", "uscc"),
        hint=gettext_lazy("18 characters, checked with its check digit."),
    ),
    Column(
        "industry",
        "行业",
        "Industry",
        ("所属行业",),
        hint=gettext_lazy("A GB/T 4754 section name or letter, e.g. 制造业 or C."),
    ),
    Column(
        "level",
        "客户级别",
        "Level",
        ("级别", "客户等级", "customer level"),
        hint=gettext_lazy("重点 / 普通 / 非优先 (or A / B / C); empty means 普通."),
    ),
    Column("source", "客户来源", "Source", ("来源", "customer source")),
    Column(
        "region",
        "地区",
        "Region",
        ("省市区", "省-市-区", "所在地区", "所在地", "区域"),
        hint=gettext_lazy("One column “省-市-区”, e.g. 浙江省-杭州市-西湖区; or use 省份, 城市, 区县."),
    ),
    Column(
        "province",
        "省份",
        "Province",
        ("省",),
        in_template=False,
        hint=gettext_lazy("Name or 6-digit code; instead of 地区."),
    ),
    Column(
        "city", "城市", "City", ("市",), in_template=False, hint=gettext_lazy("Name or 6-digit code; instead of 地区.")
    ),
    Column(
        "district",
        "区县",
        "District",
        ("区", "县", "区/县"),
        in_template=False,
        hint=gettext_lazy("Name or 6-digit code; instead of 地区."),
    ),
    Column("address", "详细地址", "Address", ("地址",)),
    Column("website", "网址", "Website", ("官网", "网站", "url")),
    Column("notes", "备注", "Notes", ("客户备注", "customer notes")),
    Column(
        "owner",
        "负责人",
        "Owner",
        ("销售", "负责销售", "客户负责人", "owner username"),
        hint=gettext_lazy("Username. Empty: you. Leads and admins may name a user they can assign customers to."),
    ),
    Column(
        "contact_name",
        "联系人姓名",
        "Contact name",
        ("联系人", "姓名"),
        hint=gettext_lazy("Required on rows that have contact details."),
    ),
    Column("department", "部门", "Department", ("所属部门",)),
    Column("department_kind", "部门类型", "Department kind", ("部门类别", "department type")),
    Column("title", "职务", "Title", ("职位", "job title")),
    Column("mobile", "手机", "Mobile", ("手机号", "手机号码", "mobile phone", "cell phone")),
    Column("landline", "座机", "Landline", ("电话", "固定电话", "办公电话", "phone")),
    Column("email", "邮箱", "E-mail", ("电子邮箱", "邮件", "email address")),
    Column("wechat", "微信", "WeChat", ("微信号", "wechat id")),
    Column("buying_role", "购买角色", "Buying role", ("角色", "采购角色")),
    Column("has_left", "已离职", "Has left", ("离职", "是否离职"), hint=gettext_lazy("是 / 否; empty means 否.")),
    Column("contact_notes", "联系人备注", "Contact notes"),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
TEMPLATE_COLUMNS = tuple(column for column in COLUMNS if column.in_template)

# Columns this module adds to the failed-rows file; ignored when that file is imported again.
ERRORS_HEADER, SOURCE_ROW_HEADER = "错误", "原行号"
_IGNORED_HEADERS = (ERRORS_HEADER, "Errors", "Error", SOURCE_ROW_HEADER, "Source row")

CUSTOMER_KEYS = ("name", "credit_code", "industry", "level", "source", "address", "website", "notes")
REGION_KEYS = ("province", "city", "district")
# Column key -> key of the contact dict ``services.customer_create`` takes.
CONTACT_KEYS = {
    "contact_name": "name",
    "department": "department",
    "department_kind": "department_kind",
    "title": "title",
    "mobile": "mobile",
    "landline": "landline",
    "email": "email",
    "wechat": "wechat",
    "buying_role": "buying_role",
    "has_left": "has_left",
    "contact_notes": "notes",
}
CHOICE_COLUMNS = {
    "industry": Industry,
    "level": CustomerLevel,
    "source": CustomerSource,
    "department_kind": DepartmentKind,
    "buying_role": BuyingRole,
}

_YES = {"是", "y", "yes", "true", "1", "已离职", "离职", "√", "✓", "✔"}
_NO = {"否", "n", "no", "false", "0", "在职", "未离职", "×", "✗"}


# How two rows' values of one customer are compared; the first row's spelling is kept.
_SAME = {
    "name": lambda a, b: normalize_company_name(a) == normalize_company_name(b),
    "credit_code": lambda a, b: normalize_credit_code(a) == normalize_credit_code(b),
}


def _header_key(text) -> str:
    """NFKC, case-fold, a trailing "(必填)"-style remark dropped, only letters and digits kept."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold().strip()
    text = re.sub(r"[(\[【][^()\[\]【】]*[)\]】]\s*$", "", text)
    return "".join(char for char in text if char.isalnum())


@functools.cache
def _header_lookup() -> dict[str, Column | None]:
    """Header key -> column; ``None`` for the columns the failed-rows file adds."""
    table: dict[str, Column | None] = {_header_key(text): None for text in _IGNORED_HEADERS}
    for column in COLUMNS:
        for text in (column.header, column.english, column.key, *column.aliases):
            key = _header_key(text)
            if table.get(key, column) is not column:
                raise AssertionError(f"Import header {text!r} is claimed twice")
            table[key] = column
    return table


@functools.cache
def _chinese_labels(choices_cls) -> dict[str, str]:
    """Choice value -> its first Chinese alias (制造业, 重点, 决策者): what files show and the importer reads."""
    labels: dict[str, str] = {}
    for alias, value in CHOICE_ALIASES.get(choices_cls, {}).items():
        if any("\u4e00" <= char <= "\u9fff" for char in alias):
            labels.setdefault(str(value), alias)
    return labels


def choice_text(choices_cls, value) -> str:
    """A stored choice as written in files: the Chinese name, else the label."""
    if not value:
        return ""
    return _chinese_labels(choices_cls).get(str(value)) or str(choices_cls(value).label)


def yes_no_text(value: bool) -> str:
    return "是" if value else "否"


# --------------------------------------------------------------------------- reading


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
            _("The file has only the header row (row %(row)d) and no customers.") % {"row": table.header_row}
        )
    return table


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no_text(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # numbers typed into Excel: 13812345678.0
    elif isinstance(value, datetime | date | time):
        value = value.isoformat()
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_STARTS:
        text = text[1:]  # undo the formula escape of our own CSV files
    return text


def _collect(rows: Iterable[tuple[int, list]]) -> Table | None:
    """Header = first non-blank row; then the non-blank rows, at most MAX_ROWS of them."""
    header, header_row, data = None, 0, []
    for number, values in rows:
        if not any(value not in (None, "") and str(value).strip() for value in values):
            continue
        if header is None:
            header, header_row = [_cell_text(value) for value in values], number
            while header and not header[-1]:
                header.pop()
            if len(header) > MAX_COLUMNS:
                raise ImportFileError(
                    _("The first row has %(count)d columns; a customer file has at most %(limit)d.")
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


# --------------------------------------------------------------------------- headers


@dataclass
class _Layout:
    columns: dict[int, Column]  # cell index -> column
    headers: dict[str, str]  # column key -> the header as written in the file
    unnamed: list[int]  # cell indexes without a header


def _layout(table: Table) -> _Layout:
    lookup = _header_lookup()
    columns: dict[int, Column] = {}
    headers: dict[str, str] = {}
    unnamed: list[int] = []
    problems: list[str] = []
    unknown: list[str] = []
    for index, text in enumerate(table.headers):
        if not text:
            unnamed.append(index)
            continue
        key = _header_key(text)
        if key in lookup and lookup[key] is None:
            continue
        column = lookup.get(key)
        if column is None:
            unknown.append(text)
            problems.append(
                _("Unknown column “%(header)s” (column %(letter)s).")
                % {"header": text, "letter": get_column_letter(index + 1)}
            )
        elif column.key in headers:
            problems.append(
                _("Columns “%(first)s” and “%(second)s” (column %(letter)s) both mean “%(header)s”; keep one.")
                % {
                    "first": headers[column.key],
                    "second": text,
                    "letter": get_column_letter(index + 1),
                    "header": column.header,
                }
            )
        else:
            columns[index] = column
            headers[column.key] = text
    for column in COLUMNS:
        if column.required and column.key not in headers:
            problems.append(
                _("The required column “%(header)s” (%(english)s) is missing; the first row must hold the headers.")
                % {"header": column.header, "english": column.english}
            )
    contact_headers = [headers[key] for key in CONTACT_KEYS if key in headers and key != "contact_name"]
    if contact_headers and "contact_name" not in headers:
        problems.append(
            _(
                "The column “联系人姓名” (Contact name) is missing; it is needed when the file has contact columns "
                "such as “%(header)s”."
            )
            % {"header": contact_headers[0]}
        )
    if unknown:
        problems.append(
            _("Accepted headers: %(headers)s (or their English names). Download the template to see them.")
            % {"headers": "、".join(column.header for column in COLUMNS)}
        )
        if not headers:
            problems.append(
                _(
                    "No header was recognised. If they look garbled, the file's encoding was not understood: "
                    "save it as “CSV UTF-8” or .xlsx."
                )
            )
    if problems:
        raise ImportFileError(problems)
    return _Layout(columns=columns, headers=headers, unnamed=unnamed)


# --------------------------------------------------------------------------- checking rows


@dataclass
class _Row:
    number: int
    errors: dict[str, list[str]] = field(default_factory=dict)
    duplicates: list[dict] = field(default_factory=list)
    customer_name: str = ""
    contact_name: str = ""
    group: _Group | None = None

    def add_error(self, header: str, message) -> None:
        messages = self.errors.setdefault(header, [])
        if str(message) not in messages:
            messages.append(str(message))

    @property
    def status(self) -> str:
        if self.errors:
            return ERROR
        return DUPLICATE if self.duplicates else OK


@dataclass
class _Group:
    """One customer of the file: its merged values and the rows they came from."""

    rows: list[_Row]
    credit_code: str
    normalized_name: str
    core_name: str = ""
    data: dict = field(default_factory=dict)
    # model field -> (row, header) that gave the value, so an error lands on that cell
    sources: dict[str, tuple[_Row, str]] = field(default_factory=dict)
    owner: object = None
    contacts: list[tuple[_Row, dict]] = field(default_factory=list)


class _Check:
    """Everything the dry run and the commit need to know about one file."""

    def __init__(self, *, user, table: Table, filename: str):
        self.user = user
        self.table = table
        self.filename = filename
        self.layout = _layout(table)
        self.rows: list[_Row] = []
        self.groups: list[_Group] = []
        self._owners = None

    # -- parsing ---------------------------------------------------------------------------------------------------

    def header(self, key: str) -> str:
        return self.layout.headers.get(key) or COLUMNS_BY_KEY[key].header

    def owner_for(self, text: str):
        if self._owners is None:
            self._owners = {}
            choices = list(services.owner_choices(self.user))
            names: dict[str, list] = {}
            for user in choices:
                names.setdefault(user.name.casefold(), []).append(user)
            for key, users in names.items():
                if len(users) == 1:
                    self._owners[key] = users[0]
            # Usernames win over display names.
            self._owners.update({user.username.casefold(): user for user in choices})
            self._owners.setdefault(self.user.username.casefold(), self.user)
        return self._owners.get(text.casefold())

    def run(self) -> _Check:
        by_code: dict[str, _Group] = {}
        by_name: dict[str, _Group] = {}
        for number, values in self.table.rows:
            row, cells = self._read_row(number, values)
            self.rows.append(row)
            self._place(row, cells, by_code, by_name)
        for group in self.groups:
            self._validate(group)
        # One transaction for the lookups: the selector's trigram threshold is set transaction-locally.
        with transaction.atomic():
            self._find_duplicates()
        return self

    def _read_row(self, number: int, values: list) -> tuple[_Row, dict[str, str]]:
        row = _Row(number=number)
        cells = {
            column.key: _cell_text(values[index]) if index < len(values) else ""
            for index, column in self.layout.columns.items()
        }
        beyond = range(len(self.table.headers), len(values))
        for index in (*self.layout.unnamed, *beyond):
            if index < len(values) and _cell_text(values[index]):
                row.add_error(
                    get_column_letter(index + 1),
                    _("Column %(letter)s has no header, so this value cannot be imported.")
                    % {"letter": get_column_letter(index + 1)},
                )
        row.customer_name = cells.get("name", "")
        row.contact_name = cells.get("contact_name", "")
        return row, cells

    def _place(self, row: _Row, cells: dict[str, str], by_code: dict, by_name: dict) -> None:
        """Join the row to its customer (same credit code, else same name) or start a new one."""
        code = normalize_credit_code(cells.get("credit_code", ""))
        name = normalize_company_name(cells.get("name", ""))
        group = by_code.get(code) if code else None
        if group is None and name and name in by_name:
            candidate = by_name[name]
            if not code or not candidate.credit_code:
                group = candidate
        if group is None:
            group = _Group(rows=[], credit_code=code, normalized_name=name)
            self.groups.append(group)
            if name:
                by_name.setdefault(name, group)
        if code and not group.credit_code:
            group.credit_code = code
        if code:
            by_code.setdefault(code, group)
        group.rows.append(row)
        row.group = group
        self._merge_customer(group, row, cells)
        contact = self._contact(row, cells)
        if contact is not None:
            group.contacts.append((row, contact))

    def _set(self, group: _Group, row: _Row, key: str, field_name: str, value, text: str) -> None:
        """Take a customer value from this row, unless an earlier row of the customer gave another one."""
        same = _SAME.get(field_name, lambda a, b: a == b)
        if field_name not in group.data:
            group.data[field_name] = value
            group.sources[field_name] = (row, self.header(key))
        elif not same(group.data[field_name], value):
            first_row, _header = group.sources[field_name]
            row.add_error(
                self.header(key),
                _("Differs from row %(row)d of the same customer (“%(value)s”).")
                % {"row": first_row.number, "value": text},
            )

    def _merge_customer(self, group: _Group, row: _Row, cells: dict[str, str]) -> None:
        for key in CUSTOMER_KEYS:
            text = cells.get(key, "")
            if not text:
                continue
            value = self._customer_value(row, key, text)
            if value is not None:
                self._set(group, row, key, key, value, text)
        self._merge_region(group, row, cells)
        owner_text = cells.get("owner", "")
        if owner_text:
            owner = self.owner_for(owner_text)
            if owner is None:
                row.add_error(
                    self.header("owner"),
                    _("“%(value)s” is not a user you can assign customers to.") % {"value": owner_text},
                )
            elif group.owner is None:
                group.owner = owner
                group.sources["owner"] = (row, self.header("owner"))
            elif group.owner != owner:
                row.add_error(
                    self.header("owner"),
                    _("Differs from row %(row)d of the same customer (“%(value)s”).")
                    % {"row": group.sources["owner"][0].number, "value": owner_text},
                )

    def _customer_value(self, row: _Row, key: str, text: str):
        if key in CHOICE_COLUMNS:
            return self._choice(row, key, text)
        if key == "website" and "://" not in text:
            return f"https://{text}"  # people write www.example.com
        return text

    def _choice(self, row: _Row, key: str, text: str):
        choices_cls = CHOICE_COLUMNS[key]
        value = industry_from_text(text) if choices_cls is Industry else choice_from_text(choices_cls, text)
        if value is None:
            accepted = "、".join(choice_text(choices_cls, choice) for choice in choices_cls.values)
            row.add_error(
                self.header(key),
                _("Unknown value “%(value)s”. Accepted: %(accepted)s.") % {"value": text, "accepted": accepted},
            )
        return value

    def _merge_region(self, group: _Group, row: _Row, cells: dict[str, str]) -> None:
        region_text = cells.get("region", "")
        parts = [(key, cells.get(key, "")) for key in REGION_KEYS]
        if region_text:
            try:
                codes = regions.parse(region_text)
            except ValueError as error:
                row.add_error(self.header("region"), error)
                return
            headers = [self.header("region")] * 3
        elif any(text for _key, text in parts):
            codes, headers = self._separate_region(row, parts)
            if codes is None:
                return
        else:
            return
        for key, code, header in zip(REGION_KEYS, codes, headers, strict=True):
            if key not in group.data:
                group.data[key] = code or ""
                group.sources[key] = (row, header)
            elif group.data[key] != (code or ""):
                first_row, _header = group.sources[key]
                row.add_error(
                    header,
                    _("Differs from row %(row)d of the same customer (“%(value)s”).")
                    % {"row": first_row.number, "value": region_text or " ".join(text for _k, text in parts)},
                )
                return

    def _separate_region(self, row: _Row, parts: list[tuple[str, str]]):
        """省份 / 城市 / 区县 columns: codes as they are (the model validates them), names read level by level."""
        headers = [self.header(key) for key, _text in parts]
        given = [(key, text) for key, text in parts if text]
        if all(text.isdigit() and len(text) == 6 for _key, text in given):
            return tuple(text for _key, text in parts), headers
        names: list[str] = []
        codes: tuple = ("", "", "")
        for key, text in given:
            names.append((regions.name(text) or text) if text.isdigit() else text)
            try:
                codes = regions.parse("-".join(names))
            except ValueError as error:
                row.add_error(self.header(key), error)
                return None, headers
        return codes, headers

    def _contact(self, row: _Row, cells: dict[str, str]) -> dict | None:
        if not any(cells.get(key) for key in CONTACT_KEYS):
            return None
        contact: dict = {}
        for key, target in CONTACT_KEYS.items():
            text = cells.get(key, "")
            if not text:
                continue
            if key in CHOICE_COLUMNS:
                value = self._choice(row, key, text)
                if value is None:
                    continue
            elif key == "has_left":
                folded = text.casefold()
                if folded not in _YES and folded not in _NO:
                    row.add_error(self.header(key), _("Write 是 or 否, not “%(value)s”.") % {"value": text})
                    continue
                value = folded in _YES
            else:
                value = text
            contact[target] = value
        return contact

    # -- validation: the models' own rules --------------------------------------------------------------------------

    def _validate(self, group: _Group) -> None:
        if group.owner is None:
            group.owner = self.user
        first = group.rows[0]
        customer = Customer(owner=group.owner, **{k: v for k, v in group.data.items() if k in services.CUSTOMER_FIELDS})
        customer.normalize()
        group.core_name = customer.core_name
        try:
            # As services.customer_create: uniqueness is the duplicate check's job.
            customer.full_clean(exclude=["owner", "team"], validate_constraints=False)
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                row, header = group.sources.get(field_name, (first, self.header("name")))
                if field_name == NON_FIELD_ERRORS:
                    row, header = first, self.header("name")
                for message in messages:
                    row.add_error(header, message)
        for row, data in group.contacts:
            self._validate_contact(row, data)

    def _validate_contact(self, row: _Row, data: dict) -> None:
        headers = {target: self.header(key) for key, target in CONTACT_KEYS.items()}
        contact = Contact(**{k: v for k, v in data.items() if k in services.CONTACT_FIELDS})
        raw_mobile = data.get("mobile", "")
        if raw_mobile:
            # Normalising keeps only digits, so "138-1234-abcd" would pass after it; check the typed text too.
            try:
                Contact._meta.get_field("mobile").run_validators(raw_mobile)
            except ValidationError as error:
                for message in error.messages:
                    row.add_error(headers["mobile"], message)
        contact.normalize()
        try:
            contact.full_clean(exclude=["customer", "department"])
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                header = headers.get(field_name, headers["name"])
                if field_name == "mobile" and headers["mobile"] in row.errors:
                    continue
                for message in messages:
                    row.add_error(header, message)
        if data.get("department"):
            department = Department(name=data["department"], kind=data.get("department_kind") or DepartmentKind.OTHER)
            try:
                department.full_clean(exclude=["customer", "parent"], validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                for field_name, messages in error.message_dict.items():
                    header = headers["department_kind"] if field_name == "kind" else headers["department"]
                    for message in messages:
                        row.add_error(header, message)
        row.contact_name = contact.name
        data["_mobile"], data["_email"] = contact.mobile, contact.email

    # -- duplicates -------------------------------------------------------------------------------------------------

    def _find_duplicates(self) -> None:
        self._duplicates_in_file()
        codes = {g.credit_code for g in self.groups if g.credit_code}
        names = {g.normalized_name for g in self.groups if g.normalized_name}
        mobiles = {c["_mobile"] for g in self.groups for _r, c in g.contacts if c.get("_mobile")}
        emails = {c["_email"] for g in self.groups for _r, c in g.contacts if c.get("_email")}

        by_code = _customers_by("credit_code", codes)
        by_name = _customers_by("normalized_name", names)
        by_mobile = _contact_customers("mobile", mobiles)
        by_email = _contact_customers("email", emails)
        # Fuzzy matches only where nothing matched exactly, as find_duplicates does.
        similar = _similar_customers(
            {
                index: (group.data.get("name", ""), group.normalized_name, group.core_name)
                for index, group in enumerate(self.groups)
                if group.normalized_name and group.credit_code not in by_code and group.normalized_name not in by_name
            }
        )

        customer_ids = {
            match[0]
            for table in (by_code, by_name, by_mobile, by_email, similar)
            for matches in table.values()
            for match in matches
        }
        visible = _visible_ids(self.user, customer_ids)

        def entry(match, reason):
            customer_id, customer_name, owner_name = match
            item = {
                "reason": reason,
                "label": str(MATCH_REASONS[reason]),
                "owner": owner_name,
                "visible": customer_id in visible,
            }
            if customer_id in visible:
                item.update(customer_id=customer_id, customer=customer_name)
            return item

        for index, group in enumerate(self.groups):
            first = group.rows[0]
            for match in by_code.get(group.credit_code, []):
                row, header = group.sources.get("credit_code", (first, self.header("credit_code")))
                row.duplicates.append(entry(match, "credit_code"))
                row.add_error(
                    header,
                    _("A customer with this unified social credit code already exists (owner: %(owner)s).")
                    % {"owner": match[2]},
                )
            seen = {match[0] for match in by_code.get(group.credit_code, [])}
            for reason, matches in (
                ("name", by_name.get(group.normalized_name, [])),
                ("similar_name", similar.get(index, [])),
            ):
                for match in matches:
                    if match[0] not in seen:
                        seen.add(match[0])
                        first.duplicates.append(entry(match, reason))
            for row, contact in group.contacts:
                for reason, table, key in (
                    ("contact_mobile", by_mobile, "_mobile"),
                    ("contact_email", by_email, "_email"),
                ):
                    for match in table.get(contact.get(key), []):
                        if match[0] not in seen:
                            seen.add(match[0])
                            row.duplicates.append(entry(match, reason))

    def _duplicates_in_file(self) -> None:
        """The same company or person twice in the file, as two customers."""
        first_by_name: dict[str, _Group] = {}
        first_by_contact: dict[tuple[str, str], tuple[_Group, _Row]] = {}
        labels = {
            "name": _("same name as row %(row)d of this file"),
            "_mobile": _("a contact's mobile is also in row %(row)d of this file"),
            "_email": _("a contact's e-mail is also in row %(row)d of this file"),
        }
        for group in self.groups:
            if group.normalized_name:
                other = first_by_name.setdefault(group.normalized_name, group)
                if other is not group:
                    number = other.rows[0].number
                    group.rows[0].duplicates.append(
                        {"reason": "file_name", "label": labels["name"] % {"row": number}, "row": number}
                    )
            for row, contact in group.contacts:
                for key in ("_mobile", "_email"):
                    if not contact.get(key):
                        continue
                    other_group, other_row = first_by_contact.setdefault((key, contact[key]), (group, row))
                    if other_group is not group:
                        row.duplicates.append(
                            {
                                "reason": f"file{key}",
                                "label": labels[key] % {"row": other_row.number},
                                "row": other_row.number,
                            }
                        )

    # -- results ----------------------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        statuses = [row.status for row in self.rows]
        return {
            "rows": len(self.rows),
            "customers": len(self.groups),
            "contacts": sum(len(group.contacts) for group in self.groups),
            OK: statuses.count(OK),
            ERROR: statuses.count(ERROR),
            DUPLICATE: statuses.count(DUPLICATE),
        }

    def blocked(self, *, confirm_duplicates: bool) -> bool:
        counts = self.counts()
        return bool(counts[ERROR] or (counts[DUPLICATE] and not confirm_duplicates))

    def report(self) -> dict:
        return {
            "filename": self.filename,
            "format": self.table.format,
            "encoding": self.table.encoding,
            "headers": self.table.headers,
            "header_row": self.table.header_row,
            "language": get_language(),
            "checked_at": timezone.now().isoformat(),
            "counts": self.counts(),
            "committed": False,
            "created": [],
            "rows": [
                {
                    "row": row.number,
                    "customer_row": row.group.rows[0].number,
                    "status": row.status,
                    "customer": row.customer_name,
                    "contact": row.contact_name,
                    "errors": row.errors,
                    "duplicates": row.duplicates,
                }
                for row in self.rows
            ],
        }

    def service_error(self, group: _Group, error: ValidationError) -> None:
        """Put an error the service raised on the cells it names (``contacts.1.mobile`` -> that contact's row)."""
        first = group.rows[0]
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                first.add_error(self.header("name"), message)
            return
        headers = {target: key for key, target in CONTACT_KEYS.items()}
        for name, messages in error.message_dict.items():
            row, header = first, self.header("name")
            match = re.fullmatch(r"contacts\.(\d+)\.(\w+)", name)
            if match and int(match.group(1)) < len(group.contacts):
                row = group.contacts[int(match.group(1))][0]
                header = self.header(headers.get(match.group(2), "contact_name"))
            elif name in group.sources:
                row, header = group.sources[name]
            for message in messages:
                row.add_error(header, message)


def _chunks(values: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


_OWNER_FIELDS = ("owner__username", "owner__display_name", "owner__first_name", "owner__last_name")


def _customers_by(field_name: str, values: set[str], per_value: int | None = None) -> dict[str, list[tuple]]:
    """Existing customers whose ``field_name`` is one of ``values``: value -> [(id, name, owner's name)],
    most recently updated first (as find_duplicates), at most ``per_value`` each."""
    found: dict[str, list[tuple[int, str, str]]] = {}
    for chunk in _chunks(sorted(values)):
        rows = (
            Customer.objects.filter(**{f"{field_name}__in": chunk})
            .select_related("owner")
            .only("id", "name", field_name, *_OWNER_FIELDS)
            .order_by(field_name, "-updated_at", "-id")
        )
        for customer in rows:
            matches = found.setdefault(getattr(customer, field_name), [])
            if per_value is None or len(matches) < per_value:
                matches.append((customer.id, customer.name, customer.owner.name))
    return found


def _contact_customers(field_name: str, values: set[str]) -> dict[str, list[tuple[int, str, str]]]:
    """Existing customers with a contact whose ``field_name`` is one of ``values``."""
    found: dict[str, list[tuple[int, str, str]]] = {}
    # Small chunks: with a long IN list PostgreSQL prefers the trigram index on mobile to the btree,
    # which is a hundred times slower for equality.
    for chunk in _chunks(sorted(values), CONTACT_BATCH_SIZE):
        rows = (
            Contact.objects.filter(**{f"{field_name}__in": chunk})
            .select_related("customer__owner")
            .only(field_name, "customer__id", "customer__name", *[f"customer__{f}" for f in _OWNER_FIELDS])
            .order_by("customer_id")
        )
        for contact in rows:
            matches = found.setdefault(getattr(contact, field_name), [])
            match = (contact.customer.id, contact.customer.name, contact.customer.owner.name)
            if match not in matches:
                matches.append(match)
    return found


SIMILAR_LIMIT = 3


def _similar_customers(names: dict[int, tuple[str, str, str]]) -> dict[int, list[tuple[int, str, str]]]:
    """Key -> existing customers with a very similar name, for many names in a few queries.

    ``names``: key -> (name, normalised name, 字号) as ``Customer.normalize()`` computes them.

    The rule of ``selectors._similar_names`` (the customer form's check): the same 字号 (``core_name``),
    or on PostgreSQL trigram similarity of the normalised names of at least ``SIMILARITY_THRESHOLD``;
    at most :data:`SIMILAR_LIMIT` per name. Elsewhere (SQLite) it asks ``find_duplicates`` name by name.
    """
    found: dict[int, list[tuple[int, str, str]]] = {}
    if connection.vendor != "postgresql":
        for key, (name, _normalized, _core) in names.items():
            matches = [m for m in find_duplicates(name=name, limit=SIMILAR_LIMIT) if m.reason == "similar_name"]
            if matches:
                found[key] = [(m.customer_id, m.customer_name, m.owner_name) for m in matches]
        return found

    normalized = {key: text for key, (_name, text, _core) in names.items()}
    cores: dict[str, list[int]] = {}
    for key, (_name, text, core) in names.items():
        if core and core != text:
            cores.setdefault(core, []).append(key)
    for core, matches in _customers_by("core_name", set(cores), per_value=SIMILAR_LIMIT).items():
        for key in cores[core]:
            found[key] = list(matches)

    trigram = {
        key: text for key, text in normalized.items() if len(text) >= 3 and len(found.get(key, ())) < SIMILAR_LIMIT
    }
    customer, user = Customer._meta.db_table, User._meta.db_table
    sql = f"""
        SELECT q.key, c.id, c.name, u.username, u.display_name, u.first_name, u.last_name
        FROM unnest(%s::int[], %s::text[]) AS q(key, name)
        CROSS JOIN LATERAL (
            SELECT id, name, owner_id FROM {customer}
            WHERE normalized_name %% q.name
            ORDER BY similarity(normalized_name, q.name) DESC
            LIMIT {SIMILAR_LIMIT}
        ) AS c
        JOIN {user} AS u ON u.id = c.owner_id
    """  # noqa: S608 - table names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(SIMILARITY_THRESHOLD)])
        for chunk in _chunks(sorted(trigram)):
            cursor.execute(sql, [chunk, [trigram[key] for key in chunk]])
            for key, customer_id, name, username, display_name, first_name, last_name in cursor.fetchall():
                matches = found.setdefault(key, [])
                owner = User(username=username, display_name=display_name, first_name=first_name, last_name=last_name)
                if len(matches) < SIMILAR_LIMIT and customer_id not in {m[0] for m in matches}:
                    matches.append((customer_id, name, owner.name))
    return found


def _visible_ids(user, ids: set[int]) -> set[int]:
    visible: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        visible.update(Customer.objects.visible_to(user).filter(pk__in=chunk).values_list("pk", flat=True))
    return visible


# --------------------------------------------------------------------------- dry run and commit


def dry_run(*, user, content: bytes, filename: str) -> dict:
    """Check every row of the file without writing; the report says, per row, what an import would do.

    Raises :class:`ImportFileError` when the file as a whole is unusable.
    """
    table = read_table(content, filename)
    return _Check(user=user, table=table, filename=filename).run().report()


def commit(*, user, customer_import: CustomerImport, confirm_duplicates: bool) -> dict:
    """Create every customer of the file, or none: the file is checked again first, then written in one
    transaction through ``services.customer_create``. Returns the report (``committed`` says which) and
    stores it on ``customer_import``. Raises ``DomainError`` if the import cannot be committed at all."""
    with transaction.atomic():
        locked = CustomerImport.objects.select_for_update().get(pk=customer_import.pk)
        if locked.user_id != user.pk:
            raise DomainError(_("Only the person who uploaded this file can import it."))
        if locked.status == CustomerImport.Status.COMMITTED:
            raise DomainError(_("This file has already been imported."))
        # The database may have changed since the dry run: check again, in batch, before writing anything.
        check = _Check(
            user=user, table=read_table(bytes(locked.content), locked.filename), filename=locked.filename
        ).run()
        created: list[int] = []
        if not check.blocked(confirm_duplicates=confirm_duplicates):
            current = check.groups[0]
            try:
                with transaction.atomic():
                    for current in check.groups:
                        customer = services.customer_create(
                            user=user,
                            data={k: v for k, v in current.data.items() if k in services.CUSTOMER_FIELDS},
                            owner=current.owner,
                            contacts=[
                                {k: v for k, v in c.items() if not k.startswith("_")} for _row, c in current.contacts
                            ],
                            # The check above ran the same duplicate rules (find_duplicates for fuzzy names)
                            # a moment ago and the user confirmed what it found; an existing credit code is
                            # still refused by the service and the database.
                            confirm_duplicate=True,
                        )
                        created.append(customer.pk)
            except DomainError as error:
                check.service_error(current, error)
                created = []
        report = check.report()
        report["committed"] = bool(created)
        report["confirm_duplicates"] = confirm_duplicates
        report["created"] = created
        locked.report = report
        if report["committed"]:
            locked.status = CustomerImport.Status.COMMITTED
            locked.committed_at = timezone.now()
        else:
            locked.status = CustomerImport.Status.FAILED
        locked.save(update_fields=["report", "status", "committed_at"])
    customer_import.report, customer_import.status = locked.report, locked.status
    customer_import.committed_at = locked.committed_at
    return report


def problems(report: dict, limit: int | None = None) -> list[str]:
    """Readable "Row 3 · 手机: …" lines for the rows that failed, for messages and the API's ``detail``."""
    lines: list[str] = []
    for row in report.get("rows", []):
        for header, messages in row["errors"].items():
            for message in messages:
                lines.append(
                    _("Row %(row)d · %(column)s: %(message)s")
                    % {"row": row["row"], "column": header, "message": message}
                )
        if not row["errors"]:
            for duplicate in row["duplicates"]:
                lines.append(
                    _("Row %(row)d: possible duplicate (%(reason)s)")
                    % {"row": row["row"], "reason": _duplicate_text(duplicate)}
                )
        if limit is not None and len(lines) >= limit:
            return lines[:limit]
    return lines


def _duplicate_text(duplicate: dict) -> str:
    if "owner" in duplicate:
        return _("%(reason)s, owner: %(owner)s") % {"reason": duplicate["label"], "owner": duplicate["owner"]}
    return duplicate["label"]


# --------------------------------------------------------------------------- writing files

# Excel runs a cell starting with one of these as a formula; CSV cells get a leading ' (undone on import).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def csv_bytes(headers: list[str], rows: Iterable[Iterable]) -> bytes:
    return "".join(csv_lines(headers, rows)).encode("utf-8")


def xlsx_bytes(sheets: list[tuple[str, list[str], Iterable[Iterable]]]) -> bytes:
    """An XLSX workbook written with openpyxl's write-only mode: ``(title, headers, rows)`` per sheet.

    Every cell is text, so "0571…" keeps its zero, mobiles are not shown as 1.38E+10 and
    "=…" is never a formula.
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
    lookup = _header_lookup()
    keep = [
        index for index, text in enumerate(table.headers) if not (text and lookup.get(_header_key(text), 0) is None)
    ]
    headers = [table.headers[index] for index in keep] + [ERRORS_HEADER, SOURCE_ROW_HEADER]

    def rows():
        for number, values in table.rows:
            entry = by_number.get(number)
            if entry is None:
                continue
            reasons = [f"{header}: {message}" for header, messages in entry["errors"].items() for message in messages]
            reasons += [_("Possible duplicate: %(text)s") % {"text": _duplicate_text(d)} for d in entry["duplicates"]]
            cells = [_cell_text(values[index]) if index < len(values) else "" for index in keep]
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
