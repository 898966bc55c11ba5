"""The pipeline's rows for projects made in bulk (``seed_demo``: the demo team and
the benchmark teams), registered in ``projects.services.PROJECT_BULK_HOOKS``.

Bulk inserts save no project, so the signal and the create hook that give every
project its stage never run: this hook writes, with the projects, each one's
``ProjectState``, its first ``StageChange`` (at ``opened_at``, in the first
stage of its pipeline, as ``services.pipeline_for`` picks it) and a
``BudgetChange`` for its budget. A project the generator closed is lost (with a
reason) or won at its ``closed_at``.
"""

import random
from dataclasses import dataclass
from types import SimpleNamespace

from django.utils import timezone

from pipeline.models import OPEN_TIERS, BudgetChange, LostReason, ProjectState, StageChange, TeamPipeline, Tier
from pipeline.services import pipeline_for
from projects.models import ProjectKind

SEED = 2026


@dataclass(frozen=True)
class SeedStage:
    id: int
    tier: str


@dataclass(frozen=True)
class SeedPipeline:
    """A pipeline's active stages: the open ones in order, and the first won and lost stage (if any)."""

    open: tuple
    won: SeedStage | None
    lost: SeedStage | None


@dataclass
class Context:
    """What the generator reads from the database once: plain values, so it pickles to a worker."""

    pipelines: dict  # id -> SeedPipeline
    for_kind: dict  # project kind -> pipeline id (teams without a default of their own)
    for_team_kind: dict  # (team id, kind) -> pipeline id, for teams with a default pipeline
    lost_reasons: tuple  # ids of the active reasons, in order

    def pipeline(self, *, team_id, kind):
        return self.pipelines[self.for_team_kind.get((team_id, kind), self.for_kind[kind])]


def _seed_pipeline(pipeline):
    stages = list(pipeline.stages.active().order_by("order", "id"))
    first = {tier: next((SeedStage(s.pk, s.tier) for s in stages if s.tier == tier), None) for tier in Tier.values}
    return SeedPipeline(
        open=tuple(SeedStage(s.pk, s.tier) for s in stages if s.tier in OPEN_TIERS),
        won=first[Tier.WON],
        lost=first[Tier.LOST],
    )


class ProjectBulkHook:
    models = [ProjectState, StageChange, BudgetChange]
    numbered = {}
    references = {}
    checklist_rules = {}

    def context(self, *, teams):
        team_ids = set(TeamPipeline.objects.filter(team__in=teams).values_list("team_id", flat=True))
        # pipeline_for answers for an owner; only the owner's team matters to it.
        chosen = {
            (team_id, kind): pipeline_for(owner=SimpleNamespace(team_id=team_id), kind=kind)
            for team_id in [None, *team_ids]
            for kind in ProjectKind
        }
        return Context(
            pipelines={pipeline.pk: _seed_pipeline(pipeline) for pipeline in set(chosen.values())},
            for_kind={kind: pipeline.pk for (team_id, kind), pipeline in chosen.items() if team_id is None},
            for_team_kind={key: pipeline.pk for key, pipeline in chosen.items() if key[0] is not None},
            lost_reasons=tuple(LostReason.objects.filter(is_active=True).values_list("pk", flat=True)),
        )

    def team_rows(self, context, *, team, projects, conflicts, now):
        rng = random.Random(f"{SEED}:pipeline:{team.name}")  # noqa: S311  (demo data is random, not secret)
        rows = {ProjectState: [], StageChange: [], BudgetChange: []}
        for project in projects:
            pipeline = context.pipeline(team_id=project.team_id, kind=project.kind)
            stage = pipeline.open[0]
            rows[StageChange].append(_change(project, None, stage, project.opened_at))
            reason = None
            if project.closed_at is not None:
                lost = rng.random() < 0.6 and pipeline.lost is not None and context.lost_reasons
                closing = pipeline.lost if lost or pipeline.won is None else pipeline.won
                reason = rng.choice(context.lost_reasons) if closing is pipeline.lost else None
                rows[StageChange].append(_change(project, stage, closing, project.closed_at, lost_reason_id=reason))
                stage = closing
            rows[ProjectState].append(
                SimpleNamespace(
                    project=project,
                    stage_id=stage.id,
                    tier=stage.tier,
                    entered_at=project.closed_at or project.opened_at,
                    lost_reason_id=reason,
                    lost_note="",
                )
            )
            if project.budget is not None:
                rows[BudgetChange].append(
                    SimpleNamespace(
                        project=project,
                        old=None,
                        new=project.budget,
                        effective_on=timezone.localtime(project.opened_at).date(),
                        recorded_at=project.opened_at,
                        by_id=project.owner_id,
                        reason="",
                    )
                )
        return rows


def _change(project, from_stage, to_stage, at, **extra):
    return SimpleNamespace(
        project=project,
        from_stage_id=from_stage.id if from_stage else None,
        to_stage_id=to_stage.id,
        from_tier=from_stage.tier if from_stage else "",
        to_tier=to_stage.tier,
        at=at,
        recorded_at=at,
        by_id=project.owner_id,
        note="",
        **extra,
    )


project_bulk_hook = ProjectBulkHook()
