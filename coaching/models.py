"""Coaching: what a team lead writes and sets to coach reps — monthly targets
(业绩目标) and coaching notes. The funnel figures themselves are computed from the
pipeline's stage history (``coaching.funnel``) and stored nowhere here."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.validators import validate_no_control_chars
from pipeline.models import Activity
from projects.models import MAX_BUDGET, Project
from teams.models import Team
from teams.visibility import VisibleQuerySet


class TargetQuerySet(VisibleQuerySet):
    """A rep sees their own targets (not the team's: that sums colleagues' work); a lead the team's; an admin all."""

    owner_field = "user"
    team_field = "team"


class Target(models.Model):
    """A month's target for one rep (``user``) or for the whole team (``user`` empty):
    the amount to win and the payment to collect, in CNY. Quarters and years are
    sums of months, never stored."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="targets")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    won_amount = models.DecimalField(
        _("won amount target (CNY)"),
        max_digits=15,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_BUDGET)],
    )
    payment_amount = models.DecimalField(
        _("payment collected target (CNY)"),
        max_digits=15,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_BUDGET)],
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    # Every change of a target, with who made it (``coaching.targets.target_set``).
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])
    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["month", "team", "user"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "month"],
                condition=Q(user__isnull=True),
                name="target_team_month_once",
                violation_error_message=_("The team already has a target for this month."),
            ),
            models.UniqueConstraint(
                fields=["user", "month"],
                condition=Q(user__isnull=False),
                name="target_rep_month_once",
                violation_error_message=_("This rep already has a target for this month."),
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="target_month_first_day"),
            models.CheckConstraint(
                condition=Q(won_amount__gte=0, payment_amount__gte=0), name="target_amounts_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.user or self.team} {self.month:%Y-%m}"


class NoteKind(models.TextChoices):
    ONE_ON_ONE = "one_on_one", _("1:1 with the rep")
    PROJECT = "project", _("On a project")
    ACTIVITY = "activity", _("On an activity")


def _notes_mentioning(user):
    """A user @mentioned in a note sees it (the notification links to it)."""
    return CoachingNote.mentions.through.objects.filter(user_id=user.pk).values("coachingnote_id")


def _notes_on_visible_projects(user):
    """Whoever sees a project sees the notes on it (its timeline shows them), e.g. the
    rep who took it over after the note was written."""
    return CoachingNote.objects.filter(project__in=Project.objects.visible_to(user).values("pk")).values("pk")


class CoachingNoteQuerySet(VisibleQuerySet):
    """A note is about a rep: the rep sees the notes on them, the lead the team's, an
    admin all; and anyone sees the notes that @mention them or sit on a project they see.
    Only the author (or an admin) changes a note: see ``coaching.notes``."""

    owner_field = "rep"
    team_field = "team"
    extra_visibility = [_notes_mentioning, _notes_on_visible_projects]

    def editable_by(self, user):
        """The author, or an admin: the rep a note is about reads it but does not rewrite it."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self if user.is_admin else self.filter(author=user)


class CoachingNote(models.Model):
    """What a lead wrote to coach a rep: for a 1:1, or on one of the team's projects
    or activities. The rep and anyone @mentioned are notified."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="coaching_notes")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rep"), on_delete=models.CASCADE, related_name="coaching_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=NoteKind.choices, default=NoteKind.ONE_ON_ONE)
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="coaching_notes",
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="coaching_notes",
    )
    body = models.TextField(_("note"), validators=[MaxLengthValidator(5000), validate_no_control_chars])
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("mentioned"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = CoachingNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("coaching note")
        verbose_name_plural = _("coaching notes")
        indexes = [
            models.Index(fields=["rep", "-created_at"], name="coaching_note_rep"),
            models.Index(fields=["team", "kind", "-created_at"], name="coaching_note_team_kind"),
            models.Index(fields=["project", "-created_at"], name="coaching_note_project"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="one_on_one", project__isnull=True, activity__isnull=True)
                    | Q(kind="project", project__isnull=False, activity__isnull=True)
                    | Q(kind="activity", project__isnull=False, activity__isnull=False)
                ),
                name="coaching_note_kind_target",
            ),
        ]

    def __str__(self):
        return f"{self.author} → {self.rep}: {self.body[:30]}"

    def get_absolute_url(self):
        """Where the note shows for whoever opens it (``coaching.notes_views.NoteOpenView`` decides)."""
        return reverse("coaching:note_open", args=[self.pk])
