"""The audit log's table: who did what, when, from where. Append-only (see teams/audit.py)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from teams.visibility import VisibleQuerySet


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    USER_CREATED = "user_created", _("User created")
    USER_INVITED = "user_invited", _("Invitation sent")
    USER_UPDATED = "user_updated", _("User updated")
    ROLE_CHANGED = "role_changed", _("Role changed")
    TEAM_CHANGED = "team_changed", _("Team changed")
    USER_DEACTIVATED = "user_deactivated", _("User deactivated")
    USER_REACTIVATED = "user_reactivated", _("User reactivated")
    PASSWORD_RESET = "password_reset", _("Password reset")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    TEAM_CREATED = "team_created", _("Team created")
    TEAM_UPDATED = "team_updated", _("Team updated")
    TEAM_DELETED = "team_deleted", _("Team deleted")
    TRANSFER = "transfer", _("Book transfer")
    MERGE = "merge", _("Merge")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    SETTINGS_CHANGED = "settings_changed", _("Settings changed")
    POOL_CLAIM = "pool_claim", _("Claimed from a pool")
    POOL_RELEASE = "pool_release", _("Released to a pool")
    POOL_RETURN = "pool_return", _("Returned to a pool by the rules")
    POOL_LOCK = "pool_lock", _("Pool lock changed")


class AuditEntryQuerySet(VisibleQuerySet):
    """Admins read the log; nobody edits it through the app."""

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active or not user.is_admin:
            return self.none()
        return self

    def editable_by(self, user):
        return self.none()


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,  # the log outlives the user row (never cascades, never blocks); actor_repr keeps the name
    )
    actor_repr = models.CharField(_("who"), max_length=200, blank=True)
    action = models.CharField(_("what"), max_length=40, choices=AuditAction.choices)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=300, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            models.Index(fields=["action", "-at"], name="audit_action_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit entries are append-only.")
