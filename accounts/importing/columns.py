"""The import's columns: headers and their aliases, value spellings, the header row's layout."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from accounts.choices import (
    CHOICE_ALIASES,
    BuyingRole,
    CustomerLevel,
    CustomerSource,
    DepartmentKind,
    Industry,
)
from accounts.importing.reading import ImportFileError, Table


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

YES = {"是", "y", "yes", "true", "1", "已离职", "离职", "√", "✓", "✔"}
NO = {"否", "n", "no", "false", "0", "在职", "未离职", "×", "✗"}


def header_key(text) -> str:
    """NFKC, case-fold, a trailing "(必填)"-style remark dropped, only letters and digits kept."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold().strip()
    text = re.sub(r"[(\[【][^()\[\]【】]*[)\]】]\s*$", "", text)
    return "".join(char for char in text if char.isalnum())


@functools.cache
def header_lookup() -> dict[str, Column | None]:
    """Header key -> column; ``None`` for the columns the failed-rows file adds."""
    table: dict[str, Column | None] = {header_key(text): None for text in _IGNORED_HEADERS}
    for column in COLUMNS:
        for text in (column.header, column.english, column.key, *column.aliases):
            key = header_key(text)
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


# --------------------------------------------------------------------------- headers


@dataclass
class Layout:
    columns: dict[int, Column]  # cell index -> column
    headers: dict[str, str]  # column key -> the header as written in the file
    unnamed: list[int]  # cell indexes without a header


def read_layout(table: Table) -> Layout:
    lookup = header_lookup()
    columns: dict[int, Column] = {}
    headers: dict[str, str] = {}
    unnamed: list[int] = []
    problems: list[str] = []
    unknown: list[str] = []
    for index, text in enumerate(table.headers):
        if not text:
            unnamed.append(index)
            continue
        key = header_key(text)
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
    return Layout(columns=columns, headers=headers, unnamed=unnamed)
