"""The projects API with the pipeline's data: stage, tier, budget, contact dates,
key dates and lost reason on the project; ``move/``; ``history/``; and the
list's query budget."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from pipeline import services
from pipeline.models import BudgetChange, ExitCheck, ProjectState, Stage, StageChange
from pipeline.tests.api_support import EN, create_project, in_days
from projects import services as project_services
from projects.models import Project
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _stored(project):
    """What a refused write must leave as it was."""
    project = Project.objects.select_related("state__stage").get(pk=project.pk)
    return {
        "stage": project.state.stage.key,
        "budget": project.budget,
        "next_contact_on": project.next_contact_on,
        "scope": project.scope,
        "version": project.version,
        "stage_changes": StageChange.objects.filter(project=project).count(),
        "budget_changes": BudgetChange.objects.filter(project=project).count(),
    }


# --- the project's pipeline fields --------------------------------------------------------------


def test_create_starts_in_the_stage_with_budget_and_next_contact(rep_api, rep):
    customer = CustomerFactory(owner=rep)
    opened = timezone.now() - timedelta(days=30)
    response = rep_api.post(
        "/api/v1/projects/",
        {
            "customer": customer.pk,
            "name": "数据中台二期",
            "opened_at": opened.isoformat(),
            "stage": "proposal_accepted",
            "budget": "1200000.50",
            "next_contact_on": in_days(3).isoformat(),
        },
        format="json",
        **EN,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["stage"], body["stage_name"], body["tier"], body["tier_name"]) == (
        "proposal_accepted",
        "Proposal formally accepted",
        "high_intent",
        "High intent",
    )
    assert (body["budget"], body["next_contact_on"]) == ("1200000.50", in_days(3).isoformat())
    assert body["lost_reason"] is None and body["lost_reason_name"] is None
    assert body["last_contact_at"] is None
    for key_date in ("proposal_accepted_on", "contract_started_on", "payment_due_on", "paid_on"):
        assert body[key_date] is None
    assert "budget_reason" not in body and "budget_effective_on" not in body
    change = StageChange.objects.get(project_id=body["id"])
    assert (change.to_stage.key, change.at) == ("proposal_accepted", opened)


def test_stage_names_follow_the_requesters_language(rep_api, rep):
    project = create_project(rep)
    url = f"/api/v1/projects/{project.pk}/"
    assert rep_api.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["stage_name"] == "潜客"
    assert rep_api.get(url, **EN).json()["stage_name"] == "Prospect"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"stage": "no-such-stage"}, "stage"),
        ({"stage": "won"}, "stage"),
        ({"stage": "renewal_lost"}, "stage"),
        ({"budget": "-1"}, "budget"),
        ({"budget": "1000000000000.01"}, "budget"),
        ({"budget": "1.234"}, "budget"),
        ({"budget": "NaN"}, "budget"),
        ({"next_contact_on": "2020-01-01"}, "next_contact_on"),
    ],
)
def test_bad_start_data_is_named_and_nothing_is_created(rep_api, rep, data, field):
    customer = CustomerFactory(owner=rep)
    response = rep_api.post("/api/v1/projects/", {"customer": customer.pk, "name": "甲", **data}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Project.objects.exists()


def test_key_dates_come_from_the_key_date_milestones(rep_api, rep):
    project = create_project(rep)
    for kind, due, done in [
        ("proposal_accepted", date(2026, 3, 1), date(2026, 3, 5)),
        ("contract_review", date(2026, 4, 1), date(2026, 4, 2)),
        ("payment", date(2026, 6, 30), None),
    ]:
        project_services.milestone_save(user=rep, project=project, data={"kind": kind, "due_on": due, "done_on": done})
    project_services.milestone_save(user=rep, project=project, data={"name": "内部评审", "due_on": date(2026, 2, 1)})
    body = rep_api.get(f"/api/v1/projects/{project.pk}/").json()
    assert [body[key] for key in ("proposal_accepted_on", "contract_started_on", "payment_due_on", "paid_on")] == [
        "2026-03-05",
        "2026-04-02",
        "2026-06-30",
        None,
    ]


# --- budget and next contact through PATCH -----------------------------------------------------


def test_a_higher_budget_is_a_budget_change(rep_api, rep):
    project = create_project(rep, budget="1000000")
    response = rep_api.patch(f"/api/v1/projects/{project.pk}/", {"budget": "1500000", "version": 1}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["budget"] == "1500000.00"
    change = BudgetChange.objects.filter(project=project).order_by("-id").first()
    assert (change.old, change.new, change.by, change.effective_on) == (
        Decimal("1000000"),
        Decimal("1500000"),
        rep,
        timezone.localdate(),
    )


def test_a_drop_without_a_reason_names_budget_reason_and_changes_nothing(rep_api, rep):
    project = create_project(rep, budget="1000000")
    before = _stored(project)
    response = rep_api.patch(f"/api/v1/projects/{project.pk}/", {"budget": "800000"}, format="json", **EN)
    assert response.status_code == 400
    assert "budget_reason" in response.json()["errors"]
    assert response.json()["detail"].startswith("Why the budget changes")
    assert _stored(project) == before


def test_a_drop_with_its_reason_and_date_is_kept(rep_api, rep):
    project = create_project(rep, budget="1000000")
    effective = in_days(-10)
    response = rep_api.patch(
        f"/api/v1/projects/{project.pk}/",
        {"budget": "800000", "budget_reason": "范围缩小", "budget_effective_on": effective.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    change = BudgetChange.objects.filter(project=project).order_by("-id").first()
    assert (change.new, change.reason, change.effective_on, change.is_drop) == (
        Decimal("800000"),
        "范围缩小",
        effective,
        True,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"budget": "-1"}, "budget"),
        ({"budget": "1000000000000.01"}, "budget"),
        ({"budget": "abc"}, "budget"),
        ({"budget": None}, "budget"),
        ({"budget": "2000000", "budget_effective_on": "2999-01-01"}, "budget_effective_on"),
        ({"budget": "2000000", "budget_reason": "x" * 501}, "budget_reason"),
    ],
)
def test_bad_budget_changes_are_named_and_nothing_changes(rep_api, rep, body, field):
    project = create_project(rep, budget="1000000")
    before = _stored(project)
    response = rep_api.patch(f"/api/v1/projects/{project.pk}/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert _stored(project) == before


def test_the_same_budget_and_next_contact_change_nothing(rep_api, rep):
    project = create_project(rep, budget="1000000", next_contact_on=in_days(2))
    body = rep_api.get(f"/api/v1/projects/{project.pk}/").json()
    put = {key: body[key] for key in ("customer", "name", "scope", "kind", "budget", "next_contact_on", "stage")}
    response = rep_api.put(f"/api/v1/projects/{project.pk}/", put, format="json")
    assert response.status_code == 200, response.json()
    assert BudgetChange.objects.filter(project=project).count() == 1


def test_next_contact_is_planned_and_never_in_the_past(rep_api, rep):
    project = create_project(rep)
    response = rep_api.patch(
        f"/api/v1/projects/{project.pk}/", {"next_contact_on": in_days(5).isoformat()}, format="json"
    )
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.next_contact_on == in_days(5)
    response = rep_api.patch(
        f"/api/v1/projects/{project.pk}/", {"next_contact_on": in_days(-1).isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert "next_contact_on" in response.json()["errors"]
    project.refresh_from_db()
    assert project.next_contact_on == in_days(5)


def test_every_bad_field_at_once_and_nothing_half_saved(rep_api, rep):
    project = create_project(rep, budget="1000000", scope="旧范围")
    before = _stored(project)
    response = rep_api.patch(
        f"/api/v1/projects/{project.pk}/",
        {"scope": "新范围", "stage": "won", "budget": "500", "next_contact_on": "2020-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"stage", "budget_reason", "next_contact_on"}
    assert _stored(project) == before


def test_the_stage_changes_only_through_move(rep_api, rep):
    project = create_project(rep)
    before = _stored(project)
    response = rep_api.patch(f"/api/v1/projects/{project.pk}/", {"stage": "need_confirmed"}, format="json")
    assert response.status_code == 400
    assert "stage" in response.json()["errors"]
    assert _stored(project) == before


@pytest.mark.parametrize(
    "change", [{"budget": "2000000"}, {"next_contact_on": "2099-01-01"}, {"scope": "改", "budget": "2000000"}]
)
def test_a_stale_version_answers_409_and_changes_nothing(rep_api, rep, change):
    project = create_project(rep, budget="1000000")
    project_services.project_update(user=rep, project=project, data={"scope": "别人改的"}, version=1)
    before = _stored(project)
    response = rep_api.patch(f"/api/v1/projects/{project.pk}/", {**change, "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["version"] == 2
    assert _stored(project) == before


# --- move ---------------------------------------------------------------------------------------


@pytest.fixture
def project(rep):
    return create_project(rep, opened_at=timezone.now() - timedelta(days=60), budget="500000")


def _move(api, project, **body):
    return api.post(f"/api/v1/projects/{project.pk}/move/", body, format="json", **EN)


def test_a_move_answers_the_project_and_its_warnings(rep_api, rep, project):
    at = timezone.now() - timedelta(days=5)
    response = _move(rep_api, project, stage="need_confirmed", at=at.isoformat(), note="需求确认会", version=1)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["project"]["stage"], body["project"]["tier"], body["project"]["version"]) == (
        "need_confirmed",
        "qualified",
        2,
    )
    assert body["warnings"] == ["A next contact is planned"]
    change = StageChange.objects.filter(project=project).order_by("-at").first()
    assert (change.to_stage.key, change.at, change.note, change.by) == ("need_confirmed", at, "需求确认会", rep)


def test_a_move_to_lost_needs_a_reason_then_shows_it(rep_api, project):
    before = _stored(project)
    response = _move(rep_api, project, stage="lost")
    assert response.status_code == 400
    assert "lost_reason" in response.json()["errors"]
    assert _stored(project) == before
    response = _move(rep_api, project, stage="lost", lost_reason="price", lost_note="贵了 20%")
    assert response.status_code == 200
    assert (response.json()["project"]["lost_reason"], response.json()["project"]["lost_reason_name"]) == (
        "price",
        "Price",
    )
    assert ProjectState.objects.get(pk=project.pk).lost_note == "贵了 20%"
    reopened = _move(rep_api, project, stage="need_confirmed", note="客户重启")
    assert reopened.status_code == 200
    assert reopened.json()["project"]["lost_reason"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stage": "no-such-stage"}, "stage"),
        ({"stage": "renewal_quote"}, "stage"),  # another pipeline's
        ({"stage": "prospect"}, "stage"),  # already there
        ({"stage": "lost", "lost_reason": "no-such-reason"}, "lost_reason"),
        ({"stage": "need_confirmed", "at": "2999-01-01T00:00:00+08:00"}, "at"),
        ({"stage": "need_confirmed", "at": "bad"}, "at"),
        ({"stage": ""}, "stage"),
        ({}, "stage"),
        ({"stage": "need_confirmed", "note": "x" * 501}, "note"),
        ({"stage": "need_confirmed", "note": "响铃\x07"}, "note"),
    ],
)
def test_bad_moves_are_named_and_nothing_moves(rep_api, project, body, field):
    before = _stored(project)
    response = _move(rep_api, project, **body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert _stored(project) == before


def test_a_back_dated_move_cannot_go_before_the_previous_one(rep_api, project):
    response = _move(rep_api, project, stage="need_confirmed", at=(project.opened_at - timedelta(days=1)).isoformat())
    assert response.status_code == 400
    assert "at" in response.json()["errors"]


def test_an_archived_stage_is_refused(rep_api, project):
    Stage.objects.filter(key="need_confirmed").update(is_archived=True)
    response = _move(rep_api, project, stage="need_confirmed")
    assert response.status_code == 400
    assert "archived" in response.json()["errors"]["stage"][0]


def test_a_blocking_exit_check_refuses_the_move_naming_what_is_missing(rep_api, rep, project):
    services.project_move(user=rep, project=project, stage="need_confirmed")
    before = _stored(project)
    response = _move(rep_api, project, stage="proposal_accepted")
    assert response.status_code == 400
    assert "decision maker" in response.json()["errors"]["stage"][0]
    assert _stored(project) == before


def test_a_stale_version_answers_409_with_the_stored_stage(rep_api, rep, project):
    services.project_move(user=rep, project=project, stage="need_confirmed")
    before = _stored(project)
    response = _move(rep_api, project, stage="contract_legal", version=1)
    assert response.status_code == 409
    assert response.json()["current"] == {"stage": "need_confirmed"}
    assert response.json()["version"] == 2
    assert _stored(project) == before


def test_moves_may_skip_tiers(rep_api, project):
    ExitCheck.objects.filter(stage__key="prospect").delete()
    response = _move(rep_api, project, stage="payment")
    assert response.status_code == 200
    assert response.json()["project"]["tier"] == "high_intent"


# --- history ------------------------------------------------------------------------------------


def test_history_lists_every_kind_of_change_newest_first(api_for, rep, lead, other_rep):
    opened = timezone.now() - timedelta(days=30)
    project = create_project(rep, opened_at=opened, budget="1000000")
    services.project_move(user=rep, project=project, stage="need_confirmed", at=opened + timedelta(days=5))
    services.budget_change(
        user=rep, project=project, amount="900000", reason="砍预算", effective_on=timezone.localdate() - timedelta(1)
    )
    project_services.milestone_save(
        user=rep, project=project, data={"kind": "payment", "due_on": timezone.localdate() + timedelta(days=30)}
    )
    project_services.milestone_save(
        user=rep,
        project=project,
        data={"due_on": timezone.localdate() + timedelta(days=45)},
        milestone=project.milestones.get(),
    )
    project_services.project_transfer(user=lead, project=project, to_user=other_rep, reason="调岗")
    # Handed over: no longer rep's to see.
    assert api_for("rep").get(f"/api/v1/projects/{project.pk}/history/").status_code == 404
    response = api_for("lead").get(f"/api/v1/projects/{project.pk}/history/", **EN)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == 7
    kinds = [entry["kind"] for entry in body["results"]]
    # Today: the hand-over, the slip, the planned payment; yesterday the budget drop;
    # 25 days ago the move; 30 days ago the entry into the funnel, and the first budget
    # (a date: effective from the start of that day).
    assert kinds == ["owner", "key_date", "key_date", "budget", "stage", "stage", "budget"]
    owner, slip, planned, drop, move, entry, first_budget = body["results"]
    assert (owner["owner_change"]["to_user"], owner["owner_change"]["to_user_name"], owner["by"]) == (
        other_rep.pk,
        other_rep.name,
        lead.pk,
    )
    assert owner["by_name"] == lead.name
    assert (slip["key_date_change"]["is_slip"], slip["key_date_change"]["kind"]) == (True, "payment")
    assert planned["key_date_change"]["old_due_on"] is None
    assert (drop["budget_change"]["old"], drop["budget_change"]["new"], drop["budget_change"]["reason"]) == (
        "1000000.00",
        "900000.00",
        "砍预算",
    )
    assert drop["budget_change"]["is_drop"] is True
    assert (move["stage_change"]["from_stage"], move["stage_change"]["to_stage"]) == ("prospect", "need_confirmed")
    assert (move["stage_change"]["from_tier"], move["stage_change"]["to_tier_name"]) == ("prospect", "Qualified")
    assert move["at"] != move["recorded_at"]
    assert first_budget["budget_change"]["old"] is None
    assert (entry["stage_change"]["from_stage"], entry["stage_change"]["from_tier"]) == (None, None)
    assert entry["by"] == rep.pk
    for item in body["results"]:
        details = [item[k] for k in ("stage_change", "budget_change", "owner_change", "key_date_change")]
        assert sum(detail is not None for detail in details) == 1


def test_history_pages_cost_the_same_queries_however_long(rep_api, rep, django_assert_max_num_queries):
    project = create_project(rep, opened_at=timezone.now() - timedelta(days=300), budget="100")
    start = timezone.now() - timedelta(days=290)
    for n in range(30):
        services.project_move(
            user=rep, project=project, stage="need_confirmed" if n % 2 == 0 else "prospect", at=start + timedelta(n)
        )
        effective_on = timezone.localtime(start + timedelta(n)).date()
        services.budget_change(user=rep, project=project, amount=str(200 + n), effective_on=effective_on)
    url = f"/api/v1/projects/{project.pk}/history/"
    # 1 the project (scoped), 2 the count, 3 the page's references (one UNION ALL),
    # 4 the page's stage changes (stages, lost reason and who joined), 5 its budget changes.
    with django_assert_max_num_queries(5) as small:
        response = rep_api.get(url, {"page_size": 5})
    assert response.json()["count"] == 62
    with django_assert_max_num_queries(5) as large:
        response = rep_api.get(url, {"page_size": 200})
    assert len(response.json()["results"]) == 62
    assert len(small.captured_queries) == len(large.captured_queries)
    ats = [entry["at"] for entry in response.json()["results"]]
    assert ats == sorted(ats, reverse=True)


# --- list ---------------------------------------------------------------------------------------


def test_the_list_filters_by_stage_and_tier(rep_api, rep):
    early = create_project(rep, "早期项目")
    late = create_project(rep, "后期项目", stage="contract_legal")
    ids = lambda params: {row["id"] for row in rep_api.get("/api/v1/projects/", params).json()["results"]}  # noqa: E731
    assert ids({"stage": "contract_legal"}) == {late.pk}
    assert ids({"tier": "prospect"}) == {early.pk}
    assert ids({"tier": "won"}) == set()
    assert rep_api.get("/api/v1/projects/", {"tier": "nonsense"}).status_code == 400


def test_the_list_costs_the_same_queries_for_10_or_200_rows(lead_api, rep, other_rep, django_assert_max_num_queries):
    customer = CustomerFactory(owner=rep)
    for n in range(30):
        owner = rep if n % 2 else other_rep
        project = create_project(owner, f"项目{n}", customer=customer if n % 3 == 0 else None, budget=str(1000 + n))
        project_services.milestone_save(
            user=owner, project=project, data={"kind": "payment", "due_on": date(2026, 12, 1)}
        )
        if n % 5 == 0:
            services.project_move(user=owner, project=project, stage="lost", lost_reason="price")
    # 1 count, 2 the page (customer, owner, state, stage and lost reason joined,
    # procurement total as a subquery), 3 the page's open conflicts, 4 which of
    # their other projects the lead may open, 5 the page's key dates.
    with django_assert_max_num_queries(5) as small:
        response = lead_api.get("/api/v1/projects/", {"page_size": 10})
    assert len(response.json()["results"]) == 10
    with django_assert_max_num_queries(5) as large:
        response = lead_api.get("/api/v1/projects/", {"page_size": 200})
    rows = response.json()["results"]
    assert len(rows) == 30
    assert all(row["payment_due_on"] == "2026-12-01" and row["stage_name"] for row in rows)
    assert sum(row["lost_reason"] == "price" for row in rows) == 6
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_two_moves_at_once_one_moves_the_other_gets_409(personas):
    """Two clients drag the same card with the version they both read: the
    history holds exactly one move, the other client is told."""
    rep = personas["rep"]
    project = create_project(rep)
    barrier = threading.Barrier(2)
    statuses = []

    def move(stage):
        api = APIClient()
        api.force_authenticate(rep)
        try:
            barrier.wait()
            response = api.post(f"/api/v1/projects/{project.pk}/move/", {"stage": stage, "version": 1}, format="json")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(stage,)) for stage in ("need_confirmed", "contract_legal")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    moves = list(
        StageChange.objects.filter(project=project).order_by("at", "id").values_list("to_stage__key", flat=True)
    )
    assert len(moves) == 2 and moves[0] == "prospect"
    assert ProjectState.objects.get(pk=project.pk).stage.key == moves[-1]
