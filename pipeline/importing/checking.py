"""Checking a project file: each row's customer, owner, stage, dates and budget read and checked by the rules
of ``projects.services.project_create`` (its create hooks, the pipeline's among them), without writing."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import choice_text
from accounts.importing import DUPLICATE, ERROR, OK, Row, SheetCheck
from accounts.importing.base import write_in_batches
from accounts.importing.layout import header_key
from accounts.importing.values import amount_from_text, date_from_text, start_of_day
from accounts.models import Customer
from accounts.normalize import normalize_company_name, normalize_credit_code
from pipeline.importing.columns import PROJECT_COLUMNS
from pipeline.models import OPEN_TIERS, Pipeline, Stage
from pipeline.services import pipeline_for
from projects import services as project_services
from projects.models import Project, ProjectKind
from projects.normalize import normalize_project_name
from teams.errors import DomainError

# Look-ups of many values go to the database in chunks of this size.
BATCH_SIZE = 1000
# Service and model fields -> the column that holds them; anything else lands on the project name.
FIELD_COLUMNS = {
    "customer": "customer",
    "name": "name",
    "kind": "kind",
    "stage": "stage",
    "opened_at": "opened_at",
    "budget": "budget",
    "next_contact_on": "next_contact_on",
    "owner": "owner",
    "funding_source": "funding_source",
    "scope": "scope",
}


def _chunks(values, size=BATCH_SIZE):
    values = sorted(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class ProjectRow(Row):
    customer_text: str = ""
    customer: Customer | None = None
    owner: object = None
    stage: Stage | None = None
    data: dict = field(default_factory=dict)  # what project_create takes
    project: Project | None = None  # prepared (not saved) by project_create's rules when the row is fine

    @property
    def normalized_name(self) -> str:
        return normalize_project_name(self.data.get("name", ""))[:200]


class Stages:
    """Every stage, found by key or by its Chinese or English name (one query for the whole file)."""

    def __init__(self):
        self.by_text: dict[str, list[Stage]] = defaultdict(list)
        for stage in Stage.objects.select_related("pipeline").order_by("pipeline__order", "order", "id"):
            for text in {header_key(stage.key), header_key(stage.name_zh), header_key(stage.name_en)}:
                if text:
                    self.by_text[text].append(stage)
        self._pipelines: dict[tuple, Pipeline] = {}

    def find(self, text: str) -> list[Stage]:
        return self.by_text.get(header_key(text), [])

    def pipeline_for(self, *, owner, kind: str) -> Pipeline:
        """``pipeline.services.pipeline_for``, asked once per team and kind."""
        key = (owner.team_id, kind)
        if key not in self._pipelines:
            self._pipelines[key] = pipeline_for(owner=owner, kind=kind)
        return self._pipelines[key]

    @staticmethod
    def open_names(pipeline: Pipeline) -> str:
        return "、".join(stage.name for stage in pipeline.stages.active().filter(tier__in=OPEN_TIERS))


class ProjectCheck(SheetCheck):
    """One project per row, checked by the rules of ``projects.services.project_create`` and written in bulk
    as it writes one (``projects_bulk_create``) with its stage (entered at the opened date), budget and next
    contact."""

    columns = PROJECT_COLUMNS

    def run(self) -> ProjectCheck:
        parsed = self.read_rows(ProjectRow)
        customers = self._customers({cells.get("customer", "") for _row, cells in parsed})
        stages = Stages()
        for row, cells in parsed:
            self._read(row, cells, customers, stages)
        self._duplicates()
        return self

    # -- reading a row ----------------------------------------------------------------------------------------------

    def _read(self, row: ProjectRow, cells: dict[str, str], customers: dict, stages: Stages) -> None:
        row.customer_text = cells.get("customer", "")
        row.data["name"] = cells.get("name", "")
        row.data["scope"] = cells.get("scope", "")
        self._customer(row, customers)
        for key in self.columns.choices:
            value = self.choice(row, key, cells[key]) if cells.get(key) else None
            if value is not None:
                row.data[key] = value
        self._owner(row, cells.get("owner", ""))
        self._stage(row, cells.get("stage", ""), stages, kind_given=bool(cells.get("kind")))
        self._dates(row, cells)
        if cells.get("budget"):
            amount = amount_from_text(cells["budget"])
            if amount is None:
                row.add_error(
                    self.header("budget"),
                    _("Write the budget in yuan, e.g. 1200000, 1,200,000, 120万 or 1.2亿 (not “%(value)s”).")
                    % {"value": cells["budget"]},
                )
            else:
                row.data["budget"] = amount
        self._validate(row)

    def _customer(self, row: ProjectRow, customers: dict) -> None:
        text = row.customer_text
        if not text:
            row.add_error(self.header("customer"), _("Name the customer (its name or credit code)."))
            return
        found = customers.get(text, [])
        if len(found) == 1:
            row.customer = found[0]
        elif found:
            row.add_error(
                self.header("customer"),
                _("%(count)d of your customers are called “%(value)s”; write the credit code instead.")
                % {"count": len(found), "value": text},
            )
        else:
            row.add_error(
                self.header("customer"),
                _(
                    "“%(value)s” is none of the customers you may add projects to. Check the name or the credit "
                    "code; a customer that is not in the CRM yet: import the customers first."
                )
                % {"value": text},
            )

    def _owner(self, row: ProjectRow, text: str) -> None:
        if not text:
            row.owner = self.user
            return
        row.owner = self.owner_for(text)
        if row.owner is None:
            row.add_error(
                self.header("owner"), _("“%(value)s” is not a user you can assign projects to.") % {"value": text}
            )

    def _stage(self, row: ProjectRow, text: str, stages: Stages, *, kind_given: bool) -> None:
        """The stage named, in the pipeline of the project's kind. Without a kind, a stage of a pipeline
        made for one kind (续约 stages) gives the project that kind."""
        owner = row.owner or self.user
        found = stages.find(text) if text else []
        if not kind_given and found and len({stage.pipeline_id for stage in found}) == 1 and found[0].pipeline.kind:
            row.data["kind"] = found[0].pipeline.kind
        pipeline = stages.pipeline_for(owner=owner, kind=row.data.get("kind", ProjectKind.NEW))
        if not text:
            return
        header = self.header("stage")
        if not found:
            row.add_error(
                header,
                _("Unknown stage “%(value)s”. Stages of “%(pipeline)s”: %(stages)s.")
                % {"value": text, "pipeline": pipeline.name, "stages": stages.open_names(pipeline)},
            )
            return
        in_pipeline = [stage for stage in found if stage.pipeline_id == pipeline.pk]
        if not in_pipeline:
            kind = ProjectKind(row.data.get("kind", ProjectKind.NEW))
            row.add_error(
                header,
                _(
                    "“%(value)s” is a stage of “%(other)s”; %(kind)s projects go through “%(pipeline)s”: %(stages)s. "
                    "Or change the project's kind."
                )
                % {
                    "value": text,
                    "other": found[0].pipeline.name,
                    "kind": choice_text(ProjectKind, kind),
                    "pipeline": pipeline.name,
                    "stages": stages.open_names(pipeline),
                },
            )
            return
        active = [stage for stage in in_pipeline if not stage.is_archived] or in_pipeline
        if len(active) > 1:
            row.add_error(
                header,
                _("“%(value)s” names several stages (%(keys)s); write the key.")
                % {"value": text, "keys": "、".join(stage.key for stage in active)},
            )
            return
        row.stage = row.data["stage"] = active[0]  # the hook takes the Stage itself: no look-up per row

    def _dates(self, row: ProjectRow, cells: dict[str, str]) -> None:
        for key in ("opened_at", "next_contact_on"):
            text = cells.get(key, "")
            if not text:
                continue
            value = date_from_text(text)
            if value is None:
                row.add_error(
                    self.header(key), _("Write a date such as 2026-03-01 (not “%(value)s”).") % {"value": text}
                )
            elif key == "opened_at":
                row.data[key] = value if isinstance(value, datetime.datetime) else start_of_day(value)
            else:
                row.data[key] = value.date() if isinstance(value, datetime.datetime) else value
        stays_open = row.stage is None or row.stage.tier in OPEN_TIERS
        if stays_open and "next_contact_on" not in row.data and not cells.get("next_contact_on"):
            row.add_error(self.header("next_contact_on"), _("Plan the next contact: every open project needs one."))

    def _validate(self, row: ProjectRow) -> None:
        """The rules of ``project_create`` (and its hooks); a column that already has an error keeps only it."""
        try:
            row.project, _items = project_services.project_prepare(
                user=self.user,
                customer=row.customer,
                owner=row.owner or self.user,
                data=row.data,
                # The project's check constraints are its clean()'s rules too (the budget is not on it yet);
                # the database need not be asked once per row.
                validate_constraints=False,
            )
        except DomainError as error:
            self.service_error(row, error, keep_earlier=True)
        if row.stage is not None and not row.errors:
            self._stale_warning(row)

    def _stale_warning(self, row: ProjectRow) -> None:
        opened = row.data.get("opened_at") or timezone.now()
        days = (timezone.now() - opened).days
        if row.stage.expected_days and row.stage.tier in OPEN_TIERS and days > row.stage.expected_days:
            row.add_warning(
                self.header("opened_at"),
                _(
                    "The project will stand in “%(stage)s” since %(date)s, longer than its %(days)d expected days, "
                    "so it shows as stale. If it reached this stage later, import it in the stage it was in then "
                    "and move it afterwards with the real date."
                )
                % {
                    "stage": row.stage.name,
                    "date": timezone.localtime(opened).date().isoformat(),
                    "days": row.stage.expected_days,
                },
            )

    # -- customers and duplicates, for the whole file at once -------------------------------------------------------

    def _customer_scope(self):
        """A rep adds projects to the customers they may change; a lead or admin to any of their scope."""
        if self.user.is_rep:
            return Customer.objects.editable_by(self.user)
        return Customer.objects.visible_to(self.user)

    def _customers(self, texts: set[str]) -> dict[str, list[Customer]]:
        """Text as typed -> the customers of the user's scope it names: by credit code, else by name."""
        codes = {text: normalize_credit_code(text) for text in texts if text}
        codes = {text: code for text, code in codes.items() if len(code) == 18 and code.isalnum()}
        names = {text: normalize_company_name(text) for text in texts if text}
        scope = self._customer_scope().only("id", "name", "normalized_name", "credit_code", "owner_id", "team_id")
        by_code: dict[str, Customer] = {}
        by_name: dict[str, list[Customer]] = defaultdict(list)
        for chunk in _chunks(set(codes.values())):
            by_code.update((customer.credit_code, customer) for customer in scope.filter(credit_code__in=chunk))
        for chunk in _chunks({name for name in names.values() if name}):
            for customer in scope.filter(normalized_name__in=chunk).order_by("pk"):
                by_name[customer.normalized_name].append(customer)
        found = {text: by_name.get(name, []) for text, name in names.items()}
        found.update((text, [by_code[code]]) for text, code in codes.items() if code in by_code)
        return found

    def _duplicates(self) -> None:
        """A project of the same (normalised) name on the same customer: earlier in the file, or stored."""
        first: dict[tuple[int, str], ProjectRow] = {}
        keyed = [row for row in self.rows if row.customer is not None and row.normalized_name]
        for row in keyed:
            earlier = first.setdefault((row.customer.pk, row.normalized_name), row)
            if earlier is not row:
                row.duplicates.append(
                    {
                        "reason": "file_project",
                        "label": _("the same project as row %(row)d of this file") % {"row": earlier.number},
                        "row": earlier.number,
                    }
                )
        stored = self._stored_projects({row.customer.pk for row in keyed}, {row.normalized_name for row in keyed})
        visible = set()
        ids = [project.pk for projects in stored.values() for project in projects]
        for chunk in _chunks(ids):
            visible.update(Project.objects.visible_to(self.user).filter(pk__in=chunk).values_list("pk", flat=True))
        for row in keyed:
            for project in stored.get((row.customer.pk, row.normalized_name), []):
                entry = {
                    "reason": "project_name",
                    "label": _("a project of this name already exists on this customer"),
                    "owner": project.owner.name,
                    "visible": project.pk in visible,
                }
                if project.pk in visible:
                    entry.update(project_id=project.pk, project=project.name)
                row.duplicates.append(entry)

    @staticmethod
    def _stored_projects(customer_ids: set[int], names: set[str]) -> dict[tuple[int, str], list[Project]]:
        found: dict[tuple[int, str], list[Project]] = defaultdict(list)
        for chunk in _chunks(customer_ids):
            rows = (
                Project.objects.filter(customer_id__in=chunk, normalized_name__in=names)
                .select_related("owner")
                .order_by("pk")
            )
            for project in rows:
                found[(project.customer_id, project.normalized_name)].append(project)
        return found

    # -- results ----------------------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        counts = super().counts()
        return {**counts, "projects": counts[OK]}

    def blocked(self, *, skip_duplicates: bool = False) -> bool:
        counts = self.counts()
        return bool(counts[ERROR] or (counts[DUPLICATE] and not skip_duplicates) or not counts[OK])

    def row_entry(self, row: ProjectRow) -> dict:
        owner = row.owner or self.user
        return {
            **super().row_entry(row),
            "customer": row.customer.name if row.customer else row.customer_text,
            "customer_id": row.customer.pk if row.customer else None,
            "project": row.data.get("name", ""),
            "stage": row.stage.name if row.stage else "",
            "owner": owner.name,
        }

    # -- the commit -------------------------------------------------------------------------------------------------

    def units(self, **options):
        """The rows without errors or duplicates (duplicates are only ever left out, never imported)."""
        return [row for row in self.rows if row.status == OK]

    def write(self, units: list[ProjectRow], *, run=None, **options) -> list[int]:
        """Every project in bulk, a batch at a time (``projects.services.projects_bulk_create``: the rows
        ``project_create`` and its hooks write, set-wise): the projects the check prepared and validated by
        ``project_create``'s rules a moment ago, in this transaction. A refusal while writing goes on the
        first row of its batch and ends the write (the caller rolls everything back)."""

        def write_batch(batch: list[ProjectRow]) -> list[int]:
            try:
                projects = project_services.projects_bulk_create(
                    user=self.user, projects=[row.project for row in batch], data=[row.data for row in batch]
                )
            except DomainError as error:
                self.service_error(batch[0], error)
                raise
            return [project.pk for project in projects]

        return write_in_batches(units, write_batch, run=run)

    def service_error(self, row: ProjectRow, error: DomainError, *, keep_earlier: bool = False) -> None:
        """Each field's messages on its column (``keep_earlier``: not on a column that already has an error,
        whose own message says more, e.g. an unknown owner rather than "choose one")."""
        had_errors = set(row.errors)
        messages = error.message_dict if hasattr(error, "error_dict") else {"name": error.messages}
        for name, field_messages in messages.items():
            header = self.header(FIELD_COLUMNS.get(name, "name"))
            if keep_earlier and header in had_errors:
                continue
            for message in field_messages:
                row.add_error(header, message)
