"""Competitors and activities through the API: create through the services,
filters, versions, bad input named with nothing stored, and query budgets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.models import Activity, Competitor, StageChange
from pipeline.tests.api_support import EN, create_project, in_days
from projects.models import Project
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def _ago(hours):
    return (timezone.now() - timedelta(hours=hours)).isoformat()


# --- competitors --------------------------------------------------------------------------------


def test_a_competitor_is_recorded_and_ticks_the_checklist(rep_api, rep):
    project = create_project(rep)
    response = rep_api.post(
        "/api/v1/competitors/",
        {
            "project": project.pk,
            "kind": "customer_internal",
            "name": "零售事业部",
            "threat": "high",
            "offering": "自建",
        },
        format="json",
        **EN,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["kind_name"], body["threat_name"], body["status"], body["version"]) == (
        "customer_internal",
        "A department of the customer",
        "High",
        "active",
        1,
    )
    assert Project.objects.get(pk=project.pk).checklist_score > project.checklist_score


def test_a_competitor_change_checks_its_version(rep_api, rep):
    project = create_project(rep)
    competitor = services.competitor_save(user=rep, project=project, data={"kind": "external", "name": "某厂商"})
    url = f"/api/v1/competitors/{competitor.pk}/"
    response = rep_api.patch(url, {"status": "eliminated", "version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["version"] == 2
    response = rep_api.patch(url, {"status": "won", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["current"]["status"] == "eliminated"
    assert Competitor.objects.get().status == "eliminated"
    assert [h.status for h in competitor.history.order_by("history_date")] == ["active", "eliminated"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "alien"}, "kind"),
        ({"threat": "extreme"}, "threat"),
        ({"status": "maybe"}, "status"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"notes": "铃\x07"}, "notes"),
        ({"project": "abc"}, "project"),
    ],
)
def test_bad_competitors_are_named_and_nothing_stored(rep_api, rep, body, field):
    project = create_project(rep)
    data = {"project": project.pk, "kind": "external", "name": "某厂商", **body}
    response = rep_api.post("/api/v1/competitors/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Competitor.objects.exists()


def test_a_competitor_stays_on_its_project(rep_api, rep):
    project, other = create_project(rep), create_project(rep, "二期")
    competitor = services.competitor_save(user=rep, project=project, data={"kind": "external", "name": "某厂商"})
    response = rep_api.patch(f"/api/v1/competitors/{competitor.pk}/", {"project": other.pk}, format="json")
    assert response.status_code == 400
    assert Competitor.objects.get().project_id == project.pk


@pytest.mark.parametrize("resource", ["competitors", "activities"])
def test_a_project_one_may_not_change_answers_404_and_nothing_is_stored(api_for, rep, outsider_rep, resource):
    theirs = create_project(outsider_rep)
    body = {
        "competitors": {"kind": "external", "name": "某厂商"},
        "activities": {"kind": "call", "occurred_at": _ago(1), "summary": "电话", "next_contact_on": str(in_days(1))},
    }[resource]
    for project_id in (theirs.pk, 999_999):
        response = api_for("rep").post(f"/api/v1/{resource}/", {"project": project_id, **body}, format="json")
        assert response.status_code == 404
    assert not Competitor.objects.exists() and not Activity.objects.exists()
    theirs.refresh_from_db()
    assert theirs.last_contact_at is None


def test_competitors_filter_by_project_kind_and_status(rep_api, rep, outsider_rep, django_assert_max_num_queries):
    project, other = create_project(rep), create_project(rep, "二期")
    for n in range(12):
        services.competitor_save(
            user=rep,
            project=project if n % 2 else other,
            data={"kind": ["external", "customer_internal", "our_own"][n % 3], "name": f"对手{n}", "status": "active"},
        )
    services.competitor_save(
        user=outsider_rep, project=create_project(outsider_rep), data={"kind": "external", "name": "外"}
    )
    # 1 count, 2 the page.
    with django_assert_max_num_queries(2):
        assert rep_api.get("/api/v1/competitors/", {"page_size": 200}).json()["count"] == 12
    assert rep_api.get("/api/v1/competitors/", {"project": project.pk}).json()["count"] == 6
    assert rep_api.get("/api/v1/competitors/", {"kind": "our_own"}).json()["count"] == 4
    assert rep_api.get("/api/v1/competitors/", {"status": "won"}).json()["count"] == 0
    assert rep_api.get("/api/v1/competitors/", {"kind": "alien"}).status_code == 400


# --- activities ---------------------------------------------------------------------------------


def test_logging_a_contact_sets_the_projects_last_and_next_contact(rep_api, rep):
    project = create_project(rep)
    person = ContactFactory(customer=project.customer)
    occurred = timezone.now() - timedelta(hours=2)
    response = rep_api.post(
        "/api/v1/activities/",
        {
            "project": project.pk,
            "kind": "visit",
            "occurred_at": occurred.isoformat(),
            "contacts": [person.pk],
            "summary": "拜访信息中心主任",
            "next_contact_on": str(in_days(7)),
        },
        format="json",
        **EN,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["customer"], body["kind_name"], body["by"], body["by_name"], body["contacts"]) == (
        project.customer_id,
        "Visit",
        rep.pk,
        rep.name,
        [person.pk],
    )
    assert "move_to" not in body
    project.refresh_from_db()
    assert (project.last_contact_at, project.next_contact_on) == (occurred, in_days(7))


def test_logging_a_contact_may_move_the_project(rep_api, rep):
    project = create_project(rep, opened_at=timezone.now() - timedelta(days=10))
    occurred = timezone.now() - timedelta(hours=1)
    response = rep_api.post(
        "/api/v1/activities/",
        {
            "project": project.pk,
            "kind": "meeting",
            "occurred_at": occurred.isoformat(),
            "summary": "需求确认会",
            "next_contact_on": str(in_days(2)),
            "move_to": "need_confirmed",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    change = StageChange.objects.filter(project=project).order_by("-at").first()
    assert (change.to_stage.key, change.at) == ("need_confirmed", occurred)


def test_logging_a_contact_may_lose_the_project_with_a_reason_as_the_page_does(rep_api, rep):
    project = create_project(rep, opened_at=timezone.now() - timedelta(days=10))
    occurred = timezone.now() - timedelta(hours=2)
    response = rep_api.post(
        "/api/v1/activities/",
        {
            "project": project.pk,
            "kind": "call",
            "occurred_at": occurred.isoformat(),
            "summary": "客户确认选择了竞品",
            "next_contact_on": None,  # a contact that closes the project plans no next one
            "move_to": "lost",
            "lost_reason": "chose_competitor",
            "lost_note": "对方报价低两成",
        },
        format="json",
        **EN,
    )
    assert response.status_code == 201, response.json()
    assert "lost_reason" not in response.json()  # write-only, as move_to
    project.refresh_from_db()
    assert (project.state.stage.key, project.state.lost_reason.key, project.state.lost_note) == (
        "lost",
        "chose_competitor",
        "对方报价低两成",
    )
    assert project.closed_at == occurred and project.last_contact_at == occurred
    change = StageChange.objects.filter(project=project).order_by("-at").first()
    assert (change.to_stage.key, change.at) == ("lost", occurred)


def test_a_contact_whose_move_an_exit_check_blocks_stores_nothing(rep_api, rep):
    project = create_project(rep, stage="need_confirmed", opened_at=timezone.now() - timedelta(days=10))
    response = rep_api.post(
        "/api/v1/activities/",
        _activity(project, move_to="proposal_accepted", next_contact_on=str(in_days(3))),
        format="json",
        **EN,
    )
    assert response.status_code == 400, response.json()
    assert "decision maker" in " ".join(response.json()["errors"]["move_to"]).lower()
    assert not Activity.objects.exists()
    project.refresh_from_db()
    assert (project.state.stage.key, project.last_contact_at, project.next_contact_on) == ("need_confirmed", None, None)
    assert StageChange.objects.filter(project=project).count() == 1  # the opening entry only


def _activity(project, **change):
    return {
        "project": project.pk,
        "kind": "call",
        "occurred_at": _ago(1),
        "summary": "电话沟通",
        "next_contact_on": str(in_days(1)),
        **change,
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"next_contact_on": "2020-01-01"}, "next_contact_on"),
        ({"next_contact_on": None}, "next_contact_on"),
        ({"occurred_at": (timezone.now() + timedelta(days=1)).isoformat()}, "occurred_at"),
        ({"occurred_at": "1899-01-01T00:00:00+08:00"}, "occurred_at"),
        ({"kind": "telepathy"}, "kind"),
        ({"summary": ""}, "summary"),
        ({"summary": "x" * 5001}, "summary"),
        ({"move_to": "no-such-stage"}, "move_to"),
        ({"move_to": "renewal_quote"}, "move_to"),
        ({"move_to": "lost"}, "lost_reason"),
        ({"move_to": "lost", "lost_reason": "no-such-reason"}, "lost_reason"),
        ({"move_to": "lost", "lost_reason": "price", "lost_note": "x" * 501}, "lost_note"),
        ({"contacts": [999_999]}, "contacts"),
    ],
)
def test_bad_contact_logs_are_named_and_nothing_is_stored(rep_api, rep, change, field):
    project = create_project(rep)
    response = rep_api.post("/api/v1/activities/", _activity(project, **change), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not Activity.objects.exists()
    project.refresh_from_db()
    assert (project.last_contact_at, project.next_contact_on, project.state.stage.key) == (None, None, "prospect")


def test_people_must_be_the_projects_customers(rep_api, rep):
    project = create_project(rep)
    stranger = ContactFactory(customer=CustomerFactory(owner=rep))
    response = rep_api.post("/api/v1/activities/", _activity(project, contacts=[stranger.pk]), format="json")
    assert response.status_code == 400
    assert "contacts" in response.json()["errors"]
    assert not Activity.objects.exists()


def test_a_contact_on_the_customer_alone_counts_for_its_open_projects(rep_api, rep):
    project = create_project(rep)
    occurred = timezone.now() - timedelta(hours=3)
    response = rep_api.post(
        "/api/v1/activities/",
        {"customer": project.customer_id, "kind": "message", "occurred_at": occurred.isoformat(), "summary": "微信"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["project"] is None
    project.refresh_from_db()
    assert project.last_contact_at == occurred


def test_customer_and_project_must_agree_and_one_is_needed(rep_api, rep):
    project = create_project(rep)
    body = _activity(project, customer=CustomerFactory(owner=rep).pk)
    response = rep_api.post("/api/v1/activities/", body, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    body.pop("customer")
    body.pop("project")
    response = rep_api.post("/api/v1/activities/", body, format="json")
    assert response.status_code == 400
    assert "project" in response.json()["errors"]
    assert not Activity.objects.exists()


def test_a_rep_who_sees_a_customer_through_a_project_logs_on_the_project_only(api_for, shared_world):
    """rep holds a project on other_rep's customer and sees it (limited view): a
    contact on that customer alone is not theirs to log; one on the project is."""
    api = api_for("rep")
    customer = shared_world.customers["other_reps"]
    body = {"kind": "call", "occurred_at": _ago(1), "summary": "电话"}
    assert api.get(f"/api/v1/customers/{customer.pk}/").status_code == 200
    assert api.post("/api/v1/activities/", {"customer": customer.pk, **body}, format="json").status_code == 404
    assert not Activity.objects.exists()
    project = shared_world.projects["on_other_reps"]
    response = api.post(
        "/api/v1/activities/",
        {"project": project.pk, "next_contact_on": str(in_days(1)), **body},
        format="json",
    )
    assert response.status_code == 201
    # other_rep owns the customer, not rep's project: the activity is not theirs to see.
    assert api_for("other_rep").get(f"/api/v1/activities/{response.json()['id']}/").status_code == 404


def test_the_contact_log_is_not_rewritten(rep_api, rep):
    project = create_project(rep)
    activity = services.activity_log(
        user=rep,
        project=project,
        kind="call",
        occurred_at=timezone.now(),
        summary="电话",
        next_contact_on=in_days(1),
    )
    url = f"/api/v1/activities/{activity.pk}/"
    assert rep_api.patch(url, {"summary": "改"}, format="json").status_code == 405
    assert rep_api.delete(url).status_code == 405
    assert Activity.objects.get().summary == "电话"


def test_activities_filter_and_cost_fixed_queries(rep_api, rep, django_assert_max_num_queries):
    project, other = create_project(rep), create_project(rep, "二期")
    people = [ContactFactory(customer=project.customer) for _ in range(3)]
    today = timezone.localdate()
    for n in range(20):
        occurred = timezone.now() - timedelta(days=n)
        services.activity_log(
            user=rep,
            project=project if n % 2 else other,
            kind="call" if n % 4 else "visit",
            occurred_at=occurred,
            summary=f"第{n}次",
            contacts=people if n % 2 else [],
            next_contact_on=in_days(3),
        )
    services.activity_log(user=rep, customer=project.customer, kind="email", occurred_at=timezone.now(), summary="邮件")
    # 1 count, 2 the page (who logged it joined), 3 the page's people.
    with django_assert_max_num_queries(3):
        body = rep_api.get("/api/v1/activities/", {"page_size": 200}).json()
    assert body["count"] == 21
    assert [row["occurred_at"] for row in body["results"]] == sorted(
        (row["occurred_at"] for row in body["results"]), reverse=True
    )
    count = lambda **params: rep_api.get("/api/v1/activities/", params).json()["count"]  # noqa: E731
    assert count(project=project.pk) == 10
    assert count(customer=project.customer_id) == 11
    assert count(kind="visit") == 5
    assert count(start=str(today - timedelta(days=4)), end=str(today - timedelta(days=1))) == 4
    assert rep_api.get("/api/v1/activities/", {"start": "yesterday"}).status_code == 400
