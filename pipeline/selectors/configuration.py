"""Configuration the board reads on every request and admins rarely change — the
pipelines, their stages, the teams' default pipelines and the lost reasons — kept per
process by ``teams.config_cache`` (registered in ``pipeline.apps``; read again when a row
of any of them changes). One entry, so a board asks the shared cache for its version once.
Shared between requests: callers must not change what they get."""

from dataclasses import dataclass

from pipeline.models import ExitCheck, LostReason, Pipeline, Stage, TeamPipeline
from projects.models import ChecklistItem
from teams.config_cache import config, config_register


@dataclass(frozen=True)
class BoardConfiguration:
    pipelines: list[Pipeline]  # not archived, in their order
    stages: dict[int, list[Stage]]  # every pipeline's stages in order (pipeline id → stages), archived ones too
    stage_of: dict[int, Stage]  # the same stages by id
    team_pipelines: dict[int, int]  # team id → its default pipeline's id (others: the company default)
    lost_reasons: list[LostReason]  # the ones one may pick, in their order


def load_board_configuration() -> BoardConfiguration:
    from pipeline.selectors.project import load_stages

    stages = load_stages()
    return BoardConfiguration(
        pipelines=list(Pipeline.objects.filter(is_archived=False).order_by("order", "id")),
        stages=stages,
        stage_of={stage.pk: stage for pipeline in stages.values() for stage in pipeline},
        team_pipelines=dict(TeamPipeline.objects.values_list("team_id", "pipeline_id")),
        lost_reasons=list(LostReason.objects.filter(is_active=True).order_by("order", "id")),
    )


def board_configuration() -> BoardConfiguration:
    return config("board_configuration")


def register() -> None:
    config_register(
        name="board_configuration",
        load=load_board_configuration,
        models=(Pipeline, Stage, ExitCheck, ChecklistItem, TeamPipeline, LostReason),
    )
