"""seed_demo's pipeline data: every seeded project, on every path (the demo team,
the benchmark teams with COPY, with bulk_create, and the bulk load in worker
processes), has a stage and six months of history that the services could have
written, and the reps differ the way coaching should find."""

import io
from datetime import timedelta
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.choices import BuyingRole
from pipeline import services
from pipeline.models import (
    CLOSED_TIERS,
    Activity,
    ActivityKind,
    BudgetChange,
    Competitor,
    CompetitorKind,
    CompetitorStatus,
    ExitCheck,
    ProjectState,
    Severity,
    StageChange,
    Tier,
)
from projects import demo as project_demo
from projects.models import Milestone, MilestoneChange, MilestoneKind, Project

pytestmark = pytest.mark.django_db

BENCHMARK = "基准测试"
DEMO_TEAM = "华东一组"


def seed(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def grouped(rows, key="project_id"):
    groups = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    return groups


def local_day(moment):
    return timezone.localtime(moment).date()


def assert_pipeline_invariants(projects):
    """What the services guarantee, checked on the stored rows of ``projects`` (a queryset)."""
    now = timezone.now()
    projects = list(projects.select_related("state").order_by("pk"))
    assert projects
    changes = grouped(
        StageChange.objects.filter(project__in=projects).select_related("from_stage", "to_stage").order_by("at", "id")
    )
    budgets = grouped(BudgetChange.objects.filter(project__in=projects).order_by("effective_on", "recorded_at", "id"))
    activities = grouped(Activity.objects.filter(project__in=projects).order_by("occurred_at", "id"))
    decision_makers = set(
        Project.objects.filter(pk__in=[p.pk for p in projects], stakeholders__role=BuyingRole.DECISION_MAKER)
        .values_list("pk", flat=True)
        .distinct()
    )
    needs_decision_maker = set(
        ExitCheck.objects.filter(requirement="decision_maker", severity=Severity.BLOCK).values_list("stage", flat=True)
    )
    proposals = {
        m.project_id: m for m in Milestone.objects.filter(project__in=projects, kind=MilestoneKind.PROPOSAL_ACCEPTED)
    }
    for project in projects:
        try:
            state = project.state
        except ProjectState.DoesNotExist:
            raise AssertionError(f"project {project.pk} has no stage") from None

        # Stage history: from opened_at, each move after the previous and from where it stood, never in
        # the future, lost with a reason; the state and closed_at are the last move's.
        history = [change for change in changes[project.pk] if change.merged_from is None]
        first, last = history[0], history[-1]
        assert (first.from_stage_id, first.from_tier, first.at) == (None, "", project.opened_at), project.pk
        for before, after in pairwise(history):
            assert before.at < after.at, project.pk
            assert (after.from_stage_id, after.from_tier) == (before.to_stage_id, before.to_tier), project.pk
        for change in history:
            assert change.at <= now and change.at <= change.recorded_at <= now, project.pk
            assert change.to_stage.tier == change.to_tier, project.pk
            assert change.to_stage.pipeline_id == first.to_stage.pipeline_id, project.pk
            assert (change.lost_reason_id is not None) == (change.to_tier == Tier.LOST), project.pk
            # A blocking exit check: nobody leaves that stage forward without a decision maker.
            forward = change.from_stage_id and change.to_stage.order > change.from_stage.order
            if forward and change.to_tier != Tier.LOST and change.from_stage_id in needs_decision_maker:
                assert project.pk in decision_makers, project.pk
        assert (state.stage_id, state.tier, state.entered_at, state.lost_reason_id) == (
            last.to_stage_id,
            last.to_tier,
            last.at,
            last.lost_reason_id,
        ), project.pk
        assert project.closed_at == (last.at if last.to_tier in CLOSED_TIERS else None), project.pk
        # When it turns stale, as the moves keep it (My day's stale section reads it).
        assert project.stale_at == state.stale_from(), project.pk

        # Budget: every amount is a change, the last one is the budget, a drop says why.
        amounts = budgets.get(project.pk, [])
        assert (amounts[-1].new if amounts else None) == project.budget, project.pk
        if amounts:
            assert amounts[0].old is None and amounts[0].effective_on >= local_day(project.opened_at), project.pk
            assert amounts[-1].effective_on <= local_day(now), project.pk
        for before, after in pairwise(amounts):
            assert after.old == before.new != after.new and before.effective_on < after.effective_on, project.pk
            assert after.new >= after.old or after.reason, project.pk

        # Contact log: last contact is the latest activity, next contact the latest one planned; none is
        # in the future or planned before the day it was logged, none after the project closed.
        logged = activities.get(project.pk, [])
        assert project.last_contact_at == (logged[-1].occurred_at if logged else None), project.pk
        planned = [a.next_contact_on for a in logged if a.next_contact_on is not None]
        assert project.next_contact_on == (planned[-1] if planned else None), project.pk
        for activity in logged:
            assert project.opened_at < activity.occurred_at <= activity.created_at <= now, project.pk
            assert project.closed_at is None or activity.occurred_at <= project.closed_at, project.pk
            assert activity.next_contact_on is None or activity.next_contact_on >= local_day(activity.occurred_at)
            assert activity.customer_id == project.customer_id, project.pk

        # The proposal was accepted before the project left its stage for a later one.
        entered_high = next((c.at for c in history if c.to_tier in (Tier.HIGH_INTENT, Tier.WON)), None)
        if entered_high is not None:
            proposal = proposals[project.pk]
            assert proposal.done_on is not None and proposal.done_on <= local_day(entered_high), project.pk

    # Rows of every project, as a whole: the people are the customer's, the planned-date changes of a
    # key date chain up to its date, every competitor has its history.
    contacts = Activity.contacts.through.objects.filter(activity__project__in=projects)
    assert not contacts.exclude(contact__customer=F("activity__customer")).exists()
    attendees = Milestone.attendees.through.objects.filter(milestone__project__in=projects)
    assert not attendees.exclude(contact__customer=F("milestone__project__customer")).exists()
    milestone_changes = grouped(
        MilestoneChange.objects.filter(milestone__project__in=projects).order_by("changed_at", "id"), "milestone_id"
    )
    for milestone in Milestone.objects.filter(project__in=projects):
        chain = milestone_changes[milestone.pk]
        assert chain[0].old_due_on is None and chain[-1].new_due_on == milestone.due_on, milestone.pk
        for before, after in pairwise(chain):
            assert after.old_due_on == before.new_due_on and after.changed_at > before.changed_at, milestone.pk
        for change in chain:
            assert change.changed_at <= now, milestone.pk
            assert change.is_slip == (change.old_due_on is not None and change.new_due_on > change.old_due_on)
    competitors = Competitor.objects.filter(project__in=projects)
    added = Competitor.history.filter(project__in=projects, history_type="+")
    assert sorted(added.values_list("id", flat=True)) == sorted(competitors.values_list("pk", flat=True))
    assert not competitors.filter(status=CompetitorStatus.WON).exclude(project__state__tier=Tier.LOST).exists()


def reached(projects, tiers):
    return projects.filter(stage_changes__to_tier__in=tiers, stage_changes__merged_from=None).distinct().count()


def conversion(projects):
    """(prospect → qualified, qualified → high intent) over the six months, as the funnel counts them."""
    qualified = reached(projects, [Tier.QUALIFIED, Tier.HIGH_INTENT, Tier.WON])
    high_intent = reached(projects, [Tier.HIGH_INTENT, Tier.WON])
    return qualified / projects.count(), high_intent / qualified


def test_the_demo_team_gets_six_months_of_history_the_services_could_have_written():
    out = seed()  # the demo as everyone sees it: with fewer projects per rep, chance blurs the differences
    projects = Project.objects.filter(team__name=DEMO_TEAM)
    assert_pipeline_invariants(projects)

    # Every kind of event is there.
    changes = StageChange.objects.filter(project__in=projects)
    assert changes.filter(at__lt=timezone.now() - timedelta(days=150)).exists()  # six months back
    assert changes.filter(from_tier=Tier.PROSPECT, to_tier=Tier.HIGH_INTENT).exists()  # a tier skipped
    assert changes.filter(from_tier=Tier.LOST).exclude(to_tier=Tier.LOST).exists()  # re-opened
    assert changes.filter(to_tier=Tier.WON).exists() and changes.filter(to_tier=Tier.LOST).exists()
    assert changes.filter(to_tier=Tier.LOST).values("lost_reason").distinct().count() >= 4
    budgets = BudgetChange.objects.filter(project__in=projects)
    assert budgets.filter(new__lt=F("old")).exists() and budgets.filter(new__gt=F("old")).exists()
    kinds = set(Competitor.objects.filter(project__in=projects).values_list("kind", flat=True))
    assert kinds == set(CompetitorKind.values)
    assert set(Activity.objects.filter(project__in=projects).values_list("kind", flat=True)) == set(ActivityKind.values)
    assert MilestoneChange.objects.filter(milestone__project__in=projects, is_slip=True).exists()
    open_ = projects.filter(closed_at=None)
    today = timezone.localdate()
    assert open_.filter(next_contact_on__lt=today).exists()  # overdue
    assert open_.filter(next_contact_on=today).exists()
    assert open_.filter(next_contact_on=None).exists()
    assert open_.filter(next_contact_on__gt=today).count() > open_.count() / 2

    # The reps differ the way coaching should find: rep1 strong, rep2 weak at prospect → qualified,
    # rep3 weak at qualified → high intent, the others average.
    def rates(*usernames):
        return conversion(projects.filter(owner__username__in=usernames))

    strong, weak_qualify, weak_intent = rates("rep1"), rates("rep2"), rates("rep3")
    average = rates(*[f"rep{n}" for n in range(4, 9)])
    assert weak_qualify[0] < average[0] * 0.6  # many prospects, few move on
    assert weak_intent[1] < average[1] * 0.6  # qualifies as others do, then stalls
    assert abs(weak_intent[0] - average[0]) < 0.15
    assert strong[0] > average[0] + 0.1 and strong[1] > average[1] + 0.1
    # The summary the lead reads says the same.
    line = next(line for line in out.splitlines() if line.strip().startswith("rep2 "))
    assert "weak at prospect → qualified" in line

    # The public pool ran on this data: some released with a reason, some returned by the rules,
    # some claimed; every book customer has its countdown (unless won or locked).
    from accounts.models import Customer, PoolEvent

    kinds = set(PoolEvent.objects.values_list("kind", flat=True))
    assert {"released", "returned", "claimed"} <= kinds
    assert Customer.objects.filter(owner__isnull=True, pool__isnull=False).exists()
    # Past their day and still in a book: only those kept for the lead's consent (high intent).
    from pipeline.pools.rules import high_intent_exists

    overdue = Customer.objects.filter(team__name=DEMO_TEAM, returns_on__lt=today).annotate(hot=high_intent_exists())
    assert overdue.exists() and all(customer.hot for customer in overdue)


def test_benchmark_projects_written_with_copy_get_their_history():
    seed(teams=1, customers_per_rep=3)
    projects = Project.objects.filter(team__name__startswith=BENCHMARK)
    assert projects.count() == 25
    assert_pipeline_invariants(projects)


def test_benchmark_projects_written_with_bulk_create_get_the_same_history(monkeypatch):
    """The generator alone decides the rows: bulk_create (SQLite) stores what COPY stores."""
    jobs, job_data = [], project_demo._job_data
    monkeypatch.setattr(
        project_demo, "_job_data", lambda *args, **kwargs: jobs.append(job_data(*args, **kwargs)) or jobs[-1]
    )
    seed(teams=1, customers_per_rep=3)
    projects = Project.objects.filter(team__name__startswith=BENCHMARK)
    copied = history_of(projects)
    Project.objects.filter(pk__in=projects).delete()

    project_demo._write_orm(jobs[0])  # the same job: the same moment "now"
    assert_pipeline_invariants(projects)
    assert history_of(projects) == copied


def history_of(projects):
    """What the generator decided, without ids."""
    return sorted(
        (
            p.customer_id,
            p.owner_id,
            str(p.budget),
            p.closed_at,
            p.last_contact_at,
            p.next_contact_on,
            p.checklist_score,
            tuple(p.stage_changes.order_by("at", "id").values_list("to_stage", "at", "lost_reason", "note")),
            tuple(p.budget_changes.order_by("effective_on").values_list("new", "effective_on", "reason")),
            tuple(p.activities.order_by("occurred_at", "id").values_list("kind", "occurred_at", "summary")),
            tuple(p.competitors.order_by("name").values_list("kind", "name", "status", "updated_at")),
            tuple(p.milestones.order_by("kind").values_list("kind", "due_on", "done_on")),
            tuple(p.stakeholders.order_by("contact").values_list("contact", "role")),
        )
        for p in projects.all()  # not the cache of an earlier evaluation
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk load is PostgreSQL's")
def test_benchmark_projects_of_the_bulk_load_get_their_history_and_the_sequences_move(monkeypatch):
    monkeypatch.setattr(project_demo, "BULK_LOAD_MIN_CUSTOMERS", 1)
    seed(teams=2, customers_per_rep=3)
    projects = Project.objects.filter(team__name__startswith=BENCHMARK)
    assert_pipeline_invariants(projects)
    # Ids were handed out from the sequences: the ORM's next rows get fresh ones.
    project = projects.filter(closed_at=None).first()
    activity = services.activity_log(
        user=project.owner,
        kind="call",
        occurred_at=timezone.now(),
        summary="电话确认下周拜访",
        project=project,
        next_contact_on=timezone.localdate(),
    )
    competitor = services.competitor_save(
        user=project.owner, project=project, data={"kind": "external", "name": "用友"}
    )
    assert activity.pk > Activity.objects.exclude(pk=activity.pk).order_by("-pk")[0].pk
    assert competitor.pk > Competitor.objects.exclude(pk=competitor.pk).order_by("-pk")[0].pk


def test_seeding_again_adds_no_history():
    seed(teams=1, customers_per_rep=3)
    counts = [model.objects.count() for model in (StageChange, Activity, BudgetChange, Competitor, Milestone)]
    seed(teams=1, customers_per_rep=3)
    assert [model.objects.count() for model in (StageChange, Activity, BudgetChange, Competitor, Milestone)] == counts
