"""The dry run and the all-or-nothing commit, and the report's problems as readable lines."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services
from accounts.importing.checking import Check
from accounts.importing.duplicates import duplicate_text
from accounts.importing.reading import read_table
from accounts.models import CustomerImport
from teams.errors import DomainError


def dry_run(*, user, content: bytes, filename: str, decisions: dict[int, str] | None = None) -> dict:
    """Check every row of the file without writing; the report says, per row, what an import would do.

    ``decisions``: row number -> ``"merge"`` or ``"separate"`` for rows offered as the same company as an
    earlier row. Raises :class:`ImportFileError` when the file as a whole is unusable.
    """
    table = read_table(content, filename)
    return Check(user=user, table=table, filename=filename, decisions=decisions).run().report()


def commit(
    *, user, customer_import: CustomerImport, confirm_duplicates: bool, decisions: dict[int, str] | None = None
) -> dict:
    """Create every customer of the file, or none: the file is checked again first, then written in one
    transaction through ``services.customer_create``. Returns the report (``committed`` says which) and
    stores it on ``customer_import``. ``decisions`` as for :func:`dry_run`; a row offered as the same
    company as an earlier row and left undecided is merged when ``confirm_duplicates``.
    Raises ``DomainError`` if the import cannot be committed at all."""
    with transaction.atomic():
        locked = CustomerImport.objects.select_for_update().get(pk=customer_import.pk)
        if locked.user_id != user.pk:
            raise DomainError(_("Only the person who uploaded this file can import it."))
        if locked.status == CustomerImport.Status.COMMITTED:
            raise DomainError(_("This file has already been imported."))
        # The database may have changed since the dry run: check again, in batch, before writing anything.
        check = Check(
            user=user,
            table=read_table(bytes(locked.content), locked.filename),
            filename=locked.filename,
            decisions=decisions,
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
                    % {"row": row["row"], "reason": duplicate_text(duplicate)}
                )
        if limit is not None and len(lines) >= limit:
            return lines[:limit]
    return lines
