"""Who may own customers and projects, and whom a user may make their owner.
Shared by every app that has owned records (accounts, projects, imports)."""

from django.utils.translation import gettext as _

from teams.errors import DomainError
from teams.models import Role, User


def owner_choices(*, user: User):
    """Whom ``user`` may make the owner of a customer or a project."""
    users = User.objects.filter(is_active=True).exclude(role=Role.ADMIN)
    if user.is_admin:
        return users
    if user.is_lead:
        return users.filter(team_id=user.team_id)
    return users.filter(pk=user.pk)


def check_owner(*, user: User, owner: User) -> None:
    """Reps own what they create; leads assign within their team; admins anyone active."""
    if not owner.is_active:
        raise DomainError({"owner": _("The owner must be an active user.")})
    if owner.is_admin:
        raise DomainError({"owner": _("Customers and projects are owned by reps or leads: choose one.")})
    if user.is_admin or owner.pk == user.pk:
        return
    if user.is_lead and owner.team_id == user.team_id:
        return
    raise DomainError({"owner": _("You cannot assign customers to this user.")})


def manages_team_of(*, user: User, record) -> bool:
    """Whether ``user`` is the lead of the team ``record`` (a customer, a project) belongs to, or an admin:
    who may hand it over to another owner, or merge it away."""
    return user.is_admin or (user.is_lead and user.team_id is not None and record.team_id == user.team_id)
