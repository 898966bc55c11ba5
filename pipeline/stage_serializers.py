"""API shapes of the pipeline settings: pipelines, stages with their exit
checklist, lost reasons. Everyone signed in reads them; admins write them
through ``pipeline.settings_services``, the services of the settings pages, so an
API write keeps the same rules and lands in the same change log. Each is
addressed by its key, set on create and fixed after."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pipeline import settings_services
from pipeline.exit_checks import requirement_choices
from pipeline.models import LostReason, Pipeline, Severity, Stage
from projects.models import ChecklistItem
from teams.errors import DomainError
from teams.serializers import ChoiceNamesMixin


class SettingsSerializer(serializers.ModelSerializer):
    """``name`` follows the requester's language; the key is fixed once created;
    ``order`` places the row among the others (they are numbered 10, 20, 30… again).

    A write calls the settings services it needs in one transaction, each refusal
    gathered (one about no field in particular named by the field that asked for the
    change) so the answer names every bad field; nothing is saved unless all pass.
    Each kind names its services: ``create``, ``update``, ``place``, and where it has
    them ``archive``/``restore`` (``is_archived``) and ``set_active`` (``is_active``)."""

    name = serializers.CharField(read_only=True, help_text=_("name_zh or name_en, in the requester's language."))
    row_services: dict = {}
    # The keyword the services take the row by (``stage=``, ``pipeline=``, ``reason=``).
    row_keyword = ""
    # What a create sets after the row exists (the create service starts it with its defaults).
    set_after_create = ("order", "is_archived", "is_active")

    def validate_key(self, value):
        if self.instance is not None and value != self.instance.key:
            raise serializers.ValidationError(_("The key cannot change; create a new one instead."))
        return value

    @transaction.atomic
    def create(self, validated_data):
        row = self.row_services["create"](user=self.context["request"].user, **self.create_arguments(validated_data))
        later = {name: value for name, value in validated_data.items() if name in self.set_after_create}
        return self._changed(row, later)

    @transaction.atomic
    def update(self, instance, validated_data):
        return self._changed(instance, dict(validated_data), update=True)

    def create_arguments(self, data):
        return {"data": data}

    def _changed(self, row, data, update=False):
        self._errors_found = {}
        if data.get("is_archived") is False and row.is_archived:
            self.call("is_archived", "restore", row)
        if update:
            self.call(None, "update", row, data=data)
        if "order" in data:
            self.call("order", "place", row, order=data["order"])
        self.change_more(row, data)
        if "is_active" in data:
            self.call("is_active", "set_active", row, active=data["is_active"])
        if data.get("is_archived"):
            self.call("is_archived", "archive", row)
        if self._errors_found:
            raise DomainError(self._errors_found)
        return type(row).objects.get(pk=row.pk)

    def change_more(self, row, data):
        """What else a kind's ``data`` may change (a stage's checklist)."""

    def call(self, field, service, row, **kwargs):
        """Call the row's ``service``; its refusal about no field in particular is named ``field``."""
        try:
            self.row_services[service](user=self.context["request"].user, **{self.row_keyword: row}, **kwargs)
        except DomainError as error:
            for name, messages in error.message_dict.items():
                named = field if name == NON_FIELD_ERRORS and field else name
                self._errors_found.setdefault(named, []).extend(messages)


class ExitCheckSerializer(ChoiceNamesMixin, serializers.Serializer):
    """What a project needs before leaving the stage: a requirement or a checklist item."""

    requirement = serializers.ChoiceField(
        choices=requirement_choices(),
        required=False,
        allow_blank=True,
        default="",
        help_text=_("A named requirement; or send checklist_item."),
    )
    checklist_item = serializers.SlugRelatedField(
        slug_field="key",
        queryset=ChecklistItem.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The key of a checklist item; or send requirement."),
    )
    label = serializers.CharField(source="__str__", read_only=True)
    severity = serializers.ChoiceField(
        choices=Severity.choices, default=Severity.WARN, help_text=_("warn: the move is allowed; block: refused.")
    )


class StageSerializer(ChoiceNamesMixin, SettingsSerializer):
    pipeline = serializers.SlugRelatedField(
        slug_field="key", queryset=Pipeline.objects.all(), help_text=_("The pipeline's key. Fixed after creation.")
    )
    checklist = ExitCheckSerializer(
        source="exit_checks",
        many=True,
        required=False,
        help_text=_("The exit checklist; sending it replaces the stage's checks."),
    )
    row_services = {
        "create": settings_services.stage_create,
        "update": settings_services.stage_update,
        "place": settings_services.stage_place,
        "archive": settings_services.stage_archive,
        "restore": settings_services.stage_restore,
        "checklist": settings_services.exit_checks_replace,
    }
    row_keyword = "stage"
    set_after_create = ("order", "is_archived", "exit_checks")

    class Meta:
        model = Stage
        fields = [
            "key",
            "name",
            "name_zh",
            "name_en",
            "pipeline",
            "tier",
            "order",
            "probability",
            "expected_days",
            "is_archived",
            "checklist",
        ]

    def validate_pipeline(self, value):
        if self.instance is not None and value != self.instance.pipeline:
            raise serializers.ValidationError(_("A stage cannot move to another pipeline."))
        return value

    def create_arguments(self, data):
        return {"pipeline": data["pipeline"], "data": data}

    def change_more(self, stage, data):
        if "exit_checks" in data:
            self.call("checklist", "checklist", stage, checks=data["exit_checks"], prefix="checklist.")


class PipelineSerializer(ChoiceNamesMixin, SettingsSerializer):
    """A new pipeline starts with an open, a won and a lost stage (``<key>_prospect``,
    ``<key>_won``, ``<key>_lost``), so it is usable at once."""

    stages = serializers.SlugRelatedField(
        slug_field="key", many=True, read_only=True, help_text=_("Its stages' keys, in order.")
    )
    row_services = {
        "create": settings_services.pipeline_create,
        "update": settings_services.pipeline_update,
        "place": settings_services.pipeline_place,
        "archive": settings_services.pipeline_archive,
        "restore": settings_services.pipeline_restore,
    }
    row_keyword = "pipeline"

    class Meta:
        model = Pipeline
        fields = ["key", "name", "name_zh", "name_en", "kind", "is_default", "order", "is_archived", "stages"]
        # One company default: the service takes the flag from the other pipeline.
        extra_kwargs = {"is_default": {"validators": []}}


class LostReasonSerializer(SettingsSerializer):
    row_services = {
        "create": settings_services.lost_reason_create,
        "update": settings_services.lost_reason_update,
        "place": settings_services.lost_reason_place,
        "set_active": settings_services.lost_reason_set_active,
    }
    row_keyword = "reason"

    class Meta:
        model = LostReason
        fields = ["key", "name", "name_zh", "name_en", "order", "is_active"]
