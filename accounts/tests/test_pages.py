import pytest
from django.urls import reverse

from accounts.models import Contact, Customer
from tests.factories import ContactFactory, CustomerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


def _create_payload(name="杭州云帆信息科技有限公司", people=(), **extra):
    data = {
        "name": name,
        "credit_code": "",
        "level": "B",
        "industry": "it",
        "source": "referral",
        "province": "330000",
        "city": "330100",
        "district": "330106",
        "address": "文三路 90 号",
        "website": "",
        "notes": "",
        "department-name": "采购部",
        "department-kind": "procurement",
        "contacts-TOTAL_FORMS": str(len(people)),
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "30",
    }
    for i, person in enumerate(people):
        for key, value in person.items():
            data[f"contacts-{i}-{key}"] = value
        data.setdefault(f"contacts-{i}-buying_role", person.get("buying_role", "other"))
        data.setdefault(f"contacts-{i}-department_kind", "")
    data.update(extra)
    return data


PEOPLE = [
    {"name": "王强", "title": "采购总监", "mobile": "13912345678", "buying_role": "decision_maker"},
    {
        "name": "李静",
        "department": "财务部",
        "department_kind": "finance",
        "wechat": "lijing88",
        "buying_role": "key_person",
    },
]


def test_rep_creates_a_customer_with_people_in_one_form(rep_client, rep):
    response = rep_client.post(reverse("accounts:customer_create"), _create_payload(people=PEOPLE))
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    assert customer.owner == rep
    assert sorted(customer.departments.values_list("name", flat=True)) == ["财务部", "采购部"]
    assert customer.contacts.count() == 2


def test_errors_show_beside_the_persons_field_and_nothing_is_saved(rep_client):
    people = [{"name": "王强", "mobile": "12345"}, {"name": "李静", "email": "bad@"}]
    response = rep_client.post(reverse("accounts:customer_create"), _create_payload(people=people))
    assert response.status_code == 200
    formset = response.context["formset"]
    assert "mobile" in formset.forms[0].errors and "email" in formset.forms[1].errors
    assert not Customer.objects.exists()


def test_duplicate_warning_names_the_owner_and_asks_to_confirm(rep_client, outsider_rep):
    CustomerFactory(owner=outsider_rep, name="杭州云帆信息科技有限公司")
    response = rep_client.post(reverse("accounts:customer_create"), _create_payload(name="杭州云帆信息科技"))
    assert response.status_code == 409
    content = response.content.decode()
    assert outsider_rep.name in content
    assert "杭州云帆信息科技有限公司" not in content.replace('value="杭州云帆信息科技"', "")
    assert Customer.objects.count() == 1
    confirmed = rep_client.post(
        reverse("accounts:customer_create"), _create_payload(name="杭州云帆信息科技", confirm_duplicate="on")
    )
    assert confirmed.status_code == 302
    assert Customer.objects.count() == 2


def test_detail_shows_the_organisation_tree_and_whats_missing(rep_client, rep):
    customer = CustomerFactory(owner=rep, address="")
    board = DepartmentFactory(customer=customer, name="总经办", kind="management")
    buying = DepartmentFactory(customer=customer, name="采购部", parent=board)
    ContactFactory(customer=customer, department=board, name="赵总", buying_role="decision_maker", mobile="")
    ContactFactory(customer=customer, department=buying, name="钱经理", buying_role="key_person")
    response = rep_client.get(customer.get_absolute_url())
    content = response.content.decode()
    tree = response.context["tree"]
    assert [node["department"].name for node in tree] == ["总经办"]
    assert [child["department"].name for child in tree[0]["children"]] == ["采购部"]
    assert "赵总" in content and "钱经理" in content
    missing = {check.key for check in response.context["missing"]}
    assert missing == {"address", "key_people_reachable"}


def test_detail_of_another_reps_customer_is_404(rep_client, other_rep):
    assert rep_client.get(CustomerFactory(owner=other_rep).get_absolute_url()).status_code == 404


def test_lead_opens_team_customers_but_not_other_teams(lead_client, rep, outsider_rep):
    assert lead_client.get(CustomerFactory(owner=rep).get_absolute_url()).status_code == 200
    assert lead_client.get(CustomerFactory(owner=outsider_rep).get_absolute_url()).status_code == 404


def test_inline_add_person_returns_the_people_section(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    response = rep_client.post(
        reverse("accounts:contact_create", args=[customer.pk]),
        {
            "name": "孙丽",
            "department": "技术部",
            "department_kind": "technical",
            "buying_role": "influencer",
            "mobile": "13511112222",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content and 'id="people"' in content and "孙丽" in content
    assert customer.departments.get().name == "技术部"


def test_inline_add_person_with_bad_mobile_shows_the_error(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    response = rep_client.post(
        reverse("accounts:contact_create", args=[customer.pk]),
        {"name": "孙丽", "buying_role": "user", "mobile": "123"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "mobile" in response.context["contact_form"].errors
    assert not Contact.objects.exists()


def test_adding_a_person_to_someone_elses_customer_is_404(rep_client, other_rep):
    customer = CustomerFactory(owner=other_rep)
    response = rep_client.post(reverse("accounts:contact_create", args=[customer.pk]), {"name": "x"})
    assert response.status_code == 404


def test_edit_with_a_stale_version_shows_both_versions_and_keeps_mine(rep_client, lead_client, rep):
    customer = CustomerFactory(owner=rep, address="旧地址")
    url = reverse("accounts:customer_update", args=[customer.pk])
    form = {
        "name": customer.name,
        "credit_code": "",
        "level": "B",
        "industry": "it",
        "source": "",
        "province": "330000",
        "city": "330100",
        "district": "330106",
        "website": "",
        "notes": "",
        "version": "1",
    }
    assert lead_client.post(url, {**form, "address": "主管写的地址"}).status_code == 302
    response = rep_client.post(url, {**form, "address": "销售写的地址"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "主管写的地址" in content and "销售写的地址" in content
    assert response.context["version"] == 2
    assert Customer.objects.get(pk=customer.pk).address == "主管写的地址"
    # Saving again, deliberately, with the version just shown, wins.
    assert rep_client.post(url, {**form, "address": "销售写的地址", "version": "2"}).status_code == 302
    assert Customer.objects.get(pk=customer.pk).address == "销售写的地址"


def test_list_search_as_you_type_returns_the_table_only(rep_client, rep):
    CustomerFactory(owner=rep, name="杭州云帆信息科技有限公司")
    CustomerFactory(owner=rep, name="宁波海曙贸易有限公司")
    response = rep_client.get(reverse("accounts:customer_list"), {"q": "云帆"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "<html" not in content and "杭州云帆信息科技有限公司" in content and "宁波海曙" not in content


def test_list_filters_by_completeness_band(rep_client, rep):
    CustomerFactory(owner=rep, name="低完整度公司")
    ContactFactory.create_batch(
        2, customer=CustomerFactory(owner=rep, name="高完整度公司"), buying_role="decision_maker"
    )
    from accounts import services

    for customer in Customer.objects.all():
        services.customer_refresh_completeness(customer=customer)
    names = [
        c.name
        for c in rep_client.get(reverse("accounts:customer_list"), {"completeness": "low"}).context["object_list"]
    ]
    assert names == ["低完整度公司"]


def test_customer_list_page_queries_stay_flat(lead_client, rep, other_rep, django_assert_max_num_queries):
    for owner in (rep, other_rep):
        CustomerFactory.create_batch(40, owner=owner)
    # session, user, owner choices for the filter, count, page of customers with owners.
    with django_assert_max_num_queries(6):
        response = lead_client.get(reverse("accounts:customer_list"))
    assert len(response.context["object_list"]) == 50
    with django_assert_max_num_queries(6):
        lead_client.get(reverse("accounts:customer_list"), {"page": 2, "q": "杭州", "ordering": "-completeness"})


def test_customer_detail_queries_stay_flat(rep_client, rep, django_assert_max_num_queries):
    customer = CustomerFactory(owner=rep)
    for department in DepartmentFactory.create_batch(5, customer=customer):
        ContactFactory.create_batch(4, customer=customer, department=department)
    # The budget (10): tests/test_page_query_budgets.py (CUSTOMER_PAGE) names each query.
    with django_assert_max_num_queries(10):
        response = rep_client.get(customer.get_absolute_url())
    assert response.status_code == 200


def test_merge_page_is_for_leads_and_merges(lead_client, rep_client, rep, other_rep):
    target = CustomerFactory(owner=rep, name="杭州云帆")
    source = CustomerFactory(owner=other_rep, name="杭州云帆信息科技有限公司")
    ContactFactory(customer=source, name="合并人")
    assert rep_client.get(reverse("accounts:customer_merge")).status_code == 403
    preview = lead_client.get(reverse("accounts:customer_merge"), {"target": target.pk, "source": source.pk})
    assert len(preview.context["preview"]) == 2
    response = lead_client.post(
        reverse("accounts:customer_merge"), {"target": target.pk, "source": source.pk, "confirm": "yes"}
    )
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=source.pk).exists()
    assert target.contacts.get().name == "合并人"


def test_lead_cannot_merge_customers_of_another_team(lead_client, rep, outsider_rep):
    target, source = CustomerFactory(owner=rep), CustomerFactory(owner=outsider_rep)
    response = lead_client.post(
        reverse("accounts:customer_merge"), {"target": target.pk, "source": source.pk, "confirm": "yes"}
    )
    assert response.status_code == 200
    assert "source" in response.context["form"].errors
    assert Customer.objects.filter(pk=source.pk).exists()


def test_autocomplete_only_offers_visible_customers(rep_client, rep, other_rep):
    CustomerFactory(owner=rep, name="杭州云帆")
    CustomerFactory(owner=other_rep, name="杭州云帆二号")
    content = rep_client.get(reverse("accounts:customer_autocomplete"), {"q": "云帆"}).content.decode()
    assert "杭州云帆" in content and "二号" not in content


def test_history_shows_who_changed_what(rep_client, lead, rep):
    from accounts import services

    customer = services.customer_create(user=rep, data={"name": "历史测试公司", "address": "一号"})
    services.customer_update(user=lead, customer=customer, data={"address": "二号"})
    history = rep_client.get(customer.get_absolute_url()).context["history"]
    change = history[0]
    assert change.user == lead
    assert [(c.old, c.new) for c in change.changes] == [("一号", "二号")]
    assert history[-1].user == rep


def test_regions_json_serves_the_tree(rep_client):
    data = rep_client.get(reverse("accounts:regions")).json()
    zhejiang = next(p for p in data if p["code"] == "330000")
    assert any(c["name"] == "杭州市" for c in zhejiang["cities"])


def test_script_in_names_is_shown_escaped(rep_client, rep):
    customer = CustomerFactory(owner=rep, name="<script>alert(1)</script>公司", notes="<img src=x onerror=alert(1)>")
    content = rep_client.get(customer.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in content and "&lt;script&gt;" in content
    assert "<img src=x" not in content
