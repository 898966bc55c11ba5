"""Fill ``Project.stale_at`` (projects 0008) for the open projects there are:
``ProjectState.stale_from`` in one UPDATE — entered their stage + the stage's
expected days + 1 day, for open tiers of stages with expected days. Kept
afterwards by the moves and by ``stage_update`` (``pipeline.services.stale_refresh``)."""

from django.db import migrations

FILL = """
UPDATE projects_project p
SET stale_at = s.entered_at + (st.expected_days + 1) * interval '1 day'
FROM pipeline_projectstate s JOIN pipeline_stage st ON st.id = s.stage_id
WHERE s.project_id = p.id AND p.closed_at IS NULL
  AND st.expected_days > 0 AND s.tier IN ('prospect', 'qualified', 'high_intent')
"""


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL)
        return
    import datetime

    ProjectState = apps.get_model("pipeline", "ProjectState")
    Project = apps.get_model("projects", "Project")
    states = ProjectState.objects.filter(
        project__closed_at__isnull=True,
        stage__expected_days__gt=0,
        tier__in=["prospect", "qualified", "high_intent"],
    ).select_related("stage")
    for state in states.iterator():
        stale_at = state.entered_at + datetime.timedelta(days=state.stage.expected_days + 1)
        Project.objects.filter(pk=state.project_id).update(stale_at=stale_at)


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0005_tier_reached"),
        ("projects", "0009_project_stale_at"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
