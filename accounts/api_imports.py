"""Customer import and export through the API: the same importer and exporter as the pages."""

from django.db import transaction
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import exporting, importing
from accounts.filters import CustomerFilter
from accounts.models import Customer, SpreadsheetImport
from funnel_crm.db_router import ReplicaReadAPIMixin
from teams.errors import DomainError


def _row_numbers(help_text):
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, help_text=help_text
    )


class ImportFileSerializer(serializers.Serializer):
    """What every import takes: the file, and whether to only check it. An import's own options are
    fields of a subclass, handed on by :meth:`check_options` and :meth:`commit_options`."""

    file = serializers.FileField(
        allow_empty_file=True,  # the importer answers "the file is empty" itself, as on the page
        help_text=_("CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX; at most 10 MB and 20,000 rows."),
    )
    dry_run = serializers.BooleanField(
        default=True, help_text=_("Only check the file (the default); false imports it, all or nothing.")
    )
    valid_only = serializers.BooleanField(
        default=False,
        help_text=_(
            "With dry_run=false: import the rows that can be imported and leave out the others (each report row "
            "says whether it was imported; the import page's failed-rows file has the others) instead of "
            "importing nothing when one row fails."
        ),
    )

    def validate_file(self, upload):
        try:
            importing.check_size(upload.size)
        except DomainError as error:
            raise serializers.ValidationError(error.messages) from error
        return upload

    def check_options(self) -> dict:
        """Keyword arguments of the importer's check (dry run and commit)."""
        return {}

    def commit_options(self) -> dict:
        """Keyword arguments of the importer's commit besides the check's."""
        return {"valid_only": self.validated_data["valid_only"]}


class ImportRequestSerializer(ImportFileSerializer):
    confirm_duplicates = serializers.BooleanField(
        default=False,
        help_text=_(
            "Import customers that look like existing ones (or like each other) anyway; a row offered as the "
            "same company as an earlier row and left undecided is merged into it."
        ),
    )
    merge_rows = _row_numbers(
        _(
            "Row numbers offered as the same company as an earlier row (reason file_same_company) to merge "
            "into that row's customer: its contacts join it, the earlier row's values are kept."
        )
    )
    separate_rows = _row_numbers(
        _("Row numbers offered as the same company as an earlier row to import as separate customers.")
    )

    def validate(self, attrs):
        both = set(attrs["merge_rows"]) & set(attrs["separate_rows"])
        if both:
            raise serializers.ValidationError(
                {"separate_rows": [_("Row %(row)d cannot be both merged and separate.") % {"row": min(both)}]}
            )
        return attrs

    def check_options(self) -> dict:
        data = self.validated_data
        decisions = {
            **dict.fromkeys(data["merge_rows"], importing.MERGE),
            **dict.fromkeys(data["separate_rows"], importing.SEPARATE),
        }
        return {"decisions": decisions}

    def commit_options(self) -> dict:
        return {**super().commit_options(), "confirm_duplicates": self.validated_data["confirm_duplicates"]}


class ImportResultSerializer(serializers.Serializer):
    """Documentation only: what an import answers."""

    id = serializers.IntegerField(help_text=_("The stored import; its report page is the import page's {id}/."))
    status = serializers.ChoiceField(choices=SpreadsheetImport.Status.choices)
    created = serializers.ListField(child=serializers.IntegerField(), help_text=_("Ids of the new records."))
    report = serializers.JSONField(
        help_text=_(
            "counts, and per row: row (as numbered in the spreadsheet), status ok/error/duplicate, "
            "errors {column header: [messages]}, warnings {column header: [messages]} (imported anyway), "
            "duplicates [{reason, label, owner, visible, …}] and what the import read from the row."
        )
    )


def import_schema(request_serializer):
    """The OpenAPI description of an import endpoint taking ``request_serializer``."""
    return extend_schema(
        request={"multipart/form-data": request_serializer},
        responses={
            200: ImportResultSerializer,
            201: ImportResultSerializer,
            400: OpenApiResponse(
                description=_(
                    "The file cannot be read, or (with dry_run=false) rows failed: "
                    "detail, errors, and the report when there is one."
                )
            ),
        },
    )


class ImportAPIView(APIView):
    """An import through the API (``importer``; ``request_serializer`` adds its options): ``dry_run``
    (default true) checks every row and writes nothing; with ``dry_run=false`` the file is imported all
    or nothing: 201 with the new records' ids, or 400 with the report naming each failed row and column."""

    parser_classes = [MultiPartParser, FormParser]
    importer: importing.SheetImporter = None
    request_serializer = ImportFileSerializer

    def post(self, request):
        serializer = self.request_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        content = upload.read()
        filename = upload.name[:255]
        model = self.importer.model
        if serializer.validated_data["dry_run"]:
            report = self.importer.dry_run(  # DomainError: 400
                user=request.user, content=content, filename=filename, **serializer.check_options()
            )
            stored = model.objects.create(user=request.user, filename=filename, content=content, report=report)
            return Response(self._result(stored, report), status=status.HTTP_200_OK)
        # The commit checks every row itself. A file it cannot read at all leaves no stored import behind.
        with transaction.atomic():
            stored = model.objects.create(user=request.user, filename=filename, content=content)
            report = self.importer.commit(
                user=request.user,
                stored=stored,
                check_options=serializer.check_options(),
                **serializer.commit_options(),
            )
        if report["committed"]:
            return Response(self._result(stored, report), status=status.HTTP_201_CREATED)
        lines = importing.problems(report, limit=100)
        detail = lines[0] if lines else str(_("Nothing was imported."))
        return Response(
            {"detail": detail, "errors": {"file": lines}, **self._result(stored, report)},
            status=status.HTTP_400_BAD_REQUEST,
        )

    @staticmethod
    def _result(stored, report):
        return {"id": stored.pk, "status": stored.status, "created": report.get("created", []), "report": report}


class CustomerImportAPIView(ImportAPIView):
    """Import customers with their contacts from a CSV or XLSX file (the template's columns).

    ``dry_run`` (default true) checks every row and writes nothing. With
    ``dry_run=false`` the file is imported all or nothing: 201 with the new
    customers' ids, or 400 with the report naming each failed row and column.
    Per row the report also has the customer and contact it read, and for
    duplicates of reason file_same_company the row and choices (merge, separate).
    """

    importer = importing.CUSTOMERS
    request_serializer = ImportRequestSerializer

    @import_schema(ImportRequestSerializer)
    def post(self, request):
        return super().post(request)


class _IgnoreFormatParameter(DefaultContentNegotiation):
    """``?format=csv|xlsx`` picks the file type here, not a DRF renderer; errors still answer JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CustomerExportAPIView(ReplicaReadAPIMixin, APIView):
    """The customers in the caller's scope, filtered like ``/api/v1/customers/``, as CSV or XLSX
    in the import template's columns (one row per contact; read from the replica when one is
    configured, the audit entry written to default)."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = _IgnoreFormatParameter

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(importing.FORMATS), description=_("csv (default) or xlsx")),
            *[OpenApiParameter(name, str) for name in CustomerFilter.base_filters],
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, importing.CONTENT_TYPES[importing.XLSX]): OpenApiTypes.BINARY,
        },
    )
    def get(self, request):
        fmt = request.query_params.get("format") or importing.CSV
        if fmt not in importing.FORMATS:
            raise serializers.ValidationError({"format": [_("Use csv or xlsx.")]})
        filterset = CustomerFilter(
            request.query_params, queryset=Customer.objects.visible_to(request.user), request=request
        )
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        return exporting.export_response(filterset.qs, fmt, user=request.user, request=request)


api_urlpatterns = [
    path("customers/import/", CustomerImportAPIView.as_view(), name="api-customer-import"),
    path("customers/export/", CustomerExportAPIView.as_view(), name="api-customer-export"),
]
