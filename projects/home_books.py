"""The admin's start page flags deactivated users who still own customers or open projects,
each with a link to the book transfer page, until the book has been moved."""

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from projects.models import Project
from teams.models import User


def _count(model, **filters):
    counted = model.objects.filter(owner=OuterRef("pk"), **filters).values("owner").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def orphaned_books_section(request):
    """One query: inactive users with their customer and open-project counts."""
    if not request.user.is_admin:
        return None
    users = list(
        User.objects.filter(is_active=False)
        .annotate(customer_count=_count(Customer), project_count=_count(Project, closed_at__isnull=True))
        .filter(Q(customer_count__gt=0) | Q(project_count__gt=0))
        .order_by("-customer_count", "username")
    )
    if not users:
        return None
    return {"template": "projects/includes/home_orphaned_books.html", "users": users}


def member_book_sizes(users):
    """The team page's figures per member (``teams.books``): customers owned, open
    projects owned, and open projects whose next contact is overdue — subqueries of
    the one member query."""
    return users.annotate(
        customer_count=_count(Customer),
        project_count=_count(Project, closed_at__isnull=True),
        overdue_count=_count(Project, closed_at__isnull=True, next_contact_on__lt=timezone.localdate()),
    )


BOOK_COLUMNS = [
    ("customer_count", _("Customers")),
    ("project_count", _("Open projects")),
    ("overdue_count", _("Overdue next contacts")),
]
