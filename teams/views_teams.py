"""A team's page: its lead and members with their book sizes (customers, open
projects, overdue next contacts; one query), for admins and, read-only, for the
team's own lead; and the admins' archive and restore buttons."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from teams import services
from teams.books import BOOK_COLUMNS, with_book_sizes
from teams.errors import DomainError
from teams.mixins import RoleRequiredMixin, VisibleObjectsMixin, add_domain_error
from teams.models import Role, Team, User


class TeamDetailView(RoleRequiredMixin, VisibleObjectsMixin, DetailView):
    """Admins see every team; a lead their own (``Team.visible_to``), read-only."""

    allowed_roles = (Role.LEAD, Role.ADMIN)
    model = Team
    queryset = Team.objects.select_related("lead")
    template_name = "teams/team_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # One query: the members with every registered book figure as a subquery.
        members = with_book_sizes(User.objects.filter(team=self.object)).order_by("-is_active", "role", "username")
        context["members"] = list(members)
        context["book_columns"] = BOOK_COLUMNS
        context["can_manage"] = self.request.user.is_admin
        return context


class TeamArchiveView(RoleRequiredMixin, View):
    """GET: what archiving means and whether it can happen now; POST: archive (or restore)."""

    allowed_roles = (Role.ADMIN,)
    restore = False

    def context(self, team, form):
        if self.restore:
            title = _("Restore team %(team)s?") % {"team": team.name}
            explanation = _("The team can get members and records again.")
            button = _("Restore")
        else:
            title = _("Archive team %(team)s?") % {"team": team.name}
            explanation = _(
                "An archived team keeps its name and history but no longer appears when choosing a team. Only an "
                "empty team can be archived: move its members (deactivated ones too) to other teams first; their "
                "customers and projects move with them."
            )
            button = _("Archive")
        return {
            "back_url": reverse("teams:team_detail", args=[team.pk]),
            "back_label": team.name,
            "title": title,
            "explanation": explanation,
            "button": button,
            "form": form,
            "applies": (team.archived_at is not None) == self.restore,
        }

    def get(self, request, pk):
        team = get_object_or_404(Team.objects.editable_by(request.user), pk=pk)
        return render(request, "teams/confirm_action.html", self.context(team, forms.Form()))

    def post(self, request, pk):
        team = get_object_or_404(Team.objects.editable_by(request.user), pk=pk)
        form = forms.Form(request.POST)
        service = services.team_restore if self.restore else services.team_archive
        try:
            service(team=team, actor=request.user, request=request)
        except DomainError as error:
            add_domain_error(form, error)
            return render(request, "teams/confirm_action.html", self.context(team, form), status=400)
        done = _("Team %(team)s restored.") if self.restore else _("Team %(team)s archived.")
        messages.success(request, done % {"team": team.name})
        return redirect("teams:team_detail", pk=team.pk)
