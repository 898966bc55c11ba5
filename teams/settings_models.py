"""The company's own settings, edited by admins on /settings/ (not deployment values,
which stay in the environment: see funnel_crm/settings.py).

Append-only: each save adds a row with the next ``version``; the newest row is in
force and the older ones are its history (nothing is rewritten). ``version`` is
unique, so of two admins saving on the same version one wins and the other gets a
conflict, with nothing lost."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CompanySettings(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    reminder_time = models.TimeField(
        _("reminders from"),
        default=datetime.time(0, 0),
        help_text=_("Overdue next contacts are reminded and escalated from this time of day on (Asia/Shanghai)."),
    )
    digest_time = models.TimeField(
        _("digest time"),
        help_text=_("The leads' morning digest goes out on the first reminder pass at or after this time."),
    )
    escalation_days = models.PositiveSmallIntegerField(
        _("escalation days"),
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("A next contact overdue by more than this many days is escalated to the team's lead."),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("company settings")
        verbose_name_plural = _("company settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(escalation_days__gte=1, escalation_days__lte=60), name="escalation_days_range"
            ),
        ]

    def __str__(self):
        return f"v{self.version}"

    EDITABLE = ("reminder_time", "digest_time", "escalation_days")

    @classmethod
    def initial(cls) -> "CompanySettings":
        """Version 0, never stored: the environment's values (DIGEST_TIME, ESCALATION_DAYS)
        until an admin saves the settings the first time."""
        return cls(
            version=0,
            reminder_time=datetime.time(0, 0),
            digest_time=settings.DIGEST_TIME,
            escalation_days=settings.ESCALATION_DAYS,
        )
