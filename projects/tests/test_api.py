"""Projects API: who may do what (the matrix), bad input, races, conflicts,
transfer, checklist, and the query budgets of the lists."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Contact, CustomerDisclosure
from projects import services
from projects.models import ChecklistTick, Conflict, Milestone, OwnerChange, ProcurementItem, Project, Stakeholder
from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

OWNERS = ["rep", "other_rep", "outsider_rep"]
PERSONAS = [None, "rep", "other_rep", "outsider_rep", "lead", "other_lead", "admin"]

# Whose projects each persona may open. Reps: their own only, even on a shared
# customer; leads: their team's; admins: all.
SEES = {
    None: set(),
    "rep": {"rep"},
    "other_rep": {"other_rep"},
    "outsider_rep": {"outsider_rep"},
    "lead": {"rep", "other_rep"},
    "other_lead": {"outsider_rep"},
    "admin": {"rep", "other_rep", "outsider_rep"},
}
# A conflict is seen by whoever sees either of its projects.
PAIRS = [("rep", "other_rep"), ("rep", "outsider_rep"), ("other_rep", "outsider_rep")]
TEAM_LEAD = {"rep": "lead", "other_rep": "lead", "outsider_rep": "other_lead"}
PROJECT_NAMES = {"rep": "CRM 系统建设", "other_rep": "年度运维服务", "outsider_rep": "数据中台采购"}


def sees_conflict(persona, pair):
    return bool(SEES[persona] & set(pair))


@dataclass
class World:
    personas: dict
    customer: object
    projects: dict
    parts: dict
    conflicts: dict


@pytest.fixture
def world(personas):
    """One customer owned by ``rep``: rep and other_rep (same team) each hold a
    project on it; outsider_rep (other team) holds one through a duplicate
    warning's disclosure. Each project has a procurement item, a stakeholder and
    a milestone; every pair of projects is a shared-customer conflict."""
    customer = CustomerFactory(owner=personas["rep"], name="杭州共享客户科技有限公司")
    CustomerDisclosure.objects.create(user=personas["outsider_rep"], customer=customer)
    projects, parts = {}, {}
    for who in OWNERS:
        user = personas[who]
        project = services.project_create(user=user, customer=customer, data={"name": PROJECT_NAMES[who]})
        contact = ContactFactory(customer=customer, name=f"客户联系人{len(projects) + 1}")
        # Plain rows (no service): the matrix only needs them to exist, and it builds this world ~500 times.
        parts[who] = {
            "procurement-items": ProcurementItem.objects.create(
                project=project, item="服务器", quantity=Decimal(2), unit_price=Decimal(9)
            ),
            "stakeholders": Stakeholder.objects.create(project=project, contact=contact, role="key_person"),
            "milestones": Milestone.objects.create(project=project, name="立项", due_on=date(2026, 9, 1)),
        }
        projects[who] = project
    conflicts = {}
    for a, b in PAIRS:
        ids = {projects[a].pk, projects[b].pk}
        conflicts[(a, b)] = next(c for c in Conflict.objects.all() if {c.project_a_id, c.project_b_id} == ids)
    return World(personas, customer, projects, parts, conflicts)


# --- the permission matrix ----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: str  # formatted with the target's ``project``, ``part`` or ``conflict`` id
    ok: int  # when the target is in the requester's scope
    out_of_scope: int = 404
    leads_only: bool = False  # reps answer 403 on what they see
    body: object = None  # callable (world, target) -> dict


def _project_put(world, target):
    return {"customer": world.customer.pk, "name": PROJECT_NAMES[target], "scope": "全量替换"}


def _transfer(world, target):
    return {"to_user": world.personas[TEAM_LEAD[target]].pk, "reason": "客户要求换人对接"}


def _part_body(kind):
    bodies = {
        "procurement-items": {"item": "交换机", "quantity": "3", "unit": "台", "unit_price": "1200.00"},
        "stakeholders": {"role": "decision_maker", "stance": "supporter"},
        "milestones": {"name": "验收", "due_on": "2026-12-01"},
    }

    def body(world, target):
        data = {"project": world.projects[target].pk, **bodies[kind]}
        if kind == "stakeholders":
            data["new_contact"] = {"name": "新来的处长", "title": "处长"}
        return data

    return body


PROJECT_ENDPOINTS = [
    Endpoint("project retrieve", "get", "/api/v1/projects/{project}/", 200),
    Endpoint("project patch", "patch", "/api/v1/projects/{project}/", 200, body=lambda w, t: {"scope": "新范围"}),
    Endpoint("project put", "put", "/api/v1/projects/{project}/", 200, body=_project_put),
    Endpoint("project delete", "delete", "/api/v1/projects/{project}/", 405, out_of_scope=405),
    Endpoint("project transfer", "post", "/api/v1/projects/{project}/transfer/", 200, leads_only=True, body=_transfer),
    Endpoint("checklist read", "get", "/api/v1/projects/{project}/checklist/", 200),
    Endpoint(
        "checklist tick",
        "post",
        "/api/v1/projects/{project}/checklist/",
        200,
        body=lambda w, t: {"item": "competitors", "done": True},
    ),
]
PART_ENDPOINTS = [
    endpoint
    for kind in ["procurement-items", "stakeholders", "milestones"]
    for endpoint in [
        Endpoint(f"{kind} retrieve", "get", f"/api/v1/{kind}/{{{kind}}}/", 200),
        Endpoint(f"{kind} patch", "patch", f"/api/v1/{kind}/{{{kind}}}/", 200, body=lambda w, t: {"notes": "改"}),
        Endpoint(f"{kind} delete", "delete", f"/api/v1/{kind}/{{{kind}}}/", 204),
        # Creating on a project outside the scope: the project "does not exist" (400 naming it).
        Endpoint(f"{kind} create", "post", f"/api/v1/{kind}/", 201, out_of_scope=400, body=_part_body(kind)),
    ]
]
CONFLICT_ENDPOINTS = [
    Endpoint("conflict retrieve", "get", "/api/v1/conflicts/{conflict}/", 200),
    Endpoint("conflict patch", "patch", "/api/v1/conflicts/{conflict}/", 405, out_of_scope=405, body=lambda w, t: {}),
    Endpoint(
        "conflict resolve",
        "post",
        "/api/v1/conflicts/{conflict}/resolve/",
        200,
        leads_only=True,
        body=lambda w, t: {"resolution": "separate", "note": "两个项目确实不同"},
    ),
]


def _expected(endpoint, persona, in_scope):
    if persona is None:
        return 401
    if not in_scope:
        return endpoint.out_of_scope
    if endpoint.leads_only and persona in OWNERS:
        return 403
    return endpoint.ok


def _matrix():
    for endpoint in PROJECT_ENDPOINTS + PART_ENDPOINTS:
        for persona in PERSONAS:
            for target in OWNERS:
                expected = _expected(endpoint, persona, target in SEES[persona])
                yield pytest.param(endpoint, persona, target, expected, id=f"{endpoint.name}-{persona}-{target}")
    for endpoint in CONFLICT_ENDPOINTS:
        for persona in PERSONAS:
            for pair in PAIRS:
                expected = _expected(endpoint, persona, sees_conflict(persona, pair))
                yield pytest.param(endpoint, persona, pair, expected, id=f"{endpoint.name}-{persona}-{'~'.join(pair)}")


@pytest.mark.parametrize(("endpoint", "persona", "target", "expected"), list(_matrix()))
def test_permission_matrix(api_for, world, endpoint, persona, target, expected):
    if isinstance(target, tuple):
        ids = {"conflict": world.conflicts[target].pk}
    else:
        ids = {"project": world.projects[target].pk, **{k: v.pk for k, v in world.parts[target].items()}}
    body = endpoint.body(world, target) if endpoint.body else None
    response = getattr(api_for(persona), endpoint.method)(endpoint.url.format(**ids), body, format="json")
    assert response.status_code == expected, response.content


# (persona, customer, expected): who may add a project to which customer.
CREATE_MATRIX = [
    (None, "shared", 401),
    # Each owner of the shared customer: rep owns it, the others hold a project on it.
    ("rep", "shared", 201),
    ("other_rep", "shared", 201),
    ("outsider_rep", "shared", 201),
    ("lead", "shared", 201),
    ("other_lead", "shared", 201),
    ("admin", "shared", 201),
    # other_rep's customer without anyone else's projects.
    ("rep", "private", 400),
    ("other_rep", "private", 201),
    ("outsider_rep", "private", 400),
    ("lead", "private", 201),
    ("other_lead", "private", 400),
    ("admin", "private", 201),
    # rep's customer that a duplicate warning disclosed to outsider_rep.
    ("rep", "disclosed", 201),
    ("other_rep", "disclosed", 400),
    ("outsider_rep", "disclosed", 201),
    ("lead", "disclosed", 201),
    ("other_lead", "disclosed", 400),
    ("admin", "disclosed", 201),
]


@pytest.mark.parametrize(("persona", "customer", "expected"), CREATE_MATRIX)
def test_project_create_matrix(api_for, world, persona, customer, expected):
    customers = {
        "shared": world.customer,
        "private": CustomerFactory(owner=world.personas["other_rep"], name="宁波私有客户贸易有限公司"),
        "disclosed": CustomerFactory(owner=world.personas["rep"], name="温州披露客户实业有限公司"),
    }
    CustomerDisclosure.objects.create(user=world.personas["outsider_rep"], customer=customers["disclosed"])
    target = customers[customer]
    payload = {"customer": target.pk, "name": "新项目"}
    # Admins own nothing themselves: they name the owner (the customer's owner here).
    owner = target.owner if persona in ("admin", None) else world.personas[persona]
    if persona == "admin":
        payload["owner"] = owner.pk
    response = api_for(persona).post("/api/v1/projects/", payload, format="json")
    assert response.status_code == expected, response.content
    if expected == 400:
        assert "customer" in response.json()["errors"]
        assert target.name not in response.content.decode()
    if expected == 201:
        body = response.json()
        assert body["owner"] == owner.pk
        assert body["customer_name"] == target.name


LISTS = ["projects", "procurement-items", "stakeholders", "milestones"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("resource", LISTS)
def test_lists_show_only_the_scope(api_for, world, resource, persona):
    response = api_for(persona).get(f"/api/v1/{resource}/")
    if persona is None:
        assert response.status_code == 401
        return
    ids = {row["id"] for row in response.json()["results"]}
    if resource == "projects":
        assert ids == {world.projects[who].pk for who in SEES[persona]}
    else:
        assert ids == {world.parts[who][resource].pk for who in SEES[persona]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_conflict_list_shows_only_the_scope(api_for, world, persona):
    response = api_for(persona).get("/api/v1/conflicts/")
    if persona is None:
        assert response.status_code == 401
        return
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {world.conflicts[pair].pk for pair in PAIRS if sees_conflict(persona, pair)}


def test_rep_on_a_shared_customer_sees_only_their_own_project(api_for, world):
    for who in ["rep", "other_rep", "outsider_rep"]:
        api = api_for(who)
        for owner, project in world.projects.items():
            expected = 200 if owner == who else 404
            assert api.get(f"/api/v1/projects/{project.pk}/").status_code == expected


def test_openapi_schema_lists_the_project_endpoints(admin_api):
    response = admin_api.get("/api/schema/")
    assert response.status_code == 200
    for path in [
        "/api/v1/projects/{id}/transfer/",
        "/api/v1/projects/{id}/checklist/",
        "/api/v1/procurement-items/",
        "/api/v1/stakeholders/",
        "/api/v1/milestones/",
        "/api/v1/conflicts/{id}/resolve/",
    ]:
        assert path.encode() in response.content


# --- create and update: bad input and races -----------------------------------------------------


def test_create_returns_the_basic_fields(rep_api, rep):
    customer = CustomerFactory(owner=rep)
    contact = ContactFactory(customer=customer)
    response = rep_api.post(
        "/api/v1/projects/",
        {
            "customer": customer.pk,
            "name": "2026 年数据中台建设",
            "scope": "打通财务和销售数据",
            "kind": "expansion",
            "lead_contact": contact.pk,
            "funding_source": "special_fund",
            "funding_approved": True,
            "budget": "1200000.00",
            "start_on": "2026-10-01",
            "end_on": "2027-03-31",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner"] == rep.pk
    assert body["customer_name"] == customer.name
    assert body["funding_approved"] is True
    assert body["procurement_total"] == "0.00"
    assert body["version"] == 1
    assert body["conflicts"] == []
    # scope, customer-side lead, timeline, funding source, approved funding: 5 of 10
    assert body["completeness"] == 50


def test_create_may_back_date_opened_at_but_not_into_the_future(rep_api, rep):
    customer = CustomerFactory(owner=rep)
    back = timezone.now() - timedelta(days=90)
    response = rep_api.post(
        "/api/v1/projects/", {"customer": customer.pk, "name": "老项目", "opened_at": back.isoformat()}, format="json"
    )
    assert response.status_code == 201
    assert Project.objects.get().opened_at == back
    future = (timezone.now() + timedelta(days=1)).isoformat()
    response = rep_api.post(
        "/api/v1/projects/", {"customer": customer.pk, "name": "未来项目", "opened_at": future}, format="json"
    )
    assert response.status_code == 400
    assert "opened_at" in response.json()["errors"]


def test_opened_at_is_fixed_after_create(rep_api, rep):
    project = services.project_create(user=rep, customer=CustomerFactory(owner=rep), data={"name": "甲"})
    back = (project.opened_at - timedelta(days=5)).isoformat()
    response = rep_api.patch(f"/api/v1/projects/{project.pk}/", {"opened_at": back}, format="json")
    assert response.status_code == 400
    assert "opened_at" in response.json()["errors"]


def test_create_with_end_before_start_names_end_on(rep_api, rep):
    customer = CustomerFactory(owner=rep)
    response = rep_api.post(
        "/api/v1/projects/",
        {"customer": customer.pk, "name": "甲", "start_on": "2027-01-02", "end_on": "2027-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "end_on" in response.json()["errors"]
    assert not Project.objects.exists()


def test_patch_end_before_stored_start_names_end_on(rep_api, rep):
    project = services.project_create(
        user=rep, customer=CustomerFactory(owner=rep), data={"name": "甲", "start_on": date(2027, 1, 2)}
    )
    response = rep_api.patch(f"/api/v1/projects/{project.pk}/", {"end_on": "2027-01-01"}, format="json")
    assert response.status_code == 400
    assert "end_on" in response.json()["errors"]


def test_invisible_customer_answers_invalid_pk_without_its_name(rep_api, outsider_rep):
    hidden = CustomerFactory(owner=outsider_rep, name="广州保密客户实业有限公司")
    response = rep_api.post("/api/v1/projects/", {"customer": hidden.pk, "name": "甲"}, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    assert "广州保密客户" not in response.content.decode()
    assert not Project.objects.exists()


def test_invisible_lead_contact_is_refused_by_name(rep_api, rep, outsider_rep):
    hidden = ContactFactory(customer=CustomerFactory(owner=outsider_rep), name="赵保密")
    response = rep_api.post(
        "/api/v1/projects/",
        {"customer": CustomerFactory(owner=rep).pk, "name": "甲", "lead_contact": hidden.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "lead_contact" in response.json()["errors"]
    assert "赵保密" not in response.content.decode()


def test_lead_contact_of_another_customer_is_refused(rep_api, rep):
    elsewhere = ContactFactory(customer=CustomerFactory(owner=rep))
    response = rep_api.post(
        "/api/v1/projects/",
        {"customer": CustomerFactory(owner=rep).pk, "name": "甲", "lead_contact": elsewhere.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "lead_contact" in response.json()["errors"]


def test_stale_version_answers_409_and_changes_nothing(rep_api, rep):
    project = services.project_create(user=rep, customer=CustomerFactory(owner=rep), data={"name": "甲", "scope": "旧"})
    services.project_update(user=rep, project=project, data={"scope": "别人改的"}, version=1)
    response = rep_api.patch(
        f"/api/v1/projects/{project.pk}/", {"scope": "我的修改", "name": "乙", "version": 1}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["version"] == 2
    project.refresh_from_db()
    assert (project.name, project.scope, project.version) == ("甲", "别人改的", 2)


def test_current_version_saves_and_counts_up(rep_api, rep):
    project = services.project_create(user=rep, customer=CustomerFactory(owner=rep), data={"name": "甲"})
    response = rep_api.patch(f"/api/v1/projects/{project.pk}/", {"scope": "新", "version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["version"] == 2


@pytest.mark.parametrize("persona", ["admin", "lead"])
def test_put_of_the_unchanged_representation_succeeds(api_for, personas, persona):
    """Even when the stored owner could not be chosen today (a user who left)."""
    rep = personas["rep"]
    project = services.project_create(
        user=personas["admin"], customer=CustomerFactory(owner=rep), data={"name": "甲"}, owner=rep
    )
    rep.is_active = False
    rep.save()
    api = api_for(persona)
    body = api.get(f"/api/v1/projects/{project.pk}/").json()
    response = api.put(f"/api/v1/projects/{project.pk}/", {**body, "scope": "改"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == body["version"] + 1


@pytest.mark.parametrize(
    ("field", "make"),
    [
        ("customer", lambda rep: CustomerFactory(owner=rep).pk),
        ("owner", lambda rep: UserFactory(team=rep.team).pk),
    ],
)
def test_customer_and_owner_do_not_change_through_an_update(lead_api, rep, field, make):
    project = services.project_create(user=rep, customer=CustomerFactory(owner=rep), data={"name": "甲"})
    response = lead_api.patch(f"/api/v1/projects/{project.pk}/", {field: make(rep)}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Project.objects.get().owner == rep


# --- procurement items and stakeholders ------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "unit_price", "field"),
    [("-1", "10", "quantity"), ("0", "10", "quantity"), ("2", "-0.01", "unit_price")],
)
def test_negative_quantity_or_price_is_refused_by_name(rep_api, rep, quantity, unit_price, field):
    project = services.project_create(user=rep, customer=CustomerFactory(owner=rep), data={"name": "甲"})
    response = rep_api.post(
        "/api/v1/procurement-items/",
        {"project": project.pk, "item": "服务器", "quantity": quantity, "unit_price": unit_price},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not ProcurementItem.objects.exists()


def test_procurement_items_add_up_on_the_project(rep_api, rep):
    project = services.project_create(user=rep, customer=CustomerFactory(owner=rep), data={"name": "甲"})
    for item, quantity, price in [("服务器", "4", "52000"), ("实施服务", "1.5", "1000.50")]:
        response = rep_api.post(
            "/api/v1/procurement-items/",
            {"project": project.pk, "item": item, "quantity": quantity, "unit_price": price},
            format="json",
        )
        assert response.status_code == 201
    assert response.json()["total"] == "1500.75"
    body = rep_api.get(f"/api/v1/projects/{project.pk}/").json()
    assert body["procurement_total"] == "209500.75"


def test_invisible_contact_on_the_committee_is_refused_by_name(rep_api, rep, outsider_rep):
    project = services.project_create(user=rep, customer=CustomerFactory(owner=rep), data={"name": "甲"})
    hidden = ContactFactory(customer=CustomerFactory(owner=outsider_rep), name="钱保密")
    response = rep_api.post(
        "/api/v1/stakeholders/", {"project": project.pk, "contact": hidden.pk, "role": "influencer"}, format="json"
    )
    assert response.status_code == 400
    assert "contact" in response.json()["errors"]
    assert "钱保密" not in response.content.decode()


def test_contact_of_another_customer_on_the_committee_is_refused(rep_api, rep):
    project = services.project_create(user=rep, customer=CustomerFactory(owner=rep), data={"name": "甲"})
    elsewhere = ContactFactory(customer=CustomerFactory(owner=rep))
    response = rep_api.post(
        "/api/v1/stakeholders/", {"project": project.pk, "contact": elsewhere.pk, "role": "influencer"}, format="json"
    )
    assert response.status_code == 400
    assert "contact" in response.json()["errors"]
    assert not Stakeholder.objects.exists()


def test_the_same_person_twice_on_a_committee_is_refused_by_name(rep_api, rep):
    customer = CustomerFactory(owner=rep)
    project = services.project_create(user=rep, customer=customer, data={"name": "甲"})
    contact = ContactFactory(customer=customer)
    body = {"project": project.pk, "contact": contact.pk, "role": "influencer"}
    assert rep_api.post("/api/v1/stakeholders/", body, format="json").status_code == 201
    response = rep_api.post("/api/v1/stakeholders/", body, format="json")
    assert response.status_code == 400
    assert "contact" in response.json()["errors"]


def test_new_contact_is_created_on_the_projects_customer(api_for, world):
    project = world.projects["other_rep"]
    response = api_for("other_rep").post(
        "/api/v1/stakeholders/",
        {
            "project": project.pk,
            "role": "decision_maker",
            "stance": "supporter",
            "new_contact": {"name": "周局长", "title": "副局长", "mobile": "13912345678", "department": "信息中心"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["contact_name"] == "周局长"
    person = Contact.objects.get(name="周局长")
    assert person.customer == world.customer
    assert person.department.name == "信息中心"


def test_bad_new_contact_names_its_field(rep_api, rep):
    project = services.project_create(user=rep, customer=CustomerFactory(owner=rep), data={"name": "甲"})
    response = rep_api.post(
        "/api/v1/stakeholders/",
        {"project": project.pk, "role": "user", "new_contact": {"name": "孙", "mobile": "123"}},
        format="json",
    )
    assert response.status_code == 400
    assert "new_contact.mobile" in response.json()["errors"]
    assert not Contact.objects.exists()


def test_stakeholder_update_keeps_the_person(rep_api, world):
    stakeholder = world.parts["rep"]["stakeholders"]
    response = rep_api.patch(f"/api/v1/stakeholders/{stakeholder.pk}/", {"stance": "opposed"}, format="json")
    assert response.status_code == 200
    stakeholder.refresh_from_db()
    assert (stakeholder.stance, stakeholder.role) == ("opposed", "key_person")


def test_milestone_crud(rep_api, world):
    project = world.projects["rep"]
    response = rep_api.post(
        "/api/v1/milestones/", {"project": project.pk, "name": "招标", "due_on": "2026-10-15"}, format="json"
    )
    assert response.status_code == 201
    milestone_id = response.json()["id"]
    response = rep_api.patch(f"/api/v1/milestones/{milestone_id}/", {"done_on": "2026-10-16"}, format="json")
    assert response.json()["done_on"] == "2026-10-16"
    assert rep_api.delete(f"/api/v1/milestones/{milestone_id}/").status_code == 204
    assert not Milestone.objects.filter(pk=milestone_id).exists()


# --- conflicts --------------------------------------------------------------------------------


def test_project_conflicts_name_only_the_other_owner(api_for, world):
    body = api_for("rep").get(f"/api/v1/projects/{world.projects['rep'].pk}/").json()
    assert sorted((c["other_owner_name"], c["other_project"]) for c in body["conflicts"]) == sorted(
        [(world.personas["other_rep"].name, None), (world.personas["outsider_rep"].name, None)]
    )
    assert {c["kind"] for c in body["conflicts"]} == {"shared_customer"}


def test_lead_sees_the_other_team_project_of_a_conflict_by_owner_only(api_for, world):
    response = api_for("lead").get("/api/v1/projects/", {"has_conflict": "true"})
    rows = {row["id"]: row for row in response.json()["results"]}
    other = rows[world.projects["other_rep"].pk]["conflicts"]
    assert {c["other_project"] for c in other} == {world.projects["rep"].pk, None}
    assert PROJECT_NAMES["outsider_rep"] not in response.content.decode()


def test_conflicts_list_shows_the_other_owner_name_only(api_for, world):
    response = api_for("rep").get("/api/v1/conflicts/", {"resolved": "false"})
    body = response.json()
    assert body["count"] == 2
    row = next(r for r in body["results"] if r["id"] == world.conflicts[("rep", "outsider_rep")].pk)
    assert row["projects"] == [
        {"id": world.projects["rep"].pk, "name": PROJECT_NAMES["rep"], "owner_name": world.personas["rep"].name},
        {"id": None, "name": None, "owner_name": world.personas["outsider_rep"].name},
    ]
    assert (row["kind"], row["status"], row["resolution"], row["contact"]) == ("shared_customer", "open", None, None)
    text = response.content.decode()
    assert PROJECT_NAMES["outsider_rep"] not in text and PROJECT_NAMES["other_rep"] not in text
    assert world.projects["outsider_rep"].pk not in {p["id"] for r in body["results"] for p in r["projects"]}


def test_conflicts_filter_by_project_and_kind(api_for, world):
    api = api_for("admin")
    rows = api.get("/api/v1/conflicts/", {"project": world.projects["outsider_rep"].pk}).json()["results"]
    assert {r["id"] for r in rows} == {world.conflicts[p].pk for p in PAIRS if "outsider_rep" in p}
    assert api.get("/api/v1/conflicts/", {"kind": "duplicate_project"}).json()["count"] == 0
    assert api.get("/api/v1/conflicts/", {"resolved": "true"}).json()["count"] == 0


def test_shared_contact_conflict_names_the_person(api_for, world):
    contact = world.parts["rep"]["stakeholders"].contact
    services.stakeholder_save(
        user=world.personas["other_rep"],
        project=world.projects["other_rep"],
        contact=contact,
        role="influencer",
        stance="unknown",
    )
    rows = api_for("other_rep").get("/api/v1/conflicts/", {"kind": "shared_contact"}).json()["results"]
    assert [r["contact"] for r in rows] == [{"id": contact.pk, "name": contact.name}]


def test_lead_resolves_as_separate(api_for, world):
    conflict = world.conflicts[("rep", "other_rep")]
    response = api_for("lead").post(
        f"/api/v1/conflicts/{conflict.pk}/resolve/", {"resolution": "separate", "note": "新签与续费"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["resolution"], body["note"]) == ("resolved", "separate", "新签与续费")
    assert body["resolved_by_name"] == world.personas["lead"].name and body["resolved_at"]
    open_ids = [
        c["id"] for c in api_for("rep").get(f"/api/v1/projects/{world.projects['rep'].pk}/").json()["conflicts"]
    ]
    assert conflict.pk not in open_ids


def test_lead_resolves_by_assigning_one_owner(api_for, world):
    conflict = world.conflicts[("rep", "other_rep")]
    rep = world.personas["rep"]
    response = api_for("lead").post(
        f"/api/v1/conflicts/{conflict.pk}/resolve/", {"resolution": "assign_owner", "owner": rep.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["resolution"] == "assign_owner"
    assert Project.objects.get(pk=world.projects["other_rep"].pk).owner == rep
    change = OwnerChange.objects.get()
    assert (change.from_user, change.to_user, change.changed_by) == (
        world.personas["other_rep"],
        rep,
        world.personas["lead"],
    )


def test_lead_resolves_by_merging(api_for, world):
    conflict = world.conflicts[("rep", "other_rep")]
    keep, gone = world.projects["rep"], world.projects["other_rep"]
    response = api_for("lead").post(
        f"/api/v1/conflicts/{conflict.pk}/resolve/", {"resolution": "merged", "keep": keep.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["resolution"] == "merged"
    assert [p["id"] for p in body["projects"]] == [keep.pk]
    assert not Project.objects.filter(pk=gone.pk).exists()
    assert ProcurementItem.objects.filter(project=keep).count() == 2


def test_other_lead_resolves_a_conflict_touching_their_team(api_for, world):
    conflict = world.conflicts[("rep", "outsider_rep")]
    response = api_for("other_lead").post(
        f"/api/v1/conflicts/{conflict.pk}/resolve/", {"resolution": "separate"}, format="json"
    )
    assert response.status_code == 200
    row = response.json()
    assert row["projects"][0]["id"] == world.projects["outsider_rep"].pk
    assert row["projects"][1] == {"id": None, "name": None, "owner_name": world.personas["rep"].name}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"resolution": "assign_owner"}, "owner"),
        ({"resolution": "assign_owner", "owner": 999_999}, "owner"),
        ({"resolution": "merged", "keep": 999_999}, "keep"),
        ({"resolution": "forget_it"}, "resolution"),
    ],
)
def test_resolve_with_missing_or_foreign_choice_names_the_field(api_for, world, body, field):
    conflict = world.conflicts[("rep", "other_rep")]
    response = api_for("lead").post(f"/api/v1/conflicts/{conflict.pk}/resolve/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Conflict.objects.get(pk=conflict.pk).is_resolved


@pytest.mark.parametrize(
    ("resolution", "length", "expected"), [("separate", 500, 200), ("assign_owner", 500, 200), ("separate", 501, 400)]
)
def test_resolution_note_length(api_for, world, resolution, length, expected):
    conflict = world.conflicts[("rep", "other_rep")]
    body = {"resolution": resolution, "owner": world.personas["rep"].pk, "note": "长" * length}
    response = api_for("lead").post(f"/api/v1/conflicts/{conflict.pk}/resolve/", body, format="json")
    assert response.status_code == expected
    if expected == 400:
        assert "note" in response.json()["errors"]


def test_rep_cannot_resolve_a_conflict_on_their_project(api_for, world):
    conflict = world.conflicts[("rep", "other_rep")]
    response = api_for("rep").post(f"/api/v1/conflicts/{conflict.pk}/resolve/", {"resolution": "separate"})
    assert response.status_code == 403
    assert not Conflict.objects.get(pk=conflict.pk).is_resolved


def test_resolving_twice_is_refused(api_for, world):
    conflict = world.conflicts[("rep", "other_rep")]
    api = api_for("lead")
    url = f"/api/v1/conflicts/{conflict.pk}/resolve/"
    assert api.post(url, {"resolution": "separate"}, format="json").status_code == 200
    assert api.post(url, {"resolution": "separate"}, format="json").status_code == 400


# --- transfer and checklist -------------------------------------------------------------------


def test_lead_transfers_a_project_with_the_reason(api_for, world):
    project = world.projects["rep"]
    lead, other_rep = world.personas["lead"], world.personas["other_rep"]
    response = api_for("lead").post(
        f"/api/v1/projects/{project.pk}/transfer/", {"to_user": other_rep.pk, "reason": "张伟调岗"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["owner"] == other_rep.pk
    assert response.json()["version"] == project.version + 1
    change = OwnerChange.objects.get(project=project)
    assert (change.from_user, change.to_user, change.changed_by, change.reason) == (
        world.personas["rep"],
        other_rep,
        lead,
        "张伟调岗",
    )
    assert change.changed_at is not None


@pytest.mark.parametrize(
    ("to_user", "reason", "field"),
    [
        ("outsider_rep", "调岗", "to_user"),
        ("other_rep", "", "reason"),
        ("other_rep", "长" * 501, "reason"),
        ("rep", "调岗", "to_user"),
    ],
)
def test_bad_transfer_names_the_field(api_for, world, to_user, reason, field):
    project = world.projects["rep"]
    response = api_for("lead").post(
        f"/api/v1/projects/{project.pk}/transfer/",
        {"to_user": world.personas[to_user].pk, "reason": reason},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not OwnerChange.objects.exists()


def test_rep_cannot_transfer_their_own_project(api_for, world):
    project = world.projects["rep"]
    response = api_for("rep").post(
        f"/api/v1/projects/{project.pk}/transfer/",
        {"to_user": world.personas["rep"].pk, "reason": "想换"},
        format="json",
    )
    assert response.status_code == 403


def test_checklist_lists_active_items(rep_api, world):
    body = rep_api.get(f"/api/v1/projects/{world.projects['rep'].pk}/checklist/").json()
    items = {line["key"]: line for line in body["items"]}
    assert len(items) == 10
    assert items["procurement_list"] == {
        **items["procurement_list"],
        "derived": True,
        "done": True,
        "ticked_by_name": None,
        "ticked_at": None,
    }
    assert (items["competitors"]["derived"], items["competitors"]["done"]) == (False, False)
    # key person and procurement list, of ten
    assert body["completeness"] == 20


def test_checklist_tick_records_who_and_when(rep_api, rep, world):
    project = world.projects["rep"]
    url = f"/api/v1/projects/{project.pk}/checklist/"
    before = rep_api.get(url).json()["completeness"]
    body = rep_api.post(url, {"item": "competitors", "done": True}, format="json").json()
    line = next(line for line in body["items"] if line["key"] == "competitors")
    assert (line["done"], line["ticked_by_name"]) == (True, rep.name)
    assert line["ticked_at"]
    assert body["completeness"] == before + 10
    assert rep_api.get(f"/api/v1/projects/{project.pk}/").json()["completeness"] == before + 10
    body = rep_api.post(url, {"item": "competitors", "done": False}, format="json").json()
    assert body["completeness"] == before
    assert not ChecklistTick.objects.exists()


@pytest.mark.parametrize("item", ["procurement_list", "no_such_item"])
def test_derived_or_unknown_checklist_item_cannot_be_ticked(rep_api, world, item):
    url = f"/api/v1/projects/{world.projects['rep'].pk}/checklist/"
    response = rep_api.post(url, {"item": item, "done": True}, format="json")
    assert response.status_code == 400
    assert "item" in response.json()["errors"]


# --- list filters ------------------------------------------------------------------------------


def test_project_filters(api_for, world, personas):
    api = api_for("admin")
    rep_project = world.projects["rep"]
    services.project_update(user=personas["rep"], project=rep_project, data={"kind": "renewal"})

    def ids(**params):
        return {row["id"] for row in api.get("/api/v1/projects/", params).json()["results"]}

    assert ids(owner=personas["rep"].pk) == {rep_project.pk}
    assert ids(kind="renewal") == {rep_project.pk}
    assert ids(customer=world.customer.pk) == {p.pk for p in world.projects.values()}
    assert ids(q="运维") == {world.projects["other_rep"].pk}
    assert ids(q="共享客户") == {p.pk for p in world.projects.values()}
    assert ids(has_conflict="true") == {p.pk for p in world.projects.values()}
    assert ids(has_conflict="false") == set()
    assert ids(completeness="low") == {p.pk for p in world.projects.values()}
    assert ids(completeness="high") == set()
    names = [row["name"] for row in api.get("/api/v1/projects/", {"ordering": "name"}).json()["results"]]
    assert names == sorted(names)


def test_filter_by_an_invisible_customer_reveals_nothing(api_for, world):
    response = api_for("outsider_rep").get("/api/v1/projects/", {"customer": CustomerFactory().pk})
    assert response.status_code == 400
    assert "customer" in response.json()["errors"]


# --- query budgets -------------------------------------------------------------------------------


@pytest.fixture
def busy_team(personas):
    """30 projects of team A on 10 customers, each customer also holding a
    project of the other team, so every project has conflicts (some with
    projects the lead may not open) and procurement items."""
    rep, other_rep, outsider = personas["rep"], personas["other_rep"], personas["outsider_rep"]
    for n in range(10):
        customer = CustomerFactory(owner=rep)
        services.project_create(user=outsider, customer=customer, data={"name": f"外部项目{n}"})
        for owner, label in [(rep, "平台"), (other_rep, "运维"), (rep, "培训")]:
            services.project_create(
                user=owner,
                customer=customer,
                data={"name": f"{label}{n}号"},
                procurement=[{"item": "许可", "quantity": Decimal("2"), "unit_price": Decimal("100")}],
            )


def test_project_list_query_count_does_not_grow_with_the_page(api_for, busy_team, django_assert_max_num_queries):
    api = api_for("lead")
    # 1 count, 2 the page (customer joined, procurement total as a subquery; the
    # pipeline's state and stage joined too), 3 the page's open conflicts with both
    # projects and their owners, 4 which of the other projects in those conflicts
    # the lead may open, 5 the page's key dates (the pipeline registers this endpoint).
    with django_assert_max_num_queries(5) as small:
        response = api.get("/api/v1/projects/", {"page_size": 10})
    assert len(response.json()["results"]) == 10
    with django_assert_max_num_queries(5) as large:
        response = api.get("/api/v1/projects/", {"page_size": 200})
    assert len(response.json()["results"]) == 30
    assert all(row["conflicts"] and row["procurement_total"] == "200.00" for row in response.json()["results"])
    assert len(small.captured_queries) == len(large.captured_queries)


def test_conflict_list_query_count(api_for, busy_team, django_assert_max_num_queries):
    api = api_for("lead")
    # 1 count, 2 the page with both projects, their owners, the contact and the
    # resolver joined, 3 which of those projects the lead may open.
    with django_assert_max_num_queries(3):
        response = api.get("/api/v1/conflicts/", {"page_size": 200})
    assert response.json()["count"] >= 40


def test_procurement_item_list_query_count(api_for, busy_team, django_assert_max_num_queries):
    api = api_for("lead")
    # 1 count, 2 the page.
    with django_assert_max_num_queries(2):
        response = api.get("/api/v1/procurement-items/", {"page_size": 200})
    assert response.json()["count"] == 30


def test_stakeholder_and_milestone_list_query_count(api_for, world, django_assert_max_num_queries):
    api = api_for("admin")
    for who, project in world.projects.items():
        for n in range(5):
            contact = ContactFactory(customer=world.customer)
            services.stakeholder_save(
                user=world.personas[who], project=project, contact=contact, role="user", stance="unknown"
            )
            services.milestone_save(
                user=world.personas[who], project=project, data={"name": f"节点{n}", "due_on": date(2026, 11, n + 1)}
            )
    # 1 count, 2 the page (with the contact joined for its name).
    with django_assert_max_num_queries(2):
        assert api.get("/api/v1/stakeholders/", {"page_size": 200}).json()["count"] == 18
    with django_assert_max_num_queries(2):
        assert api.get("/api/v1/milestones/", {"page_size": 200}).json()["count"] == 18


def test_admin_must_name_an_owner(api_for, world):
    response = api_for("admin").post(
        "/api/v1/projects/", {"customer": world.customer.pk, "name": "无主项目"}, format="json"
    )
    assert response.status_code == 400
    assert "owner" in response.json()["errors"]
