"""API shapes of the pipeline settings: pipelines, stages with their exit
checklist, lost reasons. Everyone signed in reads them; admins write them
through ``pipeline.stage_services``. Each is addressed by its key."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pipeline import stage_services
from pipeline.exit_checks import requirement_choices
from pipeline.models import LostReason, Pipeline, Severity, Stage
from projects.models import ChecklistItem
from teams.serializers import ChoiceNamesMixin


def _requester(serializer):
    return serializer.context["request"].user


class SettingsSerializer(serializers.ModelSerializer):
    """Keys are set on create and fixed after (the service refuses a change);
    ``name`` follows the requester's language."""

    name = serializers.CharField(read_only=True, help_text=_("name_zh or name_en, in the requester's language."))


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

    def _save(self, validated_data, stage=None):
        data = dict(validated_data)
        checks = data.pop("exit_checks", None)
        return stage_services.stage_save(user=_requester(self), data=data, stage=stage, checks=checks)

    def create(self, validated_data):
        return self._save(validated_data)

    def update(self, instance, validated_data):
        return self._save(validated_data, stage=instance)


class PipelineSerializer(ChoiceNamesMixin, SettingsSerializer):
    stages = serializers.SlugRelatedField(
        slug_field="key", many=True, read_only=True, help_text=_("Its stages' keys, in order.")
    )

    class Meta:
        model = Pipeline
        fields = ["key", "name", "name_zh", "name_en", "kind", "is_default", "order", "is_archived", "stages"]
        # One company default: the service takes the flag from the other pipeline.
        extra_kwargs = {"is_default": {"validators": []}}

    def create(self, validated_data):
        return stage_services.pipeline_save(user=_requester(self), data=validated_data)

    def update(self, instance, validated_data):
        return stage_services.pipeline_save(user=_requester(self), data=validated_data, pipeline=instance)


class LostReasonSerializer(SettingsSerializer):
    class Meta:
        model = LostReason
        fields = ["key", "name", "name_zh", "name_en", "order", "is_active"]

    def create(self, validated_data):
        return stage_services.lost_reason_save(user=_requester(self), data=validated_data)

    def update(self, instance, validated_data):
        return stage_services.lost_reason_save(user=_requester(self), data=validated_data, reason=instance)
