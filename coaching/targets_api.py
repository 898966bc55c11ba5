"""Targets API: ``/api/v1/coaching/targets/`` (list, read, create, PATCH with
``version``) and ``/api/v1/coaching/targets/summary/`` (target, actual and
forecast per rep and for the team over a month, quarter or year).

Reads start from ``visible_to`` (a rep: their own targets), writes from
``editable_by``; a team or target outside the requester's scope answers 404.
Only a team's lead or an admin sets targets (a rep: 403). Writes go through
``coaching.targets.target_set``."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from coaching import targets
from coaching.models import Target
from pipeline.serializers import ChangeableField
from teams.api import ScopedViewSet
from teams.errors import DomainError
from teams.models import Team, User
from teams.visibility import visible_choices


class VisibleTeamField(ChangeableField):
    """A team the requester sees; any other id answers 404, as the team's own URL would."""

    model = Team
    not_found = _("Team not found.")

    def get_queryset(self):
        return Team.objects.visible_to(self.context["request"].user)


class VisibleUserField(serializers.PrimaryKeyRelatedField):
    """A user the requester sees (their team's members; an admin: everyone)."""

    def get_queryset(self):
        return User.objects.visible_to(self.context["request"].user)


class RawMonthField(serializers.DateField):
    """A month, "2026-03" or "2026-03-01"; checked by the service, answered as its first day."""

    def to_internal_value(self, data):
        return data


class RawAmountField(serializers.DecimalField):
    """An amount in yuan, checked by the service (its messages name the field)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=15, decimal_places=2, **kwargs)

    def to_internal_value(self, data):
        return data


class TargetSerializer(serializers.ModelSerializer):
    team = VisibleTeamField(help_text=_("The team; with no user, the target is the team's own."))
    user = VisibleUserField(
        required=False,
        allow_null=True,
        help_text=_("The rep (a member of the team); empty for the team's target."),
    )
    user_name = serializers.CharField(source="user.name", read_only=True, default=None)
    month = RawMonthField(help_text=_('The month: "2026-03" or its first day "2026-03-01".'))
    won_amount = RawAmountField(label=_("won amount target (CNY)"))
    payment_amount = RawAmountField(label=_("payment collected target (CNY)"))
    version = serializers.IntegerField(
        required=False,
        help_text=_("Send the version you read (0 when creating): an older one answers 409 and changes nothing."),
    )

    class Meta:
        model = Target
        fields = [
            "id",
            "team",
            "user",
            "user_name",
            "month",
            "won_amount",
            "payment_amount",
            "set_by",
            "updated_at",
            "version",
        ]
        read_only_fields = ["set_by", "updated_at"]
        # One target per rep (or team) and month: target_set answers a second one with 409.
        validators = []

    def create(self, validated_data):
        data = validated_data
        return targets.target_set(
            user=self.context["request"].user,
            team=data["team"],
            rep=data.get("user"),
            month=data["month"],
            won_amount=data["won_amount"],
            payment_amount=data["payment_amount"],
            version=data.get("version", 0),
        )

    def update(self, instance, validated_data):
        data = validated_data
        fixed = {"team": instance.team, "user": instance.user}
        changed = [name for name, value in fixed.items() if name in data and data[name] != value]
        if "month" in data and targets.parse_month(data["month"]) != instance.month:
            changed.append("month")
        if changed:
            message = _("A target keeps its team, rep and month: set the other month's target instead.")
            raise DomainError(dict.fromkeys(changed, message))
        return targets.target_set(
            user=self.context["request"].user,
            team=instance.team,
            rep=instance.user,
            month=instance.month,
            won_amount=data.get("won_amount", instance.won_amount),
            payment_amount=data.get("payment_amount", instance.payment_amount),
            version=data.get("version"),
        )


class TargetFilter(django_filters.FilterSet):
    team = django_filters.ModelChoiceFilter(label=_("Team"), queryset=visible_choices(Team))
    user = django_filters.ModelChoiceFilter(label=_("Rep"), queryset=visible_choices(User))
    team_only = django_filters.BooleanFilter(
        label=_("Team targets only"), field_name="user", lookup_expr="isnull", help_text=_("true: the teams' own.")
    )
    year = django_filters.NumberFilter(label=_("Year"), field_name="month", lookup_expr="year")
    month = django_filters.NumberFilter(label=_("Month (1–12)"), field_name="month", lookup_expr="month")

    class Meta:
        model = Target
        fields = ["team", "user", "team_only", "year", "month"]


class SummaryQuerySerializer(serializers.Serializer):
    team = serializers.IntegerField(required=False, help_text=_("Default: your own team."))
    period = serializers.ChoiceField(choices=targets.PERIODS, default="month")
    date = serializers.DateField(required=False, help_text=_("A day in the period; default today."))


class FiguresSerializer(serializers.Serializer):
    won_target = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    won = serializers.DecimalField(max_digits=20, decimal_places=2)
    won_percent = serializers.IntegerField(allow_null=True)
    payment_target = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    payment = serializers.DecimalField(max_digits=20, decimal_places=2)
    payment_percent = serializers.IntegerField(allow_null=True)


class SummaryRowSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="rep.pk", allow_null=True, default=None)
    display_name = serializers.CharField(source="rep.name", allow_null=True, default=None)
    figures = FiguresSerializer(source="total")
    forecast = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text=_("Open budget × stage win probability, all open projects.")
    )
    forecast_in_period = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        help_text=_("The same for the open projects whose payment is planned in the period."),
    )


class SummarySerializer(serializers.Serializer):
    team = serializers.IntegerField(source="team.pk")
    period = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    reps = SummaryRowSerializer(many=True)
    team_figures = SummaryRowSerializer(source="team_row", allow_null=True)


class TargetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Monthly targets (业绩目标) per rep and per team: won amount and payment collected,
    in CNY. Set by the team's lead or an admin; every change is kept."""

    # The list: the targets with their rep in one query, plus the count.
    queryset = Target.objects.select_related("user").order_by("-month", "team_id", "user_id", "id")
    serializer_class = TargetSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TargetFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(parameters=[SummaryQuerySerializer], responses=SummarySerializer)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request):
        """Target, actual (won, payment) and weighted forecast for a month, quarter or
        year, per rep and for the team. A rep gets their own figures only."""
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        teams = Team.objects.visible_to(request.user)
        team_id = query.validated_data.get("team", request.user.team_id)
        team = get_object_or_404(teams, pk=team_id) if team_id is not None else None
        if team is None:
            raise DomainError({"team": _("Choose a team.")})
        summary = targets.period_summary(
            user=request.user,
            team=team,
            period=query.validated_data["period"],
            on=query.validated_data.get("date") or timezone.localdate(),
        )
        return Response(SummarySerializer(summary).data)
