import threading

import pytest
from django.db import connection

from accounts import services
from accounts.models import Contact, Customer, Department
from accounts.selectors import find_duplicates
from teams.errors import ConflictError, DomainError
from tests.factories import ContactFactory, CustomerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

VALID_CODE = "91330106MA2H3RUX4T"  # check digit verified by test_valid_code_fixture


def test_valid_code_fixture():
    from stdnum.cn import uscc

    assert uscc.is_valid(VALID_CODE)


def _create(user, name="杭州云帆信息科技有限公司", **data):
    return services.customer_create(user=user, data={"name": name, **data})


def test_rep_creates_a_customer_with_a_department_and_people(rep):
    customer = services.customer_create(
        user=rep,
        data={"name": "杭州云帆信息科技有限公司", "industry": "it", "province": "330000", "city": "330100"},
        department={"name": "采购部", "kind": "procurement"},
        contacts=[
            {"name": "王强", "title": "采购总监", "mobile": "+86 139 1234 5678", "buying_role": "decision_maker"},
            {
                "name": "李静",
                "department": "财务部",
                "department_kind": "finance",
                "buying_role": "key_person",
                "wechat": "lijing_88",
            },
        ],
    )
    assert customer.owner == rep and customer.team_id == rep.team_id
    assert Department.objects.filter(customer=customer).count() == 2
    wang = Contact.objects.get(name="王强")
    assert wang.mobile == "13912345678"
    assert wang.department.name == "采购部"
    # industry 10 + region 10 + decision maker 20 + key person 15 + two departments 10 + finance 10 + reachable 15
    assert customer.completeness == 90


def test_bad_contact_fields_are_named_and_nothing_is_saved(rep):
    with pytest.raises(DomainError) as error:
        services.customer_create(
            user=rep,
            data={"name": "宁波海曙贸易有限公司"},
            contacts=[{"name": "张三", "mobile": "12345"}, {"name": "李四", "email": "not-an-email"}],
        )
    assert set(error.value.message_dict) == {"contacts.0.mobile", "contacts.1.email"}
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "某公司", "credit_code": "91330106MA2H3RUX4B"}, "credit_code"),
        ({"name": "某公司", "province": "330000", "city": "320100"}, "city"),
        ({"name": "某公司", "website": "not a url"}, "website"),
        ({"name": "某\x00公司"}, "name"),
    ],
)
def test_bad_customer_fields_are_named(rep, data, field):
    with pytest.raises(DomainError) as error:
        services.customer_create(user=rep, data=data)
    assert field in error.value.message_dict
    assert not Customer.objects.exists()


def test_html_is_stored_as_typed(rep):
    customer = _create(rep, name="<b>杭州</b>科技", notes="<script>alert(1)</script>")
    customer.refresh_from_db()
    assert customer.notes == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "typed",
    ["杭州云帆信息科技", "杭州云帆信息科技有限公司", " 杭州云帆信息科技 有限公司", "杭州云帆信息科技（有限公司）"],
)
def test_same_company_under_another_spelling_is_a_duplicate_naming_the_owner(rep, outsider_rep, typed):
    _create(outsider_rep)
    with pytest.raises(services.DuplicateCustomer) as error:
        _create(rep, name=typed)
    duplicate = error.value.data["duplicate_of"]
    assert duplicate["owner"] == outsider_rep.pk
    assert duplicate["owner_name"] == outsider_rep.name
    assert "name" not in duplicate  # outside the rep's scope: only who owns it


def test_fuzzy_name_match_on_postgres(rep, other_rep):
    if connection.vendor != "postgresql":
        pytest.skip("trigram similarity is PostgreSQL's")
    _create(other_rep, name="杭州云帆信息技术有限公司")
    matches = find_duplicates(name="杭州云帆信息科技有限公司")
    assert [m.reason for m in matches] == ["similar_name"]


def test_unrelated_name_is_not_a_duplicate(rep, other_rep):
    _create(other_rep, name="杭州云帆信息科技有限公司")
    assert find_duplicates(name="深圳南山精密制造有限公司") == []


def test_duplicate_credit_code_is_reported_first(rep, other_rep):
    _create(other_rep, name="甲公司", credit_code=VALID_CODE)
    with pytest.raises(services.DuplicateCustomer) as error:
        _create(rep, name="完全不同的名字", credit_code=VALID_CODE.lower())
    assert error.value.data["duplicate_of"]["reason"] == "credit_code"


def test_confirming_creates_a_same_named_customer_but_never_a_same_credit_code(rep, other_rep):
    _create(other_rep, credit_code=VALID_CODE)
    second = services.customer_create(user=rep, data={"name": "杭州云帆信息科技有限公司"}, confirm_duplicate=True)
    assert second.pk
    with pytest.raises(DomainError) as error:
        services.customer_create(user=rep, data={"name": "别名", "credit_code": VALID_CODE}, confirm_duplicate=True)
    assert "credit_code" in error.value.message_dict


def test_contact_mobile_on_another_customer_flags_a_duplicate(rep, outsider_rep):
    ContactFactory(customer=CustomerFactory(owner=outsider_rep, name="上海某某"), mobile="13900001111")
    with pytest.raises(services.DuplicateCustomer) as error:
        services.customer_create(
            user=rep, data={"name": "北京全新公司"}, contacts=[{"name": "赵六", "mobile": "139-0000-1111"}]
        )
    assert error.value.data["duplicate_of"]["reason"] == "contact_mobile"


def test_stale_version_is_a_conflict_and_changes_nothing(rep, lead):
    customer = _create(rep)
    services.customer_update(user=lead, customer=customer, data={"address": "西湖区文三路 1 号"}, version=1)
    with pytest.raises(ConflictError) as error:
        services.customer_update(user=rep, customer=customer, data={"address": "滨江区"}, version=1)
    assert error.value.data["current"]["address"] == "西湖区文三路 1 号"
    customer.refresh_from_db()
    assert (customer.address, customer.version) == ("西湖区文三路 1 号", 2)


def test_rep_cannot_give_a_customer_to_someone_else(rep, other_rep):
    with pytest.raises(DomainError) as error:
        services.customer_create(user=rep, data={"name": "某公司"}, owner=other_rep)
    assert "owner" in error.value.message_dict


def test_lead_assigns_within_the_team_only(lead, rep, outsider_rep):
    assert services.customer_create(user=lead, data={"name": "甲"}, owner=rep).owner == rep
    with pytest.raises(DomainError):
        services.customer_create(user=lead, data={"name": "乙"}, owner=outsider_rep)


def test_merge_moves_people_and_departments_and_keeps_history(lead, rep, other_rep):
    target = CustomerFactory(owner=rep, name="杭州云帆", industry="", address="")
    source = CustomerFactory(owner=other_rep, name="杭州云帆信息科技有限公司", industry="it", address="文三路 1 号")
    shared = DepartmentFactory(customer=target, name="采购部")
    ContactFactory(customer=target, department=shared, name="甲")
    ContactFactory(customer=source, department=DepartmentFactory(customer=source, name="采购部"), name="乙")
    ContactFactory(
        customer=source, department=DepartmentFactory(customer=source, name="财务部", kind="finance"), name="丙"
    )
    merged = services.customer_merge(user=lead, target=target, source=source)
    assert not Customer.objects.filter(pk=source.pk).exists()
    assert sorted(merged.departments.values_list("name", flat=True)) == ["财务部", "采购部"]
    assert merged.contacts.count() == 3
    assert Contact.objects.get(name="乙").department == shared
    assert (merged.industry, merged.address) == ("it", "文三路 1 号")
    assert Customer.history.filter(id=source.pk, history_type="-").exists()


def test_reps_cannot_merge(rep):
    a, b = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    with pytest.raises(DomainError):
        services.customer_merge(user=rep, target=a, source=b)


@pytest.mark.django_db(transaction=True)
def test_two_reps_creating_the_same_credit_code_at_once_make_one_customer(rep, other_rep):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    barrier = threading.Barrier(2)
    outcomes = []

    def create(user):
        try:
            barrier.wait()
            services.customer_create(
                user=user, data={"name": f"{user.username}的公司", "credit_code": VALID_CODE}, confirm_duplicate=True
            )
            outcomes.append("created")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(user,)) for user in (rep, other_rep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "refused"]
    assert Customer.objects.filter(credit_code=VALID_CODE).count() == 1


def test_a_mobile_with_letters_is_refused_not_silently_cleaned(rep):
    with pytest.raises(DomainError) as error:
        services.customer_create(user=rep, data={"name": "某公司"}, contacts=[{"name": "甲", "mobile": "1381234567a8"}])
    assert "contacts.0.mobile" in error.value.message_dict


def test_a_spaced_mobile_with_country_code_is_stored_as_eleven_digits(rep):
    customer = services.customer_create(
        user=rep, data={"name": "某公司"}, contacts=[{"name": "甲", "mobile": "+86 138-1234-5678"}]
    )
    assert customer.contacts.get().mobile == "13812345678"
