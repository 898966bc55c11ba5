"""Import of existing deals through the API: the same importer as the pages (``pipeline.importing``)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.api_imports import ImportAPIView, ImportFileSerializer, import_schema
from pipeline.importing import PROJECTS


class ProjectImportRequestSerializer(ImportFileSerializer):
    skip_duplicates = serializers.BooleanField(
        default=False,
        help_text=_(
            "Import the other rows and leave out those whose project exists already on the customer (or comes "
            "earlier in the file); without it such rows stop the import."
        ),
    )

    def commit_options(self) -> dict:
        return {**super().commit_options(), "skip_duplicates": self.validated_data["skip_duplicates"]}


class ProjectImportAPIView(ImportAPIView):
    """Import existing deals from a CSV or XLSX file (the template's columns): one project per row with its
    customer (name or credit code), stage, opened date, budget and next contact.

    ``dry_run`` (default true) checks every row and writes nothing. With ``dry_run=false`` the file is
    imported all or nothing: 201 with the new projects' ids, or 400 with the report naming each failed
    row and column. Per row the report also has the customer, project, stage and owner it read.
    """

    importer = PROJECTS
    request_serializer = ProjectImportRequestSerializer

    @import_schema(ProjectImportRequestSerializer)
    def post(self, request):
        return super().post(request)


api_urlpatterns = [
    path("projects/import/", ProjectImportAPIView.as_view(), name="api-project-import"),
]
