"""Writes on customers, departments and contacts.

Each service validates everything before writing, runs in one transaction,
records who changed what (django-simple-history) and raises
``teams.errors.DomainError`` (400) or ``ConflictError`` (409) — never a half
saved customer.
"""

from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import completeness
from accounts.models import Contact, Customer, CustomerDisclosure, Department
from accounts.selectors import find_duplicates, matches_for
from teams.audit import audit_merge
from teams.errors import ConflictError, DomainError, collect_errors, validated
from teams.models import User
from teams.ownership import check_owner, record_hand_over
from teams.versioning import check_version

CUSTOMER_FIELDS = (
    "name",
    "credit_code",
    "industry",
    "level",
    "source",
    "province",
    "city",
    "district",
    "address",
    "website",
    "notes",
)
CONTACT_FIELDS = (
    "name",
    "title",
    "mobile",
    "landline",
    "email",
    "wechat",
    "buying_role",
    "has_left",
    "notes",
)


class DuplicateCustomer(ConflictError):
    """The customer seems to exist already. ``data["duplicate_of"]`` says which and who owns it.

    A match on the unified social credit code is final (one record per company,
    confirming does not override it): its message says so, under ``credit_code``."""

    def __init__(self, matches, *, user):
        first = matches[0]
        described = matches_for(user, matches)
        if first.reason == "credit_code":
            message = {
                "credit_code": [
                    _(
                        "This unified social credit code belongs to an existing customer, owned by %(owner)s. "
                        "A company is entered only once: add your project to that customer instead."
                    )
                    % {"owner": first.owner_name}
                ]
            }
        else:
            message = _("This customer already exists (%(reason)s), owned by %(owner)s.") % {
                "reason": first.reason_label,
                "owner": first.owner_name,
            }
        super().__init__(message, data={"duplicate_of": described[0], "duplicates": described}, code="duplicate")
        self.matches = matches


def _refuse_duplicates(matches, *, user):
    """Tell ``user`` about the existing customers (they may now add a project to
    one) and refuse: the disclosure is written outside any rolled-back write."""
    CustomerDisclosure.objects.bulk_create(
        [CustomerDisclosure(user=user, customer_id=m.customer_id) for m in matches], ignore_conflicts=True
    )
    raise DuplicateCustomer(matches, user=user)


def customer_check_credit_code(*, user: User, credit_code: str, exclude_id: int | None = None) -> None:
    """Raise DuplicateCustomer (409, naming the owner) when another customer holds this credit code.
    Judged here rather than by the unique constraint, whose message cannot say who owns it."""
    if credit_code and (matches := find_duplicates(credit_code=credit_code, exclude_id=exclude_id)):
        raise DuplicateCustomer(matches, user=user)


def customer_refresh_completeness(*, customer: Customer) -> int:
    value = completeness.score(completeness.evaluate_customer(customer))
    if value != customer.completeness:
        Customer.objects.filter(pk=customer.pk).update(completeness=value)
        customer.completeness = value
    return value


def _department_for(customer: Customer, *, name: str, kind: str | None, user: User, prefix: str) -> Department | None:
    """Find the customer's department by name, or create it."""
    name = (name or "").strip()
    if not name:
        return None
    department = Department.objects.filter(customer=customer, name=name).first()
    if department is None:
        department = Department(customer=customer, name=name, kind=kind or Department._meta.get_field("kind").default)
        validated(department, prefix=prefix)
        department._history_user = user
        department.save()
    return department


def _raise_integrity(error: IntegrityError, *, user: User, customer: Customer):
    if "credit_code" in str(error):
        # Someone saved the same code a moment ago: name them, as the check before the save would have.
        customer_check_credit_code(user=user, credit_code=customer.credit_code, exclude_id=customer.pk)
        raise DomainError({"credit_code": _("A customer with this unified social credit code already exists.")})
    raise error


def customer_create(
    *,
    user: User,
    data: dict,
    owner: User | None = None,
    department: dict | None = None,
    contacts: list[dict] | None = None,
    confirm_duplicate: bool = False,
) -> Customer:
    """Create a customer, optionally with its first department and people, in one step.

    ``department``: ``{"name", "kind"}``; each contact dict holds contact fields
    and may name its ``department`` (found or created) and ``department_kind``.
    Unless ``confirm_duplicate``, a probable duplicate raises
    :class:`DuplicateCustomer` naming the existing customer's owner.
    """
    owner = owner or user
    check_owner(user=user, owner=owner)
    customer = Customer(owner=owner, **{k: v for k, v in data.items() if k in CUSTOMER_FIELDS})
    contacts = contacts or []
    people = [Contact(customer=customer) for _item in contacts]
    # Validate everything before writing anything, and report every bad field at once.
    # Uniqueness is judged below, by the duplicate check, so it can answer "who owns it".
    errors = collect_errors(
        lambda: validated(customer, exclude=["owner", "team"], validate_constraints=False),
        *[
            partial(_contact_instance, person, item, prefix=f"contacts.{i}.")
            for i, (person, item) in enumerate(zip(people, contacts, strict=True))
        ],
    )
    if errors:
        raise DomainError(errors)
    if confirm_duplicate:
        # Confirming does not override the strongest key: one record per company.
        matches = find_duplicates(credit_code=customer.credit_code)
    else:
        matches = find_duplicates(
            name=customer.name,
            credit_code=customer.credit_code,
            mobiles=[p.mobile for p in people],
            emails=[p.email for p in people],
        )
    if matches:
        _refuse_duplicates(matches, user=user)
    with transaction.atomic():
        _save_new_customer(customer, user=user, department=department, people=people, contacts=contacts)
    return customer


# Callables ``(*, customers)`` (ids) that higher apps register (in their ``AppConfig.ready``) to
# react, inside the transaction, to customers getting a new owner (created, handed over,
# transferred): the pipeline restarts their countdown to the pool.
CUSTOMER_OWNER_HOOKS = []


def customers_owner_changed(*, customer_ids) -> None:
    """Restart the countdown of customers that just got an owner: ``taken_at`` now, then the hooks."""
    ids = list(customer_ids)
    if not ids:
        return
    Customer.objects.filter(pk__in=ids).update(taken_at=timezone.now())
    for hook in CUSTOMER_OWNER_HOOKS:
        hook(customers=ids)


def _save_new_customer(customer, *, user, department, people, contacts):
    customer._history_user = user
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as error:
        _raise_integrity(error, user=user, customer=customer)
    first_department = None
    if department and (department.get("name") or "").strip():
        first_department = _department_for(
            customer, name=department["name"], kind=department.get("kind"), user=user, prefix="department."
        )
    for i, (contact, item) in enumerate(zip(people, contacts, strict=True)):
        contact.customer = customer
        contact.department = (
            _department_for(
                customer,
                name=item.get("department", ""),
                kind=item.get("department_kind"),
                user=user,
                prefix=f"contacts.{i}.",
            )
            or first_department
        )
        contact._history_user = user
        contact.save()
    customer_refresh_completeness(customer=customer)
    customers_owner_changed(customer_ids=[customer.pk])


@transaction.atomic
def customer_update(
    *, user: User, customer: Customer, data: dict, version: int | None = None, owner: User | None = None
) -> Customer:
    """Change a customer's fields. A stale ``version`` raises ConflictError (409) and writes nothing."""
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    check_version(
        current=locked.version, expected=version, current_data={f: getattr(locked, f) for f in CUSTOMER_FIELDS}
    )
    for field, value in data.items():
        if field in CUSTOMER_FIELDS:
            setattr(locked, field, value)
    owner_changes = owner is not None and owner.pk != locked.owner_id
    if owner_changes:
        if not (user.is_admin or user.is_lead):
            raise DomainError({"owner": _("Only a lead or an admin can change the owner.")})
        check_owner(user=user, owner=owner)
        locked.owner = owner
    validated(locked, exclude=["owner", "team"], validate_constraints=False)
    if "credit_code" in data:
        customer_check_credit_code(user=user, credit_code=locked.credit_code, exclude_id=locked.pk)
    locked.version = F("version") + 1
    locked._history_user = user
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as error:
        _raise_integrity(error, user=user, customer=locked)
    locked.refresh_from_db()
    customer_refresh_completeness(customer=locked)
    if owner_changes:
        customers_owner_changed(customer_ids=[locked.pk])
        locked.refresh_from_db()
    return locked


def _contact_instance(contact: Contact, data: dict, *, prefix: str = "") -> Contact:
    for field, value in data.items():
        if field in CONTACT_FIELDS:
            setattr(contact, field, value if value is not None else "")
    return validated(contact, exclude=["customer", "department"], prefix=prefix)


@transaction.atomic
def contact_create(*, user: User, customer: Customer, data: dict) -> Contact:
    """Add a person. ``data`` may name a ``department`` (found or created) and its ``department_kind``,
    or carry a ``department_id`` of this customer."""
    contact = _contact_instance(Contact(customer=customer), data)
    contact.department = _resolve_department(customer, data, user=user)
    contact._history_user = user
    contact.save()
    Customer.objects.filter(pk=customer.pk).update(updated_at=contact.updated_at)
    customer_refresh_completeness(customer=customer)
    return contact


def _resolve_department(customer, data, *, user):
    department_id = data.get("department_id")
    if department_id:
        department = Department.objects.filter(customer=customer, pk=department_id).first()
        if department is None:
            raise DomainError({"department": _("Choose a department of this customer.")})
        return department
    return _department_for(
        customer, name=data.get("department", ""), kind=data.get("department_kind"), user=user, prefix=""
    )


@transaction.atomic
def contact_update(*, user: User, contact: Contact, data: dict, version: int | None = None) -> Contact:
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    check_version(
        current=locked.version, expected=version, current_data={f: getattr(locked, f) for f in CONTACT_FIELDS}
    )
    _contact_instance(locked, data)
    if "department" in data or "department_id" in data:
        locked.department = _resolve_department(locked.customer, data, user=user)
    locked.version = F("version") + 1
    locked._history_user = user
    locked.save()
    locked.refresh_from_db()
    customer_refresh_completeness(customer=locked.customer)
    return locked


@transaction.atomic
def contact_delete(*, user: User, contact: Contact) -> None:
    customer = contact.customer
    contact._history_user = user
    contact.delete()
    customer_refresh_completeness(customer=customer)


@transaction.atomic
def department_create(
    *, user: User, customer: Customer, name: str, kind: str, parent: Department | None = None
) -> Department:
    if parent is not None and parent.customer_id != customer.pk:
        raise DomainError({"parent": _("Choose a department of this customer.")})
    department = Department(customer=customer, name=name, kind=kind, parent=parent)
    validated(department)
    department._history_user = user
    department.save()
    customer_refresh_completeness(customer=customer)
    return department


@transaction.atomic
def department_update(
    *, user: User, department: Department, name: str, kind: str, parent: Department | None = None
) -> Department:
    if parent is not None:
        if parent.customer_id != department.customer_id:
            raise DomainError({"parent": _("Choose a department of this customer.")})
        ancestor = parent
        while ancestor is not None:
            if ancestor.pk == department.pk:
                raise DomainError({"parent": _("A department cannot sit under itself.")})
            ancestor = ancestor.parent
    department.name, department.kind, department.parent = name, kind, parent
    validated(department)
    department._history_user = user
    department.save()
    customer_refresh_completeness(customer=department.customer)
    return department


@transaction.atomic
def department_delete(*, user: User, department: Department) -> None:
    """People of a deleted department stay with the customer, without a department."""
    customer = department.customer
    department._history_user = user
    department.delete()
    customer_refresh_completeness(customer=customer)


@transaction.atomic
def customer_transfer(*, user: User, customer: Customer, to_user: User, reason: str) -> Customer:
    """A lead (within the team) or an admin gives a customer to another owner; who, when and why
    are kept in the customer's history."""
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.owner_id is None:
        raise DomainError(_("This customer is in the pool: claim it from there."))
    record_hand_over(user=user, record=locked, to_user=to_user, reason=reason)
    customers_owner_changed(customer_ids=[locked.pk])
    locked.refresh_from_db()
    return locked


# Callables ``(*, user, target, moved)`` that higher apps register (in their
# ``AppConfig.ready``) to react to a merge inside its transaction, with the target
# still locked; ``moved`` maps each model that pointed at the source to the pks
# of its rows now on the target (projects: re-check them for conflicts).
CUSTOMER_MERGE_HOOKS = []


@transaction.atomic
def customer_merge(*, user: User, target: Customer, source: Customer) -> Customer:
    """Merge ``source`` into ``target``: people, departments and every other record pointing at the
    source (projects, once they exist) move over; blank fields of the target are filled from the
    source; the source is deleted, its history kept. All or nothing. Leads and admins only."""
    source_id, source_name = source.pk, source.name
    if not (user.is_admin or user.is_lead):
        raise DomainError(_("Only a lead or an admin can merge customers."))
    if target.pk == source.pk:
        raise DomainError({"source": _("Choose two different customers.")})
    # Both must be the user's to change: seeing a customer through a project is not enough.
    editable = Customer.objects.editable_by(user).select_for_update()
    locked = {customer.pk: customer for customer in editable.filter(pk__in=[target.pk, source.pk]).order_by("pk")}
    for field, customer in (("target", target), ("source", source)):
        if customer.pk not in locked:
            raise DomainError({field: _("Choose a customer you can see (type its name and pick it).")})
    target, source = locked[target.pk], locked[source.pk]
    # Departments: same name → one department; the rest move as they are.
    target_departments = {d.name: d for d in target.departments.all()}
    for department in source.departments.all():
        twin = target_departments.get(department.name)
        if twin is None:
            Department.objects.filter(pk=department.pk).update(customer=target)
        else:
            Contact.objects.filter(department=department).update(department=twin)
            Department.objects.filter(parent=department).update(parent=twin)
            department.delete()
    Contact.objects.filter(customer=source).update(customer=target)
    # Anything else that points at a customer (projects, activities...) follows, whatever app it lives in.
    moved = {}
    for relation in Customer._meta.related_objects:
        if relation.related_model in (Contact, Department) or not relation.one_to_many:
            continue
        rows = relation.related_model._base_manager.filter(**{relation.field.name: source})
        moved[relation.related_model] = list(rows.values_list("pk", flat=True))
        rows.update(**{relation.field.name: target})
    source_code = source.credit_code
    for field in ("industry", "source", "province", "city", "district", "address", "website"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
    if source.notes:
        target.notes = "\n\n".join(filter(None, [target.notes, f"[{source.name}] {source.notes}"]))
    source._history_user = user
    source._change_reason = f"merged into #{target.pk} {target.name}"
    source.delete()
    if not target.credit_code and source_code:
        target.credit_code = source_code
    target.version = F("version") + 1
    target._history_user = user
    target._change_reason = f"merged #{source.pk} {source.name}"
    target.save()
    target.refresh_from_db()
    customer_refresh_completeness(customer=target)
    for hook in CUSTOMER_MERGE_HOOKS:
        hook(user=user, target=target, moved=moved)
    audit_merge(user=user, target=target, source_id=source_id, source_name=source_name)
    return target
