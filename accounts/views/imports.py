"""Customer import (upload → dry-run report → commit) and the customer list's export."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView
from django.views.generic.detail import SingleObjectMixin

from accounts import exporting, importing
from accounts.filters import CustomerFilter
from accounts.models import Customer, CustomerImport
from teams.errors import DomainError
from teams.mixins import VisibleObjectsMixin, add_domain_error

ROWS_PER_PAGE = 200


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


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Customer file"),
        help_text=gettext_lazy("CSV (UTF-8 or GBK) or Excel .xlsx, at most 10 MB and 20,000 rows."),
        allow_empty_file=True,  # the importer says "the file is empty" itself, like for the API
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            importing.check_size(upload.size)
        except DomainError as error:
            raise forms.ValidationError(error.messages) from error
        return upload


class ImportStartView(LoginRequiredMixin, FormView):
    """Upload a file; the dry run checks it and the report page shows the result."""

    form_class = ImportForm
    template_name = "accounts/import_start.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = importing.COLUMNS
        context["recent_imports"] = (
            CustomerImport.objects.visible_to(self.request.user).select_related("user").defer("content", "report")[:10]
        )
        context["max_rows"] = importing.MAX_ROWS
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            report = importing.dry_run(user=self.request.user, content=content, filename=upload.name)
        except DomainError as error:
            add_domain_error(form, error)
            return self.form_invalid(form)
        customer_import = CustomerImport.objects.create(
            user=self.request.user, filename=upload.name[:255], content=content, report=report
        )
        return redirect("accounts:import_detail", pk=customer_import.pk)


def import_stats(counts: dict) -> list[dict]:
    """The report's figures for includes/stats.html: what the file holds and how its rows fared."""
    stats = [
        {"value": counts.get("rows", 0), "label": _("rows")},
        {"value": counts.get("customers", 0), "label": _("customers")},
        {"value": counts.get("contacts", 0), "label": _("contacts")},
        {"value": counts.get(importing.OK, 0), "label": _("rows ready")},
        {"value": counts.get(importing.ERROR, 0), "label": _("rows with errors")},
        {"value": counts.get(importing.DUPLICATE, 0), "label": _("possible duplicates")},
    ]
    if counts.get("warnings"):
        stats.append({"value": counts["warnings"], "label": _("rows with warnings")})
    return stats


class ImportDetailView(VisibleObjectsMixin, DetailView):
    """The dry run's report: counts, every row's status, the commit button."""

    queryset = CustomerImport.objects.select_related("user").defer("content")
    template_name = "accounts/import_detail.html"
    context_object_name = "customer_import"

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
        context.update(
            report=report,
            counts=counts,
            stats=import_stats(counts),
            show=show,
            page_obj=page,
            rows=page.object_list,
            query_string=f"show={show}",
            is_uploader=is_uploader,
            can_commit=is_uploader
            and self.object.status != CustomerImport.Status.COMMITTED
            and not counts.get(importing.ERROR),
            committed=self.object.status == CustomerImport.Status.COMMITTED,
            has_failed_rows=bool(counts.get(importing.ERROR) or counts.get(importing.DUPLICATE)),
        )
        return context


def row_decisions(data) -> dict[int, str]:
    """``row-7=merge`` / ``row-9=separate`` from the report page: what to do with rows offered as the
    same company as an earlier row. Anything else is ignored (the row stays undecided)."""
    decisions: dict[int, str] = {}
    for key, value in data.items():
        number = key.removeprefix("row-")
        if key.startswith("row-") and number.isdigit() and value in importing.DECISIONS:
            decisions[int(number)] = value
    return decisions


class ImportCommitView(VisibleObjectsMixin, SingleObjectMixin, View):
    """Import everything in the checked file, or nothing."""

    queryset = CustomerImport.objects.defer("content")
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        customer_import = self.get_object()
        if customer_import.user_id != request.user.pk:
            raise PermissionDenied
        confirm = request.POST.get("confirm_duplicates") in {"on", "1", "true"}
        try:
            report = importing.commit(
                user=request.user,
                customer_import=customer_import,
                confirm_duplicates=confirm,
                decisions=row_decisions(request.POST),
            )
        except DomainError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:import_detail", pk=customer_import.pk)
        if report["committed"]:
            counts = report["counts"]
            messages.success(
                request,
                _("Imported %(customers)d customers with %(contacts)d contacts.")
                % {"customers": counts["customers"], "contacts": counts["contacts"]},
            )
        else:
            first = importing.problems(report, limit=1)
            messages.error(
                request,
                _("Nothing was imported. %(problem)s") % {"problem": first[0] if first else ""},
            )
        return redirect("accounts:import_detail", pk=customer_import.pk)


class ImportFailedRowsView(VisibleObjectsMixin, SingleObjectMixin, View):
    """The rows that need fixing, as a file with a 错误 column, to correct and upload again."""

    model = CustomerImport

    def get(self, request, *args, **kwargs):
        customer_import = self.get_object()
        fmt = file_format(request)
        content = importing.failed_rows_file(
            report=customer_import.report, content=bytes(customer_import.content), fmt=fmt
        )
        stem = customer_import.filename.rsplit(".", 1)[0] or "import"
        return download(content, fmt=fmt, filename=f"{stem}-{_('failed-rows')}")


class ImportTemplateView(LoginRequiredMixin, View):
    def get(self, request):
        fmt = file_format(request)
        return download(importing.template_file(fmt), fmt=fmt, filename=_("customer-import-template"))


class CustomerExportView(LoginRequiredMixin, View):
    """The customer list as filtered on its page (same parameters), within the user's scope."""

    def get(self, request):
        fmt = file_format(request)
        queryset = CustomerFilter(request.GET, queryset=Customer.objects.visible_to(request.user), request=request).qs
        return exporting.export_response(queryset, fmt, user=request.user)
