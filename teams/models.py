from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from teams.phones import mobile_digits, normalize_mobile, validate_mobile
from teams.visibility import VisibleQuerySet


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    LEAD = "lead", _("Team lead")
    ADMIN = "admin", _("Admin")


def _admins_only(queryset, user):
    """Teams and users are managed by admins only."""
    if not user.is_authenticated or not user.is_active or not user.is_admin:
        return queryset.none()
    return queryset


class TeamQuerySet(VisibleQuerySet):
    def editable_by(self, user):
        return _admins_only(self, user)

    def active(self):
        """Teams not archived: the ones users and records can be put in."""
        return self.filter(archived_at__isnull=True)

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(pk=user.team_id)


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    lead = models.OneToOneField(
        "teams.User",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_team",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # An archived team keeps its name and history (audit entries, old records' team)
    # but has no members and owns nothing; it is hidden from the team choices.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class UserQuerySet(VisibleQuerySet):
    def editable_by(self, user):
        return _admins_only(self, user)

    def visible_to(self, user):
        """Reps and leads see the members of their own team; admins everyone."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        if user.team_id is None:
            return self.filter(pk=user.pk)
        return self.filter(team_id=user.team_id)

    def reps(self):
        return self.filter(role=Role.REP)


class FunnelUserManager(UserManager.from_queryset(UserQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.REP)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    # Stored as 11 digits (normalize()); the user import checks the typed text with the same rules.
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[validate_mobile])
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when an admin gives the password: the user changes it at their next login."),
    )

    objects = FunnelUserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
            models.CheckConstraint(
                condition=~models.Q(role=Role.LEAD) | models.Q(team__isnull=False),
                name="lead_belongs_to_team",
                violation_error_message=_("A team lead must belong to the team they lead."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_rep(self):
        return self.role == Role.REP

    @property
    def is_lead(self):
        return self.role == Role.LEAD

    @property
    def is_admin(self):
        return self.role == Role.ADMIN

    def save(self, *args, **kwargs):
        # The role is the single source of authority: the admin role, and only
        # it, gets Django's admin site (staff + superuser flags follow it).
        self.is_staff = self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)

    def normalize(self):
        """A valid mobile as its 11 digits; anything else stays as typed, for the validator to name."""
        if mobile_digits(self.mobile):
            self.mobile = normalize_mobile(self.mobile)

    def clean(self):
        super().clean()
        if self.role == Role.LEAD:
            if self.team_id is None:
                raise ValidationError({"team": _("Choose the team this lead leads.")})
            current_lead = Team.objects.filter(pk=self.team_id).values_list("lead_id", flat=True).first()
            if current_lead not in (None, self.pk):
                raise ValidationError({"team": _("This team already has a lead.")})


# Notifications live in their own module; importing them here lets Django find them.
from teams.audit_models import AuditAction, AuditEntry  # noqa: E402, F401  (the audit log's table lives in teams)
from teams.notifications.models import (  # noqa: E402,F401
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    TaskRun,
    TeamWebhook,
)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class JobQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        """The creator sees a job; admins see every job."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(created_by=user)

    def editable_by(self, user):
        # Cancelling is the only change; whoever sees a job may ask for it.
        return self.visible_to(user)


class Job(models.Model):
    """One long operation run by a Celery worker (``teams.jobs``): what it is,
    where it stands, and how it ended. Live progress while it runs is kept in the
    cache (the runner's own transaction would hide it here); the row gets the
    final figures."""

    kind = models.CharField(_("kind"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=255, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="jobs")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="job_creator_recent")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="job_status_valid"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("jobs:detail", args=[self.pk])

    @property
    def finished(self):
        return self.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


from teams.settings_models import CompanySettings  # noqa: E402, F401  (company settings, versioned)
