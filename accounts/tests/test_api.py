import pytest

from accounts.models import Contact, Customer
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(rep, other_rep, outsider_rep):
    """Each rep owns customers; the outsider is in the other team."""
    return {
        "rep": CustomerFactory(owner=rep, name="杭州甲科技有限公司"),
        "other_rep": CustomerFactory(owner=other_rep, name="宁波乙贸易有限公司"),
        "outsider_rep": CustomerFactory(owner=outsider_rep, name="广州丙实业有限公司"),
    }


# (method, persona, whose customer, expected status)
CUSTOMER_MATRIX = [
    ("get", "rep", "rep", 200),
    ("get", "rep", "other_rep", 404),
    ("get", "rep", "outsider_rep", 404),
    ("get", "other_rep", "other_rep", 200),
    ("get", "lead", "rep", 200),
    ("get", "lead", "other_rep", 200),
    ("get", "lead", "outsider_rep", 404),
    ("get", "other_lead", "outsider_rep", 200),
    ("get", "other_lead", "rep", 404),
    ("get", "admin", "outsider_rep", 200),
    ("get", None, "rep", 401),
    ("patch", "rep", "rep", 200),
    ("patch", "rep", "other_rep", 404),
    ("patch", "lead", "rep", 200),
    ("patch", "lead", "outsider_rep", 404),
    ("patch", "admin", "outsider_rep", 200),
    ("delete", "rep", "rep", 405),
    ("delete", "admin", "rep", 405),
]


@pytest.mark.parametrize(("method", "persona", "owner", "expected"), CUSTOMER_MATRIX)
def test_customer_permission_matrix(api_for, books, method, persona, owner, expected):
    url = f"/api/v1/customers/{books[owner].pk}/"
    response = getattr(api_for(persona), method)(url, {"address": "新地址 8 号"}, format="json")
    assert response.status_code == expected


CONTACT_MATRIX = [
    ("get", "rep", "rep", 200),
    ("get", "rep", "other_rep", 404),
    ("get", "lead", "other_rep", 200),
    ("get", "lead", "outsider_rep", 404),
    ("get", "admin", "outsider_rep", 200),
    ("patch", "rep", "rep", 200),
    ("patch", "other_rep", "rep", 404),
    ("delete", "outsider_rep", "rep", 404),
    ("delete", "rep", "rep", 204),
    ("get", None, "rep", 401),
]


@pytest.mark.parametrize(("method", "persona", "owner", "expected"), CONTACT_MATRIX)
def test_contact_permission_matrix(api_for, books, method, persona, owner, expected):
    contact = ContactFactory(customer=books[owner])
    response = getattr(api_for(persona), method)(f"/api/v1/contacts/{contact.pk}/", {"title": "总监"}, format="json")
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("rep", {"rep"}),
        ("other_rep", {"other_rep"}),
        ("lead", {"rep", "other_rep"}),
        ("other_lead", {"outsider_rep"}),
        ("admin", {"rep", "other_rep", "outsider_rep"}),
    ],
)
def test_customer_list_is_scoped(api_for, books, persona, visible):
    names = {row["name"] for row in api_for(persona).get("/api/v1/customers/").json()["results"]}
    assert names == {books[owner].name for owner in visible}


def test_create_duplicate_answers_409_with_owner_only(rep_api, books, outsider_rep):
    response = rep_api.post("/api/v1/customers/", {"name": "广州丙实业"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["duplicate_of"] == {
        "id": books["outsider_rep"].pk,
        "owner": outsider_rep.pk,
        "owner_name": outsider_rep.name,
        "reason": "name",
    }
    assert "广州丙实业有限公司" not in response.content.decode()


def test_create_duplicate_with_confirmation_succeeds(rep_api, books):
    response = rep_api.post("/api/v1/customers/", {"name": "广州丙实业", "confirm_duplicate": True}, format="json")
    assert response.status_code == 201
    assert response.json()["owner"] is not None


def test_create_returns_region_names_and_completeness(rep_api, rep):
    response = rep_api.post(
        "/api/v1/customers/",
        {
            "name": "苏州新星制造有限公司",
            "province": "320000",
            "city": "320500",
            "district": "320505",
            "industry": "manufacturing",
            "level": "A",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["province_name"], body["city_name"], body["district_name"]) == ("江苏省", "苏州市", "虎丘区")
    assert body["owner"] == rep.pk and body["team"] == rep.team_id
    assert body["completeness"] == 20


def test_bad_fields_answer_400_naming_them(rep_api):
    response = rep_api.post("/api/v1/customers/", {"name": "", "credit_code": "123", "level": "Z"}, format="json")
    assert response.status_code == 400
    assert {"name", "credit_code", "level"} <= set(response.json()["errors"])


def test_stale_version_answers_409_and_changes_nothing(rep_api, lead_api, books):
    url = f"/api/v1/customers/{books['rep'].pk}/"
    assert lead_api.patch(url, {"address": "一号", "version": 1}, format="json").status_code == 200
    response = rep_api.patch(url, {"address": "二号", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["current"]["address"] == "一号"
    assert Customer.objects.get(pk=books["rep"].pk).address == "一号"


def test_rep_cannot_hand_a_customer_to_another_team(rep_api, outsider_rep):
    response = rep_api.post("/api/v1/customers/", {"name": "某新公司", "owner": outsider_rep.pk}, format="json")
    assert response.status_code == 400
    assert "owner" in response.json()["errors"]


def test_contact_create_finds_or_creates_the_department(rep_api, books):
    customer = books["rep"]
    payload = {
        "customer": customer.pk,
        "name": "周敏",
        "department": "财务部",
        "department_kind": "finance",
        "mobile": "13800138000",
        "buying_role": "key_person",
    }
    first = rep_api.post("/api/v1/contacts/", payload, format="json")
    second = rep_api.post("/api/v1/contacts/", {**payload, "name": "吴刚", "mobile": ""}, format="json")
    assert first.status_code == second.status_code == 201
    assert first.json()["department"] == second.json()["department"] == "财务部"
    assert customer.departments.filter(name="财务部").count() == 1


def test_contact_on_a_customer_outside_scope_is_refused(rep_api, books):
    response = rep_api.post("/api/v1/contacts/", {"customer": books["outsider_rep"].pk, "name": "某人"}, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    assert not Contact.objects.filter(name="某人").exists()


def test_contact_with_a_mobile_known_elsewhere_carries_a_warning(rep_api, books, outsider_rep):
    ContactFactory(customer=books["outsider_rep"], mobile="13700001111")
    response = rep_api.post(
        "/api/v1/contacts/", {"customer": books["rep"].pk, "name": "钱七", "mobile": "13700001111"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["warnings"][0]["owner_name"] == outsider_rep.name


@pytest.mark.parametrize(
    ("field", "value"),
    [("mobile", "12345678901"), ("landline", "88887777"), ("email", "a@"), ("wechat", "has space")],
)
def test_bad_contact_fields_are_named(rep_api, books, field, value):
    response = rep_api.post(
        "/api/v1/contacts/", {"customer": books["rep"].pk, "name": "孙八", field: value}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_filters_and_search(lead_api, rep, other_rep):
    CustomerFactory(owner=rep, name="杭州甲科技有限公司", industry="it", completeness=0)
    CustomerFactory(owner=other_rep, name="宁波乙制造有限公司", industry="manufacturing")
    ContactFactory(customer=CustomerFactory(owner=other_rep, name="温州丙"), name="郑小明", mobile="13612345678")
    assert [c["name"] for c in lead_api.get("/api/v1/customers/?industry=manufacturing").json()["results"]] == [
        "宁波乙制造有限公司"
    ]
    assert [c["name"] for c in lead_api.get("/api/v1/customers/?q=郑小明").json()["results"]] == ["温州丙"]
    assert [c["name"] for c in lead_api.get("/api/v1/customers/?q=5678").json()["results"]] == ["温州丙"]
    assert [c["name"] for c in lead_api.get("/api/v1/customers/?q=甲科技有限").json()["results"]] == [
        "杭州甲科技有限公司"
    ]
    owners = {c["owner"] for c in lead_api.get(f"/api/v1/customers/?owner={rep.pk}").json()["results"]}
    assert owners == {rep.pk}


@pytest.mark.parametrize("page_size", [10, 200])
def test_customer_api_list_queries_do_not_grow(lead_api, rep, other_rep, page_size, django_assert_max_num_queries):
    for owner in (rep, other_rep):
        CustomerFactory.create_batch(120, owner=owner)
    # count + one page of customers.
    with django_assert_max_num_queries(2):
        response = lead_api.get(f"/api/v1/customers/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_contact_api_list_queries_do_not_grow(rep_api, rep, django_assert_max_num_queries):
    customer = CustomerFactory(owner=rep)
    ContactFactory.create_batch(60, customer=customer)
    # count + one page of contacts joined with their departments.
    with django_assert_max_num_queries(2):
        response = rep_api.get("/api/v1/contacts/?page_size=100")
    assert response.json()["count"] == 60


@pytest.mark.parametrize(
    ("persona", "owner", "expected"),
    [
        ("rep", "rep", 403),
        ("rep", "outsider_rep", 404),  # out of scope: not found, before the role is judged (as for projects)
        ("lead", "rep", 200),
        ("lead", "outsider_rep", 404),
        ("admin", "outsider_rep", 200),
    ],
)
def test_customer_transfer_is_for_leads_and_admins(api_for, books, personas, persona, owner, expected):
    to_user = personas["other_rep"] if owner != "outsider_rep" else personas["other_lead"]
    if persona == "admin" and owner == "outsider_rep":
        to_user = personas["outsider_rep"]
        books[owner].owner = personas["other_lead"]
        books[owner].save()
    response = api_for(persona).post(
        f"/api/v1/customers/{books[owner].pk}/transfer/", {"to_user": to_user.pk, "reason": "调岗"}, format="json"
    )
    assert response.status_code == expected
    customer = Customer.objects.get(pk=books[owner].pk)
    if expected == 200:
        assert customer.owner == to_user
        assert customer.history.first().history_change_reason == "调岗"
    else:
        assert (customer.owner_id, customer.version) == (books[owner].owner_id, books[owner].version)


def test_customer_transfer_needs_a_reason(lead_api, books, other_rep):
    response = lead_api.post(
        f"/api/v1/customers/{books['rep'].pk}/transfer/", {"to_user": other_rep.pk, "reason": ""}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_customer_seen_through_a_project_is_limited_and_read_only(rep_api, books, rep):
    from tests.factories import ProjectFactory

    theirs = books["other_rep"]
    theirs.notes = "内部备注"
    theirs.save()
    ProjectFactory(customer=theirs, owner=rep)
    body = rep_api.get(f"/api/v1/customers/{theirs.pk}/").json()
    assert body["name"] == theirs.name and body["notes"] is None and body["address"] is None
    assert rep_api.patch(f"/api/v1/customers/{theirs.pk}/", {"notes": "x"}, format="json").status_code == 404
