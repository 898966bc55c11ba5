import math

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import CreateView, DeleteView, ListView, TemplateView, UpdateView

from teams import services
from teams.errors import DomainError
from teams.filters import NO_TEAM, UserFilter
from teams.forms import TeamForm, UserForm
from teams.invitations import user_invite
from teams.mixins import (
    FilteredListMixin,
    RoleRequiredMixin,
    ServiceFormMixin,
    VisibleObjectsMixin,
    add_domain_error,
)
from teams.models import Role, Team, User


def lockout_response(request, original_response=None, credentials=None):
    """What a throttled login attempt gets (django-axes calls this): 429 with
    ``Retry-After`` and the wait in minutes, both from AXES_COOLOFF_TIME."""
    cool_off = get_cool_off(request)
    seconds = math.ceil(cool_off.total_seconds()) if cool_off else 0
    if seconds:
        minutes = max(1, math.ceil(seconds / 60))
        message = ngettext(
            "Too many failed login attempts. Please wait %(minutes)s minute and try again, or ask an admin.",
            "Too many failed login attempts. Please wait %(minutes)s minutes and try again, or ask an admin.",
            minutes,
        ) % {"minutes": minutes}
    else:  # no cool-off configured: locked until an admin unlocks it
        message = _("Too many failed login attempts. Ask an admin to unlock the login.")
    if request.path.startswith("/api/"):
        # The API's error shape (funnel_crm.api.message_body): a message about no field.
        response = JsonResponse({"detail": message, "errors": {}}, status=429)
    else:
        response = render(request, "registration/lockout.html", {"message": message}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


# Callables (request) -> {"template": ..., ...context} | None that later apps
# register to put their part of the start page (a rep's customers to complete,
# conflicts...); teams knows nothing of them. A section may offer figures
# ("stats") and quick actions ("quick_actions": [{"url", "label", "icon",
# optional "hx_get"/"hx_target" to open it in place}]).
HOME_SECTIONS = []


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role's start page: a rep's day, a lead's team, an admin's overview."""

    def get_template_names(self):
        return [f"teams/home_{self.request.user.role}.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["team"] = user.team
        if not user.is_rep:  # a rep's start page is their own work, not a team directory
            context["teammates"] = (
                User.objects.visible_to(user).filter(is_active=True).exclude(pk=user.pk).select_related("team")
            )
        sections = [section(self.request) for section in HOME_SECTIONS]
        context["sections"] = [section for section in sections if section]
        # The figures sections offer ({"value", "label", "url"}): shown together at the top, each a link.
        context["stats"] = [stat for section in context["sections"] for stat in section.get("stats", ())]
        if user.is_admin:
            context["stats"] = admin_stats() + context["stats"]
        context["quick_actions"] = [
            action for section in context["sections"] for action in section.get("quick_actions", ())
        ]
        return context


def admin_stats() -> list[dict]:
    """The admin's figures, each linking to the list that holds exactly that many rows."""
    counts = User.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        reps=Count("pk", filter=Q(is_active=True, role=Role.REP)),
        leads=Count("pk", filter=Q(is_active=True, role=Role.LEAD)),
        unassigned=Count("pk", filter=Q(is_active=True, role=Role.REP, team__isnull=True)),
    )
    users = reverse("teams:user_list")
    return [
        {"value": Team.objects.count(), "label": _("Teams"), "url": reverse("teams:team_list")},
        {"value": counts["active"], "label": _("Active users"), "url": f"{users}?active=1"},
        {"value": counts["leads"], "label": _("Active leads"), "url": f"{users}?role={Role.LEAD}&active=1"},
        {"value": counts["reps"], "label": _("Active reps"), "url": f"{users}?role={Role.REP}&active=1"},
        {
            "value": counts["unassigned"],
            "label": _("Reps without a team"),
            "url": f"{users}?role={Role.REP}&team={NO_TEAM}&active=1",
        },
    ]


class AdminOnly(RoleRequiredMixin, VisibleObjectsMixin):
    allowed_roles = (Role.ADMIN,)


class TeamListView(AdminOnly, ListView):
    model = Team
    template_name = "teams/team_list.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("lead")
            .annotate(
                member_count=Count("members", filter=Q(members__is_active=True)),
                rep_count=Count("members", filter=Q(members__is_active=True, members__role=Role.REP)),
            )
        )


class TeamCreateView(AdminOnly, ServiceFormMixin, CreateView):
    model = Team
    form_class = TeamForm
    template_name = "teams/team_form.html"

    def get_success_url(self):
        return reverse("teams:team_detail", args=[self.object.pk])

    success_message = gettext_lazy("Team %(object)s saved.")

    def perform(self, form):
        return services.team_create(
            name=form.cleaned_data["name"],
            lead=form.cleaned_data["lead"],
            actor=self.request.user,
            request=self.request,
        )


class TeamUpdateView(AdminOnly, ServiceFormMixin, UpdateView):
    model = Team
    form_class = TeamForm
    template_name = "teams/team_form.html"

    def get_success_url(self):
        return reverse("teams:team_detail", args=[self.object.pk])

    success_message = gettext_lazy("Team %(object)s saved.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = self.object.members.order_by("role", "username")
        return context

    def perform(self, form):
        lead = form.cleaned_data["lead"]
        return services.team_update(
            team=self.object,
            name=form.cleaned_data["name"],
            lead=lead,
            clear_lead=lead is None,
            actor=self.request.user,
            request=self.request,
        )


class TeamDeleteView(AdminOnly, DeleteView):
    model = Team
    template_name = "teams/team_confirm_delete.html"
    success_url = reverse_lazy("teams:team_list")

    def form_valid(self, form):
        try:
            services.team_delete(team=self.object, actor=self.request.user, request=self.request)
        except DomainError as error:
            add_domain_error(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(self.request, _("Team %(team)s deleted.") % {"team": self.object})
        return redirect(self.success_url)


class UserListView(FilteredListMixin, AdminOnly, ListView):
    model = User
    queryset = User.objects.select_related("team")
    template_name = "teams/user_list.html"
    paginate_by = 50
    filterset_class = UserFilter
    partial_name = "user-table"  # htmx search-as-you-type swaps only the table
    ordering = ("team__name", "role", "username")


class UserFormMixin(AdminOnly, ServiceFormMixin):
    model = User
    context_object_name = "edited_user"  # not "user": the layout's ``user`` is who is logged in
    form_class = UserForm
    template_name = "teams/user_form.html"
    success_url = reverse_lazy("teams:user_list")
    success_message = gettext_lazy("User %(object)s saved.")


class UserCreateView(UserFormMixin, CreateView):
    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("team", "").isdigit():
            initial["team"] = int(self.request.GET["team"])
        return initial

    def perform(self, form):
        user = services.user_create(**form.cleaned_data, actor=self.request.user, request=self.request)
        if not form.cleaned_data.get("password"):
            user_invite(user=user, actor=self.request.user, request=self.request)
            messages.success(self.request, _("An invitation was sent to %(email)s.") % {"email": user.email})
        return user


class UserUpdateView(UserFormMixin, UpdateView):
    def get_context_data(self, **kwargs):
        from teams.views_users import user_actions

        context = super().get_context_data(**kwargs)
        context["actions"] = user_actions(self.object)
        return context

    def perform(self, form):
        return services.user_update(
            user=self.object, **form.cleaned_data, actor=self.request.user, request=self.request
        )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; the API token is revoked and the change logged.
    The other sessions end (their password hash no longer matches)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_change_record(user=form.user, request=self.request)
        return response
