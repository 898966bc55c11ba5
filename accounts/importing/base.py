"""What every import's check shares: a row's errors, warnings and duplicates on the cells that caused
them, the owner column, the report, and the all-or-nothing write. Subclasses (the customer import's
:class:`accounts.importing.checking.Check`, the pipeline's project import) read and validate the rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from accounts.choices import choice_from_text, choice_names
from accounts.importing.layout import ColumnSet
from accounts.importing.reading import Table, cell_text
from teams.errors import DomainError
from teams.ownership import owner_choices

OK, ERROR, DUPLICATE = "ok", "error", "duplicate"
# Rows written (and cancel checked, progress reported) per batch of a commit.
BATCH_SIZE = 1000


def _add(messages_by_header: dict[str, list[str]], header: str, message) -> None:
    messages = messages_by_header.setdefault(header, [])
    if str(message) not in messages:
        messages.append(str(message))


@dataclass
class Row:
    number: int  # as the spreadsheet shows it
    errors: dict[str, list[str]] = field(default_factory=dict)  # column header -> messages
    warnings: dict[str, list[str]] = field(default_factory=dict)  # imported anyway, but the user should know
    duplicates: list[dict] = field(default_factory=list)

    def add_error(self, header: str, message) -> None:
        _add(self.errors, header, message)

    def add_warning(self, header: str, message) -> None:
        _add(self.warnings, header, message)

    @property
    def status(self) -> str:
        if self.errors:
            return ERROR
        return DUPLICATE if self.duplicates else OK


def duplicate_text(duplicate: dict) -> str:
    if duplicate.get("owner"):
        return _("%(reason)s, owner: %(owner)s") % {"reason": duplicate["label"], "owner": duplicate["owner"]}
    return duplicate["label"]


class SheetCheck:
    """Everything the dry run and the commit need to know about one file.

    Subclasses set ``columns`` and implement :meth:`run` (read and check every row, appending to
    ``rows``), :meth:`blocked`, and for the commit :meth:`units`, :meth:`create` and
    :meth:`service_error`; they may add to :meth:`counts` and :meth:`row_entry`."""

    columns: ColumnSet

    def __init__(self, *, user, table: Table, filename: str):
        self.user = user
        self.table = table
        self.filename = filename
        self.layout = self.columns.read_layout(table)
        self.rows: list[Row] = []
        self._owners = None

    def header(self, key: str) -> str:
        """How errors name a column: as the file writes it, else in the UI's language."""
        return self.layout.headers.get(key) or self.columns.by_key[key].title

    def read_cells(self, row: Row, values: list) -> dict[str, str]:
        """Column key -> the cell's text; a value under no header is an error, not silently dropped."""
        cells = {
            column.key: cell_text(values[index]) if index < len(values) else ""
            for index, column in self.layout.columns.items()
        }
        beyond = range(len(self.table.headers), len(values))
        for index in (*self.layout.unnamed, *beyond):
            if index < len(values) and cell_text(values[index]):
                row.add_error(
                    get_column_letter(index + 1),
                    _("Column %(letter)s has no header, so this value cannot be imported.")
                    % {"letter": get_column_letter(index + 1)},
                )
        return cells

    def read_rows(self, row_class: type[Row]) -> list[tuple[Row, dict[str, str]]]:
        """Every row of the file as ``(row_class(number), its cells)``, the rows appended to ``rows``."""
        parsed = []
        for number, values in self.table.rows:
            row = row_class(number=number)
            cells = self.read_cells(row, values)
            self.rows.append(row)
            parsed.append((row, cells))
        return parsed

    def owner_for(self, text: str):
        """The user a username or (unambiguous) display name names, among those the importing user may
        make owners; ``None`` otherwise."""
        if self._owners is None:
            self._owners = {}
            choices = list(owner_choices(user=self.user))
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

    def choice(self, row: Row, key: str, text: str) -> str | None:
        """A choice column's cell (``columns.choices``) as its stored value; anything else is an error on the
        cell listing what the column accepts."""
        choices_cls = self.columns.choices[key]
        value = self.read_choice(choices_cls, text)
        if value is None:
            row.add_error(
                self.header(key),
                _("Unknown value “%(value)s”. Accepted: %(accepted)s.")
                % {"value": text, "accepted": choice_names(choices_cls)},
            )
        return value

    def read_choice(self, choices_cls, text: str) -> str | None:
        return choice_from_text(choices_cls, text)

    def run(self) -> SheetCheck:
        raise NotImplementedError

    # -- results ----------------------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        statuses = [row.status for row in self.rows]
        return {
            "rows": len(self.rows),
            OK: statuses.count(OK),
            ERROR: statuses.count(ERROR),
            DUPLICATE: statuses.count(DUPLICATE),
            "warnings": sum(1 for row in self.rows if row.warnings),
        }

    @classmethod
    def commit_check_options(cls, *, dry_run_report: dict | None, options: dict) -> dict:
        """Keyword arguments the commit's check takes from the stored dry run's report, given the commit's
        ``options`` (none by default: the commit checks everything again)."""
        return {}

    def blocked(self, **options) -> bool:
        """Whether the commit must write nothing (with the commit's options)."""
        raise NotImplementedError

    def row_entry(self, row: Row) -> dict:
        return {
            "row": row.number,
            "status": row.status,
            "errors": row.errors,
            "warnings": row.warnings,
            "duplicates": row.duplicates,
        }

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
            "rows": [self.row_entry(row) for row in self.rows],
        }

    # -- the commit -------------------------------------------------------------------------------------------------

    def units(self, **options) -> Iterable:
        """What the commit creates one by one (rows, or groups of rows): the rows fit to import with
        ``options`` (a unit with a row in error, or a duplicate the options do not let through, is left out)."""
        raise NotImplementedError

    def unit_rows(self, unit) -> list[Row]:
        """The rows of the file one unit is made of."""
        return [unit]

    def create(self, unit, **options) -> int:
        """Create one unit through the app's service; returns the new record's id."""
        raise NotImplementedError

    def service_error(self, unit, error: DomainError) -> None:
        """Put an error the service raised on the cells it names."""
        raise NotImplementedError

    def write(self, units: list, *, run=None, **options) -> list[int]:
        """Create ``units`` one by one; the first one the service refuses gets the error and ends the write
        (the caller rolls everything back). ``run`` (a ``teams.jobs.JobRun``) hears of each unit and may be
        cancelled between them: inside the commit's transaction, so a cancelled import leaves nothing."""
        created: list[int] = []
        for index, unit in enumerate(units):
            if run is not None and index % BATCH_SIZE == 0:
                run.check_cancel()
            try:
                created.append(self.create(unit, **options))
            except DomainError as error:
                self.service_error(unit, error)
                raise
            if run is not None:
                run.advance(1)
        return created


def write_in_batches(units: list, write_batch, *, run=None) -> list[int]:
    """A bulk commit's loop: ``write_batch(batch) -> ids`` for ``BATCH_SIZE`` units at a time, in order.
    ``run`` (``teams.jobs.JobRun``) hears each batch and may cancel between batches: the caller's
    transaction is then rolled back whole. Answers every id, in the units' order."""
    created: list[int] = []
    for start in range(0, len(units), BATCH_SIZE):
        if run is not None:
            run.check_cancel()
        batch = units[start : start + BATCH_SIZE]
        created += write_batch(batch)
        if run is not None:
            run.advance(len(batch))
    return created


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
                    % {"row": row["row"], "reason": duplicate_text(duplicate)}
                )
        if limit is not None and len(lines) >= limit:
            return lines[:limit]
    return lines
