"""Each project's dynamic data: the stages of the customer's buying process and
the project's moves through them, its budget and every change of it, its
competitors, and the contact log (activities).

History is written, never rewritten: a stage change records the tiers it went
between as they were at that moment, so renaming a stage or changing its tier
later leaves the funnel of the past as it was.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import SpreadsheetImport
from accounts.validators import validate_no_control_chars
from projects.models import MAX_BUDGET, Project, ProjectKind
from teams.validators import validate_sane_date
from teams.visibility import VisibleQuerySet


class Tier(models.TextChoices):
    """The funnel's tiers (ARCHITECTURE.md): ordered prospect < qualified <
    high_intent < won; lost stands outside the order."""

    PROSPECT = "prospect", _("Prospect")
    QUALIFIED = "qualified", _("Qualified")
    HIGH_INTENT = "high_intent", _("High intent")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


TIER_RANK = {Tier.PROSPECT: 0, Tier.QUALIFIED: 1, Tier.HIGH_INTENT: 2, Tier.WON: 3}
OPEN_TIERS = (Tier.PROSPECT, Tier.QUALIFIED, Tier.HIGH_INTENT)
CLOSED_TIERS = (Tier.WON, Tier.LOST)
# Where ``ProjectState`` keeps the first moment the project reached each ordered tier.
REACHED_FIELDS = {
    Tier.PROSPECT: "prospect_at",
    Tier.QUALIFIED: "qualified_at",
    Tier.HIGH_INTENT: "high_intent_at",
    Tier.WON: "won_at",
}


def tiers_reached(tier, at, reached=None) -> dict:
    """``reached`` (field → first moment, as on ``ProjectState``) after a move into
    ``tier`` at ``at``: a project reaches a tier at the first moment its history puts
    it in that tier or a higher one (ARCHITECTURE.md); lost reaches nothing. Moves
    are never back-dated before the previous one, so the first moment is kept."""
    reached = dict(reached or {})
    rank = TIER_RANK.get(tier)
    for each, field in REACHED_FIELDS.items():
        if rank is not None and TIER_RANK[each] <= rank and reached.get(field) is None:
            reached[field] = at
    return reached


class Bilingual(models.Model):
    """A name admins give in Chinese and English; ``name`` follows the UI language."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=100, validators=[validate_no_control_chars])
    name_en = models.CharField(_("name (English)"), max_length=100, validators=[validate_no_control_chars])

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def name(self):
        language = get_language() or ""
        return self.name_zh if language.startswith("zh") else self.name_en


class SettingsQuerySet(models.QuerySet):
    """Pipelines, stages and lost reasons are the company's settings: everyone
    signed in reads them (to pick a stage or a reason), only admins change them."""

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self

    def editable_by(self, user):
        if not user.is_authenticated or not user.is_active or not user.is_admin:
            return self.none()
        return self


class Pipeline(Bilingual):
    """One buying process, e.g. for new business or for renewals. Every pipeline's
    stages map onto the same tiers, so the funnel adds them up."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    kind = models.CharField(
        _("for projects of kind"),
        max_length=10,
        choices=ProjectKind.choices,
        blank=True,
        help_text=_("New projects of this kind start in this pipeline; empty: any kind."),
    )
    is_default = models.BooleanField(_("company default"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_archived = models.BooleanField(_("archived"), default=False)

    objects = SettingsQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="pipeline_one_company_default"
            )
        ]


class TeamPipeline(models.Model):
    """A team's default pipeline (teams without one use the company default)."""

    team = models.OneToOneField(
        "teams.Team", verbose_name=_("team"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("team default pipeline")
        verbose_name_plural = _("team default pipelines")

    def __str__(self):
        return f"{self.team}: {self.pipeline}"


class StageQuerySet(SettingsQuerySet):
    def active(self):
        return self.filter(is_archived=False, pipeline__is_archived=False)


class Stage(Bilingual):
    """A step of the customer's buying process, in one tier of the funnel."""

    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="stages")
    key = models.SlugField(_("key"), max_length=50, unique=True)
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    expected_days = models.PositiveSmallIntegerField(
        _("expected days in stage"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("A project longer in this stage is stale. Empty: never stale."),
    )
    is_archived = models.BooleanField(_("archived"), default=False)

    objects = StageQuerySet.as_manager()

    class Meta:
        ordering = ["pipeline", "order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_percent"),
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="stage_tier_valid"),
        ]

    @property
    def is_closed(self):
        return self.tier in CLOSED_TIERS

    @property
    def is_lost(self):
        return self.tier == Tier.LOST


class Severity(models.TextChoices):
    WARN = "warn", _("Warn")
    BLOCK = "block", _("Block")


class ExitCheck(models.Model):
    """What must be true before a project moves on from a stage: a named
    requirement (``pipeline.exit_checks.REQUIREMENTS``) or a checklist item."""

    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="exit_checks")
    requirement = models.CharField(_("requirement"), max_length=40, blank=True)
    checklist_item = models.ForeignKey(
        "projects.ChecklistItem",
        verbose_name=_("checklist item"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    severity = models.CharField(_("if missing"), max_length=5, choices=Severity.choices, default=Severity.WARN)

    class Meta:
        ordering = ["stage", "id"]
        verbose_name = _("exit check")
        verbose_name_plural = _("exit checks")
        constraints = [
            models.CheckConstraint(
                condition=(Q(requirement="") & Q(checklist_item__isnull=False))
                | (~Q(requirement="") & Q(checklist_item__isnull=True)),
                name="exit_check_one_subject",
                violation_error_message=_("Choose either a requirement or a checklist item."),
            )
        ]

    def __str__(self):
        from pipeline.exit_checks import requirement_label

        return str(self.checklist_item) if self.checklist_item_id else str(requirement_label(self.requirement))


class LostReason(Bilingual):
    key = models.SlugField(_("key"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = SettingsQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")


class SettingsKind(models.TextChoices):
    # Read in a sentence ("admin changed stage “Payment”"), so lower case.
    PIPELINE = "pipeline", _("pipeline")
    STAGE = "stage", _("stage")
    EXIT_CHECK = "exit_check", _("exit check of stage")
    LOST_REASON = "lost_reason", _("lost reason")
    TEAM_DEFAULT = "team_default", _("default pipeline of team")


class SettingsAction(models.TextChoices):
    CREATED = "created", _("created")
    CHANGED = "changed", _("changed")
    REORDERED = "reordered", _("reordered")
    ARCHIVED = "archived", _("archived")
    RESTORED = "restored", _("restored")
    DELETED = "deleted", _("deleted")


class SettingsChange(Bilingual):
    """One change of the pipeline settings (a pipeline, a stage, an exit check, a
    lost reason, a team's default pipeline): who, when, and each field before and
    after. The subject's names are copied (``name_zh``/``name_en``), so the entry
    still reads right after a rename or a delete. Written only by
    ``pipeline.settings_services``."""

    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("what"), max_length=20, choices=SettingsKind.choices)
    object_id = models.PositiveBigIntegerField(_("id"), null=True, blank=True)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("change"), max_length=10, choices=SettingsAction.choices)
    # [[field name, before, after], ...] in stored values; an order is a list of ids.
    changes = models.JSONField(_("changes"), default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("settings change")
        verbose_name_plural = _("settings changes")
        indexes = [
            models.Index(fields=["-at", "-id"], name="settings_change_recent"),
            models.Index(fields=["pipeline", "-at", "-id"], name="settings_change_pipeline"),
            models.Index(fields=["kind", "-at", "-id"], name="settings_change_kind"),
        ]


class ProjectStateQuerySet(VisibleQuerySet):
    owner_field = "project__owner"
    team_field = "project__team"


class ProjectState(models.Model):
    """Where a project stands now: its stage (always one), since when, and why it
    was lost. Written only by ``pipeline.services`` together with a stage change."""

    project = models.OneToOneField(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, primary_key=True, related_name="state"
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices)
    entered_at = models.DateTimeField(_("in this stage since"))
    lost_reason = models.ForeignKey(
        LostReason, verbose_name=_("lost reason"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lost_note = models.CharField(_("lost: details"), max_length=500, blank=True)
    # The first moment the project reached each tier (ARCHITECTURE.md's funnel
    # definitions), kept by every stage change in the same transaction, so the
    # coaching funnel is range counts on these columns, never a replay of history.
    prospect_at = models.DateTimeField(_("reached prospect"), null=True, blank=True)
    qualified_at = models.DateTimeField(_("reached qualified"), null=True, blank=True)
    high_intent_at = models.DateTimeField(_("reached high intent"), null=True, blank=True)
    won_at = models.DateTimeField(_("reached won"), null=True, blank=True)

    objects = ProjectStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("project stage")
        verbose_name_plural = _("project stages")
        indexes = [models.Index(fields=["stage", "entered_at"], name="state_stage_entered")]

    def __str__(self):
        return f"{self.project_id}: {self.stage}"

    def mark_reached(self, tier, at) -> None:
        current = {field: getattr(self, field) for field in REACHED_FIELDS.values()}
        for field, value in tiers_reached(tier, at, current).items():
            setattr(self, field, value)

    def days_in_stage(self, now=None):
        return ((now or timezone.now()) - self.entered_at).days

    def is_stale(self, now=None):
        days = self.stage.expected_days
        return bool(days) and self.tier in OPEN_TIERS and self.days_in_stage(now) > days

    def stale_from(self):
        """``Project.stale_at`` for this state: the first moment ``is_stale`` holds (more
        whole days in the stage than its expected days), or None."""
        return stale_from(expected_days=self.stage.expected_days, tier=self.tier, entered_at=self.entered_at)


def stale_from(*, expected_days, tier, entered_at):
    """When a project that entered a stage at ``entered_at`` turns stale: after
    ``expected_days`` + 1 whole days (``ProjectState.is_stale``); never for a stage
    without expected days or a project in a closed tier."""
    if not expected_days or tier not in OPEN_TIERS:
        return None
    return entered_at + datetime.timedelta(days=expected_days + 1)


class ProjectRowQuerySet(VisibleQuerySet):
    """Rows of a project: visible and editable with the project."""

    owner_field = "project__owner"
    team_field = "project__team"


class StageChange(models.Model):
    """One move of a project: from, to, when it happened (``at``, may be back-dated)
    and when it was recorded, by whom. The tiers are those of the stages at that
    moment. ``merged_from`` marks the history of a project merged into this one:
    kept, but not counted in the funnel (the kept project has its own)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        Stage, verbose_name=_("from"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    from_tier = models.CharField(_("from tier"), max_length=12, choices=Tier.choices, blank=True)
    to_tier = models.CharField(_("to tier"), max_length=12, choices=Tier.choices)
    at = models.DateTimeField(_("effective"), validators=[validate_sane_date])
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True, validators=[validate_no_control_chars])
    lost_reason = models.ForeignKey(
        LostReason, verbose_name=_("lost reason"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merged_from = models.PositiveBigIntegerField(_("merged from project"), null=True, blank=True)

    objects = ProjectRowQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["project", "-at", "-id"], name="stage_change_project"),
            models.Index(fields=["to_tier", "at"], name="stage_change_tier_at"),
        ]

    def __str__(self):
        return f"{self.project_id}: {self.from_stage or '—'} → {self.to_stage}"


class BudgetChange(models.Model):
    """One change of the customer's budget for the project. ``old`` is empty for
    the first amount; a drop carries its reason."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="budget_changes"
    )
    old = models.DecimalField(_("before"), max_digits=14, decimal_places=2, null=True, blank=True)
    new = models.DecimalField(
        _("budget (CNY)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_BUDGET)],
    )
    effective_on = models.DateField(_("effective"), validators=[validate_sane_date])
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("why"), max_length=500, blank=True, validators=[validate_no_control_chars])
    merged_from = models.PositiveBigIntegerField(_("merged from project"), null=True, blank=True)

    objects = ProjectRowQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_on", "-recorded_at", "-id"]
        verbose_name = _("budget change")
        verbose_name_plural = _("budget changes")
        indexes = [models.Index(fields=["project", "-effective_on", "-id"], name="budget_change_project")]

    def __str__(self):
        return f"{self.project_id}: {self.old} → {self.new}"

    @property
    def is_drop(self):
        return self.old is not None and self.new < self.old


class CompetitorKind(models.TextChoices):
    EXTERNAL = "external", _("Another vendor")
    CUSTOMER_INTERNAL = "customer_internal", _("A department of the customer")
    OUR_OWN = "our_own", _("Another unit of ours")


class Threat(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class CompetitorStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("competitor status", "Active")
    ELIMINATED = "eliminated", _("Eliminated")
    WON = "won", _("Won the deal")


class Competitor(models.Model):
    """Who else wants this money: another vendor, a department of the customer,
    or another unit of ours. Every change is kept (``history``)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="competitors"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CompetitorKind.choices)
    name = models.CharField(_("name"), max_length=200, validators=[validate_no_control_chars])
    offering = models.CharField(
        _("offers or wants"), max_length=500, blank=True, validators=[validate_no_control_chars]
    )
    threat = models.CharField(_("threat"), max_length=6, choices=Threat.choices, default=Threat.MEDIUM)
    status = models.CharField(
        _("status"), max_length=10, choices=CompetitorStatus.choices, default=CompetitorStatus.ACTIVE
    )
    notes = models.TextField(_("notes"), blank=True, validators=[validate_no_control_chars, MaxLengthValidator(5_000)])
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["version", "updated_at"])
    objects = ProjectRowQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-updated_at", "-id"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CompetitorKind.values), name="competitor_kind_valid")
        ]

    def __str__(self):
        return self.name


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    MESSAGE = "message", _("Message")
    EMAIL = "email", pgettext_lazy("activity kind", "E-mail")


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An activity on a project goes with the project; one on a customer alone
        goes with the customer (``pk IN (… UNION …)`` keeps both on their indexes)."""
        from accounts.models import Customer

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        ids = (
            Activity.objects.filter(project__in=Project.objects.visible_to(user).values("pk"))
            .values("pk")
            .order_by()
            .union(
                Activity.objects.filter(
                    project__isnull=True, customer__in=Customer.objects.visible_to(user).values("pk")
                )
                .values("pk")
                .order_by()
            )
        )
        return self.filter(pk__in=ids)

    def editable_by(self, user):
        """Changed only by who may change the project (or the customer, for a customer's own)."""
        from accounts.models import Customer

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(
            Q(project__in=Project.objects.editable_by(user).values("pk"))
            | Q(project__isnull=True, customer__in=Customer.objects.editable_by(user).values("pk"))
        )


class Activity(models.Model):
    """A logged contact with the customer: call, visit, meeting, message, e-mail."""

    customer = models.ForeignKey(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="activities"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    occurred_at = models.DateTimeField(_("when"), validators=[validate_sane_date])
    contacts = models.ManyToManyField(
        "accounts.Contact", verbose_name=_("with whom"), blank=True, related_name="activities"
    )
    summary = models.TextField(_("summary"), validators=[validate_no_control_chars, MaxLengthValidator(5_000)])
    next_contact_on = models.DateField(_("next contact"), null=True, blank=True, validators=[validate_sane_date])
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("logged by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    merged_from = models.PositiveBigIntegerField(_("merged from project"), null=True, blank=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["project", "-occurred_at", "-id"], name="activity_project_recent"),
            models.Index(fields=["customer", "-occurred_at", "-id"], name="activity_customer_recent"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class ProjectImport(SpreadsheetImport):
    """An uploaded file of existing deals (``pipeline.importing``): who uploaded it, when it was imported,
    and the report naming the projects it created."""

    class Meta(SpreadsheetImport.Meta):
        verbose_name = _("project import")
        verbose_name_plural = _("project imports")

    def get_absolute_url(self):
        return reverse("pipeline:import_detail", args=[self.pk])
