"""API tokens: DRF's one token per user, with an optional expiry (TOKEN_TTL_DAYS),
listed and revoked by their owner and by admins. Revoking, a password change or
reset and a deactivation delete the token; the next ``POST /api/v1/auth/token/``
issues a new key."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from teams.audit import AuditAction, audit_record
from teams.errors import DomainError


def token_expires_at(token: Token):
    """When ``token`` stops working, or None when tokens do not expire."""
    if not settings.TOKEN_TTL_DAYS:
        return None
    return token.created + timedelta(days=settings.TOKEN_TTL_DAYS)


def token_expired(token: Token) -> bool:
    expires_at = token_expires_at(token)
    return expires_at is not None and expires_at <= timezone.now()


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; refused once the token is past TOKEN_TTL_DAYS
    (or its user is inactive, as DRF already does)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(_("The token has expired; request a new one."))
        return user, token


def tokens_visible_to(user):
    """An admin sees every token; anyone else their own."""
    tokens = Token.objects.select_related("user").order_by("-created")
    if not user.is_authenticated or not user.is_active:
        return tokens.none()
    return tokens if user.is_admin else tokens.filter(user=user)


@transaction.atomic
def token_obtain(*, user, request=None) -> Token:
    """The user's token; a new one when there is none or it has expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
        audit_record(actor=user, action=AuditAction.TOKEN_CREATED, target=user, request=request)
    return token


@transaction.atomic
def token_revoke(*, actor, owner_id: int, request=None) -> None:
    """Revoke the token of user ``owner_id``: their own, or anyone's for an admin.
    A token the actor may not see answers like a missing one."""
    token = tokens_visible_to(actor).select_for_update().filter(user_id=owner_id).first()
    if token is None:
        raise DomainError(_("No such token."), code="not_found")
    owner = token.user
    token.delete()
    audit_record(actor=actor, action=AuditAction.TOKEN_REVOKED, target=owner, request=request)
