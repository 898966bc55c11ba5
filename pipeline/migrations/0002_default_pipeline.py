"""The default pipelines (new business; renewals), the lost reasons, and for each
project that existed before the pipeline: its first stage, entered at its
``opened_at``, and its approved funding as the first budget change."""

from django.db import migrations
from django.db.models import Q

from pipeline.defaults import install

BATCH = 5_000


def create(apps, schema_editor):
    install(**{name: apps.get_model("pipeline", name) for name in ("Pipeline", "Stage", "ExitCheck", "LostReason")})
    ChecklistItem = apps.get_model("projects", "ChecklistItem")
    # Two checklist items that reps ticked by hand now follow the data.
    ChecklistItem.objects.filter(key="competitors", rule="").update(rule="competitors")
    ChecklistItem.objects.filter(key="buying_process", rule="").update(rule="buying_process")
    _existing_projects(apps)


def _existing_projects(apps):
    Project = apps.get_model("projects", "Project")
    Stage = apps.get_model("pipeline", "Stage")
    ProjectState = apps.get_model("pipeline", "ProjectState")
    StageChange = apps.get_model("pipeline", "StageChange")
    BudgetChange = apps.get_model("pipeline", "BudgetChange")
    first = {
        "": Stage.objects.get(key="prospect"),
        "renewal": Stage.objects.get(key="renewal_due"),
    }
    lost = Stage.objects.get(key="lost")
    last = 0
    while True:
        chunk = list(
            Project.objects.filter(pk__gt=last)
            .order_by("pk")
            .values("pk", "kind", "opened_at", "closed_at", "budget")[:BATCH]
        )
        if not chunk:
            return
        states, changes, budgets = [], [], []
        for row in chunk:
            stage = first["renewal" if row["kind"] == "renewal" else ""]
            states.append(ProjectState(project_id=row["pk"], stage=stage, tier=stage.tier, entered_at=row["opened_at"]))
            changes.append(StageChange(project_id=row["pk"], to_stage=stage, to_tier=stage.tier, at=row["opened_at"]))
            if row["closed_at"] is not None:  # closed before stages existed: counted as lost, reason unknown
                changes.append(
                    StageChange(
                        project_id=row["pk"],
                        from_stage=stage,
                        to_stage=lost,
                        from_tier=stage.tier,
                        to_tier=lost.tier,
                        at=row["closed_at"],
                    )
                )
                states[-1].stage, states[-1].tier, states[-1].entered_at = lost, lost.tier, row["closed_at"]
            if row["budget"] is not None:
                budgets.append(
                    BudgetChange(
                        project_id=row["pk"],
                        new=row["budget"],
                        effective_on=row["opened_at"].date(),
                        reason="approved funding",
                    )
                )
        ProjectState.objects.bulk_create(states)
        StageChange.objects.bulk_create(changes)
        BudgetChange.objects.bulk_create(budgets)
        last = chunk[-1]["pk"]


def remove(apps, schema_editor):
    # Plain DELETEs, children first: QuerySet.delete()'s cascade collector mixes the
    # historical model classes of this state with related ones and fails with
    # "Cannot query "Pipeline object (1)": Must be "Pipeline" instance" (found by
    # tests/test_migrations_reversible.py). A row that still points at a stage stops
    # the reverse with a foreign-key error instead of being deleted silently.
    alias = schema_editor.connection.alias
    for model in ("ExitCheck", "ProjectState", "StageChange", "BudgetChange", "Stage", "Pipeline", "LostReason"):
        apps.get_model("pipeline", model).objects.using(alias).all()._raw_delete(alias)
    apps.get_model("projects", "ChecklistItem").objects.filter(
        Q(key="competitors", rule="competitors") | Q(key="buying_process", rule="buying_process")
    ).update(rule="")


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0001_initial"), ("projects", "0006_budget_contact_dates_key_dates")]
    operations = [migrations.RunPython(create, remove)]
