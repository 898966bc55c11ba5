"""Import of existing deals: upload → dry-run report → commit, the template and the failed rows (the pages
every import has, ``accounts.views.imports``)."""

from django.utils.translation import gettext_lazy, ngettext

from accounts.views.imports import ImportPages
from pipeline.importing import PROJECTS


class ProjectImportPages(ImportPages):
    def success_message(self, report: dict) -> str:
        count = len(report["created"])
        return ngettext("Imported %(count)d project.", "Imported %(count)d projects.", count) % {"count": count}


PROJECT_IMPORT_PAGES = ProjectImportPages(
    importer=PROJECTS,
    namespace="pipeline",
    detail_template="pipeline/import_detail.html",
    title=gettext_lazy("Import projects"),
    intro=gettext_lazy(
        "Bring the open projects you have been working in a spreadsheet or another CRM: one row per project, "
        "with its customer (already in the CRM), current stage, budget, next contact and the date it was "
        "opened, from which its history starts. The file is checked first; nothing is saved until you "
        "confirm, and then everything is imported or nothing."
    ),
    file_label=gettext_lazy("Project file"),
    back_url_name="projects:project_list",
    back_label=gettext_lazy("Projects"),
    duplicates_option="skip_duplicates",
    record_counts=(("projects", gettext_lazy("projects to import")),),
)


def project_import_job(run) -> dict:
    """The background job committing a project import (``pipeline.import_commit``)."""
    return PROJECT_IMPORT_PAGES.run_commit_job(run)
