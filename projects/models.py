"""Projects under a customer: basic information, procurement list, buying
committee, checklist, ownership history and conflicts."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.choices import BuyingRole
from accounts.validators import validate_no_control_chars
from projects.normalize import normalize_project_name
from teams.typography import bracketed
from teams.validators import validate_sane_date
from teams.visibility import VisibleQuerySet

# A budget above a trillion yuan is a typing error, not a deal.
MAX_BUDGET = Decimal("1000000000000")


class ProjectKind(models.TextChoices):
    NEW = "new", _("New business")
    RENEWAL = "renewal", _("Renewal")
    EXPANSION = "expansion", _("Expansion")


class FundingSource(models.TextChoices):
    OWN_BUDGET = "own_budget", _("Own budget")
    SPECIAL_FUND = "special_fund", _("Special fund")
    GOVERNMENT = "government", _("Government funding")
    GROUP = "group", _("Parent company allocation")
    FINANCING = "financing", _("Loan or financing")
    OTHER = "other", _("Other")


class ProjectQuerySet(VisibleQuerySet):
    owner_field = "owner"
    team_field = "team"

    def open(self):
        return self.filter(closed_at__isnull=True)

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(name__contains=text) | Q(customer__name__contains=text) | Q(normalized_name__contains=text.casefold())
        )


class Project(models.Model):
    customer = models.ForeignKey(
        "accounts.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=200, validators=[validate_no_control_chars])
    normalized_name = models.CharField(_("normalised name"), max_length=200, editable=False)
    scope = models.TextField(
        _("scope"),
        blank=True,
        help_text=_("What the customer wants done, in their words."),
        validators=[validate_no_control_chars, MaxLengthValidator(10_000)],
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="projects"
    )
    team = models.ForeignKey(
        "teams.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ProjectKind.choices, default=ProjectKind.NEW)
    lead_contact = models.ForeignKey(
        "accounts.Contact",
        verbose_name=_("customer-side lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_projects",
        help_text=_("The person at the customer who runs this purchase."),
    )
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource.choices, blank=True)
    funding_approved = models.BooleanField(
        _("funding approved"), default=False, help_text=_("The customer has approved the money for this purchase.")
    )
    # The customer's budget for the purchase (not our price). Written only by the
    # pipeline's budget changes, which keep every old value with who, when and why.
    budget = models.DecimalField(
        _("budget (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_BUDGET)],
    )
    start_on = models.DateField(_("start"), null=True, blank=True, validators=[validate_sane_date])
    end_on = models.DateField(_("end"), null=True, blank=True, validators=[validate_sane_date])
    opened_at = models.DateTimeField(_("entered the funnel"), default=timezone.now, validators=[validate_sane_date])
    # Set when the project is won or lost (by the pipeline's moves); open projects have none.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    # Kept current by the pipeline's contact log: the latest logged contact and the next planned one.
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    next_contact_on = models.DateField(
        _("next contact"), null=True, blank=True, editable=False, validators=[validate_sane_date]
    )
    # Kept by the pipeline with the project's stage: from when an open project is stale (longer in
    # its stage than the stage's expected days); none when closed or the stage never goes stale.
    stale_at = models.DateTimeField(_("stale from"), null=True, blank=True, editable=False)
    checklist_score = models.PositiveSmallIntegerField(_("checklist completeness"), default=0, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Budget and contact dates keep their own history in the pipeline (budget changes, the contact log).
    history = HistoricalRecords(
        excluded_fields=[
            "normalized_name",
            "checklist_score",
            "version",
            "updated_at",
            "budget",
            "last_contact_at",
            "next_contact_on",
            "stale_at",
        ]
    )
    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(start_on__isnull=True) | Q(end_on__gte=F("start_on")),
                name="project_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | (Q(budget__gte=0) & Q(budget__lte=MAX_BUDGET)),
                name="project_budget_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="project_owner_updated"),
            models.Index(fields=["team", "-updated_at"], name="project_team_updated"),
            models.Index(fields=["customer", "closed_at"], name="project_customer_open"),
            models.Index(fields=["-updated_at", "-id"], name="project_updated"),
            # The reminder pass: open projects whose next contact has passed, as an index scan.
            models.Index(fields=["next_contact_on"], condition=Q(closed_at__isnull=True), name="project_next_open"),
            # My day: a rep's (a lead's team's) open projects by next contact, as an index scan.
            models.Index(
                fields=["owner", "next_contact_on"], condition=Q(closed_at__isnull=True), name="project_owner_next_open"
            ),
            models.Index(
                fields=["team", "next_contact_on"], condition=Q(closed_at__isnull=True), name="project_team_next_open"
            ),
            # My day's stale section: a rep's (a lead's team's) stale open projects, as a range scan.
            models.Index(
                fields=["owner", "stale_at"],
                condition=Q(closed_at__isnull=True, stale_at__isnull=False),
                name="project_owner_stale_open",
            ),
            models.Index(
                fields=["team", "stale_at"],
                condition=Q(closed_at__isnull=True, stale_at__isnull=False),
                name="project_team_stale_open",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:project_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": _("The end date cannot be before the start date.")})

    def normalize(self):
        self.name = (self.name or "").strip()
        self.normalized_name = normalize_project_name(self.name)[:200]
        self.team_id = self.owner.team_id if self.owner_id else None

    @property
    def is_open(self):
        return self.closed_at is None

    @property
    def procurement_total(self):
        items = getattr(self, "_prefetched_objects_cache", {}).get("procurement_items")
        if items is not None:  # the project page loaded the list already
            return sum((item.total for item in items), Decimal("0"))
        return self.procurement_items.aggregate(
            total=Sum(F("quantity") * F("unit_price"), output_field=models.DecimalField())
        )["total"] or Decimal("0")


class MilestoneQuerySet(VisibleQuerySet):
    owner_field = "project__owner"
    team_field = "project__team"


class MilestoneKind(models.TextChoices):
    """The key dates of the customer's buying process; ``other`` is any step of our own."""

    PROPOSAL_ACCEPTED = "proposal_accepted", _("Proposal formally accepted")
    CONTRACT_REVIEW = "contract_review", _("Contract and legal review")
    PAYMENT = "payment", _("Payment")
    OTHER = "other", _("Other")


class Milestone(models.Model):
    """A step of the project's timeline with a planned and an actual date. The
    key dates (every kind but ``other``) occur once per project; every change of
    a planned date is kept (``MilestoneChange``): a later date is a slip."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("kind"), max_length=20, choices=MilestoneKind.choices, default=MilestoneKind.OTHER)
    name = models.CharField(_("milestone"), max_length=100, blank=True, validators=[validate_no_control_chars])
    due_on = models.DateField(_("planned date"), validators=[validate_sane_date])
    done_on = models.DateField(_("done on"), null=True, blank=True, validators=[validate_sane_date])
    attendees = models.ManyToManyField(
        "accounts.Contact",
        verbose_name=_("present from the customer"),
        blank=True,
        related_name="+",
        help_text=_("Who from the customer was there (for the proposal: the decision makers present)."),
    )

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind"],
                condition=~Q(kind="other"),
                name="milestone_key_date_once",
                violation_error_message=_("This project already has this key date."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="other") | ~Q(name=""),
                name="milestone_other_named",
                violation_error_message=_("Name the milestone."),
            ),
        ]

    def __str__(self):
        return self.name or self.get_kind_display()

    @property
    def title(self):
        return self.name or self.get_kind_display()


class MilestoneChange(models.Model):
    """A change of a milestone's planned date. Later than before is a slip."""

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milestone"), on_delete=models.CASCADE, related_name="changes"
    )
    old_due_on = models.DateField(_("planned before"), null=True, blank=True)
    new_due_on = models.DateField(_("planned now"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    is_slip = models.BooleanField(_("slip"), default=False, editable=False)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("milestone date change")
        verbose_name_plural = _("milestone date changes")
        indexes = [models.Index(fields=["milestone", "-changed_at"], name="milestone_change_recent")]

    def __str__(self):
        return f"{self.milestone}: {self.old_due_on} → {self.new_due_on}"

    def save(self, *args, **kwargs):
        self.is_slip = self.old_due_on is not None and self.new_due_on > self.old_due_on
        super().save(*args, **kwargs)


class ProcurementItemQuerySet(VisibleQuerySet):
    owner_field = "project__owner"
    team_field = "project__team"


class ProcurementItem(models.Model):
    """Something the customer intends to buy, priced by our estimate."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="procurement_items"
    )
    item = models.CharField(_("item"), max_length=200, validators=[validate_no_control_chars])
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True, validators=[validate_no_control_chars])
    unit_price = models.DecimalField(
        _("estimated unit price (CNY)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True, validators=[validate_no_control_chars])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ProcurementItemQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("procurement item")
        verbose_name_plural = _("procurement items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="procurement_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="procurement_price_not_negative"),
        ]

    def __str__(self):
        return self.item

    @property
    def total(self):
        return (self.quantity or 0) * (self.unit_price or 0)


class Stance(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    OPPOSED = "opposed", _("Opposed")
    UNKNOWN = "unknown", _("Unknown")


class StakeholderQuerySet(VisibleQuerySet):
    owner_field = "project__owner"
    team_field = "project__team"


class Stakeholder(models.Model):
    """A person of the customer on this purchase's buying committee."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="stakeholders"
    )
    contact = models.ForeignKey(
        "accounts.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="stakeholdings"
    )
    role = models.CharField(_("role in this purchase"), max_length=20, choices=BuyingRole.choices)
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices, default=Stance.UNKNOWN)
    notes = models.CharField(_("notes"), max_length=500, blank=True, validators=[validate_no_control_chars])

    objects = StakeholderQuerySet.as_manager()

    class Meta:
        ordering = ["role", "id"]
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "contact"],
                name="stakeholder_once_per_project",
                violation_error_message=_("This person is already on the project."),
            )
        ]

    def __str__(self):
        return f"{self.contact}{bracketed(self.get_role_display())}"


class ChecklistItem(models.Model):
    """An item of the project checklist (admin-editable). ``rule`` names a
    derived check (``projects.checklist.RULES``); without one, reps tick it by hand."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=200)
    help_text = models.CharField(_("how to get it"), max_length=500, blank=True)
    rule = models.CharField(_("derived from data"), max_length=50, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Raised by every change on the settings page: two admins editing the same item conflict.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self):
        return self.label

    @property
    def is_manual(self):
        return not self.rule


class ChecklistTick(models.Model):
    """A hand-ticked checklist item: who confirmed it, and when."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="ticks")
    item = models.ForeignKey(ChecklistItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="ticks")
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ticked by"), on_delete=models.PROTECT, related_name="+"
    )
    ticked_at = models.DateTimeField(_("ticked at"), default=timezone.now)

    class Meta:
        verbose_name = _("checklist tick")
        verbose_name_plural = _("checklist ticks")
        constraints = [models.UniqueConstraint(fields=["project", "item"], name="tick_once_per_item")]

    def __str__(self):
        return f"{self.item} ✓"


class OwnerChange(models.Model):
    """An ownership transfer of a project, with who, when and why."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="owner_changes"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=500, validators=[validate_no_control_chars])

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("owner change")
        verbose_name_plural = _("owner changes")

    def __str__(self):
        return f"{self.project}: {self.from_user} → {self.to_user}"


class ConflictKind(models.TextChoices):
    SHARED_CUSTOMER = "shared_customer", _("Another owner has an open project on this customer")
    DUPLICATE_PROJECT = "duplicate_project", _("Same or nearly the same project name on this customer")
    SHARED_CONTACT = "shared_contact", _("The same customer contact is on open projects of different owners")


class Resolution(models.TextChoices):
    ASSIGN_OWNER = "assign_owner", _("Assigned to one owner")
    SEPARATE = "separate", _("Genuinely separate")
    MERGED = "merged", _("Projects merged")
    CLOSED = "closed", _("A project was won or lost")


# How a lead may resolve a conflict (closing a project retires its conflicts by itself).
CHOSEN_RESOLUTIONS = [(value, label) for value, label in Resolution.choices if value != Resolution.CLOSED]


class ConflictQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reps see conflicts on their own projects; leads those touching their team; admins all.
        Written as ``pk IN (… UNION …)`` over the per-side indexes, so it grows with the
        team's conflicts, not with everyone's."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        side = {"team_id": user.team_id} if user.is_lead and user.team_id is not None else {"owner": user}
        mine = Project.objects.filter(**side).values("pk")
        ids = (
            Conflict.objects.filter(project_a__in=mine)
            .values("pk")
            .order_by()
            .union(Conflict.objects.filter(project_b__in=mine).values("pk").order_by())
        )
        return self.filter(pk__in=ids)

    def editable_by(self, user):
        """A conflict belongs to both of its sides, and no widening rule applies to
        it: whoever has either project in their own scope may act on it (the
        service then checks that they lead one of the teams, or are an admin)."""
        return self.visible_to(user)

    def unresolved(self):
        return self.filter(resolved_at__isnull=True)


class Conflict(models.Model):
    """Two open projects that collide. ``key`` identifies the collision (kind,
    the pair, and the shared contact), so the same collision is recorded once,
    and a resolved one is not raised again unless something new happens."""

    kind = models.CharField(_("kind"), max_length=20, choices=ConflictKind.choices)
    key = models.CharField(_("key"), max_length=100, unique=True, editable=False)
    project_a = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="+")
    project_b = models.ForeignKey(Project, verbose_name=_("other project"), on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "accounts.Contact",
        verbose_name=_("shared contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("detected at"), auto_now_add=True)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.CharField(_("note"), max_length=500, blank=True, validators=[validate_no_control_chars])

    objects = ConflictQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("conflict")
        verbose_name_plural = _("conflicts")
        indexes = [
            models.Index(fields=["project_a", "resolved_at"], name="conflict_a_open"),
            models.Index(fields=["project_b", "resolved_at"], name="conflict_b_open"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.project_a_id} / {self.project_b_id}"

    @property
    def is_resolved(self):
        return self.resolved_at is not None

    def other_project(self, project):
        return self.project_b if project.pk == self.project_a_id else self.project_a
