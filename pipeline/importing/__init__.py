"""Import of existing deals: a team coming from spreadsheets or another CRM brings its open projects with
their current stage, budget, next contact and opened date, so their history starts correct on day one.

Built on the customer import's machinery (``accounts.importing``): the same reading of CSV/XLSX, headers in
Chinese with English aliases, the dry run with per-row errors on the cell that caused them, the failed-rows
file, the all-or-nothing commit, the stored upload (:class:`pipeline.models.ProjectImport`, who and when).

One row is one project (:mod:`.columns`). :mod:`.checking` reads each row — the customer by name or credit
code among those the user may add projects to (no customer is created here: the customer import is the
way), the owner, the stage by key or name in the pipeline of the project's kind, dates, the budget ("120万")
— and checks it with ``projects.services.project_prepare``, the rules of ``project_create`` and its hooks.
A project of the same normalised name on the same customer (stored, or earlier in the file) is a duplicate:
the commit refuses the file unless told to skip them. The commit writes the projects the check prepared in
bulk, a batch of 1,000 at a time, through ``projects.services.projects_bulk_create``: exactly the rows
``project_create`` writes one by one (with ``stage``, ``budget``, ``next_contact_on`` and ``opened_at``: the
pipeline's create hook's first stage change at the opened date and first budget change; history rows,
conflicts and their notifications, checklist scores), set-wise, so its queries do not grow with the rows.
"""

from django.utils.translation import gettext_lazy as _

from accounts.importing import SheetImporter
from pipeline.importing.checking import ProjectCheck
from pipeline.importing.columns import COLUMNS, PROJECT_COLUMNS, example_row
from pipeline.models import ProjectImport

PROJECTS = SheetImporter(
    check_class=ProjectCheck,
    model=ProjectImport,
    example=example_row,
    title=_("Projects"),
    template_name=_("project-import-template"),
)

__all__ = ["COLUMNS", "PROJECTS", "PROJECT_COLUMNS", "ProjectCheck"]
