"""Customer organisations (CRM "accounts"): departments and the people in them."""

import re

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts import regions
from accounts.choices import BuyingRole, CustomerLevel, CustomerSource, DepartmentKind, Industry
from accounts.completeness import KEY_ROLES
from accounts.normalize import (
    company_core,
    normalize_company_name,
    normalize_credit_code,
    normalize_email,
    normalize_mobile,
)
from accounts.validators import (
    validate_credit_code,
    validate_landline,
    validate_mobile,
    validate_no_control_chars,
    validate_wechat_id,
)
from teams.visibility import VisibleQuerySet


class CustomerQuerySet(VisibleQuerySet):
    owner_field = "owner"
    team_field = "team"
    extra_visibility = []

    def in_pool(self):
        return self.filter(owner__isnull=True)

    def claimable_by(self, user):
        """Pool customers ``user`` may see (and claim): those sitting in a live pool that
        serves the user's team; admins see every pool. Kept apart from ``visible_to`` on
        purpose: a pool of 100k customers must never flood anybody's book, export or search."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        pools = Pool.objects.visible_to(user)
        return self.filter(owner__isnull=True, pool__in=pools.values("pk"))

    def attachable_by(self, user):
        """Customers ``user`` may add a project to: those they see, plus those a
        duplicate warning told them about (they still see nothing else of them)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        disclosed = CustomerDisclosure.objects.filter(user=user, customer=models.OuterRef("pk"))
        return self.filter(models.Q(pk__in=self.visible_to(user).values("pk")) | models.Exists(disclosed))

    def search(self, text, *, user):
        """Name (normalised, so 有限公司 etc. do not matter), credit code, or a
        contact's name, mobile or e-mail: only among the people ``user`` may see
        in full. The limited view of a customer (through one's project) hides
        its people, so they never match, not even those on one's own committee."""
        text = (text or "").strip()
        if not text:
            return self
        # A contact is fully seen exactly when its customer is in the user's own scope.
        contacts = Contact.objects.editable_by(user).filter(customer=models.OuterRef("pk"))
        contact_match = Q(name__contains=text)
        digits = normalize_mobile(text)
        if digits.isdigit() and len(digits) >= 4:
            contact_match |= Q(mobile__contains=digits)
        if "@" in text:
            contact_match |= Q(email=normalize_email(text))
        return self.filter(
            Q(normalized_name__contains=normalize_company_name(text))
            | Q(name__contains=text)
            | Q(credit_code=normalize_credit_code(text))
            | models.Exists(contacts.filter(contact_match))
        )


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200, validators=[validate_no_control_chars])
    normalized_name = models.CharField(_("normalised name"), max_length=200, editable=False, db_index=True)
    # The 字号 without region and trade words: "杭州云帆信息科技有限公司" and "云帆科技（杭州）" share 云帆.
    core_name = models.CharField(_("brand core"), max_length=200, editable=False, db_index=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, printed on the business licence (统一社会信用代码)."),
    )
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices, blank=True)
    level = models.CharField(_("level"), max_length=1, choices=CustomerLevel.choices, default=CustomerLevel.B)
    source = models.CharField(_("source"), max_length=20, choices=CustomerSource.choices, blank=True)
    province = models.CharField(_("province"), max_length=6, blank=True)
    city = models.CharField(_("city"), max_length=6, blank=True)
    district = models.CharField(_("district"), max_length=6, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True, validators=[validate_no_control_chars])
    website = models.URLField(_("website"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=[validate_no_control_chars, MaxLengthValidator(10_000)])
    # None while the customer sits in a public pool (公海): nobody's book holds it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    # The pool the customer belongs to: where it sits (owner None) or where it returns to.
    pool = models.ForeignKey(
        "accounts.Pool", verbose_name=_("pool"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The day the return rules send it back to the pool (kept by pipeline.pools in the same
    # transaction as the activity, stage move or project change that resets it); None: never.
    returns_on = models.DateField(_("returns to the pool on"), null=True, blank=True, editable=False)
    # When the current owner got it (claim, creation, hand-over): where the countdown starts.
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True, editable=False)
    # A lead's lock: the return rules leave the customer alone.
    locked = models.BooleanField(_("locked by the lead"), default=False)
    # Who held it last and when it left them: the reclaim waiting period.
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True, editable=False)
    # Derived from the owner on every save; stored so a lead's scope is one index.
    team = models.ForeignKey(
        "teams.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completeness = models.PositiveSmallIntegerField(_("completeness"), default=0, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=[
            "normalized_name",
            "core_name",
            "completeness",
            "version",
            "updated_at",
            "returns_on",
            "taken_at",
            "released_at",
        ]
    )
    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="customer_credit_code_unique",
                violation_error_message=_("A customer with this unified social credit code already exists."),
            ),
            models.CheckConstraint(condition=Q(completeness__lte=100), name="customer_completeness_0_100"),
            # A customer without an owner is in a pool: never nowhere.
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | Q(pool__isnull=False), name="customer_owner_or_pool"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="customer_owner_updated"),
            models.Index(fields=["team", "-updated_at"], name="customer_team_updated"),
            models.Index(fields=["team", "completeness"], name="customer_team_completeness"),
            # The admin's unscoped list, newest first.
            models.Index(fields=["-updated_at", "-id"], name="customer_updated"),
            # The nightly return pass: owned customers whose day has come, as an index range scan.
            models.Index(fields=["returns_on"], condition=Q(owner__isnull=False), name="customer_returns_owned"),
            # The book sorted by days left.
            models.Index(fields=["owner", "returns_on"], name="customer_owner_returns"),
            # A pool's page: what sits in it, newest release first.
            models.Index(
                fields=["pool", "-released_at", "-id"], condition=Q(owner__isnull=True), name="customer_in_pool"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("accounts:customer_detail", args=[self.pk])

    def normalize(self):
        """Derived and canonical values; called before validation and on save."""
        self.name = (self.name or "").strip()
        self.normalized_name = normalize_company_name(self.name)[:200]
        self.core_name = company_core(self.name)[:200]
        self.credit_code = normalize_credit_code(self.credit_code or "")
        self.team_id = self.owner.team_id if self.owner_id else None

    def clean(self):
        super().clean()
        regions.validate(self.province, self.city, self.district)

    def fully_visible_to(self, user) -> bool:
        """Owner, the team's lead, admins (the same rule as ``editable_by``). Others
        who see the customer through a project of theirs get the limited view:
        the company, not its people, notes or history."""
        return user.is_admin or self.owner_id == user.pk or (user.is_lead and self.team_id == user.team_id)

    @property
    def region_name(self):
        return regions.full_name(self.province, self.city, self.district)

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None

    def days_left(self, today) -> int | None:
        """Days before the return rules send it to the pool (None: it never returns)."""
        return None if self.returns_on is None or self.owner_id is None else (self.returns_on - today).days

    @property
    def completeness_band(self):
        return completeness_band(self.completeness)


class CompletenessBand(models.TextChoices):
    LOW = "low", _("Low (below 40)")
    MEDIUM = "medium", _("Medium (40–69)")
    HIGH = "high", _("High (70 and above)")


COMPLETENESS_BANDS = {
    CompletenessBand.LOW: (0, 39),
    CompletenessBand.MEDIUM: (40, 69),
    CompletenessBand.HIGH: (70, 100),
}


def completeness_band(score):
    for band, (low, high) in COMPLETENESS_BANDS.items():
        if low <= score <= high:
            return band
    return CompletenessBand.LOW


class DepartmentQuerySet(VisibleQuerySet):
    owner_field = "customer__owner"
    team_field = "customer__team"


class Department(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="departments"
    )
    name = models.CharField(_("name"), max_length=100, validators=[validate_no_control_chars])
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "name"],
                name="department_name_unique_per_customer",
                violation_error_message=_("This customer already has a department with this name."),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self):
        self.name = (self.name or "").strip()


_PHONE_CHARACTERS = re.compile(r"[0-9０-９+＋\s\-－()（）]*")


class ContactQuerySet(VisibleQuerySet):
    owner_field = "customer__owner"
    team_field = "customer__team"
    extra_visibility = []

    def current(self):
        return self.filter(has_left=False)

    def of_customer_visible_to(self, customer, user):
        """The people of one customer that ``user`` may see, starting from that customer's
        own rows: all of them when the customer is in the user's own scope (the rule of
        ``visible_to``, decided on the customer already loaded), else only those the
        widening rules let through (a rep's committee people on a customer seen through a
        project). Never "every contact the user sees, then this customer's"."""
        people = self.filter(customer=customer)
        if not user.is_authenticated or not user.is_active:
            return people.none()
        if user.is_admin:
            return people
        if user.is_lead and user.team_id is not None:
            own = customer.team_id == user.team_id
        else:
            own = customer.owner_id == user.pk
        return people if own else people.visible_to(user)


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    name = models.CharField(_("full name"), max_length=50, validators=[validate_no_control_chars])
    title = models.CharField(_("title"), max_length=100, blank=True, validators=[validate_no_control_chars])
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[validate_mobile], db_index=True)
    landline = models.CharField(_("landline"), max_length=40, blank=True, validators=[validate_landline])
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    wechat = models.CharField(_("WeChat ID"), max_length=40, blank=True, validators=[validate_wechat_id])
    buying_role = models.CharField(
        _("buying role"), max_length=20, choices=BuyingRole.choices, default=BuyingRole.OTHER
    )
    has_left = models.BooleanField(_("has left the company"), default=False)
    notes = models.TextField(_("notes"), blank=True, validators=[validate_no_control_chars, MaxLengthValidator(5_000)])
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["version", "updated_at"])
    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [models.Index(fields=["customer", "buying_role"], name="contact_customer_role")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self):
        self.name = (self.name or "").strip()
        # Only a plausibly typed number is reduced to its digits; anything else
        # ("1381234567a8") stays as typed so validation names the mistake.
        if self.mobile and _PHONE_CHARACTERS.fullmatch(self.mobile.strip()):
            self.mobile = normalize_mobile(self.mobile)
        self.mobile = (self.mobile or "").strip()
        self.email = normalize_email(self.email) if self.email else ""
        self.wechat = (self.wechat or "").strip()
        self.landline = (self.landline or "").strip()

    @property
    def is_key(self):
        return self.buying_role in KEY_ROLES

    @property
    def reachable(self):
        return bool(self.mobile or self.landline or self.wechat)


class SpreadsheetImportQuerySet(VisibleQuerySet):
    """An import is seen by who uploaded it, their team's lead and admins."""

    owner_field = "user"
    team_field = "user__team"


class SpreadsheetImport(models.Model):
    """An uploaded file between its dry run and its commit (every import: customers, projects).

    The file is kept so the commit re-reads exactly what the dry run checked;
    ``report`` is the dry run's (or the commit's) per-row result; who uploaded
    it and when it was imported stay recorded.
    """

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked (dry run)")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKED)
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)

    objects = SpreadsheetImportQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self):
        return self.filename

    @property
    def is_committed(self):
        return self.status == self.Status.COMMITTED


class CustomerImport(SpreadsheetImport):
    """An uploaded customer file (``accounts.importing``)."""

    class Meta(SpreadsheetImport.Meta):
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")

    def get_absolute_url(self):
        return reverse("accounts:import_detail", args=[self.pk])


class UserImport(SpreadsheetImport):
    """An uploaded file of new users (``accounts.importing.users``; admins only)."""

    class Meta(SpreadsheetImport.Meta):
        verbose_name = _("user import")
        verbose_name_plural = _("user imports")

    def get_absolute_url(self):
        return reverse("user_imports:import_detail", args=[self.pk])


class CustomerDisclosure(models.Model):
    """A duplicate warning told ``user`` that ``customer`` exists (and who owns
    it). That lets them add their project to it, without seeing its data."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "customer"], name="disclosure_once")]

    def __str__(self):
        return f"{self.user} ← {self.customer_id}"


class PoolQuerySet(models.QuerySet):
    def live(self):
        return self.filter(archived=False)

    def visible_to(self, user):
        """Admins see every pool; reps and leads the live pools serving their team."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        if user.team_id is None:
            return self.none()
        return self.filter(archived=False, teams=user.team_id)

    def editable_by(self, user):
        """Pool settings are the admins'."""
        if not user.is_authenticated or not user.is_active or not user.is_admin:
            return self.none()
        return self


def _default_release_reasons():
    return ["无预算", "联系不上", "需求不匹配", "已选其他供应商", "其他"]


class Pool(models.Model):
    """A public pool (公海): customers nobody works, open to the reps of the teams it serves,
    with the rules that send customers back to it and the limits on claiming from it."""

    name = models.CharField(_("name"), max_length=100, unique=True, validators=[validate_no_control_chars])
    teams = models.ManyToManyField("teams.Team", verbose_name=_("teams served"), related_name="pools", blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    # Return rules: no activity for N days, per customer level.
    activity_days_a = models.PositiveSmallIntegerField(_("no activity for (days), level A"), default=60)
    activity_days_b = models.PositiveSmallIntegerField(_("no activity for (days), level B"), default=45)
    activity_days_c = models.PositiveSmallIntegerField(_("no activity for (days), level C"), default=30)
    # No stage progress on its open projects for N days, per level (empty: rule off).
    progress_days_a = models.PositiveSmallIntegerField(
        _("no stage progress for (days), level A"), null=True, blank=True
    )
    progress_days_b = models.PositiveSmallIntegerField(
        _("no stage progress for (days), level B"), null=True, blank=True
    )
    progress_days_c = models.PositiveSmallIntegerField(
        _("no stage progress for (days), level C"), null=True, blank=True
    )
    # No open project N days after it was taken or its last project closed (empty: rule off).
    no_project_days = models.PositiveSmallIntegerField(_("no open project for (days)"), null=True, blank=True)
    warn_days = models.PositiveSmallIntegerField(_("warn the owner (days ahead)"), default=3)
    daily_claim_limit = models.PositiveSmallIntegerField(_("claims per rep per day"), default=10)
    reclaim_wait_days = models.PositiveSmallIntegerField(_("days before the previous owner may reclaim"), default=7)
    capacity_rep = models.PositiveIntegerField(_("capacity of a rep (customers)"), default=300)
    capacity_lead = models.PositiveIntegerField(_("capacity of a lead (customers)"), default=150)
    count_won = models.BooleanField(_("won customers count towards the capacity"), default=False)
    lock_limit = models.PositiveSmallIntegerField(_("locked customers per rep"), default=5)
    release_reasons = models.JSONField(_("release reasons"), default=_default_release_reasons, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PoolQuerySet.as_manager()

    # Counts that must be 1 or more (empty allowed where the field is nullable: rule off).
    DAY_FIELDS = (
        "activity_days_a",
        "activity_days_b",
        "activity_days_c",
        "progress_days_a",
        "progress_days_b",
        "progress_days_c",
        "no_project_days",
        "daily_claim_limit",
        "capacity_rep",
        "capacity_lead",
    )
    # Counts that may be 0.
    COUNT_FIELDS = ("warn_days", "reclaim_wait_days", "lock_limit")
    # What the settings page and API change (besides the teams served).
    SETTING_FIELDS = ("name", "archived", *DAY_FIELDS, *COUNT_FIELDS, "count_won", "release_reasons")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("pool")
        verbose_name_plural = _("pools")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("pools:pool_detail", args=[self.pk])

    def clean(self):
        super().clean()
        errors = {}
        for field in self.DAY_FIELDS:
            value = getattr(self, field)
            if value is not None and value < 1:
                errors[field] = _("Enter a number of 1 or more.")
        reasons = [str(r).strip() for r in (self.release_reasons or []) if str(r).strip()]
        if not reasons:
            errors["release_reasons"] = _("Give at least one release reason.")
        self.release_reasons = reasons
        if errors:
            from django.core.exceptions import ValidationError

            raise ValidationError(errors)

    def activity_days(self, level) -> int:
        return getattr(self, f"activity_days_{(level or 'B').lower()}")

    def progress_days(self, level) -> int | None:
        return getattr(self, f"progress_days_{(level or 'B').lower()}")


class PoolCapacity(models.Model):
    """A person's own capacity in a pool, overriding the role's."""

    pool = models.ForeignKey(Pool, verbose_name=_("pool"), on_delete=models.CASCADE, related_name="capacities")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    # None: cleared, back to the role's. A cleared override keeps its row, so its version goes
    # on counting and a form opened before the clear cannot overwrite what was set after it.
    capacity = models.PositiveIntegerField(_("capacity (customers)"), null=True, blank=True)
    # The capacity an admin set (None: no admin's setting): the most a lead may set for the person,
    # so a lead can tighten what an admin tightened further but never loosen it. ``capacity`` equal
    # to it: the admin's setting stands; below it: a lead tightened it.
    admin_capacity = models.PositiveIntegerField(_("capacity set by an admin"), null=True, blank=True)
    # Optimistic locking of the override (0 stands for "never set" when there is no row).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("personal capacity")
        verbose_name_plural = _("personal capacities")
        constraints = [models.UniqueConstraint(fields=["pool", "user"], name="pool_capacity_once")]

    def __str__(self):
        return f"{self.user_id}: {self.capacity}"


class PoolEventKind(models.TextChoices):
    RELEASED = "released", _("Released")
    RETURNED = "returned", _("Returned by the rules")
    CLAIMED = "claimed", _("Claimed")
    LOCKED = "locked", _("Locked")
    UNLOCKED = "unlocked", _("Unlocked")


class PoolEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins all; a lead the events of the team's people; a rep their own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        if user.is_lead and user.team_id is not None:
            return self.filter(team_id=user.team_id)
        return self.filter(rep=user)

    def editable_by(self, user):
        return self.none()


class PoolEvent(models.Model):
    """One move in or out of a pool: who (``by``), whose book it concerned (``rep``: the
    owner who lost it, or the one who claimed it) and that rep's team then, and why."""

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+")
    pool = models.ForeignKey(Pool, verbose_name=_("pool"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=10, choices=PoolEventKind.choices)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rep"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "teams.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"))

    objects = PoolEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")
        indexes = [
            models.Index(fields=["team", "kind", "at"], name="poolevent_team_kind_at"),
            models.Index(fields=["pool", "-at"], name="poolevent_pool_at"),
            models.Index(fields=["customer", "-at"], name="poolevent_customer_at"),
            models.Index(fields=["rep", "kind", "at"], name="poolevent_rep_kind_at"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.customer_id}"
