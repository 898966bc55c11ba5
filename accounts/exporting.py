"""Customer list export to CSV and XLSX, in the import template's format so an export can be imported again.

One row per contact (a customer without people is one row), the customer's
columns repeated on each; region as "省-市-区" names; choices as their Chinese
names. Callers pass a queryset that starts from ``Customer.objects.visible_to(user)``
(the list's ``CustomerFilter(...).qs``); this module only adds the prefetching:
two queries per :data:`CHUNK_SIZE` customers, however many contacts they have.
"""

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from accounts import regions
from accounts.choices import BuyingRole, CustomerLevel, CustomerSource, DepartmentKind, Industry
from accounts.importing import (
    CONTENT_TYPES,
    CSV,
    TEMPLATE_COLUMNS,
    XLSX,
    choice_text,
    csv_lines,
    xlsx_bytes,
    yes_no_text,
)
from accounts.models import Contact, Customer
from accounts.serializers import CustomerSerializer
from teams.audit import AuditAction, audit_record

CHUNK_SIZE = 2000

HEADERS = [column.header for column in TEMPLATE_COLUMNS]
# Columns left empty for a customer seen only through one's own project: what the API hides too.
LIMITED_HIDDEN = [key for key in CustomerSerializer.LIMITED_HIDDEN if key in {c.key for c in TEMPLATE_COLUMNS}]


def _customer_cells(customer: Customer) -> dict[str, str]:
    return {
        "name": customer.name,
        "credit_code": customer.credit_code,
        "industry": choice_text(Industry, customer.industry),
        "level": choice_text(CustomerLevel, customer.level),
        "source": choice_text(CustomerSource, customer.source),
        "region": regions.full_name(customer.province, customer.city, customer.district, sep="-"),
        "address": customer.address,
        "website": customer.website,
        "notes": customer.notes,
        "owner": customer.owner.username if customer.owner_id else "",  # empty: in the public pool
    }


def _contact_cells(contact: Contact) -> dict[str, str]:
    department = contact.department
    return {
        "contact_name": contact.name,
        "department": department.name if department else "",
        "department_kind": choice_text(DepartmentKind, department.kind) if department else "",
        "title": contact.title,
        "mobile": contact.mobile,
        "landline": contact.landline,
        "email": contact.email,
        "wechat": contact.wechat,
        "buying_role": choice_text(BuyingRole, contact.buying_role),
        "has_left": yes_no_text(contact.has_left),
        "contact_notes": contact.notes,
    }


def export_queryset(queryset: QuerySet, *, user) -> QuerySet:
    """The customers with what the rows need, fetched in bulk (no query per customer or contact).

    Contacts are scoped too: on a customer seen only through one's own project, just the people
    on that project's buying committee."""
    contacts = Contact.objects.visible_to(user).select_related("department").order_by("id")
    return queryset.select_related("owner").prefetch_related(Prefetch("contacts", queryset=contacts))


def customer_rows(queryset: QuerySet, *, user) -> Iterator[list[str]]:
    """Rows in :data:`HEADERS` order, one per contact."""
    keys = [column.key for column in TEMPLATE_COLUMNS]
    for customer in export_queryset(queryset, user=user).iterator(chunk_size=CHUNK_SIZE):
        cells = _customer_cells(customer)
        if not customer.fully_visible_to(user):
            # The limited view (a customer seen through one's own project): the company, not its details.
            cells.update(dict.fromkeys(LIMITED_HIDDEN, ""))
        contacts = list(customer.contacts.all())
        if not contacts:
            yield [cells.get(key, "") for key in keys]
        for contact in contacts:
            row = {**cells, **_contact_cells(contact)}
            yield [row.get(key, "") for key in keys]


def _batched(lines: Iterator[str], size: int = 500) -> Iterator[bytes]:
    """A few hundred lines per chunk rather than one write per row."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


def export_filename(fmt: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = _("customers")
    return f"{name}-{stamp}.{fmt}"


def export_response(queryset: QuerySet, fmt: str, *, user, request=None) -> HttpResponse | StreamingHttpResponse:
    """A download of the customers: CSV streamed row by row, XLSX built in write-only mode."""
    filename = export_filename(fmt)
    count = queryset.count()
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        summary=_("%(count)s customers exported (%(format)s)") % {"count": count, "format": fmt},
        detail={"kind": "customers", "rows": count, "format": fmt},
        request=request,
    )
    rows = customer_rows(queryset, user=user)
    if fmt == XLSX:
        response = HttpResponse(xlsx_bytes([(_("Customers"), HEADERS, rows)]), content_type=CONTENT_TYPES[XLSX])
    else:
        response = StreamingHttpResponse(_batched(csv_lines(HEADERS, rows)), content_type=CONTENT_TYPES[CSV])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response
