"""What a user is told (``Notification``), how each message leaves the building
(``Delivery``: e-mail or a team's chat robot, with its own state and retries),
what each user wants (``NotificationPreference``) and each team's robots
(``TeamWebhook``). Imported by ``teams.models`` so Django finds them."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    OVERDUE = "overdue", _("Next contact overdue")
    DIGEST = "digest", _("Daily digest")
    TEAM_DIGEST = "team_digest", _("Team's daily digest")
    ESCALATION = "escalation", _("Overdue next contact escalated")
    HANDOVER = "handover", _("Hand-over received")
    CONFLICT = "conflict", _("Conflict on my project")
    CLOSED = "closed", _("Won or lost on my team")
    MENTION = "mention", _("Mentioned in a coaching note")
    POOL_WARNING = "pool_warning", _("A customer returns to the pool soon")
    POOL_CONSENT = "pool_consent", _("A high-intent customer is due to return to the pool")


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A user's notifications are their own, whatever their role."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(user=user)

    def editable_by(self, user):
        return self.visible_to(user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One thing a user is told. ``due_on`` makes a reminder unique: the same user,
    kind, target and due date can exist only once (a database constraint), so
    duplicate beat runs, racing workers or re-runs create nothing twice.
    ``data`` keeps what the text needs as it was when it happened."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("target type"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(_("target"), null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    due_on = models.DateField(_("due date"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "target_type", "target_id", "due_on"],
                condition=Q(due_on__isnull=False),
                name="notification_once_per_due_date",
            )
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_recent"),
            # The bell: an index-only count of the user's unread ones.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_user_unread"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.user_id}"

    @property
    def is_read(self):
        return self.read_at is not None


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Team chat robot")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed for good")
    SKIPPED = "skipped", _("Skipped")


class Delivery(models.Model):
    """Sending one notification on one channel. State-driven: a pending delivery
    whose ``next_attempt_at`` has come is sent by whichever task finds it first
    (rows are locked with SKIP LOCKED), marked sent only after the send
    returned, and retried with backoff until ``MAX_ATTEMPTS``."""

    MAX_ATTEMPTS = 8

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    webhook = models.ForeignKey(
        "teams.TeamWebhook", verbose_name=_("robot"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], condition=Q(webhook__isnull=True), name="delivery_once_per_channel"
            ),
            models.UniqueConstraint(
                fields=["notification", "webhook"], condition=Q(webhook__isnull=False), name="delivery_once_per_robot"
            ),
        ]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="delivery_pending_due")]

    def __str__(self):
        return f"{self.notification_id} {self.channel} {self.state}"


class TaskRun(models.Model):
    """When a periodic pass (the reminder pass) last ran and what it did: /healthz
    reads it, and the pass logs the same summary in one line."""

    name = models.CharField(_("task"), max_length=50)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("task run")
        verbose_name_plural = _("task runs")
        indexes = [models.Index(fields=["name", "-finished_at"], name="task_run_latest")]

    def __str__(self):
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"


DIGEST_KINDS = (NotificationKind.DIGEST, NotificationKind.TEAM_DIGEST)


def _kinds_default():
    return [NotificationKind.OVERDUE, NotificationKind.HANDOVER, NotificationKind.ESCALATION]


class NotificationPreference(models.Model):
    """What one user wants by e-mail, in which language, and when not to be disturbed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    email_kinds = models.JSONField(_("e-mail me about"), default=_kinds_default, blank=True)
    digest = models.BooleanField(_("morning digest by e-mail"), default=True)
    language = models.CharField(
        _("language of e-mails"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user_id)

    def clean(self):
        super().clean()
        unknown = set(self.email_kinds or []) - set(NotificationKind.values)
        if unknown:
            raise ValidationError(
                {"email_kinds": _("Unknown kinds: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))}}
            )
        if (self.quiet_from is None) != (self.quiet_until is None):
            raise ValidationError({"quiet_until": _("Give both ends of the quiet hours, or neither.")})

    def wants_email(self, kind) -> bool:
        # One switch for the morning digest: a rep's own day, a lead's team digest (the
        # team's overdue next contacts by rep). On by default, so every lead gets it.
        if kind in DIGEST_KINDS:
            return self.digest
        return kind in (self.email_kinds or [])

    def quiet_at(self, moment) -> bool:
        """Is ``moment`` (aware) within the quiet hours, in the company's time zone?
        Hours may wrap midnight (22:00–07:00)."""
        if self.quiet_from is None or self.quiet_until is None:
            return False
        now = timezone.localtime(moment).time()
        if self.quiet_from <= self.quiet_until:
            return self.quiet_from <= now < self.quiet_until
        return now >= self.quiet_from or now < self.quiet_until


class Platform(models.TextChoices):
    WECOM = "wecom", _("WeCom (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk (钉钉)")
    FEISHU = "feishu", _("Feishu (飞书)")


class TeamWebhook(models.Model):
    """A team's group chat robot: reminders and digests are posted there too."""

    team = models.ForeignKey("teams.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="webhooks")
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk and Feishu robots with signature verification need it."),
    )
    kinds = models.JSONField(_("post"), default=_kinds_default, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["team", "id"]
        verbose_name = _("team chat robot")
        verbose_name_plural = _("team chat robots")

    def __str__(self):
        return f"{self.team}: {self.get_platform_display()}"

    def clean(self):
        super().clean()
        from teams.notifications.robots import check_webhook_url

        check_webhook_url(self.platform, self.url)
        unknown = set(self.kinds or []) - set(NotificationKind.values)
        if unknown:
            raise ValidationError({"kinds": _("Unknown kinds: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))}})
