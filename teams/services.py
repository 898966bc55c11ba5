"""Writes on users and teams. Leadership touches two rows (the user and the
team), so every change of role, team or lead goes through here."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teams.audit import AuditAction, audit_record
from teams.errors import DomainError, validated
from teams.models import Role, Team, User
from teams.team_moves import user_records_rescope

USER_FIELDS = (
    "username",
    "display_name",
    "email",
    "mobile",
    "role",
    "team",
    "is_active",
    "first_name",
    "last_name",
)


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
    mobile: str = "",
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
        mobile=mobile,
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


@transaction.atomic
def user_password_reset(*, user: User, actor: User, request=None) -> dict:
    """An admin resets ``user``'s password: the old one stops working, so do the user's
    sessions (their password hash changes) and API token. With an e-mail address the
    user gets a one-time link to choose a new one (``{"link": ...}``); without one, a
    temporary password is made, shown once to the admin and changed at the next login
    (``{"password": ...}``)."""
    from teams.invitations import user_invite

    user = User.objects.select_for_update().get(pk=user.pk)
    answer = {}
    if user.email:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        answer["link"] = user_invite(user=user, actor=actor, request=request, reset=True)
    else:
        password = _random_password()
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        answer["password"] = password
    sessions_and_tokens_end(user=user)
    audit_record(
        actor=actor,
        action=AuditAction.PASSWORD_RESET,
        target=user,
        detail={"by": "link" if "link" in answer else "temporary_password"},
        request=request,
    )
    return answer


def _random_password() -> str:
    import secrets
    import string

    alphabet = string.ascii_letters + string.digits
    # Letters and digits of both kinds, never only digits (the password validators refuse that).
    return "".join(secrets.choice(alphabet) for _ in range(12)) + "-" + secrets.choice(string.digits) + "aZ"


@transaction.atomic
def user_make_lead(*, user: User, actor: User, request=None) -> Team:
    """Make ``user`` the lead of their own team (the previous lead stays as a rep)."""
    if user.team_id is None:
        raise DomainError({"team": _("Put the user in a team first: a lead leads their own team.")})
    if not user.is_active:
        raise DomainError({"is_active": _("Reactivate the user before making them a lead.")})
    return team_update(team=user.team, lead=user, actor=actor, request=request)


def team_owned_records(team: Team) -> dict[str, int]:
    """How many records of each owned kind (customers, projects: what registered with
    ``teams.team_moves``) still carry ``team``; kinds with none are left out."""
    from teams.team_moves import TEAM_CHANGE_HOOKS

    counts = {}
    for hook in TEAM_CHANGE_HOOKS:
        model = getattr(hook, "model", None)
        if model is not None:
            count = model._default_manager.filter(team=team).count()
            if count:
                counts[str(model._meta.verbose_name_plural)] = count
    return counts


@transaction.atomic
def team_archive(*, team: Team, actor: User, request=None) -> Team:
    """Archive an empty team: its name and history stay, it leaves the team choices.
    Refused while it has members (active or not: a deactivated rep's records still
    count for the team) or records that still carry it: move them first."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.archived_at is not None:
        raise DomainError(_("This team is archived already."))
    members = team.members.count()
    if members:
        raise DomainError(
            {
                "team": _(
                    "%(team)s still has %(count)d members (deactivated ones included). Move them to other teams "
                    "first: their customers and projects move with them."
                )
                % {"team": team.name, "count": members}
            }
        )
    records = team_owned_records(team)
    if records:
        listed = ", ".join(f"{count} {name}" for name, count in records.items())
        raise DomainError(
            {
                "team": _("Records still belong to %(team)s (%(records)s): transfer them first.")
                % {"team": team.name, "records": listed}
            }
        )
    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])
    audit_record(actor=actor, action=AuditAction.TEAM_UPDATED, target=team, detail={"archived": True}, request=request)
    return team


@transaction.atomic
def team_restore(*, team: Team, actor: User, request=None) -> Team:
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.archived_at is None:
        raise DomainError(_("This team is not archived."))
    team.archived_at = None
    team.save(update_fields=["archived_at"])
    audit_record(actor=actor, action=AuditAction.TEAM_UPDATED, target=team, detail={"archived": False}, request=request)
    return team
