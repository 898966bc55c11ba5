import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from projects import services
from projects.models import ChecklistItem, Conflict, ConflictKind, OwnerChange, Project, Resolution
from teams.errors import ConflictError, DomainError
from tests.factories import ContactFactory, CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _create(user, customer, name="2026年数据中台建设项目", **data):
    return services.project_create(user=user, customer=customer, data={"name": name, **data})


def test_create_with_procurement_list_and_checklist_score(rep):
    customer = CustomerFactory(owner=rep)
    project = services.project_create(
        user=rep,
        customer=customer,
        data={"name": "数据中台", "scope": "打通数据", "start_on": date(2026, 12, 1), "end_on": date(2027, 3, 1)},
        procurement=[{"item": "服务器", "quantity": Decimal("4"), "unit": "台", "unit_price": Decimal("52000")}],
    )
    assert project.team_id == rep.team_id
    assert project.procurement_total == Decimal("208000")
    # scope, procurement and timeline of the ten default items
    assert project.checklist_score == 30


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"start_on": date(2027, 1, 2), "end_on": date(2027, 1, 1)}, "end_on"),
        ({"budget": Decimal("-1")}, "budget"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_project_fields_are_named(rep, data, field):
    with pytest.raises(DomainError) as error:
        _create(rep, CustomerFactory(owner=rep), **{"name": "某项目", **data})
    assert field in error.value.message_dict
    assert not Project.objects.exists()


def test_negative_quantity_or_price_is_refused_and_nothing_saved(rep):
    with pytest.raises(DomainError) as error:
        services.project_create(
            user=rep,
            customer=CustomerFactory(owner=rep),
            data={"name": "采购"},
            procurement=[
                {"item": "a", "quantity": Decimal("-1"), "unit_price": Decimal("1")},
                {"item": "b", "quantity": Decimal("1"), "unit_price": Decimal("-5")},
            ],
        )
    assert {"procurement.0.quantity", "procurement.1.unit_price"} <= set(error.value.message_dict)
    assert not Project.objects.exists()


def test_lead_contact_of_another_customer_is_refused(rep):
    other_contact = ContactFactory(customer=CustomerFactory(owner=rep))
    with pytest.raises(DomainError) as error:
        services.project_create(
            user=rep, customer=CustomerFactory(owner=rep), data={"name": "x"}, lead_contact=other_contact
        )
    assert "lead_contact" in error.value.message_dict


def test_new_sign_and_renewal_on_one_customer_is_one_shared_customer_conflict(rep, other_rep):
    customer = CustomerFactory(owner=rep)
    first = _create(rep, customer, name="新签：CRM 系统")
    second = _create(other_rep, customer, name="续费：年度维保", kind="renewal")
    conflict = Conflict.objects.get()
    assert conflict.kind == ConflictKind.SHARED_CUSTOMER
    assert {conflict.project_a_id, conflict.project_b_id} == {first.pk, second.pk}


def test_same_owner_different_projects_is_no_conflict(rep):
    customer = CustomerFactory(owner=rep)
    _create(rep, customer, name="CRM 系统")
    _create(rep, customer, name="年度维保")
    assert not Conflict.objects.exists()


@pytest.mark.parametrize("second_name", ["数据中台建设", "2026年 数据中台建设项目", "数据中台建设（二期）"])
def test_nearly_the_same_name_is_a_duplicate_project(rep, second_name):
    customer = CustomerFactory(owner=rep)
    _create(rep, customer)
    _create(rep, customer, name=second_name)
    assert list(Conflict.objects.values_list("kind", flat=True)) == [ConflictKind.DUPLICATE_PROJECT]


def test_same_contact_on_projects_of_different_owners(rep, other_rep, lead):
    customer = CustomerFactory(owner=rep)
    contact = ContactFactory(customer=customer)
    mine = _create(rep, customer, name="CRM 系统")
    theirs = _create(other_rep, customer, name="呼叫中心")
    services.stakeholder_save(user=rep, project=mine, contact=contact, role="key_person", stance="supporter")
    services.stakeholder_save(user=other_rep, project=theirs, contact=contact, role="decision_maker", stance="neutral")
    conflict = Conflict.objects.get(kind=ConflictKind.SHARED_CONTACT)
    assert conflict.contact_id == contact.pk
    # the vaguer shared-customer conflict recorded when the second project was created is retired
    assert not Conflict.objects.filter(kind=ConflictKind.SHARED_CUSTOMER).exists()


def test_a_resolved_conflict_does_not_come_back_unless_something_new_happens(rep, other_rep, lead):
    customer = CustomerFactory(owner=rep)
    mine = _create(rep, customer, name="CRM 系统")
    theirs = _create(other_rep, customer, name="呼叫中心")
    conflict = Conflict.objects.get()
    services.conflict_resolve(user=lead, conflict=conflict, resolution=Resolution.SEPARATE, note="两个独立预算")
    services.project_update(user=rep, project=mine, data={"scope": "更新范围"})
    assert Conflict.objects.unresolved().count() == 0
    contact = ContactFactory(customer=customer)
    services.stakeholder_save(user=rep, project=mine, contact=contact, role="key_person", stance="supporter")
    services.stakeholder_save(user=other_rep, project=theirs, contact=contact, role="user", stance="unknown")
    assert list(Conflict.objects.unresolved().values_list("kind", flat=True)) == [ConflictKind.SHARED_CONTACT]


def test_resolution_assigns_one_owner_and_records_who_and_why(rep, other_rep, lead):
    customer = CustomerFactory(owner=rep)
    _create(rep, customer, name="CRM 系统")
    theirs = _create(other_rep, customer, name="呼叫中心")
    conflict = services.conflict_resolve(
        user=lead, conflict=Conflict.objects.get(), resolution=Resolution.ASSIGN_OWNER, owner=rep
    )
    assert (conflict.resolved_by, conflict.resolution) == (lead, Resolution.ASSIGN_OWNER)
    theirs.refresh_from_db()
    assert theirs.owner == rep
    change = OwnerChange.objects.get(project=theirs)
    assert (change.from_user, change.to_user, change.changed_by) == (other_rep, rep, lead)


def test_resolution_merges_projects(rep, other_rep, lead):
    customer = CustomerFactory(owner=rep)
    keep = _create(rep, customer, procurement=None)
    services.procurement_item_save(user=rep, project=keep, data={"item": "A", "quantity": 1, "unit_price": 10})
    other = _create(other_rep, customer, name="数据中台建设")
    services.procurement_item_save(user=other_rep, project=other, data={"item": "B", "quantity": 2, "unit_price": 5})
    conflict = services.conflict_resolve(
        user=lead, conflict=Conflict.objects.get(), resolution=Resolution.MERGED, keep=keep
    )
    assert not Project.objects.filter(pk=other.pk).exists()
    assert sorted(keep.procurement_items.values_list("item", flat=True)) == ["A", "B"]
    assert conflict.resolution == Resolution.MERGED and conflict.is_resolved


def test_reps_and_other_teams_leads_cannot_resolve(rep, other_rep, other_lead):
    customer = CustomerFactory(owner=rep)
    _create(rep, customer, name="CRM 系统")
    _create(other_rep, customer, name="呼叫中心")
    for user in (rep, other_lead):
        with pytest.raises(DomainError):
            services.conflict_resolve(user=user, conflict=Conflict.objects.get(), resolution=Resolution.SEPARATE)


def test_stale_version_is_refused(rep, lead):
    project = ProjectFactory(owner=rep, customer=CustomerFactory(owner=rep))
    services.project_update(user=lead, project=project, data={"scope": "主管改的"}, version=1)
    with pytest.raises(ConflictError):
        services.project_update(user=rep, project=project, data={"scope": "销售改的"}, version=1)
    assert Project.objects.get(pk=project.pk).scope == "主管改的"


def test_transfer_is_for_leads_and_needs_a_reason(rep, other_rep, lead):
    project = ProjectFactory(customer=CustomerFactory(owner=rep))
    with pytest.raises(DomainError):
        services.project_transfer(user=rep, project=project, to_user=other_rep, reason="休假")
    with pytest.raises(DomainError) as error:
        services.project_transfer(user=lead, project=project, to_user=other_rep, reason=" ")
    assert "reason" in error.value.message_dict
    services.project_transfer(user=lead, project=project, to_user=other_rep, reason="张伟休产假")
    assert Project.objects.get(pk=project.pk).owner == other_rep


def test_manual_checklist_ticks_record_who(rep):
    project = ProjectFactory(customer=CustomerFactory(owner=rep))
    item = ChecklistItem.objects.get(key="competitors")
    services.checklist_tick(user=rep, project=project, item=item, done=True)
    assert project.ticks.get().ticked_by == rep
    with pytest.raises(DomainError):
        services.checklist_tick(user=rep, project=project, item=ChecklistItem.objects.get(key="scope"), done=True)


@pytest.mark.django_db(transaction=True)
def test_two_reps_creating_the_same_project_at_once_record_one_conflict(rep, other_rep):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    customer = CustomerFactory(owner=rep)
    barrier = threading.Barrier(2)
    errors = []

    def create(user):
        try:
            barrier.wait()
            services.project_create(user=user, customer=customer, data={"name": "智慧园区一期"})
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(user,)) for user in (rep, other_rep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Project.objects.count() == 2
    assert list(Conflict.objects.values_list("kind", flat=True)) == [ConflictKind.DUPLICATE_PROJECT]
