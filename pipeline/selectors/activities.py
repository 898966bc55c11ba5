"""Reads behind logging a contact: whom it may be with, and on what it may be logged."""

from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from accounts.choices import BuyingRole
from accounts.models import Contact, Customer
from projects.models import Project, Stakeholder
from teams.models import User

# How many matches the "log a contact on…" picker offers at once.
PICKER_LIMIT = 20


def contacts_to_log(*, user: User, customer: Customer, project: Project | None = None) -> list[Contact]:
    """The customer's current people the user may see (to log a contact with, or to
    say who attended a key date), the project's buying committee first (decision
    makers leading), each with ``committee_role`` ("" off the committee). One query."""
    contacts = Contact.objects.current().of_customer_visible_to(customer, user)
    if project is None:
        return list(contacts.annotate(committee_role=Value("")).order_by("name", "id"))
    role = Stakeholder.objects.filter(project=project, contact=OuterRef("pk")).values("role")[:1]
    rank = Case(
        *(When(committee_role=value, then=Value(index)) for index, value in enumerate(BuyingRole.values)),
        default=Value(len(BuyingRole.values)),
        output_field=IntegerField(),
    )
    return list(contacts.annotate(committee_role=Coalesce(Subquery(role), Value(""))).order_by(rank, "name", "id"))


def committee_first(people, stakeholders) -> list[Contact]:
    """``contacts_to_log``'s order and ``committee_role`` for people already read (by
    name): the committee first, decision makers leading, from the project's stakeholders."""
    roles = {}
    for stakeholder in sorted(stakeholders, key=lambda s: s.pk):
        roles.setdefault(stakeholder.contact_id, stakeholder.role)
    rank = {value: index for index, value in enumerate(BuyingRole.values)}
    for person in people:
        person.committee_role = roles.get(person.pk, "")
    return sorted(people, key=lambda person: rank.get(person.committee_role, len(rank)))  # stable: by name within


def projects_to_log(*, user: User, query: str = "") -> QuerySet:
    """Open projects the user may log a contact on: matching ``query``, or without
    one the next due first (admins, who may edit every project, must search)."""
    projects = Project.objects.editable_by(user).open().select_related("customer")
    if query:
        return projects.search(query).order_by("name", "id")[:PICKER_LIMIT]
    if user.is_admin:
        return projects.none()
    return projects.order_by("next_contact_on", "id")[:PICKER_LIMIT]


def customers_to_log(*, user: User, query: str) -> QuerySet:
    """Customers the user may log a contact on without a project (their own scope), matching ``query``."""
    if not query:
        return Customer.objects.none()
    return Customer.objects.editable_by(user).search(query, user=user).order_by("name", "id")[:PICKER_LIMIT]
