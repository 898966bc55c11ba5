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
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="customers"
    )
    # Derived from the owner on every save; stored so a lead's scope is one index.
    team = models.ForeignKey(
        "teams.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completeness = models.PositiveSmallIntegerField(_("completeness"), default=0, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["normalized_name", "core_name", "completeness", "version", "updated_at"]
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
        ]
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="customer_owner_updated"),
            models.Index(fields=["team", "-updated_at"], name="customer_team_updated"),
            models.Index(fields=["team", "completeness"], name="customer_team_completeness"),
            # The admin's unscoped list, newest first.
            models.Index(fields=["-updated_at", "-id"], name="customer_updated"),
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
