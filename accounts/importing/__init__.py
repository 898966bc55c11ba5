"""Customer import from CSV and XLSX files: the column spec, reading, the dry run and the commit.

One row per contact; rows with the same customer (same credit code, else the
same normalised name) form one customer with several contacts. A row without
contact cells is a customer without people.

* :mod:`.reading` reads the file: XLSX with openpyxl (read-only, cached formula
  values), CSV with the ``csv`` module after decoding UTF-8 (with or without
  BOM), then GB18030 (a superset of GBK, what Excel in China writes), plus
  UTF-16 with BOM ("Unicode text"). Problems with the file as a whole (too
  large, empty, wrong headers, unreadable) raise :class:`ImportFileError`.
* :mod:`.columns` knows the headers (and their aliases) and how values are written.
* :mod:`.checking` checks every row without writing: values are mapped to
  choices and region codes there, but validated by the models' own
  ``full_clean()`` (what ``accounts.services`` runs). A development zone in the
  district place (:mod:`accounts.zones`) is a warning, not an error. A row of
  the same company as an earlier row but with another address or notes is
  offered as a duplicate: the user decides per row to merge it or import it
  separately (``decisions``).
* :mod:`.duplicates` looks for duplicates within the file and, with the rules
  of ``accounts.selectors.find_duplicates`` run in batches, in the database.
* :mod:`.process`: :func:`dry_run` returns a JSON-ready report;
  :func:`commit` re-checks the stored file and creates every customer through
  ``services.customer_create`` in one transaction: all or nothing.
* :mod:`.files` writes the failed rows, the template and (for
  :mod:`accounts.exporting`) the customer list in the same format.
"""

from accounts.importing.checking import DECISIONS, DUPLICATE, ERROR, MERGE, OK, SAME_COMPANY, SEPARATE
from accounts.importing.columns import (
    COLUMNS,
    TEMPLATE_COLUMNS,
    Column,
    choice_text,
)
from accounts.importing.files import csv_bytes, csv_lines, failed_rows_file, file_bytes, template_file, xlsx_bytes
from accounts.importing.process import commit, dry_run, problems
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

__all__ = [
    "COLUMNS",
    "CONTENT_TYPES",
    "CSV",
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
    "XLSX",
    "Column",
    "ImportFileError",
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
