"""The customers part of the start page (registered in accounts.apps)."""

from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import CompletenessBand, Customer
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
    # A rep's own customers: the list also shows those seen through a project and says so.
    counts = mine.aggregate(total=Count("pk"), low=Count("pk", filter=Q(completeness__lt=40)))
    mine_url = f"{reverse('accounts:customer_list')}?owner={user.pk}"
    return {
        "template": "accounts/includes/home_customers.html",
        "to_complete": mine.filter(completeness__lt=70).order_by("completeness", "-updated_at")[:8],
        "total": counts["total"],
        "mine_url": mine_url,
        "stats": [
            {"value": counts["total"], "label": _("My customers"), "url": mine_url},
            {
                "value": counts["low"],
                "label": _("Customers below 40/100"),
                "url": f"{mine_url}&completeness={CompletenessBand.LOW}&ordering=completeness",
            },
        ],
    }
