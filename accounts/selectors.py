"""Reads with a business rule: duplicate detection and a customer's edit history."""

from dataclasses import dataclass
from difflib import SequenceMatcher

from django.contrib.postgres.search import TrigramSimilarity
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
    visible = set(
        Customer.objects.visible_to(user).filter(pk__in=[m.customer_id for m in matches]).values_list("pk", flat=True)
    )
    return [match.for_user(user, visible) for match in matches]


def _matches(queryset, reason, limit):
    rows = queryset.select_related("owner").only(
        "id",
        "name",
        "owner__id",
        "owner__username",
        "owner__display_name",
        "owner__first_name",
        "owner__last_name",
    )[:limit]
    return [DuplicateMatch(row.id, row.name, row.owner_id, row.owner.name, reason) for row in rows]


# How many candidates of each kind are ranked before the best few are kept.
CANDIDATES = 50


def _similar_names(name, normalized, exclude_ids, limit):
    """Candidates with the same 字号 (brand core; works on every database) and, on
    PostgreSQL, with trigram-similar normalised names (typos, reordered words;
    GIN-index backed), all ranked together by how close the normalised names are."""
    base = Customer.objects.exclude(pk__in=exclude_ids).select_related("owner")
    candidates = {}
    core = company_core(name)
    if core and core != normalized:
        for row in base.filter(core_name=core)[:CANDIDATES]:
            candidates[row.pk] = row
    if connection.vendor == "postgresql" and len(normalized) >= 3:
        with transaction.atomic():  # the threshold is set for this transaction only
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(SIMILARITY_THRESHOLD)]
                )
            similar = (
                base.filter(normalized_name__trigram_similar=normalized)
                .annotate(similarity=TrigramSimilarity("normalized_name", normalized))
                .order_by("-similarity")[:CANDIDATES]
            )
            for row in similar:
                candidates.setdefault(row.pk, row)
    ranked = sorted(
        candidates.values(),
        key=lambda row: (-SequenceMatcher(None, normalized, row.normalized_name).ratio(), row.pk),
    )
    return [DuplicateMatch(row.id, row.name, row.owner_id, row.owner.name, "similar_name") for row in ranked[:limit]]


def find_duplicates(*, name="", credit_code="", mobiles=(), emails=(), exclude_id=None, limit=5):
    """Existing customers that are probably the one being entered, strongest evidence first."""
    found: dict[int, DuplicateMatch] = {}
    exclude = {exclude_id} if exclude_id else set()

    def add(matches):
        for match in matches:
            if match.customer_id not in found and match.customer_id not in exclude:
                found[match.customer_id] = match

    customers = Customer.objects.all()
    if exclude_id:
        customers = customers.exclude(pk=exclude_id)
    code = normalize_credit_code(credit_code)
    if code:
        add(_matches(customers.filter(credit_code=code), "credit_code", limit))
    normalized = normalize_company_name(name)
    if normalized:
        add(_matches(customers.filter(normalized_name=normalized), "name", limit))
        if len(found) < limit:
            add(_similar_names(name, normalized, exclude | set(found), limit - len(found)))
    mobiles = [m for m in (normalize_mobile(m) for m in mobiles if m) if m]
    if mobiles:
        owners = customers.filter(pk__in=Contact.objects.filter(mobile__in=mobiles).values("customer_id"))
        add(_matches(owners, "contact_mobile", limit))
    emails = [e for e in (normalize_email(e) for e in emails if e) if e]
    if emails:
        owners = customers.filter(pk__in=Contact.objects.filter(email__in=emails).values("customer_id"))
        add(_matches(owners, "contact_email", limit))
    return list(found.values())[:limit]


def contact_duplicates(*, mobile="", email="", exclude_customer_id=None):
    """Other customers that already have a person with this mobile or e-mail."""
    return [
        match
        for match in find_duplicates(mobiles=[mobile], emails=[email], exclude_id=exclude_customer_id)
        if match.customer_id != exclude_customer_id
    ]
