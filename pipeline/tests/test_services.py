"""The pipeline's rules, service by service: stages and their history, budget,
contact log, competitors, merge, and two moves at once."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from pipeline import services
from pipeline.models import (
    Activity,
    BudgetChange,
    Competitor,
    ExitCheck,
    LostReason,
    ProjectState,
    Stage,
    StageChange,
)
from projects import services as project_services
from projects.models import Conflict, ConflictKind, Milestone, Project, Resolution
from teams.errors import ConflictError, DomainError
from tests.factories import ContactFactory, CustomerFactory, ProjectFactory


def _create(user, customer=None, **data):
    customer = customer or CustomerFactory(owner=user)
    return project_services.project_create(user=user, customer=customer, data={"name": "智慧园区一期", **data})


def _errors(call):
    with pytest.raises(DomainError) as error:
        call()
    return error.value.message_dict


def _history(project):
    return list(
        StageChange.objects.filter(project=project).order_by("at", "id").values_list("to_stage__key", flat=True)
    )


# --- starting stage ----------------------------------------------------------------------------


def test_a_new_project_starts_in_the_first_stage_at_its_opened_at(rep):
    opened = timezone.now() - timedelta(days=40)
    project = _create(rep, opened_at=opened)
    state = ProjectState.objects.get(pk=project.pk)
    assert (state.stage.key, state.tier, state.entered_at) == ("prospect", "prospect", opened)
    change = StageChange.objects.get(project=project)
    assert (change.from_stage, change.to_stage.key, change.at, change.by) == (None, "prospect", opened, rep)


# --- when a project turns stale (Project.stale_at, My day's stale section) --------------------


def _stale_at(project):
    return Project.objects.get(pk=project.pk).stale_at


def test_stale_at_follows_the_stage_the_project_enters(rep, lead, admin):
    """Created, moved, closed, re-opened: the project keeps when it turns stale (its
    stage's expected days + 1 whole day after it entered the stage), none when closed."""
    from pipeline import settings_services

    opened = timezone.now() - timedelta(days=40)
    project = _create(rep, opened_at=opened)
    prospect = Stage.objects.get(key="prospect")
    assert prospect.expected_days  # the shipped pipeline expects days in every open stage
    assert _stale_at(project) == opened + timedelta(days=prospect.expected_days + 1)
    moved_at = timezone.now() - timedelta(days=3)
    services.project_move(user=rep, project=project, stage="need_confirmed", at=moved_at)
    need = Stage.objects.get(key="need_confirmed")
    assert _stale_at(project) == moved_at + timedelta(days=need.expected_days + 1)
    services.project_move(user=rep, project=project, stage="lost", lost_reason="price")
    assert _stale_at(project) is None
    services.project_move(user=lead, project=project, stage="need_confirmed")
    entered = ProjectState.objects.get(pk=project.pk).entered_at
    assert _stale_at(project) == entered + timedelta(days=need.expected_days + 1)
    # An admin changes the stage's expected days: its open projects follow in one UPDATE.
    other = _create(rep, opened_at=opened)  # still in prospect: untouched
    settings_services.stage_update(user=admin, stage=need, data={"expected_days": 5})
    assert _stale_at(project) == entered + timedelta(days=6)
    assert _stale_at(other) == opened + timedelta(days=prospect.expected_days + 1)
    settings_services.stage_update(user=admin, stage=need, data={"expected_days": None})
    assert _stale_at(project) is None


def test_stale_refresh_recomputes_every_open_project(rep):
    opened = timezone.now() - timedelta(days=50)
    projects = [_create(rep, opened_at=opened - timedelta(days=days)) for days in range(3)]
    expected = {project.pk: _stale_at(project) for project in projects}
    assert all(expected.values())
    Project.objects.filter(pk__in=expected).update(stale_at=None)
    assert services.stale_refresh() == 3
    assert {project.pk: _stale_at(project) for project in projects} == expected
    assert services.stale_refresh() == 0  # nothing left to change


def test_a_project_from_a_factory_has_a_stage_too(rep):
    project = ProjectFactory(customer=CustomerFactory(owner=rep))
    assert ProjectState.objects.get(pk=project.pk).stage.key == "prospect"
    assert StageChange.objects.filter(project=project).count() == 1


def test_a_renewal_starts_in_the_renewal_pipeline(rep):
    project = _create(rep, kind="renewal")
    assert ProjectState.objects.get(pk=project.pk).stage.key == "renewal_due"


def test_a_deal_already_under_way_starts_in_its_stage_with_budget_and_next_contact(rep):
    opened = timezone.now() - timedelta(days=90)
    next_on = timezone.localdate() + timedelta(days=3)
    project = _create(rep, opened_at=opened, stage="proposal_accepted", budget="1200000", next_contact_on=next_on)
    project.refresh_from_db()
    assert project.state.stage.key == "proposal_accepted"
    assert _history(project) == ["proposal_accepted"]
    assert StageChange.objects.get(project=project).at == opened
    assert (project.budget, project.next_contact_on) == (Decimal("1200000"), next_on)
    first = BudgetChange.objects.get(project=project)
    assert (first.old, first.new, first.effective_on) == (None, Decimal("1200000"), timezone.localtime(opened).date())


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"stage": "nonsense"}, "stage"),
        ({"stage": "lost"}, "stage"),
        ({"stage": "won"}, "stage"),
        ({"budget": "-1"}, "budget"),
        ({"budget": "1000000000000.01"}, "budget"),
        ({"budget": "一百万"}, "budget"),
        ({"next_contact_on": date(2020, 1, 1)}, "next_contact_on"),
    ],
)
def test_bad_start_data_is_named_and_nothing_is_saved(rep, data, field):
    customer = CustomerFactory(owner=rep)
    assert field in _errors(lambda: _create(rep, customer, **data))
    assert not Project.objects.filter(customer=customer).exists()
    assert not StageChange.objects.exists()


def test_every_bad_field_is_reported_at_once(rep):
    errors = _errors(lambda: _create(rep, name="", stage="nonsense", budget="-5"))
    assert {"name", "stage", "budget"} <= set(errors)


# --- moves -------------------------------------------------------------------------------------


@pytest.fixture
def project(rep):
    return _create(rep, opened_at=timezone.now() - timedelta(days=60))


def test_a_move_writes_a_stage_change_and_the_state(project, rep):
    at = timezone.now() - timedelta(days=10)
    result = services.project_move(user=rep, project=project, stage="need_confirmed", at=at, note="需求已确认")
    assert result.warnings  # decision maker etc. are not blocking from prospect
    state = ProjectState.objects.get(pk=project.pk)
    assert (state.stage.key, state.tier, state.entered_at) == ("need_confirmed", "qualified", at)
    change = result.change
    assert (change.from_stage.key, change.from_tier, change.to_tier, change.by, change.note) == (
        "prospect",
        "prospect",
        "qualified",
        rep,
        "需求已确认",
    )
    assert result.project.version == project.version + 1


def test_moves_may_skip_tiers_and_go_back(project, rep):
    services.project_move(user=rep, project=project, stage="contract_legal")
    services.project_move(user=rep, project=project, stage="need_confirmed")
    assert _history(project) == ["prospect", "contract_legal", "need_confirmed"]


def test_a_move_cannot_be_in_the_future_or_before_the_previous_one(project, rep):
    assert "at" in _errors(
        lambda: services.project_move(
            user=rep, project=project, stage="need_confirmed", at=timezone.now() + timedelta(hours=1)
        )
    )
    assert "at" in _errors(
        lambda: services.project_move(
            user=rep, project=project, stage="need_confirmed", at=project.opened_at - timedelta(minutes=1)
        )
    )
    assert _history(project) == ["prospect"]


def test_a_move_to_another_pipelines_or_an_archived_stage_is_refused(project, rep):
    assert "stage" in _errors(lambda: services.project_move(user=rep, project=project, stage="renewal_quote"))
    Stage.objects.filter(key="need_confirmed").update(is_archived=True)
    assert "stage" in _errors(lambda: services.project_move(user=rep, project=project, stage="need_confirmed"))
    assert "stage" in _errors(lambda: services.project_move(user=rep, project=project, stage="prospect"))
    assert _history(project) == ["prospect"]


def test_lost_needs_a_reason_then_closes_and_reopening_is_a_move(project, rep):
    assert "lost_reason" in _errors(lambda: services.project_move(user=rep, project=project, stage="lost"))
    assert "lost_reason" in _errors(
        lambda: services.project_move(user=rep, project=project, stage="lost", lost_reason="no-such-reason")
    )
    LostReason.objects.filter(key="other").update(is_active=False)
    assert "lost_reason" in _errors(
        lambda: services.project_move(user=rep, project=project, stage="lost", lost_reason="other")
    )
    at = timezone.now() - timedelta(days=1)
    services.project_move(user=rep, project=project, stage="lost", lost_reason="price", lost_note="贵了 20%", at=at)
    project.refresh_from_db()
    assert project.closed_at == at
    assert (project.state.lost_reason.key, project.state.lost_note) == ("price", "贵了 20%")
    assert StageChange.objects.filter(project=project, to_tier="lost").get().lost_reason.key == "price"

    services.project_move(user=rep, project=project, stage="need_confirmed", note="客户重启")
    project.refresh_from_db()
    assert project.closed_at is None and project.state.lost_reason is None
    assert _history(project) == ["prospect", "lost", "need_confirmed"]


def test_won_closes_the_project_and_retires_its_open_conflicts(rep, other_rep):
    customer = CustomerFactory(owner=rep)
    mine = _create(rep, customer)
    theirs = _create(other_rep, customer, name="数据中台")
    conflict = Conflict.objects.get(kind=ConflictKind.SHARED_CUSTOMER)
    services.project_move(user=rep, project=mine, stage="won")
    conflict.refresh_from_db()
    assert (conflict.resolution, conflict.resolved_by) == (Resolution.CLOSED, rep)
    assert Conflict.objects.unresolved().count() == 0
    mine.refresh_from_db()
    assert mine.closed_at is not None and not mine.is_open
    assert theirs.pk  # the other project stays open


def test_a_blocking_exit_check_refuses_the_move_until_met(project, rep):
    # need_confirmed blocks without a decision maker on the committee (the default pipeline).
    services.project_move(user=rep, project=project, stage="need_confirmed")
    errors = _errors(lambda: services.project_move(user=rep, project=project, stage="proposal_accepted"))
    assert "decision maker" in errors["stage"][0]
    contact = ContactFactory(customer=project.customer, buying_role="decision_maker")
    project_services.stakeholder_save(
        user=rep, project=project, contact=contact, role="decision_maker", stance="supporter"
    )
    result = services.project_move(user=rep, project=project, stage="proposal_accepted")
    assert result.change.to_stage.key == "proposal_accepted"
    # budget and competitors still missing: warnings, not blocks
    assert len(result.warnings) == 2


def test_moving_back_or_to_lost_needs_no_exit_checks(project, rep):
    ExitCheck.objects.create(stage=Stage.objects.get(key="prospect"), requirement="budget", severity="block")
    assert "stage" in _errors(lambda: services.project_move(user=rep, project=project, stage="need_confirmed"))
    services.project_move(user=rep, project=project, stage="lost", lost_reason="price")
    assert _history(project)[-1] == "lost"


def test_a_stale_version_is_refused_and_nothing_moves(project, rep):
    with pytest.raises(ConflictError):
        services.project_move(user=rep, project=project, stage="need_confirmed", version=project.version - 1 or 99)
    assert _history(project) == ["prospect"]


def test_renaming_or_retiering_a_stage_does_not_rewrite_history(project, rep):
    services.project_move(user=rep, project=project, stage="need_confirmed")
    Stage.objects.filter(key="need_confirmed").update(tier="high_intent", name_zh="需求已确认")
    change = StageChange.objects.get(project=project, to_stage__key="need_confirmed")
    assert change.to_tier == "qualified"


@pytest.mark.django_db(transaction=True)
def test_two_moves_at_once_one_wins_the_other_is_told(rep):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    project = _create(rep)
    version = Project.objects.get(pk=project.pk).version
    barrier = threading.Barrier(2)
    outcomes = []

    def move(stage):
        try:
            barrier.wait()
            services.project_move(user=rep, project=project, stage=stage, version=version)
            outcomes.append("moved")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(stage,)) for stage in ("need_confirmed", "contract_legal")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "moved"]
    history = _history(project)
    assert len(history) == 2 and history[0] == "prospect"
    assert ProjectState.objects.get(pk=project.pk).stage.key == history[-1]


# --- budget ------------------------------------------------------------------------------------


def test_budget_changes_keep_who_when_and_why(project, rep):
    first = services.budget_change(user=rep, project=project, amount="1000000")
    assert (first.old, first.new) == (None, Decimal("1000000"))
    assert "reason" in _errors(lambda: services.budget_change(user=rep, project=project, amount="800000"))
    drop = services.budget_change(user=rep, project=project, amount="800000", reason="范围缩小")
    assert (drop.old, drop.new, drop.is_drop, drop.by) == (Decimal("1000000"), Decimal("800000"), True, rep)
    project.refresh_from_db()
    assert project.budget == Decimal("800000")
    assert BudgetChange.objects.filter(project=project).count() == 2


@pytest.mark.parametrize(
    ("amount", "extra", "field"),
    [
        ("-1", {}, "budget"),
        ("1000000000000.01", {}, "budget"),
        ("abc", {}, "budget"),
        ("1.234", {}, "budget"),
        ("5", {"effective_on": date.today() + timedelta(days=400)}, "effective_on"),
    ],
)
def test_bad_budgets_are_refused(project, rep, amount, extra, field):
    assert field in _errors(lambda: services.budget_change(user=rep, project=project, amount=amount, **extra))
    assert not BudgetChange.objects.filter(project=project).exists()


# --- contact log -------------------------------------------------------------------------------


def test_logging_a_contact_sets_last_and_next_contact(project, rep):
    person = ContactFactory(customer=project.customer)
    occurred = timezone.now() - timedelta(hours=2)
    next_on = timezone.localdate() + timedelta(days=7)
    activity = services.activity_log(
        user=rep,
        project=project,
        kind="visit",
        occurred_at=occurred,
        summary="拜访信息中心主任",
        contacts=[person],
        next_contact_on=next_on,
    )
    project.refresh_from_db()
    assert (project.last_contact_at, project.next_contact_on) == (occurred, next_on)
    assert list(activity.contacts.all()) == [person]
    assert activity.customer_id == project.customer_id


def test_logging_a_contact_can_move_the_stage(project, rep):
    services.activity_log(
        user=rep,
        project=project,
        kind="meeting",
        occurred_at=timezone.now() - timedelta(minutes=5),
        summary="需求确认会",
        next_contact_on=timezone.localdate() + timedelta(days=2),
        move_to="need_confirmed",
    )
    assert _history(project) == ["prospect", "need_confirmed"]


def test_a_contact_that_loses_the_project_needs_the_reason_and_no_next_contact(project, rep):
    data = {"kind": "call", "occurred_at": timezone.now() - timedelta(minutes=5), "summary": "客户选了别家"}
    errors = _errors(lambda: services.activity_log(user=rep, project=project, move_to="lost", **data))
    assert set(errors) == {"lost_reason"}
    assert not Activity.objects.exists()
    services.activity_log(
        user=rep, project=project, move_to="lost", lost_reason="chose_competitor", lost_note="对方报价低", **data
    )
    state = ProjectState.objects.get(pk=project.pk)
    assert (state.stage.key, state.lost_reason.key, state.lost_note) == ("lost", "chose_competitor", "对方报价低")
    assert _history(project) == ["prospect", "lost"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"next_contact_on": date(2020, 1, 1)}, "next_contact_on"),
        ({"next_contact_on": None}, "next_contact_on"),
        ({"occurred_at": timezone.now() + timedelta(days=1)}, "occurred_at"),
        ({"kind": "telepathy"}, "kind"),
        ({"summary": ""}, "summary"),
    ],
)
def test_bad_contact_logs_are_refused(project, rep, change, field):
    data = {
        "kind": "call",
        "occurred_at": timezone.now() - timedelta(hours=1),
        "summary": "电话沟通",
        "next_contact_on": timezone.localdate() + timedelta(days=1),
        **change,
    }
    assert field in _errors(lambda: services.activity_log(user=rep, project=project, **data))
    assert not Activity.objects.exists()
    project.refresh_from_db()
    assert project.last_contact_at is None


def test_people_of_another_customer_are_refused(project, rep):
    stranger = ContactFactory()
    assert "contacts" in _errors(
        lambda: services.activity_log(
            user=rep,
            project=project,
            kind="call",
            occurred_at=timezone.now(),
            summary="电话",
            contacts=[stranger],
            next_contact_on=timezone.localdate(),
        )
    )


def test_a_customer_contact_counts_as_the_last_contact_of_its_open_projects(project, rep):
    occurred = timezone.now() - timedelta(hours=3)
    services.activity_log(user=rep, customer=project.customer, kind="message", occurred_at=occurred, summary="微信")
    project.refresh_from_db()
    assert project.last_contact_at == occurred
    assert project.next_contact_on is None


# --- competitors and checklist -----------------------------------------------------------------


def test_competitors_keep_history_and_tick_the_checklist(project, rep):
    before = project.checklist_score
    competitor = services.competitor_save(
        user=rep, project=project, data={"kind": "customer_internal", "name": "零售事业部", "threat": "high"}
    )
    project.refresh_from_db()
    assert project.checklist_score > before
    services.competitor_save(
        user=rep, project=project, competitor=competitor, data={"status": "eliminated"}, version=competitor.version
    )
    assert [h.status for h in competitor.history.order_by("history_date")] == ["active", "eliminated"]
    with pytest.raises(ConflictError):
        services.competitor_save(
            user=rep, project=project, competitor=competitor, data={"status": "won"}, version=competitor.version
        )
    assert "kind" in _errors(
        lambda: services.competitor_save(user=rep, project=project, data={"kind": "alien", "name": "某厂商"})
    )
    assert Competitor.objects.get().status == "eliminated"


def test_planning_the_three_key_dates_makes_the_buying_process_known(project, rep):
    for kind in ("proposal_accepted", "contract_review", "payment"):
        project_services.milestone_save(
            user=rep, project=project, data={"kind": kind, "due_on": timezone.localdate() + timedelta(days=30)}
        )
    from projects import checklist

    lines = {line.item.key: line.done for line in checklist.evaluate(project)}
    assert lines["buying_process"] is True


# --- merge -------------------------------------------------------------------------------------


def test_merge_keeps_the_kept_projects_stage_and_marks_the_merged_history(rep, lead):
    customer = CustomerFactory(owner=rep)
    keep = _create(rep, customer, name="数据平台")
    gone = _create(rep, customer, name="数据平台二期", budget="500000")
    services.project_move(user=rep, project=gone, stage="need_confirmed")
    services.activity_log(
        user=rep,
        project=gone,
        kind="call",
        occurred_at=timezone.now(),
        summary="电话",
        next_contact_on=timezone.localdate() + timedelta(days=1),
    )
    Milestone.objects.create(project=gone, kind="payment", due_on=timezone.localdate())
    gone_pk = gone.pk
    project_services.project_merge(user=lead, target=keep, source=gone)
    keep.refresh_from_db()
    assert keep.state.stage.key == "prospect"
    merged = StageChange.objects.filter(project=keep, merged_from=gone_pk)
    assert merged.count() == 2
    assert StageChange.objects.filter(project=keep, merged_from__isnull=True).count() == 1
    assert Activity.objects.get().project_id == keep.pk
    assert keep.budget is None  # the merged-away budget is history, not this project's amount
    assert BudgetChange.objects.get().merged_from == gone_pk
    assert keep.last_contact_at is not None
