"""The customer import end to end: the dry run and the all-or-nothing commit of a customer file."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.importing.checking import Check
from accounts.importing.columns import EXAMPLE_ROW
from accounts.importing.importer import SheetImporter
from accounts.models import CustomerImport

CUSTOMERS = SheetImporter(
    check_class=Check,
    model=CustomerImport,
    example=EXAMPLE_ROW,
    title=_("Customers"),
    template_name=_("customer-import-template"),
    group_key="customer_row",
)


def dry_run(*, user, content: bytes, filename: str, decisions: dict[int, str] | None = None) -> dict:
    """Check every row of the file without writing; the report says, per row, what an import would do.

    ``decisions``: row number -> ``"merge"`` or ``"separate"`` for rows offered as the same company as an
    earlier row. Raises :class:`ImportFileError` when the file as a whole is unusable.
    """
    return CUSTOMERS.dry_run(user=user, content=content, filename=filename, decisions=decisions)


def commit(
    *,
    user,
    customer_import: CustomerImport,
    confirm_duplicates: bool,
    decisions: dict[int, str] | None = None,
    valid_only: bool = False,
    run=None,
) -> dict:
    """Create every customer of the file in bulk, or none; with ``valid_only`` the customers whose rows are
    all fine, leaving the others for the failed-rows file (see :meth:`SheetImporter.commit`). ``decisions``
    as for :func:`dry_run`; a row offered as the same company as an earlier row and left undecided is
    merged when ``confirm_duplicates``."""
    return CUSTOMERS.commit(
        user=user,
        stored=customer_import,
        check_options={"decisions": decisions},
        confirm_duplicates=confirm_duplicates,
        valid_only=valid_only,
        run=run,
    )


def failed_rows_file(*, report: dict, content: bytes, fmt: str) -> bytes:
    """The failed rows with every other row of the same customers, and a 错误 column saying why."""
    return CUSTOMERS.failed_rows_file(report=report, content=content, fmt=fmt)


def template_file(fmt: str) -> bytes:
    return CUSTOMERS.template_file(fmt)
