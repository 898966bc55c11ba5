"""The customers part of the start page (registered in accounts.apps)."""

from django.db.models import Avg, Count, Q

from accounts.models import Customer
from teams.models import Role, User


def customers_section(request):
    user = request.user
    if user.is_admin:
        return None
    mine = Customer.objects.editable_by(user)
    if user.is_lead:
        # Per rep: book size and completeness, lowest first: where to coach data entry.
        reps = (
            User.objects.filter(team_id=user.team_id, is_active=True, role=Role.REP)
            .annotate(
                customer_count=Count("customers", distinct=True),
                completeness=Avg("customers__completeness"),
                low=Count("customers", filter=Q(customers__completeness__lt=40), distinct=True),
            )
            .order_by("completeness")
        )
        return {"template": "accounts/includes/home_team_customers.html", "reps": reps}
    return {
        "template": "accounts/includes/home_customers.html",
        "to_complete": mine.filter(completeness__lt=70).order_by("completeness", "-updated_at")[:8],
        "total": mine.count(),
    }
