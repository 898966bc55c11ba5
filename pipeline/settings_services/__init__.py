"""Writes on the pipeline settings: pipelines, their stages and exit checks, the
lost reasons and each team's default pipeline — for the admins' settings pages and
the API (/api/v1/pipelines/, /stages/, /lost-reasons/) alike, so both keep the same
rules and the same change log.

Every function is one transaction, locks the rows its rules read (a pipeline's
row for any change of its stages, so two admins cannot each archive "the other"
won stage), raises ``DomainError`` naming every bad field at once, and records a
``SettingsChange`` (who, when, each field before and after).

History is never rewritten: a stage change keeps the tiers it was made with,
and a project standing in a stage keeps the tier it entered with; a stage's new
tier applies to the moves made from then on.
"""

from pipeline.settings_services.lost_reasons import (
    lost_reason_create,
    lost_reason_delete,
    lost_reason_in_use,
    lost_reason_place,
    lost_reason_set_active,
    lost_reason_shift,
    lost_reason_update,
    lost_reasons_reorder,
)
from pipeline.settings_services.pipelines import (
    pipeline_archive,
    pipeline_create,
    pipeline_delete,
    pipeline_place,
    pipeline_restore,
    pipeline_update,
    team_defaults_set,
)
from pipeline.settings_services.stages import (
    exit_check_add,
    exit_check_remove,
    exit_check_set_severity,
    exit_checks_replace,
    stage_archive,
    stage_create,
    stage_delete,
    stage_in_use,
    stage_place,
    stage_restore,
    stage_shift,
    stage_update,
    stages_reorder,
)

__all__ = [
    "exit_check_add",
    "exit_check_remove",
    "exit_check_set_severity",
    "exit_checks_replace",
    "lost_reason_create",
    "lost_reason_delete",
    "lost_reason_in_use",
    "lost_reason_place",
    "lost_reason_set_active",
    "lost_reason_shift",
    "lost_reason_update",
    "lost_reasons_reorder",
    "pipeline_archive",
    "pipeline_create",
    "pipeline_delete",
    "pipeline_place",
    "pipeline_restore",
    "pipeline_update",
    "stage_archive",
    "stage_create",
    "stage_delete",
    "stage_in_use",
    "stage_place",
    "stage_restore",
    "stage_shift",
    "stage_update",
    "stages_reorder",
    "team_defaults_set",
]
