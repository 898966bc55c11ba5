"""How projects widen what a user sees of customers (registered at start-up).

A rep sees the customers on which they hold a project (a limited view: the
customer's own data stays editable by its owner only) and the people on the
buying committees of their projects; a lead sees the same for the team.
"""

from accounts.models import ContactQuerySet, CustomerQuerySet


def _project_filter(user):
    if user.is_lead and user.team_id is not None:
        return {"team_id": user.team_id}
    return {"owner": user}


def customers_with_own_projects(user):
    from projects.models import Project

    return Project.objects.filter(**_project_filter(user)).values("customer_id")


def contacts_on_own_projects(user):
    """People on the buying committee, or leading the purchase, of the user's projects."""
    from projects.models import Project, Stakeholder

    scope = {f"project__{key}": value for key, value in _project_filter(user).items()}
    return [
        Stakeholder.objects.filter(**scope).values("contact_id"),
        Project.objects.filter(lead_contact__isnull=False, **_project_filter(user)).values("lead_contact_id"),
    ]


def register():
    """Widen what is SEEN only; what may be changed stays the owner's (``editable_by``)."""
    CustomerQuerySet.widen_visibility(customers_with_own_projects)
    ContactQuerySet.widen_visibility(contacts_on_own_projects)
