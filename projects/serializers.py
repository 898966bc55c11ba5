"""API shapes of projects and what hangs off them. Writes go through
``projects.services``; related ids are looked up only within the requester's
scope, so anything else answers "invalid pk" without saying what it is."""

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.choices import DepartmentKind
from accounts.models import Contact, Customer
from projects import selectors, services
from projects.models import (
    CHOSEN_RESOLUTIONS,
    ChecklistItem,
    Conflict,
    ConflictKind,
    Milestone,
    ProcurementItem,
    Project,
    Resolution,
    Stakeholder,
)
from projects.selectors import conflict_sides_mark
from teams.errors import DomainError
from teams.models import User
from teams.serializers import ChoiceNamesMixin, OwnerField
from teams.validators import validate_sane_date


def _user(serializer_field_or_serializer):
    request = serializer_field_or_serializer.context.get("request")
    return request.user if request else None


class PreparedListSerializer(serializers.ListSerializer):
    """Lets the child load what all rows of a page need in a fixed number of
    queries (``child.prepare(rows)``) before rendering them one by one."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        self.child.prepare(rows)
        return super().to_representation(rows)


# --- related fields: only what the requester may use exists ------------------------------------


class AttachableCustomerField(serializers.PrimaryKeyRelatedField):
    """Customers the requester sees, plus those a duplicate warning disclosed to them."""

    def get_queryset(self):
        user = _user(self)
        return Customer.objects.attachable_by(user) if user else Customer.objects.none()


class VisibleContactField(serializers.PrimaryKeyRelatedField):
    """Contacts the requester sees; the service checks they belong to the project's customer."""

    def get_queryset(self):
        user = _user(self)
        return Contact.objects.visible_to(user) if user else Contact.objects.none()


class EditableProjectField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        user = _user(self)
        return Project.objects.editable_by(user) if user else Project.objects.none()


class _KeepsCurrentValue:
    """On update the stored value stays acceptable even if the requester could not
    choose it today (an owner since deactivated, a lead contact no longer visible),
    so a PUT of the unchanged representation succeeds."""

    def get_queryset(self):
        queryset = super().get_queryset()
        instance = getattr(self.parent, "instance", None)
        current = getattr(instance, f"{self.source}_id", None) if isinstance(instance, models.Model) else None
        if current is not None:
            queryset = queryset | queryset.model._default_manager.filter(pk=current)
        return queryset


class ProjectOwnerField(_KeepsCurrentValue, OwnerField):
    pass


class ProjectLeadContactField(_KeepsCurrentValue, VisibleContactField):
    pass


def _refuse_change(instance, validated_data, fields, message):
    errors = {}
    for field in fields:
        if field in validated_data:
            value = validated_data.pop(field)
            if isinstance(value, models.Model):
                value, current = value.pk, getattr(instance, f"{field}_id")
            else:
                current = getattr(instance, field)
            if value != current:
                errors[field] = [message]
    if errors:
        raise serializers.ValidationError(errors)


# --- projects ---------------------------------------------------------------------------------


class ProjectConflictSerializer(ChoiceNamesMixin, serializers.Serializer):
    """An unresolved conflict as seen from one project: the other project is
    named only by its owner, and by id when the requester may open it."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ConflictKind.choices)
    other_owner_name = serializers.CharField()
    other_project = serializers.IntegerField(allow_null=True, help_text=_("Null when you may not open it."))


class ProjectSerializer(ChoiceNamesMixin, serializers.ModelSerializer):
    customer = AttachableCustomerField(
        help_text=_("A customer you see, or one a duplicate warning told you about. Fixed after creation.")
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    owner = ProjectOwnerField(
        required=False,
        help_text=_(
            "Defaults to you. Reps own their projects, leads assign within their team, admins anyone. "
            "Changed later only through the transfer action."
        ),
    )
    lead_contact = ProjectLeadContactField(
        required=False, allow_null=True, help_text=_("A person of the project's customer whom you see.")
    )
    opened_at = serializers.DateTimeField(
        required=False,
        validators=[validate_sane_date],
        help_text=_("When the project entered the funnel: now by default, may be back-dated on create. Fixed after."),
    )
    completeness = serializers.IntegerField(
        source="checklist_score", read_only=True, help_text=_("Checklist completeness (0–100).")
    )
    conflicts = ProjectConflictSerializer(source="_open_conflicts", many=True, read_only=True)
    procurement_total = serializers.DecimalField(
        source="procurement_sum", max_digits=20, decimal_places=2, read_only=True
    )
    version = serializers.IntegerField(
        required=False, help_text=_("Send the version you read: an older one answers 409 and changes nothing.")
    )

    class Meta:
        model = Project
        list_serializer_class = PreparedListSerializer
        fields = [
            "id",
            "customer",
            "customer_name",
            "name",
            "scope",
            "owner",
            "owner_name",
            "kind",
            "lead_contact",
            "funding_source",
            "funding_approved",
            "budget",
            "last_contact_at",
            "next_contact_on",
            "start_on",
            "end_on",
            "opened_at",
            "completeness",
            "conflicts",
            "procurement_total",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        # The first budget and next contact may come with a new project (the pipeline's
        # create hook records them); afterwards they change through their own actions.
        if self.instance is None:
            fields["budget"] = serializers.DecimalField(
                max_digits=14, decimal_places=2, required=False, allow_null=True, label=_("budget (CNY)")
            )
            fields["next_contact_on"] = serializers.DateField(required=False, allow_null=True, label=_("next contact"))
        return fields

    def prepare(self, projects):
        selectors.projects_attach_open_conflicts(projects=projects, user=_user(self))
        selectors.projects_attach_procurement_totals(projects=projects)

    def to_representation(self, instance):
        if not hasattr(instance, "_open_conflicts"):
            self.prepare([instance])
        return super().to_representation(instance)

    def validate(self, attrs):
        # The model's check constraint would report this without a field name.
        start = attrs.get("start_on", getattr(self.instance, "start_on", None))
        end = attrs.get("end_on", getattr(self.instance, "end_on", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_on": [_("The end date cannot be before the start date.")]})
        return attrs

    def create(self, validated_data):
        data = dict(validated_data)
        data.pop("version", None)
        return services.project_create(
            user=_user(self),
            customer=data.pop("customer"),
            owner=data.pop("owner", None),
            lead_contact=data.pop("lead_contact", None),
            data=data,
        )

    def update(self, instance, validated_data):
        data = dict(validated_data)
        _refuse_change(instance, data, ["customer"], _("A project cannot move to another customer."))
        _refuse_change(instance, data, ["owner"], _("Use the transfer action to change the owner."))
        _refuse_change(instance, data, ["opened_at"], _("The funnel entry time is fixed once the project exists."))
        extra = {"lead_contact": data.pop("lead_contact")} if "lead_contact" in data else {}
        return services.project_update(
            user=_user(self), project=instance, data=data, version=data.pop("version", None), **extra
        )


class ChecklistLineSerializer(serializers.Serializer):
    key = serializers.CharField(source="item.key")
    label = serializers.CharField(source="item.label")
    help_text = serializers.CharField(source="item.help_text")
    derived = serializers.BooleanField(help_text=_("Ticked automatically from the project's data."))
    done = serializers.BooleanField()
    ticked_by_name = serializers.SerializerMethodField()
    ticked_at = serializers.SerializerMethodField()

    def get_ticked_by_name(self, line) -> str | None:
        return line.tick.ticked_by.name if line.tick else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_ticked_at(self, line):
        return serializers.DateTimeField().to_representation(line.tick.ticked_at) if line.tick else None


class ChecklistSerializer(serializers.Serializer):
    completeness = serializers.IntegerField()
    items = ChecklistLineSerializer(many=True)


class ChecklistTickSerializer(serializers.Serializer):
    item = serializers.SlugRelatedField(
        slug_field="key",
        queryset=ChecklistItem.objects.filter(is_active=True),
        help_text=_("The key of an active item that is ticked by hand."),
    )
    done = serializers.BooleanField()


# --- procurement list, milestones, buying committee --------------------------------------------


class ProcurementItemSerializer(serializers.ModelSerializer):
    project = EditableProjectField()
    total = serializers.DecimalField(max_digits=28, decimal_places=2, read_only=True)

    class Meta:
        model = ProcurementItem
        fields = ["id", "project", "item", "quantity", "unit", "unit_price", "notes", "total", "created_at"]
        read_only_fields = ["created_at"]

    def create(self, validated_data):
        data = dict(validated_data)
        return services.procurement_item_save(user=_user(self), project=data.pop("project"), data=data)

    def update(self, instance, validated_data):
        data = dict(validated_data)
        _refuse_change(instance, data, ["project"], _("An item cannot move to another project."))
        return services.procurement_item_save(user=_user(self), project=instance.project, data=data, item=instance)


class MilestoneSerializer(serializers.ModelSerializer):
    project = EditableProjectField()

    class Meta:
        model = Milestone
        fields = ["id", "project", "name", "due_on", "done_on"]

    def create(self, validated_data):
        data = dict(validated_data)
        return services.milestone_save(user=_user(self), project=data.pop("project"), data=data)

    def update(self, instance, validated_data):
        data = dict(validated_data)
        _refuse_change(instance, data, ["project"], _("A milestone cannot move to another project."))
        return services.milestone_save(user=_user(self), project=instance.project, data=data, milestone=instance)


def _contact_label(name):
    """A new person's field is labelled as the contact's (errors name it in the requester's language)."""
    return capfirst(Contact._meta.get_field(name).verbose_name)


class NewContactSerializer(serializers.Serializer):
    """A person to create on the project's customer and put on the committee."""

    name = serializers.CharField(label=_contact_label("name"), max_length=50)
    title = serializers.CharField(label=_contact_label("title"), max_length=100, required=False, allow_blank=True)
    department = serializers.CharField(
        label=_contact_label("department"),
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=_("Found or created within the customer."),
    )
    department_kind = serializers.ChoiceField(
        choices=DepartmentKind.choices, required=False, label=_("Department kind")
    )
    mobile = serializers.CharField(label=_contact_label("mobile"), max_length=20, required=False, allow_blank=True)
    landline = serializers.CharField(label=_contact_label("landline"), max_length=40, required=False, allow_blank=True)
    email = serializers.CharField(label=_contact_label("email"), max_length=254, required=False, allow_blank=True)
    wechat = serializers.CharField(label=_contact_label("wechat"), max_length=40, required=False, allow_blank=True)


class StakeholderSerializer(ChoiceNamesMixin, serializers.ModelSerializer):
    project = EditableProjectField()
    contact = VisibleContactField(
        required=False, help_text=_("A person of the project's customer whom you see; or send new_contact.")
    )
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    new_contact = NewContactSerializer(write_only=True, required=False)

    class Meta:
        model = Stakeholder
        fields = ["id", "project", "contact", "contact_name", "new_contact", "role", "stance", "notes"]

    def get_validators(self):
        # (project, contact) is unique; checked in validate() so the error names
        # the field, and so a new_contact needs no contact id.
        return []

    def validate(self, attrs):
        if self.instance is None:
            contact = attrs.get("contact")
            if contact is None and not attrs.get("new_contact"):
                raise serializers.ValidationError({"contact": [_("Choose a person or enter a new one.")]})
            if contact is not None and attrs.get("new_contact"):
                raise serializers.ValidationError({"new_contact": [_("Send either contact or new_contact.")]})
            if contact is not None and Stakeholder.objects.filter(project=attrs["project"], contact=contact).exists():
                raise serializers.ValidationError({"contact": [_("This person is already on the project.")]})
        return attrs

    def create(self, validated_data):
        new_contact = validated_data.get("new_contact")
        try:
            return services.stakeholder_save(
                user=_user(self),
                project=validated_data["project"],
                contact=validated_data.get("contact"),
                new_contact=new_contact,
                role=validated_data["role"],
                stance=validated_data.get("stance", "unknown"),
                notes=validated_data.get("notes", ""),
            )
        except DomainError as error:
            if not new_contact or not hasattr(error, "error_dict"):
                raise
            # The new person's fields were checked by the contact service: name them as sent.
            person_fields = set(NewContactSerializer().fields)
            raise DomainError(
                {(f"new_contact.{f}" if f in person_fields else f): m for f, m in error.message_dict.items()}
            ) from error

    def update(self, instance, validated_data):
        data = dict(validated_data)
        data.pop("new_contact", None)
        _refuse_change(instance, data, ["project"], _("A stakeholder cannot move to another project."))
        _refuse_change(instance, data, ["contact"], _("Remove this person and add the other one instead."))
        return services.stakeholder_save(
            user=_user(self),
            project=instance.project,
            role=data.get("role", instance.role),
            stance=data.get("stance", instance.stance),
            notes=data.get("notes", instance.notes),
            stakeholder=instance,
        )


# --- conflicts --------------------------------------------------------------------------------


class ConflictProjectSerializer(serializers.Serializer):
    """One side of a conflict: id and name only if the requester may open it."""

    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    owner_name = serializers.CharField()


class ConflictContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ConflictSerializer(ChoiceNamesMixin, serializers.ModelSerializer):
    projects = serializers.SerializerMethodField(
        help_text=_("The two projects, those you may open first; the others only by their owner's name.")
    )
    contact = ConflictContactSerializer(read_only=True, allow_null=True, help_text=_("The shared person, if any."))
    status = serializers.SerializerMethodField()
    resolution = serializers.SerializerMethodField()
    resolved_by_name = serializers.SerializerMethodField()
    note = serializers.CharField(source="resolution_note", read_only=True)

    class Meta:
        model = Conflict
        list_serializer_class = PreparedListSerializer
        fields = [
            "id",
            "kind",
            "projects",
            "contact",
            "status",
            "resolution",
            "resolved_by_name",
            "resolved_at",
            "note",
            "created_at",
        ]
        read_only_fields = fields

    def prepare(self, conflicts):
        conflict_sides_mark(conflicts, user=_user(self))

    def to_representation(self, instance):
        if not hasattr(instance, "sides"):
            self.prepare([instance])
        return super().to_representation(instance)

    @extend_schema_field(ConflictProjectSerializer(many=True))
    def get_projects(self, conflict):
        return [
            {"id": side["project"].pk, "name": side["project"].name, "owner_name": side["project"].owner.name}
            if side["openable"]
            else {"id": None, "name": None, "owner_name": side["project"].owner.name}
            for side in conflict.sides
        ]

    def get_status(self, conflict) -> str:
        return "resolved" if conflict.is_resolved else "open"

    @extend_schema_field(serializers.ChoiceField(choices=Resolution.choices, allow_null=True))
    def get_resolution(self, conflict):
        return conflict.resolution or None

    def get_resolved_by_name(self, conflict) -> str | None:
        return conflict.resolved_by.name if conflict.resolved_by_id else None


class ConflictResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=CHOSEN_RESOLUTIONS)
    owner = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("For assign_owner: the user id of one of the two owners.")
    )
    keep = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("For merged: the id of the project that survives.")
    )
    note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Why it was resolved this way (up to 500 characters)."),
    )

    def resolve(self, *, conflict: Conflict) -> Conflict:
        """Owner and project ids are matched against the conflict's own two sides
        only, so nothing else is looked up (or disclosed) by id."""
        data = self.validated_data
        a, b = conflict.project_a, conflict.project_b
        owners: dict[int, User] = {a.owner_id: a.owner, b.owner_id: b.owner}
        return services.conflict_resolve(
            user=_user(self),
            conflict=conflict,
            resolution=data["resolution"],
            owner=owners.get(data.get("owner")),
            keep={a.pk: a, b.pk: b}.get(data.get("keep")),
            note=data.get("note", ""),
        )
