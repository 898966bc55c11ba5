"""One kind of import end to end: the dry run, the all-or-nothing commit, the template and the failed-rows
file. The customer import (:data:`accounts.importing.process.CUSTOMERS`) and the pipeline's project
import are instances; pages and API views take one as their ``importer``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.importing import files
from accounts.importing.base import SheetCheck
from accounts.importing.reading import forget_table, read_table_again
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
        table = read_table_again(content, filename)
        return self.check_class(user=user, table=table, filename=filename, **check_options).run()

    def dry_run(self, *, user, content: bytes, filename: str, **check_options) -> dict:
        """Check every row of the file without writing; the report says, per row, what an import would do.
        Raises :class:`ImportFileError` when the file as a whole is unusable."""
        return self.check(user=user, content=content, filename=filename, **check_options).report()

    def commit(
        self,
        *,
        user,
        stored: SpreadsheetImport,
        check_options: dict | None = None,
        valid_only: bool = False,
        run=None,
        **options,
    ) -> dict:
        """Create the records of the stored file in one transaction: the file is checked again first (the
        database may have changed since the dry run), then written. All or nothing by default; with
        ``valid_only`` the rows fit to import are written and the others left out, for the failed-rows file
        (each report row says whether it was ``imported``). Returns the report (``committed`` says whether
        anything was written) and stores it on ``stored``. ``options`` go to the check's ``blocked``,
        ``units`` and ``create`` and into the report. ``run`` (a ``teams.jobs.JobRun``, when the commit is a
        background job) hears the progress and may cancel the commit up to its end: the transaction is
        rolled back and nothing is imported. Raises ``DomainError`` if it cannot be committed at all."""
        model = type(stored)
        with transaction.atomic():
            locked = model.objects.select_for_update().get(pk=stored.pk)
            if locked.user_id != user.pk:
                raise DomainError(_("Only the person who uploaded this file can import it."))
            if locked.is_committed:
                raise DomainError(_("This file has already been imported."))
            if run is not None:
                run.set_total(0, _("Checking the file again…"))
            check_options = {
                **(check_options or {}),
                **self.check_class.commit_check_options(dry_run_report=locked.report, options=options),
            }
            check = self.check(user=user, content=bytes(locked.content), filename=locked.filename, **check_options)
            units = list(check.units(**options))
            blocked = not units if valid_only else check.blocked(**options)
            created: list[int] = []
            if not blocked:
                if run is not None:
                    run.set_total(len(units), _("Importing…"))
                    run.check_cancel()
                try:
                    with transaction.atomic():
                        created = check.write(units, run=run, **options)
                except IntegrityError as error:
                    # A record saved by someone else since the check (e.g. the same credit code): nothing is written.
                    raise DomainError(
                        _(
                            "Someone saved a record of this file a moment ago; nothing was imported. "
                            "Check the file again."
                        )
                    ) from error
                except DomainError:
                    created = []  # write() put the error on its row; the savepoint undid every row before it
            imported = {row.number for unit in units for row in check.unit_rows(unit)} if created else set()
            report = check.report()
            report.update(options)
            report["valid_only"] = valid_only
            report["committed"] = bool(created)
            report["created"] = created
            for entry in report["rows"]:
                entry["imported"] = entry["row"] in imported
            report["counts"]["imported"] = len(imported)
            report["counts"]["left_out"] = len(report["rows"]) - len(imported)
            locked.report = report
            if report["committed"]:
                locked.status = model.Status.COMMITTED
                locked.committed_at = timezone.now()
            else:
                locked.status = model.Status.FAILED
            locked.save(update_fields=["report", "status", "committed_at"])
            transaction.on_commit(lambda: forget_table(bytes(locked.content), locked.filename))
            if report["committed"]:
                audit_record(
                    actor=user,
                    action=AuditAction.IMPORT,
                    target=locked,
                    summary=_("%(count)s rows imported from %(file)s")
                    % {"count": len(imported), "file": locked.filename},
                    detail={
                        "kind": model._meta.label_lower,
                        "rows": len(imported),
                        "records": len(created),
                        "left_out": len(report["rows"]) - len(imported),
                        "valid_only": valid_only,
                        "file": locked.filename,
                    },
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
