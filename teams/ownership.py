"""Who may own customers and projects, whom a user may make their owner, and
handing a record over. Shared by every app that has owned records (accounts,
projects, imports)."""

from django.db.models import F
from django.utils.translation import gettext as _

from teams.errors import DomainError
from teams.models import Role, User
from teams.notifications.models import NotificationKind
from teams.notifications.services import notify


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


def in_own_scope(*, user: User, record) -> bool:
    """Whether ``record`` (an owned record already loaded: ``owner_id``, ``team_id``) is in
    ``user``'s own scope: ``Model.objects.editable_by(user)`` decided without a query
    (teams.visibility ``VisibleQuerySet._scope``: admins everything, a lead with a team the
    team's, anyone else their own)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_admin:
        return True
    if user.is_lead and user.team_id is not None:
        return record.team_id == user.team_id
    return record.owner_id == user.pk


def manages_team_of(*, user: User, record) -> bool:
    """Whether ``user`` is the lead of the team ``record`` (a customer, a project) belongs to, or an admin:
    who may hand it over to another owner, or merge it away."""
    return user.is_admin or (user.is_lead and user.team_id is not None and record.team_id == user.team_id)


def record_hand_over(*, user: User, record, to_user: User, reason: str):
    """Give a customer or a project (locked by the caller) to another owner: the lead of its
    team or an admin, saying why; who, when and why are kept in the record's history."""
    noun = record._meta.verbose_name
    if not manages_team_of(user=user, record=record):
        raise DomainError(_("Only the team's lead or an admin can transfer a %(record)s.") % {"record": noun})
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": _("Say why the %(record)s changes hands.") % {"record": noun}})
    check_owner(user=user, owner=to_user)
    if to_user.pk == record.owner_id:
        raise DomainError({"to_user": _("This user already owns the %(record)s.") % {"record": noun}})
    record.owner = to_user
    record.version = F("version") + 1
    record._history_user = user
    record._change_reason = reason
    record.save()
    record.refresh_from_db()
    notify(
        user=to_user,
        kind=NotificationKind.HANDOVER,
        target=record,
        data={"record": str(record), "by": user.name, "reason": reason},
    )
    return record
