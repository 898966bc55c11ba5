"""The columns of an import (any import: customers here, projects in the pipeline): headers and their
aliases, and how a file's header row maps onto them."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from accounts.importing.reading import ImportFileError, Table

# Columns the failed-rows file adds; ignored when that file is imported again.
ERRORS_HEADER, SOURCE_ROW_HEADER = "错误", "原行号"
IGNORED_HEADERS = (ERRORS_HEADER, "Errors", "Error", SOURCE_ROW_HEADER, "Source row")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Chinese: the template's and the export's header
    english: str  # accepted on import, shown in the English UI
    aliases: tuple[str, ...] = ()
    required: bool = False
    in_template: bool = True  # e.g. province/city/district are alternatives to the one region column
    hint: str = ""

    @property
    def title(self) -> str:
        """The header in the UI's language: how an error names a column the file does not have."""
        return self.header if (get_language() or "zh").startswith("zh") else self.english


def header_key(text) -> str:
    """NFKC, case-fold, a trailing "(必填)"-style remark dropped, only letters and digits kept."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold().strip()
    text = re.sub(r"[(\[【][^()\[\]【】]*[)\]】]\s*$", "", text)
    return "".join(char for char in text if char.isalnum())


@dataclass
class Layout:
    columns: dict[int, Column]  # cell index -> column
    headers: dict[str, str]  # column key -> the header as written in the file
    unnamed: list[int]  # cell indexes without a header


class ColumnSet:
    """One import's columns. ``choices``: column key -> the TextChoices its cells are read as (the
    template's column guide lists their values). Subclasses add rules between headers in
    :meth:`header_problems`."""

    def __init__(self, columns, *, choices=None):
        self.columns: tuple[Column, ...] = tuple(columns)
        self.by_key = {column.key: column for column in self.columns}
        self.template = tuple(column for column in self.columns if column.in_template)
        self.choices = dict(choices or {})

    @functools.cached_property
    def lookup(self) -> dict[str, Column | None]:
        """Header key -> column; ``None`` for the columns the failed-rows file adds."""
        table: dict[str, Column | None] = {header_key(text): None for text in IGNORED_HEADERS}
        for column in self.columns:
            for text in (column.header, column.english, column.key, *column.aliases):
                key = header_key(text)
                if table.get(key, column) is not column:
                    raise AssertionError(f"Import header {text!r} is claimed twice")
                table[key] = column
        return table

    def is_ignored(self, text) -> bool:
        """A header of the failed-rows file's own columns (错误, 原行号)."""
        key = header_key(text)
        return bool(text) and key in self.lookup and self.lookup[key] is None

    def header_problems(self, headers: dict[str, str]) -> list[str]:
        """Problems between the recognised headers (column key -> header as written); none by default."""
        return []

    def read_layout(self, table: Table) -> Layout:
        lookup = self.lookup
        columns: dict[int, Column] = {}
        headers: dict[str, str] = {}
        unnamed: list[int] = []
        problems: list[str] = []
        unknown: list[str] = []
        for index, text in enumerate(table.headers):
            if not text:
                unnamed.append(index)
                continue
            if self.is_ignored(text):
                continue
            column = lookup.get(header_key(text))
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
        for column in self.columns:
            if column.required and column.key not in headers:
                problems.append(
                    _("The required column “%(header)s” (%(english)s) is missing; the first row must hold the headers.")
                    % {"header": column.header, "english": column.english}
                )
        problems += self.header_problems(headers)
        if unknown:
            problems.append(
                _("Accepted headers: %(headers)s (or their English names). Download the template to see them.")
                % {"headers": "、".join(column.header for column in self.columns)}
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
