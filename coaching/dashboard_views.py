"""The coaching pages: the team dashboard (/coaching/), the projects behind any of
its numbers (/coaching/projects/) and the rep's own view (/coaching/me/). Every
team is looked up through ``Team.objects.visible_to(user)``: a team, rep or number
outside the user's scope answers 404."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.generic import TemplateView

from coaching.dashboard import Dashboard, behind_queryset, behind_title
from coaching.period_form import PeriodForm
from coaching.rep_view import RepView
from coaching.targets import targets_summary
from funnel_crm.db_router import ReplicaReadMixin
from pipeline import services
from teams.models import Role, Team, User

PAGE_SIZE = 50


def _id(value) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return int(value)


def visible_team(user, team_id) -> Team | None:
    """The team a coaching page shows: the asked one if the user sees it (else 404);
    without one, a lead's own team and an admin's first."""
    teams = Team.objects.visible_to(user)
    if team_id is not None:
        team = teams.filter(pk=team_id).first()
        if team is None:
            raise Http404
        return team
    if user.is_lead:
        return user.team
    return teams.order_by("name", "pk").first()


class CoachingPage(LoginRequiredMixin, ReplicaReadMixin, TemplateView):
    """A coaching page: its figures are read from the replica when one is configured."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.today, self.now = services.today(), timezone.now()
        self.period_form = PeriodForm(request.GET, today=self.today)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "period_form": self.period_form, "period": self.period}

    @property
    def period(self):
        return self.period_form.selected


class DashboardView(CoachingPage):
    """A lead's team (an admin's chosen team) for a period."""

    template_name = "coaching/dashboard.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_rep:
            return redirect("coaching:me")
        self.team = visible_team(request.user, _id(request.GET.get("team")))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["team"] = self.team
        if user.is_admin:
            context["teams"] = Team.objects.visible_to(user).order_by("name", "pk").only("pk", "name")
        if self.team is not None and self.period is not None:
            context["dashboard"] = Dashboard(team=self.team, period=self.period, today=self.today, now=self.now)
        # This month's and quarter's targets against actuals and the weighted forecast.
        context["targets"] = self.team and targets_summary(user, team=self.team, today=self.today)
        return context


class ProjectsBehindView(CoachingPage):
    """The projects behind one number: the same query as the count, stalest first."""

    template_name = "coaching/projects.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        team_id = _id(request.GET.get("team"))
        if team_id is None:
            raise Http404
        self.team = visible_team(user, team_id)
        rep_id = _id(request.GET.get("rep"))
        self.rep = None
        if rep_id is not None:
            self.rep = User.objects.visible_to(user).filter(pk=rep_id, team=self.team).first()
            if self.rep is None:
                raise Http404
        if user.is_rep and self.rep != user:  # a rep's numbers are their own
            raise Http404
        self.metric, self.key = request.GET.get("metric", ""), request.GET.get("key", "")
        if self.period is not None:
            try:
                self.projects = behind_queryset(
                    team=self.team,
                    period=self.period,
                    metric=self.metric,
                    key=self.key,
                    rep=self.rep,
                    today=self.today,
                    now=self.now,
                )
            except KeyError:
                raise Http404 from None
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(team=self.team, rep=self.rep)
        if self.period is None:
            return context
        rows = self.projects.select_related("customer", "owner", "state__stage").order_by("state__entered_at", "pk")
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        for project in page.object_list:
            project.days_in_stage = project.state.days_in_stage(self.now)
        query = {name: self.request.GET.get(name, "") for name in ("team", "start", "end", "metric", "key", "rep")}
        query.update(start=self.period.start.isoformat(), end=self.period.end.isoformat())
        back = {"team": self.team.pk, "period": "custom", "start": query["start"], "end": query["end"]}
        context.update(
            page_obj=page,
            title=behind_title(self.metric, self.key),
            query_string=urlencode({k: v for k, v in query.items() if v}),
            back_url=self._back_url(back),
        )
        return context

    def _back_url(self, params) -> str:
        if self.request.user.is_rep:
            return f"{reverse('coaching:me')}?{urlencode({k: params[k] for k in ('period', 'start', 'end')})}"
        return f"{reverse('coaching:dashboard')}?{urlencode(params)}"


class RepPageView(CoachingPage):
    """The rep's own funnel; a lead or admin opens a rep's with ?rep=."""

    template_name = "coaching/rep.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        rep_id = _id(request.GET.get("rep"))
        if rep_id is None or rep_id == user.pk:
            if not user.is_rep:
                return redirect("coaching:dashboard")
            self.rep = user
        else:
            teams = Team.objects.visible_to(user)
            self.rep = User.objects.filter(pk=rep_id, role=Role.REP, team__in=teams).select_related("team").first()
            if self.rep is None or user.is_rep:
                raise Http404
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rep"] = self.rep
        context["own"] = self.rep == self.request.user
        if self.period is not None:
            context["view"] = RepView(rep=self.rep, period=self.period, today=self.today, now=self.now)
        return context
