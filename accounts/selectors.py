"""Reads with a business rule: duplicate detection, one set of rules for the form, the API and the import."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact, Customer
from accounts.normalize import (
    company_core,
    normalize_company_name,
    normalize_credit_code,
    normalize_email,
    normalize_mobile,
)
from teams.models import User

# Normalised names at least this similar are "probably the same company".
SIMILARITY_THRESHOLD = 0.6

MATCH_REASONS = {
    "credit_code": _("same unified social credit code"),
    "name": _("same name"),
    "similar_name": _("very similar name"),
    "contact_mobile": _("a contact's mobile is already on this customer"),
    "contact_email": _("a contact's e-mail is already on this customer"),
}


@dataclass(frozen=True)
class DuplicateMatch:
    customer_id: int
    customer_name: str
    owner_id: int
    owner_name: str
    reason: str
    normalized_name: str = field(default="", compare=False)

    @property
    def reason_label(self):
        return MATCH_REASONS[self.reason]

    def for_user(self, user, visible_ids):
        """What this user may learn: the owner always; the customer's name only within scope."""
        payload = {"id": self.customer_id, "owner": self.owner_id, "owner_name": self.owner_name, "reason": self.reason}
        if self.customer_id in visible_ids:
            payload["name"] = self.customer_name
        return payload


def matches_for(user, matches) -> list[dict]:
    """What ``user`` may learn of each match: always who owns it; the customer's name only within scope."""
    visible = visible_customer_ids(user, {m.customer_id for m in matches})
    return [match.for_user(user, visible) for match in matches]


# Lookups of many values at once go to the database in chunks of this size.
BATCH_SIZE = 1000
# Small chunks for contacts: with a long IN list PostgreSQL prefers the trigram index on mobile to the
# btree, which is a hundred times slower for equality.
CONTACT_BATCH_SIZE = 200
# How many candidates of each kind are ranked before the best few are kept.
CANDIDATES = 50
# How many probable duplicates one customer is shown at most.
DUPLICATE_LIMIT = 5

_OWNER_NAME_FIELDS = ("username", "display_name", "first_name", "last_name")  # what User.name reads
_OWNER_FIELDS = ("owner__id", *[f"owner__{name}" for name in _OWNER_NAME_FIELDS])


def _chunks(values: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _match(customer: Customer, reason: str) -> DuplicateMatch:
    # A customer in the public pool has no owner: the warning says where it is instead.
    owner_name = customer.owner.name if customer.owner_id else str(_("the public pool"))
    return DuplicateMatch(customer.id, customer.name, customer.owner_id, owner_name, reason, customer.normalized_name)


def customers_by(field_name, values, *, reason, per_value=None, exclude_ids=()) -> dict[str, list[DuplicateMatch]]:
    """Customers whose ``field_name`` (credit_code, normalized_name or core_name) is one of ``values``:
    value -> matches, most recently updated first, at most ``per_value`` each. Any number of values."""
    found: dict[str, list[DuplicateMatch]] = {}
    base = Customer.objects.exclude(pk__in=exclude_ids) if exclude_ids else Customer.objects.all()
    for chunk in _chunks(sorted(values)):
        rows = (
            base.filter(**{f"{field_name}__in": chunk})
            .select_related("owner")
            .only("id", "name", "normalized_name", field_name, *_OWNER_FIELDS)
            .order_by(field_name, "-updated_at", "-id")
        )
        for row in rows:
            matches = found.setdefault(getattr(row, field_name), [])
            if per_value is None or len(matches) < per_value:
                matches.append(_match(row, reason))
    return found


def customers_by_contact(field_name, values, *, reason, exclude_ids=()) -> dict[str, list[DuplicateMatch]]:
    """Customers with a person whose ``field_name`` (mobile or email, normalised) is one of ``values``."""
    found: dict[str, list[DuplicateMatch]] = {}
    contacts = Contact.objects.exclude(customer_id__in=exclude_ids) if exclude_ids else Contact.objects.all()
    for chunk in _chunks(sorted(values), CONTACT_BATCH_SIZE):
        rows = (
            contacts.filter(**{f"{field_name}__in": chunk})
            .select_related("customer__owner")
            .only(
                field_name,
                "customer__id",
                "customer__name",
                "customer__normalized_name",
                *[f"customer__{f}" for f in _OWNER_FIELDS],
            )
            .order_by("-customer__updated_at", "-customer_id")
        )
        for contact in rows:
            matches = found.setdefault(getattr(contact, field_name), [])
            if all(m.customer_id != contact.customer_id for m in matches):
                matches.append(_match(contact.customer, reason))
    return found


def similar_customers(names: dict, *, limit: int, exclude: dict | None = None) -> dict:
    """Key -> customers with a very similar name, for any number of names in a few queries.

    The same 字号 (brand core; works on every database) and, on PostgreSQL, trigram-similar normalised
    names (typos, reordered words; GIN-index backed), ranked together by how close the normalised names
    are; at most ``limit`` per name. ``names``: key -> name as typed; ``exclude``: key -> ids of
    customers not to offer again (already matched by a stronger rule)."""
    exclude = exclude or {}
    normalized = {key: normalize_company_name(name) for key, name in names.items()}
    candidates: dict = {key: {} for key in names}
    cores: dict[str, list] = {}
    for key, name in names.items():
        core = company_core(name)
        if core and core != normalized[key]:
            cores.setdefault(core, []).append(key)
    for core, rows in customers_by("core_name", set(cores), reason="similar_name", per_value=CANDIDATES).items():
        for key in cores[core]:
            candidates[key].update((m.customer_id, m) for m in rows)
    trigram = {key: text for key, text in normalized.items() if len(text) >= 3}
    if connection.vendor == "postgresql" and trigram:
        for key, match in _trigram_similar(trigram):
            candidates[key].setdefault(match.customer_id, match)
    found = {}
    for key, by_id in candidates.items():
        ranked = sorted(
            (m for m in by_id.values() if m.customer_id not in exclude.get(key, ())),
            key=lambda m, key=key: (-SequenceMatcher(None, normalized[key], m.normalized_name).ratio(), m.customer_id),
        )
        if ranked:
            found[key] = ranked[:limit]
    return found


def _trigram_similar(names: dict) -> Iterator[tuple[object, DuplicateMatch]]:
    """(key, match) for the customers whose normalised name is trigram-similar to each of ``names``."""
    customer, user = Customer._meta.db_table, User._meta.db_table
    sql = f"""
        SELECT q.i, c.id, c.name, c.normalized_name, u.id, u.username, u.display_name, u.first_name, u.last_name
        FROM unnest(%s::int[], %s::text[]) AS q(i, name)
        CROSS JOIN LATERAL (
            SELECT id, name, normalized_name, owner_id FROM {customer}
            WHERE normalized_name %% q.name
            ORDER BY similarity(normalized_name, q.name) DESC
            LIMIT {CANDIDATES}
        ) AS c
        LEFT JOIN {user} AS u ON u.id = c.owner_id
    """  # noqa: S608 - table names from the models, values as parameters
    keys = list(names)
    with transaction.atomic(), connection.cursor() as cursor:  # the threshold is set for this transaction only
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(SIMILARITY_THRESHOLD)])
        for chunk in _chunks(range(len(keys))):
            cursor.execute(sql, [chunk, [names[keys[index]] for index in chunk]])
            for index, customer_id, name, normalized, owner_id, *owner in cursor.fetchall():
                person = User(id=owner_id, **dict(zip(_OWNER_NAME_FIELDS, owner, strict=True))) if owner_id else None
                row = Customer(id=customer_id, name=name, normalized_name=normalized, owner=person)
                yield keys[index], _match(row, "similar_name")


def visible_customer_ids(user, ids) -> set[int]:
    """Which of these customers ``user`` may see (any number of ids)."""
    visible: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        visible.update(Customer.objects.visible_to(user).filter(pk__in=chunk).values_list("pk", flat=True))
    return visible


def find_duplicates(*, name="", credit_code="", mobiles=(), emails=(), exclude_id=None, limit=DUPLICATE_LIMIT):
    """Existing customers that are probably the one being entered, strongest evidence first.

    The rules are the functions above; the import runs them for a whole file at once."""
    found: dict[int, DuplicateMatch] = {}
    exclude = {exclude_id} if exclude_id else set()

    def add(matches):
        for match in matches:
            found.setdefault(match.customer_id, match)

    code = normalize_credit_code(credit_code)
    if code:
        add(
            customers_by("credit_code", {code}, reason="credit_code", per_value=limit, exclude_ids=exclude).get(
                code, []
            )
        )
    normalized = normalize_company_name(name)
    if normalized:
        same_name = customers_by("normalized_name", {normalized}, reason="name", per_value=limit, exclude_ids=exclude)
        add(same_name.get(normalized, []))
        if len(found) < limit:
            add(similar_customers({0: name}, limit=limit - len(found), exclude={0: exclude | set(found)}).get(0, []))
    for field_name, reason, values in (
        ("mobile", "contact_mobile", {m for m in map(normalize_mobile, filter(None, mobiles)) if m}),
        ("email", "contact_email", {e for e in map(normalize_email, filter(None, emails)) if e}),
    ):
        if values:
            for matches in customers_by_contact(field_name, values, reason=reason, exclude_ids=exclude).values():
                add(matches)
    return list(found.values())[:limit]


def contact_duplicates(*, mobile="", email="", exclude_customer_id=None):
    """Other customers that already have a person with this mobile or e-mail."""
    return [
        match
        for match in find_duplicates(mobiles=[mobile], emails=[email], exclude_id=exclude_customer_id)
        if match.customer_id != exclude_customer_id
    ]
