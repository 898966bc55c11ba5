"""Writes on users and teams. Leadership touches two rows (the user and the
team), so every change of role, team or lead goes through here."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from teams.errors import DomainError, validated
from teams.models import Role, Team, User
from teams.team_moves import user_records_rescope

USER_FIELDS = ("username", "display_name", "email", "role", "team", "is_active", "first_name", "last_name")


def sync_leadership(user):
    """Keep Team.lead in step with the user's role and team."""
    if user.role == Role.LEAD:
        Team.objects.filter(lead=user).exclude(pk=user.team_id).update(lead=None)
        Team.objects.filter(pk=user.team_id, lead__isnull=True).update(lead=user)
    else:
        Team.objects.filter(lead=user).update(lead=None)


def _set_password(user, password):
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError({"password": error.messages}) from error
    user.set_password(password)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None = None,
    role: str = Role.REP,
    team: Team | None = None,
    display_name: str = "",
    email: str = "",
    is_active: bool = True,
    first_name: str = "",
    last_name: str = "",
) -> User:
    user = User(
        username=username,
        role=role,
        team=team,
        display_name=display_name,
        email=email,
        is_active=is_active,
        first_name=first_name,
        last_name=last_name,
    )
    if password:
        _set_password(user, password)
    else:
        user.set_unusable_password()
    validated(user, exclude=["password"])
    user.save()
    sync_leadership(user)
    return user


@transaction.atomic
def user_update(*, user: User, password: str | None = None, **fields) -> User:
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"user_update() got unexpected fields: {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    old_team_id = user.team_id
    for name, value in fields.items():
        setattr(user, name, value)
    if password:
        _set_password(user, password)
    validated(user, exclude=["password"])
    user.save()
    sync_leadership(user)
    user_records_rescope(user=user, old_team_id=old_team_id)
    return user


@transaction.atomic
def team_create(*, name: str, lead: User | None = None) -> Team:
    team = Team(name=name)
    validated(team, exclude=["lead"])
    team.save()
    if lead is not None:
        team_set_lead(team=team, lead=lead)
    return team


@transaction.atomic
def team_update(*, team: Team, name: str | None = None, lead: User | None = None, clear_lead: bool = False) -> Team:
    team = Team.objects.select_for_update().get(pk=team.pk)
    if name is not None:
        team.name = name
        validated(team, exclude=["lead"])
        team.save(update_fields=["name"])
    if lead is not None and lead.pk != team.lead_id:
        team_set_lead(team=team, lead=lead)
    elif clear_lead and team.lead_id is not None:
        _demote(team.lead)
        team.lead = None
        team.save(update_fields=["lead"])
    return team


def _demote(user):
    """A replaced lead stays in the team as a rep."""
    user.role = Role.REP
    user.save(update_fields=["role", "is_staff", "is_superuser"])


@transaction.atomic
def team_set_lead(*, team: Team, lead: User) -> Team:
    """Make ``lead`` the lead of ``team``: the user moves into the team with
    the lead role; the team's previous lead stays as a rep."""
    lead = User.objects.select_for_update().get(pk=lead.pk)
    if lead.role == Role.ADMIN:
        raise DomainError({"lead": _("An admin cannot lead a team; change the user's role first.")})
    led = Team.objects.filter(lead=lead).exclude(pk=team.pk).first()
    if led is not None:
        raise DomainError({"lead": _("%(user)s already leads team %(team)s.") % {"user": lead, "team": led}})
    previous = team.lead
    if previous is not None and previous.pk != lead.pk:
        team.lead = None
        team.save(update_fields=["lead"])
        _demote(previous)
    old_team_id = lead.team_id
    lead.role = Role.LEAD
    lead.team = team
    lead.save(update_fields=["role", "team", "is_staff", "is_superuser"])
    team.lead = lead
    team.save(update_fields=["lead"])
    user_records_rescope(user=lead, old_team_id=old_team_id)
    return team


@transaction.atomic
def team_delete(*, team: Team) -> None:
    if team.members.exists():
        raise DomainError({"team": _("Move the team's members to other teams before deleting it.")})
    team.delete()
