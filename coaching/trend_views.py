"""The trend page ``/coaching/trend/`` and its API ``/api/v1/coaching/trend/``: each
rep's weekly rates for the last weeks as small line charts beside the team's, with the
weeks in which the lead wrote a coaching note marked.

Who sees what: a lead their own team, an admin any team (a picker; the first team by
default), a rep their own line only (beside the team's, never colleagues by name). A team
or a rep outside that answers 404."""

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.funnel import TRANSITION_KEYS, TRANSITION_LABELS, TRANSITIONS, team_reps
from coaching.templatetags.coaching_charts import week_labels
from coaching.trend import MAX_WEEKS, WEEKS, team_trend, trend_as_dict
from funnel_crm.db_router import ReplicaReadAPIMixin, ReplicaReadMixin
from teams.models import Team


@dataclass
class CoachingScope:
    team: Team
    teams: list  # what the team picker offers (an admin's teams; empty for others)
    reps: list  # the reps whose figures the user may see
    rep: object = None  # the one rep asked for (``?rep=``), if any


def _number(value) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise Http404
    return int(text)


def coaching_scope(user, *, team=None, rep=None) -> CoachingScope:
    """The team and reps a coaching page shows ``user``: a lead's own team, an admin's
    pick (else the first team), a rep their own team and only themselves. A team or a
    rep the user may not see raises Http404."""
    team_id, rep_id = _number(team), _number(rep)
    teams = Team.objects.visible_to(user).order_by("name", "id")
    if team_id is not None:
        chosen = teams.filter(pk=team_id).first()
    elif user.team_id is not None:
        chosen = teams.filter(pk=user.team_id).first()
    else:
        chosen = teams.first()
    if chosen is None:
        raise Http404
    if user.is_rep:
        if rep_id not in (None, user.pk) or not user.is_active or user.team_id != chosen.pk:
            raise Http404
        return CoachingScope(team=chosen, teams=[], reps=[user], rep=user)
    reps = team_reps(chosen)
    if rep_id is not None:
        reps = [each for each in reps if each.pk == rep_id]
        if not reps:
            raise Http404
    return CoachingScope(
        team=chosen,
        teams=list(teams) if user.is_admin else [],
        reps=reps,
        rep=reps[0] if rep_id is not None else None,
    )


def latest(periods, weeks) -> dict | None:
    """The most recent week in which anything entered: what the chart's caption names."""
    for period, week in zip(reversed(periods), reversed(weeks), strict=True):
        if week.entered:
            return {"week": period, "rate": week.rate, "advanced": week.advanced, "entered": week.entered}
    return None


def trend_rows(trend) -> list[dict]:
    """What the page draws: per rep, per transition, the rep's rates, the team's, the note marks."""
    rows = []
    for rep_trend in trend.reps:
        marks = rep_trend.marks()
        charts = []
        for key, _source, _target in TRANSITIONS:
            weeks = rep_trend.lines[key]
            charts.append(
                {
                    "key": key,
                    "label": TRANSITION_LABELS[key],
                    "values": rep_trend.rates(key),
                    "reference": trend.team_rates(key),
                    "latest": latest(trend.weeks, weeks),
                }
            )
        table = [
            {
                "week": week,
                "cells": [
                    {"key": key, "mine": rep_trend.lines[key][i], "team": trend.team_lines[key][i]}
                    for key in TRANSITION_KEYS
                ],
                "note": marks[i],
            }
            for i, week in enumerate(trend.weeks)
        ]
        rows.append(
            {
                "rep": rep_trend.rep,
                "charts": charts,
                "marks": marks,
                "table": table,
                "notes": len(rep_trend.note_weeks),
            }
        )
    return rows


def team_table(trend) -> list[dict]:
    return [
        {"week": week, "cells": [{"key": key, "mine": trend.team_lines[key][i]} for key in TRANSITION_KEYS]}
        for i, week in enumerate(trend.weeks)
    ]


class TrendView(LoginRequiredMixin, ReplicaReadMixin, View):
    template_name = "coaching/trend.html"

    def get(self, request):
        scope = coaching_scope(request.user, team=request.GET.get("team"), rep=request.GET.get("rep"))
        trend = team_trend(scope.team, today=timezone.localdate(), reps=scope.reps)
        team_charts = [
            {
                "key": key,
                "label": TRANSITION_LABELS[key],
                "values": trend.team_rates(key),
                "latest": latest(trend.weeks, trend.team_lines[key]),
            }
            for key, _source, _target in TRANSITIONS
        ]
        context = {
            "scope": scope,
            "trend": trend,
            "team_charts": team_charts,
            "rows": trend_rows(trend),
            "team_table": team_table(trend),
            "week_labels": week_labels(trend.weeks),
            "first_week": trend.weeks[0],
            "last_week": trend.weeks[-1],
        }
        return render(request, self.template_name, context)


def _weeks(value) -> int:
    if value in (None, ""):
        return WEEKS
    text = str(value).strip()
    if not text.isdigit() or not 2 <= int(text) <= MAX_WEEKS:
        raise ValidationError({"weeks": [_("Give a whole number of weeks from 2 to %(max)s.") % {"max": MAX_WEEKS}]})
    return int(text)


class TrendAPIView(ReplicaReadAPIMixin, APIView):
    """The weekly rates of the last ``weeks`` weeks (Monday to Sunday, Asia/Shanghai, the
    current week last) for the team and each rep, per transition, with the weeks in which a
    coaching note was written on each rep. A rep gets their own line and the team's."""

    @extend_schema(
        parameters=[
            OpenApiParameter("team", OpenApiTypes.INT, description="The team (admins: any; others: their own)."),
            OpenApiParameter("rep", OpenApiTypes.INT, description="Only this rep of the team (a rep: themselves)."),
            OpenApiParameter("weeks", OpenApiTypes.INT, description=f"How many weeks (2–{MAX_WEEKS}, default 12)."),
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The weekly rates per transition, team and reps."),
            400: OpenApiResponse(description="A bad number of weeks or id; the errors name the field."),
            404: OpenApiResponse(description="No such team or rep, or not one whose trend you may see."),
        },
    )
    def get(self, request):
        weeks = _weeks(request.query_params.get("weeks"))
        scope = coaching_scope(request.user, team=request.query_params.get("team"), rep=request.query_params.get("rep"))
        trend = team_trend(scope.team, today=timezone.localdate(), weeks=weeks, reps=scope.reps)
        return Response(trend_as_dict(trend))
