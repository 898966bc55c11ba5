"""Imports from CSV and XLSX files: the machinery every import shares, and the customer import.

Shared by every import (the pipeline's project import is built on it):

* :mod:`.reading` reads the file: XLSX with openpyxl (read-only, cached formula
  values), CSV with the ``csv`` module after decoding UTF-8 (with or without
  BOM), then GB18030 (a superset of GBK, what Excel in China writes), plus
  UTF-16 with BOM ("Unicode text"). Problems with the file as a whole (too
  large, empty, wrong headers, unreadable) raise :class:`ImportFileError`.
* :mod:`.layout`: a :class:`ColumnSet` knows one import's headers (Chinese, with
  English names and aliases) and maps a file's header row onto them.
* :mod:`.base`: :class:`SheetCheck`, the check of one file (each row's errors,
  warnings and duplicates on the cell that caused them, the owner column, the
  report, the write that stops at the first row the service refuses).
* :mod:`.importer`: a :class:`SheetImporter` is one import end to end: the dry
  run, the commit (the stored file checked again, then every record created in
  one transaction: all or nothing), the template and the failed-rows file.
* :mod:`.files` writes CSV and XLSX: templates, failed rows and exports.

The customer import: one row per contact; rows with the same customer (same
credit code, else the same normalised name) form one customer with several
contacts. A row without contact cells is a customer without people.

* :mod:`.columns` knows its headers (and their aliases) and how values are written.
* :mod:`.checking` checks every row without writing: values are mapped to
  choices and region codes there, but validated by the models' own
  ``full_clean()`` (what ``accounts.services`` runs). A development zone in the
  district place (:mod:`accounts.zones`) is a warning, not an error. A row of
  the same company as an earlier row but with another address or notes is
  offered as a duplicate: the user decides per row to merge it or import it
  separately (``decisions``).
* :mod:`.duplicates` looks for duplicates within the file and, with the rules
  of ``accounts.selectors.find_duplicates`` run in batches, in the database.
* :mod:`.process`: :data:`CUSTOMERS`, the customer importer; :func:`dry_run`
  returns a JSON-ready report; :func:`commit` creates the customers in bulk
  (:mod:`.writing`), all or nothing or the valid rows only.

The user import (:mod:`.users`, :data:`USERS`): bulk creation of users by admins.
"""

from accounts.choices import choice_text
from accounts.importing.base import DUPLICATE, ERROR, OK, Row, SheetCheck, problems
from accounts.importing.checking import DECISIONS, MERGE, SAME_COMPANY, SEPARATE
from accounts.importing.columns import COLUMNS, TEMPLATE_COLUMNS
from accounts.importing.files import csv_bytes, csv_lines, file_bytes, xlsx_bytes
from accounts.importing.importer import SheetImporter
from accounts.importing.layout import Column, ColumnSet
from accounts.importing.process import CUSTOMERS, commit, dry_run, failed_rows_file, template_file
from accounts.importing.reading import (
    CONTENT_TYPES,
    CSV,
    FORMATS,
    MAX_FILE_SIZE,
    MAX_ROWS,
    XLSX,
    ImportFileError,
    Table,
    check_size,
    read_table,
    yes_no_text,
)
from accounts.importing.users import USERS

__all__ = [
    "COLUMNS",
    "CONTENT_TYPES",
    "CSV",
    "CUSTOMERS",
    "DECISIONS",
    "DUPLICATE",
    "ERROR",
    "FORMATS",
    "MAX_FILE_SIZE",
    "MAX_ROWS",
    "MERGE",
    "OK",
    "SAME_COMPANY",
    "SEPARATE",
    "TEMPLATE_COLUMNS",
    "USERS",
    "XLSX",
    "Column",
    "ColumnSet",
    "ImportFileError",
    "Row",
    "SheetCheck",
    "SheetImporter",
    "Table",
    "check_size",
    "choice_text",
    "commit",
    "csv_bytes",
    "csv_lines",
    "dry_run",
    "failed_rows_file",
    "file_bytes",
    "problems",
    "read_table",
    "template_file",
    "xlsx_bytes",
    "yes_no_text",
]
