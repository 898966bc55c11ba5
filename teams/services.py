"""Writes on users and teams. Leadership touches two rows (the user and the
team), so every change of role, team or lead goes through here."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from teams.audit import AuditAction, audit_record
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
    actor: User | None = None,
    request=None,
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
        user.must_change_password = actor is not None  # an initial password from an admin is changed at first login
    else:
        user.set_unusable_password()
    validated(user, exclude=["password"])
    user.save()
    sync_leadership(user)
    audit_record(
        actor=actor,
        action=AuditAction.USER_CREATED,
        target=user,
        detail={"role": user.role, "team": user.team_id},
        request=request,
    )
    return user


def sessions_and_tokens_end(*, user: User) -> None:
    """The user's API tokens stop working at once. Their browser sessions end too:
    Django checks each session's password hash and the user's ``is_active`` on every
    request (ModelBackend.get_user), so a password change or a deactivation
    invalidates the sessions without touching them."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()


def _check_admin_rules(*, user: User, before: dict, actor: User | None) -> None:
    """Nobody raises their own role; the last active admin stays an active admin."""
    if actor is not None and actor.pk == user.pk and user.role != before["role"]:
        rank = {Role.REP: 0, Role.LEAD: 1, Role.ADMIN: 2}
        if rank[user.role] > rank[before["role"]]:
            raise DomainError({"role": _("You cannot raise your own role.")})
    was_active_admin = before["role"] == Role.ADMIN and before["is_active"]
    if was_active_admin and (user.role != Role.ADMIN or not user.is_active):
        others = User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk)
        if not others.exists():
            field = "is_active" if not user.is_active else "role"
            raise DomainError({field: _("This is the last active admin: make someone else an admin first.")})


def _record_user_changes(*, user: User, before: dict, password_changed: bool, actor, request) -> None:
    def record(action, **detail):
        audit_record(actor=actor, action=action, target=user, detail=detail, request=request)

    if user.role != before["role"]:
        record(AuditAction.ROLE_CHANGED, old=before["role"], new=user.role)
    if user.team_id != before["team"]:
        record(AuditAction.TEAM_CHANGED, old=before["team"], new=user.team_id)
    if user.is_active != before["is_active"]:
        record(AuditAction.USER_REACTIVATED if user.is_active else AuditAction.USER_DEACTIVATED)
    if password_changed:
        record(AuditAction.PASSWORD_RESET)
    other = sorted(
        name
        for name in USER_FIELDS
        if name not in ("role", "team", "is_active") and before[name] != getattr(user, name)
    )
    if other:
        record(AuditAction.USER_UPDATED, fields=other)


@transaction.atomic
def user_update(*, user: User, password: str | None = None, actor: User | None = None, request=None, **fields) -> User:
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"user_update() got unexpected fields: {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    old_team_id = user.team_id
    before = {name: getattr(user, name) for name in USER_FIELDS if name != "team"} | {"team": user.team_id}
    for name, value in fields.items():
        setattr(user, name, value)
    if password:
        _set_password(user, password)
        user.must_change_password = actor is not None and actor.pk != user.pk
    validated(user, exclude=["password"])
    _check_admin_rules(user=user, before=before, actor=actor)
    user.save()
    sync_leadership(user)
    user_records_rescope(user=user, old_team_id=old_team_id)
    if password or (before["is_active"] and not user.is_active):
        sessions_and_tokens_end(user=user)
    _record_user_changes(user=user, before=before, password_changed=bool(password), actor=actor, request=request)
    return user


@transaction.atomic
def team_create(*, name: str, lead: User | None = None, actor: User | None = None, request=None) -> Team:
    team = Team(name=name)
    validated(team, exclude=["lead"])
    team.save()
    if lead is not None:
        team_set_lead(team=team, lead=lead)
    audit_record(
        actor=actor, action=AuditAction.TEAM_CREATED, target=team, detail={"lead": team.lead_id}, request=request
    )
    return team


@transaction.atomic
def team_update(
    *,
    team: Team,
    name: str | None = None,
    lead: User | None = None,
    clear_lead: bool = False,
    actor: User | None = None,
    request=None,
) -> Team:
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = {"name": team.name, "lead": team.lead_id}
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
    after = {"name": team.name, "lead": team.lead_id}
    if after != before:
        changed = {key: {"old": before[key], "new": after[key]} for key in after if after[key] != before[key]}
        audit_record(actor=actor, action=AuditAction.TEAM_UPDATED, target=team, detail=changed, request=request)
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
def team_delete(*, team: Team, actor: User | None = None, request=None) -> None:
    if team.members.exists():
        raise DomainError({"team": _("Move the team's members to other teams before deleting it.")})
    audit_record(actor=actor, action=AuditAction.TEAM_DELETED, target=team, request=request)
    team.delete()


@transaction.atomic
def password_change_record(*, user: User, request=None) -> None:
    """After a user changed their own password (Django's form saved it; the view kept
    the current session): end their API token and log it. Their other sessions end by
    Django's session hash check."""
    sessions_and_tokens_end(user=user)
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    audit_record(actor=user, action=AuditAction.PASSWORD_CHANGED, target=user, request=request)
