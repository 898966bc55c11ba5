"""Coaching API: the team funnel (ARCHITECTURE.md's ``/api/v1/coaching/funnel/``),
read from the same code as the dashboard (``coaching.funnel``)."""

import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.funnel import DEFAULT_PERIOD, Period, coachable_teams, named_period, team_funnel
from funnel_crm.db_router import ReplicaReadAPIMixin

MAX_PERIOD_DAYS = 366


class FunnelQuerySerializer(serializers.Serializer):
    team = serializers.IntegerField(
        required=False, help_text=_("The team (leads: their own by default; admins must name one).")
    )
    start = serializers.DateField(required=False, help_text=_("First day of the period (default: this month)."))
    end = serializers.DateField(required=False, help_text=_("Last day of the period, inclusive."))

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if (start is None) != (end is None):
            missing = "end" if end is None else "start"
            raise serializers.ValidationError({missing: [_("Give both the first and the last day of the period.")]})
        if start is None:
            attrs["period"] = named_period(DEFAULT_PERIOD, timezone.localdate())
        else:
            attrs["period"] = period_checked(start, end)
        return attrs


def period_checked(start: datetime.date, end: datetime.date) -> Period:
    """A custom period, or a field-named error (the dashboard's form uses it too)."""
    if end < start:
        raise serializers.ValidationError({"end": [_("The last day cannot be before the first.")]})
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise serializers.ValidationError({"end": [_("Choose a period of at most a year (366 days).")]})
    return Period(start, end)


class FunnelView(ReplicaReadAPIMixin, APIView):
    """A team's funnel for a period: the team's figures and each rep's — tiers at the end
    of the period, the three transitions (entered, advanced, rate, median days), the
    bottleneck with the action for it and the test that found it, and the same figures
    for the previous period of equal length (``change``). Read from the replica when one
    is configured."""

    @extend_schema(
        parameters=[FunnelQuerySerializer],
        responses={
            200: OpenApiResponse(description="The funnel, per ARCHITECTURE.md."),
            400: OpenApiResponse(description="A bad period or no team named; the errors name the field."),
            404: OpenApiResponse(description="No such team, or not one whose funnel you may see (reps: none)."),
        },
    )
    def get(self, request):
        query = FunnelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        teams = coachable_teams(request.user)
        team_id = query.validated_data.get("team")
        if team_id is None:
            if request.user.is_admin or not request.user.team_id:
                raise serializers.ValidationError({"team": [_("Choose a team.")]})
            team_id = request.user.team_id
        team = get_object_or_404(teams, pk=team_id)
        return Response(team_funnel(team, query.validated_data["period"]).as_dict())
