"""The customer import's write: customers, their departments and contacts created in bulk, a batch at a
time, with their history rows (one historical row per record, as ``services.customer_create`` leaves,
naming the importing user, copied set-wise by ``teams.bulk.history_rows_insert``) and the completeness
score computed in memory. The customers are the instances the check validated (normalised once).

What ``customer_create`` checks per customer the import's check has done for the whole file, in the same
transaction: the models' validation, the duplicate rules set-wise (``duplicates.find_in_database``); the
credit code's unique constraint still refuses one saved meanwhile (an ``IntegrityError`` ending the write)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts import completeness
from accounts.choices import DepartmentKind
from accounts.importing.base import BATCH_SIZE, write_in_batches
from accounts.models import Contact, Customer, Department
from accounts.services import CONTACT_FIELDS
from teams.bulk import history_rows_insert

if TYPE_CHECKING:
    from accounts.importing.checking import Group


def _department_name(data: dict) -> str:
    return (data.get("department") or "").strip()


def _customer(group: Group) -> Customer:
    customer = group.customer  # built, normalised and validated by the check
    people = []
    for _row, data in group.contacts:
        if data.get("has_left"):
            continue
        people.append(
            completeness.Person(
                buying_role=data.get("buying_role") or Contact._meta.get_field("buying_role").default,
                # A department is one name per customer: the name stands for its id here.
                department_id=_department_name(data) or None,
                department_kind=_department_kinds(group).get(_department_name(data)),
                reachable=bool(data.get("_mobile") or data.get("landline") or data.get("wechat")),
            )
        )
    customer.completeness = completeness.score(
        completeness.evaluate(
            industry=customer.industry,
            province=customer.province,
            city=customer.city,
            address=customer.address,
            people=people,
        )
    )
    return customer


def _department_kinds(group: Group) -> dict[str, str]:
    """Department name -> its kind: the first row naming the department decides, as ``_department_for``."""
    kinds: dict[str, str] = {}
    for _row, data in group.contacts:
        name = _department_name(data)
        if name:
            kinds.setdefault(name, data.get("department_kind") or DepartmentKind.OTHER)
    return kinds


def _bulk_create(model, objs: list, *, user) -> None:
    model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
    history_rows_insert(model, [obj.pk for obj in objs], user=user)


def _write_batch(*, user, groups: list[Group]) -> list[int]:
    customers = [_customer(group) for group in groups]
    _bulk_create(Customer, customers, user=user)
    departments: dict[tuple[int, str], Department] = {}
    for customer, group in zip(customers, groups, strict=True):
        for name, kind in _department_kinds(group).items():
            department = Department(customer=customer, name=name, kind=kind)
            department.normalize()
            departments[(customer.pk, name)] = department
    _bulk_create(Department, list(departments.values()), user=user)
    contacts = []
    for customer, group in zip(customers, groups, strict=True):
        for _row, data in group.contacts:
            contact = Contact(
                customer=customer,
                department=departments.get((customer.pk, _department_name(data))),
                **{k: v for k, v in data.items() if k in CONTACT_FIELDS and v is not None},
            )
            contact.normalize()
            contacts.append(contact)
    _bulk_create(Contact, contacts, user=user)
    return [customer.pk for customer in customers]


def customers_bulk_create(*, user, groups: list[Group], run=None) -> list[int]:
    """Create the customers of ``groups`` (the import check's); returns their ids in the file's order.
    ``run`` (``teams.jobs.JobRun``) hears each batch and may cancel between batches: the caller's
    transaction is then rolled back whole."""
    return write_in_batches(groups, lambda batch: _write_batch(user=user, groups=batch), run=run)
