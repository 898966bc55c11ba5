"""One kind of import end to end: the dry run, the all-or-nothing commit, the template and the failed-rows
file. The customer import (:data:`accounts.importing.process.CUSTOMERS`) and the pipeline's project
import are instances; pages and API views take one as their ``importer``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.importing import files
from accounts.importing.base import SheetCheck
from accounts.importing.reading import read_table
from accounts.models import SpreadsheetImport
from teams.audit import AuditAction, audit_record
from teams.errors import DomainError


@dataclass(frozen=True)
class SheetImporter:
    check_class: type[SheetCheck]
    model: type[SpreadsheetImport]  # where uploads are kept between the dry run and the commit
    example: dict | Callable[[], dict]  # column key -> the template's example value
    title: str  # the template's sheet name, e.g. _("Customers"); translated when the file is written
    template_name: str  # the template's file name without extension, translated likewise
    group_key: str = "row"  # the report entry's key naming the first row of the record a row belongs to

    @property
    def columns(self):
        return self.check_class.columns

    def check(self, *, user, content: bytes, filename: str, **check_options) -> SheetCheck:
        table = read_table(content, filename)
        return self.check_class(user=user, table=table, filename=filename, **check_options).run()

    def dry_run(self, *, user, content: bytes, filename: str, **check_options) -> dict:
        """Check every row of the file without writing; the report says, per row, what an import would do.
        Raises :class:`ImportFileError` when the file as a whole is unusable."""
        return self.check(user=user, content=content, filename=filename, **check_options).report()

    def commit(self, *, user, stored: SpreadsheetImport, check_options: dict | None = None, **options) -> dict:
        """Create every record of the stored file, or none: the file is checked again first (the database
        may have changed since the dry run), then written in one transaction. Returns the report
        (``committed`` says which) and stores it on ``stored``. ``options`` go to the check's ``blocked``
        and ``create`` and into the report. Raises ``DomainError`` if it cannot be committed at all."""
        model = type(stored)
        with transaction.atomic():
            locked = model.objects.select_for_update().get(pk=stored.pk)
            if locked.user_id != user.pk:
                raise DomainError(_("Only the person who uploaded this file can import it."))
            if locked.is_committed:
                raise DomainError(_("This file has already been imported."))
            check = self.check(
                user=user, content=bytes(locked.content), filename=locked.filename, **(check_options or {})
            )
            created: list[int] = []
            if not check.blocked(**options):
                try:
                    with transaction.atomic():
                        created = check.write(**options)
                except DomainError:
                    created = []  # write() put the error on its row; the savepoint undid every row before it
            report = check.report()
            report.update(options)
            report["committed"] = bool(created)
            report["created"] = created
            locked.report = report
            if report["committed"]:
                locked.status = model.Status.COMMITTED
                locked.committed_at = timezone.now()
            else:
                locked.status = model.Status.FAILED
            locked.save(update_fields=["report", "status", "committed_at"])
            if report["committed"]:
                audit_record(
                    actor=user,
                    action=AuditAction.IMPORT,
                    target=locked,
                    summary=_("%(count)s rows imported from %(file)s")
                    % {"count": len(created), "file": locked.filename},
                    detail={"kind": model._meta.label_lower, "rows": len(created), "file": locked.filename},
                )
        stored.report, stored.status, stored.committed_at = locked.report, locked.status, locked.committed_at
        return report

    def template_file(self, fmt: str) -> bytes:
        example = self.example() if callable(self.example) else self.example
        return files.template_file(fmt=fmt, columns=self.columns, example=example, title=str(self.title))

    def failed_rows_file(self, *, report: dict, content: bytes, fmt: str) -> bytes:
        return files.failed_rows_file(
            report=report, content=content, fmt=fmt, columns=self.columns, group_key=self.group_key
        )
