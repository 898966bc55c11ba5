"""Import pages (upload → dry-run report → commit, template and failed-rows downloads) for any
:class:`~accounts.importing.SheetImporter`, the customer import's among them, and the customer list's export.

An :class:`ImportPages` holds what differs between imports (the importer, the URL namespace, the
templates, the commit's options, the success message); ``urlpatterns(prefix)`` routes its five pages."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import DetailView, FormView
from django.views.generic.detail import SingleObjectMixin

from accounts import exporting, importing
from accounts.filters import CustomerFilter
from accounts.models import Customer
from funnel_crm.db_router import ReplicaReadMixin
from teams.errors import DomainError
from teams.jobs import job_create
from teams.mixins import VisibleObjectsMixin, add_domain_error
from teams.models import Job, Role

ROWS_PER_PAGE = 200
# The commit form's choice: everything or nothing, or the valid rows with the others as a file.
ALL_OR_NOTHING, VALID_ONLY = "all", "valid_only"


def file_format(request) -> str:
    """``?format=csv|xlsx`` (CSV when absent); anything else is a bad request."""
    fmt = request.GET.get("format") or importing.CSV
    if fmt not in importing.FORMATS:
        raise BadRequest(_("Unknown format “%(format)s”: use csv or xlsx.") % {"format": fmt})
    return fmt


def download(content: bytes, *, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=importing.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.{fmt}")
    response["Cache-Control"] = "no-store"
    return response


def checked(request, name: str) -> bool:
    return request.POST.get(name) in {"on", "1", "true"}


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text=gettext_lazy("CSV (UTF-8 or GBK) or Excel .xlsx, at most 10 MB and 20,000 rows."),
        allow_empty_file=True,  # the importer says "the file is empty" itself, like for the API
    )

    def __init__(self, *args, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = label

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            importing.check_size(upload.size)
        except DomainError as error:
            raise forms.ValidationError(error.messages) from error
        return upload


@dataclass(frozen=True)
class ImportPages:
    importer: importing.SheetImporter
    namespace: str  # the app's URL namespace; the pages are named import_start, import_detail, …
    detail_template: str  # extends imports/detail.html
    title: str
    intro: str  # what the file holds and what happens to it, above the upload form
    file_label: str
    back_url_name: str  # the list the imported records go to
    back_label: str  # that list's name, for the link back to it
    # The commit form's checkbox (and ``importer.commit`` option) that lets rows with duplicates through.
    duplicates_option: str
    # What the file makes, as figures of the report: (key of the report's counts, label).
    record_counts: tuple[tuple[str, str], ...] = ()
    # Roles that may use these pages (empty: anyone logged in); others get 403 on every one of them.
    allowed_roles: tuple[str, ...] = ()

    def url(self, name: str, *args) -> str:
        return reverse(f"{self.namespace}:{name}", args=args)

    @property
    def job_kind(self) -> str:
        """The background job that commits this import (registered in the app's ``ready``)."""
        return f"{self.namespace}.import_commit"

    def commit_options(self, request) -> dict:
        """What the commit form asks, as keyword arguments of ``importer.commit`` (JSON-able: they travel
        in the job's parameters)."""
        return {
            self.duplicates_option: checked(request, self.duplicates_option),
            "valid_only": request.POST.get("mode") == VALID_ONLY,
        }

    def job_options(self, options: dict) -> dict:
        """The commit options back from the job's parameters."""
        return options

    def success_message(self, report: dict) -> str:
        raise NotImplementedError

    def commit_in_background(self, *, user, stored, options: dict) -> Job:
        """Queue the commit of ``stored`` as a background job and note it on the import's report, so its
        page links to the job instead of offering the commit again."""
        job = job_create(
            kind=self.job_kind,
            created_by=user,
            params={"import_id": stored.pk, "options": options, "language": translation.get_language()},
            message=_("Importing “%(file)s”") % {"file": stored.filename},
        )
        stored.report = {**(stored.report or {}), "job_id": job.pk}
        stored.save(update_fields=["report"])
        return job

    def run_commit_job(self, run) -> dict:
        """The runner of :attr:`job_kind`: the commit, in the language of the page that asked for it. A
        commit that imports nothing fails the job with the first problems (the report page lists all)."""
        with translation.override(run.params.get("language")):
            stored = self.importer.model.objects.get(pk=run.params["import_id"])
            report = self.importer.commit(
                user=run.user, stored=stored, run=run, **self.job_options(run.params.get("options", {}))
            )
            if not report["committed"]:
                lines = importing.problems(report, limit=5)
                raise DomainError(
                    "\n".join([_("Nothing was imported."), *lines, _("The import's page lists every problem.")])
                )
            run.message = _("Imported “%(file)s”") % {"file": stored.filename}  # the progress card's title
            return self.job_result(stored, report)

    def job_result(self, stored, report: dict) -> dict:
        """What the job page shows at the end: what was imported, what was left out, where to go next."""
        counts = report["counts"]
        summary = [self.success_message(report)]
        links = [{"url": stored.get_absolute_url(), "label": _("Import report")}]
        if counts.get("left_out"):
            summary.append(
                ngettext(
                    "%(count)d row was left out: the failed-rows file says why.",
                    "%(count)d rows were left out: the failed-rows file says why.",
                    counts["left_out"],
                )
                % {"count": counts["left_out"]}
            )
            links.append(
                {
                    "url": f"{self.url('import_failed_rows', stored.pk)}?format=xlsx",
                    "label": _("Download the failed rows (.xlsx)"),
                }
            )
        links.append({"url": f"{reverse(self.back_url_name)}?ordering=-created", "label": str(self.back_label)})
        return {"summary": summary, "links": links, "created": len(report["created"]), **counts}

    def urlpatterns(self, prefix: str) -> list:
        return [
            path(prefix, ImportStartView.as_view(pages=self), name="import_start"),
            path(f"{prefix}template/", ImportTemplateView.as_view(pages=self), name="import_template"),
            path(f"{prefix}<int:pk>/", ImportDetailView.as_view(pages=self), name="import_detail"),
            path(f"{prefix}<int:pk>/commit/", ImportCommitView.as_view(pages=self), name="import_commit"),
            path(f"{prefix}<int:pk>/failed-rows/", ImportFailedRowsView.as_view(pages=self), name="import_failed_rows"),
        ]


class ImportPageMixin:
    pages: ImportPages = None

    def dispatch(self, request, *args, **kwargs):
        roles = self.pages.allowed_roles
        if roles and request.user.is_authenticated and request.user.role not in roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def importer(self):
        return self.pages.importer

    @property
    def model(self):
        return self.importer.model


class ImportStartView(ImportPageMixin, LoginRequiredMixin, FormView):
    """Upload a file; the dry run checks it and the report page shows the result."""

    form_class = ImportForm

    template_name = "imports/start.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "label": self.pages.file_label}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            columns=self.importer.columns.columns,
            recent_imports=self.model.objects.visible_to(self.request.user)
            .select_related("user")
            .defer("content", "report")[:10],
            max_rows=importing.MAX_ROWS,
            template_url=self.pages.url("import_template"),
            pages=self.pages,
        )
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            report = self.importer.dry_run(user=self.request.user, content=content, filename=upload.name)
        except DomainError as error:
            add_domain_error(form, error)
            return self.form_invalid(form)
        stored = self.model.objects.create(
            user=self.request.user, filename=upload.name[:255], content=content, report=report
        )
        return redirect(stored)


def import_stats(counts: dict, *, record_counts=()) -> list[dict]:
    """The report's figures for includes/stats.html: what the file holds (``record_counts``, see
    ImportPages) and how its rows fared."""
    stats = [
        {"value": counts.get("rows", 0), "label": _("rows")},
        *({"value": counts.get(key, 0), "label": label} for key, label in record_counts),
        {"value": counts.get(importing.OK, 0), "label": _("rows ready")},
        {"value": counts.get(importing.ERROR, 0), "label": _("rows with errors")},
        {"value": counts.get(importing.DUPLICATE, 0), "label": _("possible duplicates")},
    ]
    if counts.get("warnings"):
        stats.append({"value": counts["warnings"], "label": _("rows with warnings")})
    return stats


class ImportDetailView(ImportPageMixin, VisibleObjectsMixin, DetailView):
    """The dry run's report: counts, every row's status, the commit button."""

    context_object_name = "stored_import"

    def get_template_names(self):
        return [self.pages.detail_template]

    def get_queryset(self):
        return super().get_queryset().select_related("user").defer("content")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.object.report or {}
        rows = report.get("rows", [])
        counts = report.get("counts", {})
        problems_only = counts.get(importing.ERROR) or counts.get(importing.DUPLICATE)
        show = self.request.GET.get("show") or ("problems" if problems_only else "all")
        if show == "problems":
            rows = [row for row in rows if row["status"] != importing.OK]
        page = Paginator(rows, ROWS_PER_PAGE).get_page(self.request.GET.get("page"))
        is_uploader = self.object.user_id == self.request.user.pk
        committed = self.object.is_committed
        job = Job.objects.filter(pk=report["job_id"]).first() if report.get("job_id") else None
        running = job is not None and not job.finished
        failed = imported_rows = None
        if committed:  # after a commit, the rows it left out
            imported_rows = counts.get("imported", counts.get("rows", 0))
            failed = bool(counts.get("left_out"))
        else:
            failed = bool(counts.get(importing.ERROR) or counts.get(importing.DUPLICATE))
        context.update(
            report=report,
            counts=counts,
            stats=import_stats(counts, record_counts=self.pages.record_counts),
            show=show,
            page_obj=page,
            rows=page.object_list,
            query_string=f"show={show}",
            is_uploader=is_uploader,
            can_commit=is_uploader
            and not committed
            and not running
            and bool(counts.get(importing.OK) or counts.get(importing.DUPLICATE)),
            # Rows in error leave only the valid-rows choice; without problems there is nothing to choose.
            offer_choice=bool(counts.get(importing.ERROR) or counts.get(importing.DUPLICATE)),
            all_or_nothing_possible=not counts.get(importing.ERROR),
            job=job,
            job_running=running,
            imported_rows=imported_rows,
            committed=committed,
            has_failed_rows=failed,
            start_url=self.pages.url("import_start"),
            commit_url=self.pages.url("import_commit", self.object.pk),
            failed_rows_url=self.pages.url("import_failed_rows", self.object.pk),
            pages=self.pages,
        )
        return context


class ImportCommitView(ImportPageMixin, VisibleObjectsMixin, SingleObjectMixin, View):
    """Queue the commit of the checked file (all or nothing, or the valid rows only) as a background job and
    go to the job's page, which shows its progress and, at the end, what was imported and what was left out."""

    http_method_names = ["post"]

    def get_queryset(self):
        return super().get_queryset().defer("content")

    def post(self, request, *args, **kwargs):
        stored = self.get_object()
        if stored.user_id != request.user.pk:
            raise PermissionDenied
        if stored.is_committed:
            messages.error(request, _("This file has already been imported."))
            return redirect(stored)
        job = self.pages.commit_in_background(
            user=request.user, stored=stored, options=self.pages.commit_options(request)
        )
        return redirect(job)


class ImportFailedRowsView(ImportPageMixin, VisibleObjectsMixin, SingleObjectMixin, View):
    """The rows that need fixing, as a file with a 错误 column, to correct and upload again."""

    def get(self, request, *args, **kwargs):
        stored = self.get_object()
        fmt = file_format(request)
        content = self.importer.failed_rows_file(report=stored.report, content=bytes(stored.content), fmt=fmt)
        stem = stored.filename.rsplit(".", 1)[0] or "import"
        suffix = _("failed-rows")
        return download(content, fmt=fmt, filename=f"{stem}-{suffix}")


class ImportTemplateView(ImportPageMixin, LoginRequiredMixin, View):
    def get(self, request):
        fmt = file_format(request)
        return download(self.importer.template_file(fmt), fmt=fmt, filename=str(self.importer.template_name))


# --- the customer import ----------------------------------------------------------------------------------------------


def row_decisions(data) -> dict[int, str]:
    """``row-7=merge`` / ``row-9=separate`` from the report page: what to do with rows offered as the
    same company as an earlier row. Anything else is ignored (the row stays undecided)."""
    decisions: dict[int, str] = {}
    for key, value in data.items():
        number = key.removeprefix("row-")
        if key.startswith("row-") and number.isdigit() and value in importing.DECISIONS:
            decisions[int(number)] = value
    return decisions


class CustomerImportPages(ImportPages):
    def commit_options(self, request) -> dict:
        return {**super().commit_options(request), "check_options": {"decisions": row_decisions(request.POST)}}

    def job_options(self, options: dict) -> dict:
        decisions = options.get("check_options", {}).get("decisions", {})
        # JSON made the row numbers strings.
        return {**options, "check_options": {"decisions": {int(row): choice for row, choice in decisions.items()}}}

    def success_message(self, report: dict) -> str:
        return ngettext(
            "Imported %(customers)d customer from %(rows)d rows.",
            "Imported %(customers)d customers from %(rows)d rows.",
            len(report["created"]),
        ) % {"customers": len(report["created"]), "rows": report["counts"].get("imported", 0)}


CUSTOMER_IMPORT_PAGES = CustomerImportPages(
    importer=importing.CUSTOMERS,
    namespace="accounts",
    detail_template="accounts/import_detail.html",
    title=gettext_lazy("Import customers"),
    intro=gettext_lazy(
        "One row per contact: rows with the same unified social credit code (or, without one, the same customer "
        "name) become one customer with several contacts. The file is checked first; nothing is saved until you "
        "confirm, and then everything is imported or nothing."
    ),
    file_label=gettext_lazy("Customer file"),
    back_url_name="accounts:customer_list",
    back_label=gettext_lazy("Customers"),
    duplicates_option="confirm_duplicates",
    record_counts=(("customers", gettext_lazy("customers")), ("contacts", gettext_lazy("contacts"))),
)


class UserImportPages(ImportPages):
    def success_message(self, report: dict) -> str:
        count = len(report["created"])
        return ngettext("Created %(count)d user.", "Created %(count)d users.", count) % {"count": count}


USER_IMPORT_PAGES = UserImportPages(
    importer=importing.USERS,
    namespace="user_imports",
    detail_template="accounts/user_import_detail.html",
    title=gettext_lazy("Import users"),
    intro=gettext_lazy(
        "One row per user: username, name, e-mail, mobile, role, team and, if you like, an initial password that "
        "the user changes at the first login; without one the user gets an invitation e-mail with a one-time "
        "link to set the password. The file is checked first; nothing is saved until you confirm."
    ),
    file_label=gettext_lazy("User file"),
    back_url_name="teams:user_list",
    back_label=gettext_lazy("Users"),
    duplicates_option="confirm_duplicates",  # a user file has no possible duplicates: only errors
    record_counts=(("users", gettext_lazy("users to create")),),
    allowed_roles=(Role.ADMIN,),
)


def user_import_job(run) -> dict:
    """The background job committing a user import (``user_imports.import_commit``)."""
    return USER_IMPORT_PAGES.run_commit_job(run)


def customer_import_job(run) -> dict:
    """The background job committing a customer import (``accounts.import_commit``)."""
    return CUSTOMER_IMPORT_PAGES.run_commit_job(run)


class CustomerExportView(LoginRequiredMixin, ReplicaReadMixin, View):
    """The customer list as filtered on its page (same parameters), within the user's scope
    (read from the replica when one is configured; the audit entry is written to default)."""

    def get(self, request):
        fmt = file_format(request)
        queryset = CustomerFilter(request.GET, queryset=Customer.objects.visible_to(request.user), request=request).qs
        return exporting.export_response(queryset, fmt, user=request.user, request=request)
