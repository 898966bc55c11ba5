"""Customer completeness (0–100): a documented checklist, weights add to 100.

The goal is "an organisation and a group of people", not one phone number: most
weight sits on named decision makers and key persons, and on people reachable
in more than one department. Only people still at the company count.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.choices import BuyingRole, DepartmentKind


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    weight: int
    # Where the rep fixes it: a field of the customer form, or the people section.
    fix: str
    # The same check worded as the next step, for the "what's missing" list.
    todo: str


CHECKLIST = [
    Check("industry", _("Industry recorded"), 10, "industry", _("Choose the industry")),
    Check("region", _("Province and city recorded"), 10, "province", _("Choose the province and city")),
    Check("address", _("Address recorded"), 10, "address", _("Add the street address")),
    Check("decision_maker", _("A decision maker named"), 20, "people", _("Name a decision maker")),
    Check("key_person", _("A key person named"), 15, "people", _("Name a key person")),
    Check(
        "two_departments", _("People in at least two departments"), 10, "people", _("Add people in a second department")
    ),
    Check(
        "finance_or_procurement",
        _("Someone in finance or procurement"),
        10,
        "people",
        _("Add someone in finance or procurement"),
    ),
    Check(
        "key_people_reachable",
        _("Every decision maker and key person has a phone or WeChat"),
        15,
        "people",
        _("Add a phone or WeChat for every decision maker and key person"),
    ),
]
assert sum(check.weight for check in CHECKLIST) == 100

PURSE_KINDS = {DepartmentKind.FINANCE, DepartmentKind.PROCUREMENT}
KEY_ROLES = {BuyingRole.DECISION_MAKER, BuyingRole.KEY_PERSON}


@dataclass(frozen=True)
class Person:
    """What completeness needs to know about one contact."""

    buying_role: str
    department_id: int | None
    department_kind: str | None
    reachable: bool


def evaluate(*, industry, province, city, address, people) -> list[tuple[Check, bool]]:
    """Each checklist item with whether it is met. ``people``: current contacts as :class:`Person`."""
    key_people = [p for p in people if p.buying_role in KEY_ROLES]
    departments = {p.department_id for p in people if p.department_id is not None}
    met = {
        "industry": bool(industry),
        "region": bool(province and city),
        "address": bool(address and address.strip()),
        "decision_maker": any(p.buying_role == BuyingRole.DECISION_MAKER for p in people),
        "key_person": any(p.buying_role == BuyingRole.KEY_PERSON for p in people),
        "two_departments": len(departments) >= 2,
        "finance_or_procurement": any(p.department_kind in PURSE_KINDS for p in people),
        "key_people_reachable": bool(key_people) and all(p.reachable for p in key_people),
    }
    return [(check, met[check.key]) for check in CHECKLIST]


def missing(items) -> list[Check]:
    """The unmet checks to show as next steps. "Reach every decision maker and key
    person" waits until someone is named: until then it is not a step of its own."""
    met = {check.key: ok for check, ok in items}
    nobody_named = not met.get("decision_maker") and not met.get("key_person")
    return [check for check, ok in items if not ok and not (check.key == "key_people_reachable" and nobody_named)]


def score(items) -> int:
    return sum(check.weight for check, ok in items if ok)


def person_of(contact) -> Person:
    department = contact.department
    return Person(
        buying_role=contact.buying_role,
        department_id=contact.department_id,
        department_kind=department.kind if department is not None else None,
        reachable=bool(contact.mobile or contact.landline or contact.wechat),
    )


def evaluate_customer(customer, contacts=None) -> list[tuple[Check, bool]]:
    """Checklist for a saved customer; pass ``contacts`` (with departments) if already loaded."""
    if contacts is None:
        contacts = customer.contacts.filter(has_left=False).select_related("department")
    people = [person_of(contact) for contact in contacts if not contact.has_left]
    return evaluate(
        industry=customer.industry,
        province=customer.province,
        city=customer.city,
        address=customer.address,
        people=people,
    )
