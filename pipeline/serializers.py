"""API shapes of the pipeline: projects with their stage, budget, contact dates
and key dates; a move and its result; a project's history; competitors,
activities and the board. Writes go through ``pipeline.services``. A project
(or customer) that a write names but the requester may not change answers
404, as its own URL would."""

from functools import partial

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import exceptions, serializers

from accounts.models import Customer
from accounts.validators import validate_no_control_chars
from pipeline import services
from pipeline.models import Activity, Competitor, Pipeline, Tier
from pipeline.selectors import history
from pipeline.selectors.project_rows import project_api_rows, projects_attach_key_dates
from projects.models import MilestoneKind, Project
from projects.serializers import ProjectSerializer, VisibleContactField
from teams.errors import ConflictError, DomainError
from teams.models import Team, User
from teams.serializers import ChoiceNamesMixin
from teams.validators import validate_sane_date


def _requester(serializer):
    return serializer.context["request"].user


def _messages(error) -> dict:
    """A refusal's field messages, whether a service (DomainError) or a serializer said it."""
    if isinstance(error, serializers.ValidationError):
        return error.detail if isinstance(error.detail, dict) else {"non_field_errors": error.detail}
    return error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}


def _renamed(messages: dict, names: dict) -> dict:
    return {names.get(field, field): value for field, value in messages.items()}


class ChangeableField(serializers.PrimaryKeyRelatedField):
    """A record the requester may change (``editable_by``); any other id answers 404
    ("not found"), as the record's own URL would, instead of naming the field."""

    model = None
    not_found = None
    answers_not_found = True  # funnel_crm.schema documents the 404

    def get_queryset(self):
        return self.model.objects.editable_by(_requester(self))

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if error.get_codes() == ["does_not_exist"]:
                raise exceptions.NotFound(self.not_found) from error
            raise


class ChangeableProjectField(ChangeableField):
    model = Project
    not_found = _("Project not found.")


class ChangeableCustomerField(ChangeableField):
    model = Customer
    not_found = _("Customer not found.")


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice that may be unset, answered as null rather than an empty string."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


# --- projects ---------------------------------------------------------------------------------


@extend_schema_field(serializers.CharField())
class StageKeyField(serializers.CharField):
    """The project's stage by key: on create the stage it starts in, afterwards read from its
    state (a move changes it)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", required=False, **kwargs)

    def to_representation(self, project):
        return project.state.stage.key

    def to_internal_value(self, data):
        return {"stage": super().to_internal_value(data)}


# Where budget_change names what was sent as the project's budget fields.
BUDGET_FIELDS = {"reason": "budget_reason", "effective_on": "budget_effective_on"}
KEY_DATE_HELP = {
    "proposal_accepted_on": _("When the customer formally accepted the proposal (the key date's actual date)."),
    "contract_started_on": _("When the contract and legal review started (actual date)."),
    "payment_due_on": _("When payment is due per the contract (planned date)."),
    "paid_on": _("When the customer paid (actual date)."),
}


@extend_schema_serializer(component_name="Project")
class PipelineProjectSerializer(ProjectSerializer):
    """A project with its pipeline data. ``stage`` is where a new project starts
    (then it changes through ``move/``); a different ``budget`` is a budget
    change (a drop says why in ``budget_reason``); ``next_contact_on`` plans the
    next contact. The key dates read from the project's key-date milestones."""

    budget_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        validators=[validate_no_control_chars],
        label=_("Why the budget changes"),
        help_text=_("Why the budget changes: required when it drops."),
    )
    budget_effective_on = serializers.DateField(
        write_only=True,
        required=False,
        validators=[validate_sane_date],
        label=_("Budget effective from"),
        help_text=_("When the new budget took effect: today by default, never in the future."),
    )
    proposal_accepted_on = serializers.DateField(
        source="key_dates.proposal_accepted_on",
        read_only=True,
        allow_null=True,
        help_text=KEY_DATE_HELP["proposal_accepted_on"],
    )
    contract_started_on = serializers.DateField(
        source="key_dates.contract_started_on",
        read_only=True,
        allow_null=True,
        help_text=KEY_DATE_HELP["contract_started_on"],
    )
    payment_due_on = serializers.DateField(
        source="key_dates.payment_due_on", read_only=True, allow_null=True, help_text=KEY_DATE_HELP["payment_due_on"]
    )
    paid_on = serializers.DateField(
        source="key_dates.paid_on", read_only=True, allow_null=True, help_text=KEY_DATE_HELP["paid_on"]
    )
    stage = StageKeyField(
        label=_("stage"),
        help_text=_("The stage's key (/api/v1/stages/). On create, the stage the project starts in; then use move/."),
    )
    stage_name = serializers.CharField(source="state.stage.name", read_only=True)
    tier = serializers.ChoiceField(source="state.tier", choices=Tier.choices, read_only=True)
    lost_reason = serializers.CharField(
        source="state.lost_reason.key",
        read_only=True,
        allow_null=True,
        help_text=_("Why a lost project was lost (a key of /api/v1/lost-reasons/)."),
    )
    lost_reason_name = serializers.CharField(source="state.lost_reason.name", read_only=True, allow_null=True)

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields[: ProjectSerializer.Meta.fields.index("budget") + 1],
            "budget_reason",
            "budget_effective_on",
            "last_contact_at",
            "next_contact_on",
            "proposal_accepted_on",
            "contract_started_on",
            "payment_due_on",
            "paid_on",
            *ProjectSerializer.Meta.fields[
                ProjectSerializer.Meta.fields.index("start_on") : ProjectSerializer.Meta.fields.index("opened_at") + 1
            ],
            "stage",
            "stage_name",
            "tier",
            "lost_reason",
            "lost_reason_name",
            *ProjectSerializer.Meta.fields[ProjectSerializer.Meta.fields.index("completeness") :],
        ]

    def get_fields(self):
        fields = super().get_fields()
        fields["budget"] = serializers.DecimalField(
            max_digits=None,
            decimal_places=2,
            required=False,
            allow_null=True,
            label=_("budget (CNY)"),
            help_text=_(
                "The customer's budget for the purchase, in yuan. On create the first amount; "
                "a different amount later is a budget change (see budget_reason)."
            ),
        )
        fields["next_contact_on"] = serializers.DateField(
            required=False,
            allow_null=True,
            label=_("next contact"),
            help_text=_("The next planned contact: today or later; every open project needs one."),
        )
        return fields

    def prepare(self, projects):
        super().prepare(projects)
        projects_attach_key_dates(projects=projects)

    def update(self, instance, validated_data):
        """Basic fields through ``projects.services.project_update``, a different
        budget through ``budget_change``, the next contact through
        ``next_contact_set``: one transaction, every bad field reported at once.
        The first of them checks ``version``; later ones run on the locked row."""
        data = dict(validated_data)
        user = _requester(self)
        stage = data.pop("stage", None)
        clears_budget = "budget" in data and data["budget"] is None and instance.budget is not None
        budget = data.pop("budget", None)
        reason = data.pop("budget_reason", "")
        effective_on = data.pop("budget_effective_on", None)
        plans_next = "next_contact_on" in data
        next_on = data.pop("next_contact_on", None)
        version = data.get("version")
        errors = {}
        if stage is not None and stage != instance.state.stage.key:
            errors["stage"] = [_("Use the move action to change the stage.")]
        if clears_budget:
            errors["budget"] = [_("A known budget is changed, not removed.")]
        changes_budget = budget is not None and budget != instance.budget
        changes_next = plans_next and next_on != instance.next_contact_on
        # Each write takes the version to check, and says how its errors name the fields.
        writes = []
        if set(data) - {"version"} or not (changes_budget or changes_next):
            writes.append((partial(self._update_basic, instance, data), {}))
        if changes_budget:
            budget_write = partial(
                services.budget_change,
                user=user,
                project=instance,
                amount=budget,
                effective_on=effective_on,
                reason=reason,
            )
            writes.append((budget_write, BUDGET_FIELDS))
        if changes_next:
            writes.append((partial(services.next_contact_set, user=user, project=instance, on=next_on), {}))
        with transaction.atomic():
            for index, (write, names) in enumerate(writes):
                try:
                    write(version=version if index == 0 else None)
                except ConflictError:
                    raise
                except (DomainError, serializers.ValidationError) as error:
                    errors.update(_renamed(_messages(error), names))
            if errors:
                raise serializers.ValidationError(errors)
        return project_api_rows().get(pk=instance.pk)

    def _update_basic(self, instance, data, *, version):
        return super().update(instance, {**data, "version": version})

    def create(self, validated_data):
        return project_api_rows().get(pk=super().create(validated_data).pk)


class MoveSerializer(serializers.Serializer):
    stage = serializers.CharField(
        label=_("stage"), max_length=50, help_text=_("The key of a stage of the project's pipeline.")
    )
    at = serializers.DateTimeField(
        label=_("effective"),
        required=False,
        allow_null=True,
        validators=[validate_sane_date],
        help_text=_("When the move happened: now by default; back-dated, never before the previous move."),
    )
    note = serializers.CharField(
        label=_("note"), required=False, allow_blank=True, default="", validators=[validate_no_control_chars]
    )
    lost_reason = serializers.CharField(
        label=_("lost reason"),
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=50,
        help_text=_("Required when moving to a lost stage: a key of /api/v1/lost-reasons/."),
    )
    lost_note = serializers.CharField(
        label=_("lost: details"),
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        validators=[validate_no_control_chars],
    )
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("Send the version you read: an older one answers 409 and moves nothing."),
    )


class MoveResultSerializer(serializers.Serializer):
    project = PipelineProjectSerializer()
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text=_("Exit checks of the stage left that were not met (warnings only).")
    )


# --- history ----------------------------------------------------------------------------------


class StageChangeEntrySerializer(ChoiceNamesMixin, serializers.Serializer):
    from_stage = serializers.CharField(source="from_stage.key", allow_null=True)
    from_stage_name = serializers.CharField(source="from_stage.name", allow_null=True)
    to_stage = serializers.CharField(source="to_stage.key")
    to_stage_name = serializers.CharField(source="to_stage.name")
    from_tier = BlankAsNullChoiceField(choices=Tier.choices, help_text=_("The tiers as they were at that moment."))
    to_tier = serializers.ChoiceField(choices=Tier.choices)
    note = serializers.CharField()
    lost_reason = serializers.CharField(source="lost_reason.key", allow_null=True)
    lost_reason_name = serializers.CharField(source="lost_reason.name", allow_null=True)
    merged_from = serializers.IntegerField(
        allow_null=True,
        help_text=_("The id of a project merged into this one, whose history this was (not counted in the funnel)."),
    )


class BudgetChangeEntrySerializer(serializers.Serializer):
    old = serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True)
    new = serializers.DecimalField(max_digits=None, decimal_places=2)
    effective_on = serializers.DateField()
    reason = serializers.CharField()
    is_drop = serializers.BooleanField()
    merged_from = serializers.IntegerField(allow_null=True)


class OwnerChangeEntrySerializer(serializers.Serializer):
    from_user = serializers.IntegerField(source="from_user_id")
    from_user_name = serializers.CharField(source="from_user.name")
    to_user = serializers.IntegerField(source="to_user_id")
    to_user_name = serializers.CharField(source="to_user.name")
    reason = serializers.CharField()


class KeyDateChangeEntrySerializer(ChoiceNamesMixin, serializers.Serializer):
    milestone = serializers.IntegerField(source="milestone_id")
    kind = serializers.ChoiceField(source="milestone.kind", choices=MilestoneKind.choices)
    old_due_on = serializers.DateField(allow_null=True)
    new_due_on = serializers.DateField()
    is_slip = serializers.BooleanField(help_text=_("The planned date moved later."))


HISTORY_KINDS = [
    (history.STAGE, _("Stage change")),
    (history.BUDGET, _("Budget change")),
    (history.OWNER, _("Owner change")),
    (history.KEY_DATE, _("Key date change")),
]


class HistoryEntrySerializer(ChoiceNamesMixin, serializers.Serializer):
    """One change; the object named after its kind carries the details, the others are null."""

    kind = serializers.ChoiceField(choices=HISTORY_KINDS)
    id = serializers.IntegerField(help_text=_("The change's id within its kind."))
    at = serializers.DateTimeField(help_text=_("When it took effect (may be back-dated)."))
    recorded_at = serializers.DateTimeField(help_text=_("When it was recorded."))
    by = serializers.IntegerField(allow_null=True, help_text=_("Who made the change (user id)."))
    by_name = serializers.CharField(allow_null=True)
    stage_change = StageChangeEntrySerializer(allow_null=True)
    budget_change = BudgetChangeEntrySerializer(allow_null=True)
    owner_change = OwnerChangeEntrySerializer(allow_null=True)
    key_date_change = KeyDateChangeEntrySerializer(allow_null=True)


class HistoryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HistoryEntrySerializer(many=True)


# --- competitors and activities ---------------------------------------------------------------


class CompetitorSerializer(ChoiceNamesMixin, serializers.ModelSerializer):
    project = ChangeableProjectField(help_text=_("A project you may change. Fixed after creation."))
    version = serializers.IntegerField(
        required=False, help_text=_("Send the version you read: an older one answers 409 and changes nothing.")
    )

    class Meta:
        model = Competitor
        fields = [
            "id",
            "project",
            "name",
            "kind",
            "offering",
            "threat",
            "status",
            "notes",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def create(self, validated_data):
        data = dict(validated_data)
        data.pop("version", None)
        return services.competitor_save(user=_requester(self), project=data.pop("project"), data=data)

    def update(self, instance, validated_data):
        data = dict(validated_data)
        if "project" in data and data.pop("project").pk != instance.project_id:
            raise serializers.ValidationError({"project": [_("A competitor cannot move to another project.")]})
        return services.competitor_save(
            user=_requester(self),
            project=instance.project,
            competitor=instance,
            data=data,
            version=data.pop("version", None),
        )


class ActivitySerializer(ChoiceNamesMixin, serializers.ModelSerializer):
    """A logged contact. Creating one sets the project's last and next contact;
    ``move_to`` also moves the project (effective when the contact happened)."""

    project = ChangeableProjectField(
        required=False, allow_null=True, help_text=_("A project you may change; or only the customer.")
    )
    customer = ChangeableCustomerField(
        required=False, help_text=_("The project's customer (implied by project), or a customer of yours alone.")
    )
    contacts = VisibleContactField(
        many=True, required=False, help_text=_("People of the customer who took part (contacts you see).")
    )
    by_name = serializers.CharField(source="by.name", read_only=True)
    move_to = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=50,
        label=_("move to"),
        help_text=_("A stage key: also move the project there, effective when the contact happened."),
    )
    lost_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=50,
        label=_("lost reason"),
        help_text=_("Required when move_to is a lost stage: a key of /api/v1/lost-reasons/."),
    )
    lost_note = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        label=_("lost: details"),
        validators=[validate_no_control_chars],
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "project",
            "customer",
            "kind",
            "occurred_at",
            "contacts",
            "summary",
            "next_contact_on",
            "by",
            "by_name",
            "created_at",
            "move_to",
            "lost_reason",
            "lost_note",
        ]
        read_only_fields = ["by", "created_at"]

    def validate(self, attrs):
        project, customer = attrs.get("project"), attrs.get("customer")
        if project is None and customer is None:
            raise serializers.ValidationError({"project": [_("Choose the project or the customer you contacted.")]})
        if project is not None and customer is not None and customer.pk != project.customer_id:
            raise serializers.ValidationError({"customer": [_("This is not the project's customer.")]})
        return attrs

    def create(self, validated_data):
        try:
            return services.activity_log(
                user=_requester(self),
                kind=validated_data["kind"],
                occurred_at=validated_data["occurred_at"],
                summary=validated_data["summary"],
                project=validated_data.get("project"),
                customer=validated_data.get("customer"),
                contacts=validated_data.get("contacts", []),
                next_contact_on=validated_data.get("next_contact_on"),
                move_to=validated_data.get("move_to") or None,
                lost_reason=validated_data.get("lost_reason") or None,
                lost_note=validated_data.get("lost_note", ""),
            )
        except ConflictError:
            raise
        except DomainError as error:
            # The move's refusals are about the stage the contact moves to.
            raise DomainError(_renamed(_messages(error), {"stage": "move_to", "at": "occurred_at"})) from error


# --- the board --------------------------------------------------------------------------------


class BoardQuerySerializer(serializers.Serializer):
    """The board's query parameters; an owner or team outside the requester's view answers 400."""

    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text=_("Only this rep's projects (leads: a rep of the team).")
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, help_text=_("Only this team's projects (admins name one).")
    )
    pipeline = serializers.SlugRelatedField(
        slug_field="key",
        queryset=Pipeline.objects.filter(is_archived=False),
        required=False,
        help_text=_(
            "A pipeline's key: by default the team's (or the company's) default pipeline when it holds projects "
            "of the board, else the first that does."
        ),
    )
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("Only projects matching this search.")
    )
    expand = serializers.SlugField(
        required=False,
        max_length=50,
        help_text=_("A stage key: list every card of that column (a column lists a limited number)."),
    )

    def get_fields(self):
        fields = super().get_fields()
        user = _requester(self)
        fields["owner"].queryset = User.objects.visible_to(user)
        fields["team"].queryset = Team.objects.visible_to(user)
        return fields

    def validate(self, attrs):
        if _requester(self).is_admin and not attrs.get("owner") and not attrs.get("team"):
            raise serializers.ValidationError({"team": [_("Choose a team (or a rep) to see a board.")]})
        return attrs

    def board_arguments(self) -> dict:
        """The validated parameters as ``pipeline.selectors.board.board`` takes them."""
        data = self.validated_data
        return {
            "owner": data.get("owner"),
            "team": data.get("team"),
            "pipeline": data["pipeline"].key if data.get("pipeline") else None,
            "search": data.get("q", ""),
            "expand": data.get("expand"),
        }


class BoardPipelineSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class BoardCardSerializer(serializers.Serializer):
    """A card of the board: a project with its marks."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    customer_name = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id")
    owner_name = serializers.CharField()
    stage = serializers.CharField(source="stage.key")
    budget = serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True)
    next_contact_on = serializers.DateField(allow_null=True)
    entered_at = serializers.DateTimeField(help_text=_("In this stage since."))
    days_in_stage = serializers.IntegerField()
    is_stale = serializers.BooleanField(help_text=_("Open and longer in the stage than its expected days."))
    is_overdue = serializers.BooleanField(help_text=_("Open and its next contact date has passed."))
    version = serializers.IntegerField(help_text=_("Send it with a move: a stale card answers 409."))


class BoardColumnSerializer(ChoiceNamesMixin, serializers.Serializer):
    stage = serializers.CharField(source="stage.key")
    name = serializers.CharField(source="stage.name")
    tier = serializers.ChoiceField(source="stage.tier", choices=Tier.choices)
    probability = serializers.IntegerField(source="stage.probability", help_text=_("Win probability (%)."))
    expected_days = serializers.IntegerField(source="stage.expected_days", allow_null=True)
    is_closed = serializers.BooleanField()
    is_archived = serializers.BooleanField(
        source="stage.is_archived", help_text=_("An archived stage is shown while projects sit in it.")
    )
    count = serializers.IntegerField()
    budget_sum = serializers.DecimalField(source="budget", max_digits=None, decimal_places=2)
    weighted_sum = serializers.DecimalField(
        source="weighted", max_digits=None, decimal_places=2, help_text=_("The sum of budget × win probability.")
    )
    hidden = serializers.IntegerField(
        help_text=_("How many cards of the column are not listed (a column lists a limited number): expand lists them.")
    )
    cards = BoardCardSerializer(
        many=True,
        help_text=_(
            "Open columns: no next contact planned first, then the most overdue, then longest in the stage; "
            "won and lost: the latest closed first."
        ),
    )


class BoardSerializer(serializers.Serializer):
    pipeline = BoardPipelineSerializer(allow_null=True, help_text=_("None when no pipeline is set up."))
    pipelines = BoardPipelineSerializer(many=True, help_text=_("The pipelines one may switch to."))
    owner = serializers.IntegerField(source="owner.pk", allow_null=True)
    team = serializers.IntegerField(source="team.pk", allow_null=True)
    closed_since = serializers.DateTimeField(help_text=_("Won and lost columns show projects closed since then."))
    columns = BoardColumnSerializer(many=True)
