from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teams import services
from teams.models import Job, Role, Team, User
from teams.ownership import owner_choices


class ChoiceNameField(serializers.CharField):
    """The display name of a choice code in the requester's language (``level`` → ``level_name``);
    null when no choice is set. Read-only, added by ``ChoiceNamesMixin``."""

    def __init__(self, *, choices, **kwargs):
        self.choice_names = dict(choices)
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        if value in (None, ""):
            return None
        return str(self.choice_names.get(value, value))


class ChoiceNamesMixin:
    """Adds a read-only ``<field>_name`` right after every choice field of the serializer, like
    the regions' ``province_name``, so a client need not keep its own table of display names."""

    def get_fields(self):
        fields = {}
        for name, field in super().get_fields().items():
            fields[name] = field
            if isinstance(field, serializers.ChoiceField) and not field.write_only:
                fields[f"{name}_name"] = ChoiceNameField(
                    choices=field.choices,
                    source=field.source or name,
                    help_text=_("The display name of %(field)s in the requester's language.") % {"field": name},
                )
        return fields


class ActorMixin:
    def _actor(self) -> dict:
        """Who writes, and the request (for the audit log's IP and user agent)."""
        request = self.context.get("request")
        return {"actor": getattr(request, "user", None), "request": request}


class UserSerializer(ActorMixin, ChoiceNamesMixin, serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})
    role = serializers.ChoiceField(choices=Role.choices, default=Role.REP)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "mobile", "role", "team", "is_active", "password"]

    def create(self, validated_data):
        if not validated_data.get("password"):
            raise serializers.ValidationError({"password": [_("This field is required.")]})
        return services.user_create(**validated_data, **self._actor())

    def update(self, instance, validated_data):
        return services.user_update(user=instance, **validated_data, **self._actor())


class TeamSerializer(ActorMixin, serializers.ModelSerializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True, required=False)
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "lead", "members"]

    def create(self, validated_data):
        return services.team_create(**validated_data, **self._actor())

    def update(self, instance, validated_data):
        lead = validated_data.get("lead", instance.lead)
        return services.team_update(
            team=instance,
            name=validated_data.get("name"),
            lead=lead,
            clear_lead="lead" in validated_data and lead is None,
            **self._actor(),
        )


class TokenRequestSerializer(serializers.Serializer):
    # Labelled, so an error names them in the requester's language ("密码：…").
    username = serializers.CharField(label=_("Username"))
    password = serializers.CharField(label=_("Password"), style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        request = self.context["request"]
        # The plain HttpRequest, so login throttling (django-axes) sees the attempt.
        user = authenticate(request=request._request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                {"password": [_("Unable to log in with this username and password.")]}, code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


@extend_schema_field(OpenApiTypes.INT)
class OwnerField(serializers.PrimaryKeyRelatedField):
    """Only users the requester may assign appear to exist."""

    def get_queryset(self):
        request = self.context.get("request")
        return owner_choices(user=request.user) if request else User.objects.none()


class TransferSerializer(serializers.Serializer):
    """Hand a customer or a project to another owner."""

    to_user = OwnerField(help_text=_("Leads transfer within their team; admins to anyone."))
    reason = serializers.CharField(max_length=500)


class JobSerializer(serializers.ModelSerializer):
    """A background job: where it stands and how it ended; ``progress`` and
    ``message`` are live while it runs."""

    progress = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "result",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "cancel_requested",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "properties": {"done": {"type": "integer"}, "total": {"type": "integer"}}})
    def get_progress(self, job):
        return {"done": self._live(job)[0], "total": self._live(job)[1]}

    def _live(self, job):
        from teams.jobs import job_progress

        if getattr(job, "_live_progress", None) is None:
            job._live_progress = job_progress(job)
        return job._live_progress

    def to_representation(self, job):
        data = super().to_representation(job)
        data["message"] = self._live(job)[2]
        return data
