"""The audit log: who did what, when, from which address and browser.

``audit_record`` is the one way in. Entries are append-only: the model refuses
save-on-existing and delete, the Django admin is read-only, and on PostgreSQL a
trigger (migration teams 0003) refuses UPDATE and DELETE unless the retention
purge below has set ``funnel.audit_purge`` for its own transaction.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from teams.audit_models import AuditAction, AuditEntry
from teams.http import client_ip

__all__ = ["AuditAction", "AuditEntry", "audit_entry", "audit_purge", "audit_record"]

USER_AGENT_LENGTH = AuditEntry._meta.get_field("user_agent").max_length
SUMMARY_LENGTH = AuditEntry._meta.get_field("summary").max_length
REPR_LENGTH = AuditEntry._meta.get_field("target_repr").max_length


def _actor(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def request_client(request) -> dict:
    """The IP and user agent of ``request``, as a job's parameters carry them to
    ``audit_record(client=...)`` when the work runs later in a worker."""
    if request is None:
        return {}
    return {
        "ip": client_ip(request) or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
    }


def audit_entry(
    *,
    actor,
    action: str,
    target=None,
    summary: str = "",
    detail: dict | None = None,
    request=None,
    client: dict | None = None,
) -> AuditEntry:
    """The unsaved entry ``audit_record`` appends (for a bulk write: ``AuditEntry.objects.bulk_create``)."""
    actor = _actor(actor)
    if actor is None and request is not None:
        actor = _actor(getattr(request, "user", None))
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor,
        actor_repr=str(actor)[:200] if actor is not None else "",
        action=AuditAction(action),
        summary=str(summary)[:SUMMARY_LENGTH],
        detail=detail or {},
    )
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:REPR_LENGTH]
    client = request_client(request) if request is not None else (client or {})
    entry.ip = client.get("ip") or None
    entry.user_agent = (client.get("user_agent") or "")[:USER_AGENT_LENGTH]
    return entry


def audit_record(
    *,
    actor,
    action: str,
    target=None,
    summary: str = "",
    detail: dict | None = None,
    request=None,
    client: dict | None = None,
) -> AuditEntry:
    """Append one entry. ``actor`` may be None (a failed login, a background task);
    ``target`` any model instance (kept as content type, id and text, so it still
    reads after the target is deleted); ``request`` gives the IP (X-Forwarded-For
    only as far as PROXY_COUNT trusts it) and the user agent, or ``client`` (from
    :func:`request_client`) when the request is long gone (a background job)."""
    entry = audit_entry(
        actor=actor, action=action, target=target, summary=summary, detail=detail, request=request, client=client
    )
    entry.save(force_insert=True)
    return entry


def audit_merge(*, user, target, source_id, source_name: str) -> AuditEntry:
    """A merge (customers, projects): the kept record is the target; the merged-away one is named."""
    kind = target._meta.model_name
    return audit_record(
        actor=user,
        action=AuditAction.MERGE,
        target=target,
        summary=_("Merged %(kind)s #%(id)s %(name)s into it.")
        % {"kind": target._meta.verbose_name, "id": source_id, "name": source_name},
        detail={"kind": kind, "source": source_id, "source_name": source_name},
    )


def retention_cutoff():
    return timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)


@transaction.atomic
def audit_purge(*, before=None) -> int:
    """Delete entries older than the retention setting (the only delete the table allows)."""
    before = before or retention_cutoff()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL funnel.audit_purge = 'on'")
    deleted, _by_model = AuditEntry.objects.filter(at__lt=before).delete()
    return deleted


# --- Authentication signals -------------------------------------------------


@receiver(auth_signals.user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditAction.LOGIN, target=user, request=request)


@receiver(auth_signals.user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditAction.LOGOUT, target=user, request=request)


@receiver(auth_signals.user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        summary=username,
        detail={"username": username},
        request=request,
    )
