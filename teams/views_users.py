"""The buttons of a user's page (admins): deactivate, reactivate, reset the password,
move to another team, make the lead of their team. Each is a POST behind a page
that says what will happen; every one goes through ``teams.services`` (audited)."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from teams import services
from teams.errors import DomainError
from teams.mixins import RoleRequiredMixin, add_domain_error
from teams.models import Role, Team, User


class MoveForm(forms.Form):
    team = forms.ModelChoiceField(label=gettext_lazy("New team"), queryset=Team.objects.active())


def _deactivate(request, user, form):
    services.user_update(user=user, is_active=False, actor=request.user, request=request)
    return _("%(user)s was deactivated: they can no longer log in and their API token stopped working.") % {
        "user": user.name
    }


def _reactivate(request, user, form):
    services.user_update(user=user, is_active=True, actor=request.user, request=request)
    return _("%(user)s was reactivated and can log in again.") % {"user": user.name}


def _reset_password(request, user, form):
    answer = services.user_password_reset(user=user, actor=request.user, request=request)
    if "link" in answer:
        return _("The password of %(user)s was reset; a link to choose a new one went to their e-mail address.") % {
            "user": user.name
        }
    # Shown once, to the admin who reset it; the user must change it at the next login.
    return _(
        "The password of %(user)s was reset. Give them this temporary password; they change it at their next "
        "login: %(password)s"
    ) % {"user": user.name, "password": answer["password"]}


def _move(request, user, form):
    services.user_update(user=user, team=form.cleaned_data["team"], actor=request.user, request=request)
    return _("%(user)s moved to the new team; the customers and projects they own moved with them.") % {
        "user": user.name
    }


def _make_lead(request, user, form):
    services.user_make_lead(user=user, actor=request.user, request=request)
    return _("%(user)s now leads their team; the previous lead stays in the team as a rep.") % {"user": user.name}


# action -> (title, what happens, button, service, form class or None, who it applies to)
ACTIONS = {
    "deactivate": (
        gettext_lazy("Deactivate %(user)s?"),
        gettext_lazy(
            "They can no longer log in; their sessions and API token end at once. Every record they own and its "
            "history is kept: move their book to colleagues afterwards."
        ),
        gettext_lazy("Deactivate"),
        _deactivate,
        None,
        lambda user: user.is_active,
    ),
    "reactivate": (
        gettext_lazy("Reactivate %(user)s?"),
        gettext_lazy("They can log in again with their password and see their own records."),
        gettext_lazy("Reactivate"),
        _reactivate,
        None,
        lambda user: not user.is_active,
    ),
    "reset-password": (
        gettext_lazy("Reset the password of %(user)s?"),
        gettext_lazy(
            "The current password stops working, their other sessions end and their API token is revoked. With an "
            "e-mail address they get a one-time link to choose a new password; without one you get a temporary "
            "password to give them, which they change at their next login."
        ),
        gettext_lazy("Reset password"),
        _reset_password,
        None,
        lambda user: user.is_active,
    ),
    "move": (
        gettext_lazy("Move %(user)s to another team?"),
        gettext_lazy(
            "The customers and projects they own move with them (their history records the move), so the new "
            "team's lead sees them and the old team's lead no longer does. A lead who moves stops leading the old "
            "team."
        ),
        gettext_lazy("Move to another team"),
        _move,
        MoveForm,
        lambda user: user.role != Role.ADMIN,
    ),
    "make-lead": (
        gettext_lazy("Make %(user)s the lead of %(team)s?"),
        gettext_lazy("A team has one lead: the current lead, if any, stays in the team as a rep."),
        gettext_lazy("Make lead"),
        _make_lead,
        None,
        lambda user: user.is_rep and user.team_id is not None and user.is_active,
    ),
}


def user_actions(user: User) -> list[dict]:
    """The buttons the user's page offers for ``user``."""
    return [
        {"url": reverse("teams:user_action", args=[user.pk, name]), "label": spec[2]}
        for name, spec in ACTIONS.items()
        if spec[5](user)
    ]


class UserActionView(RoleRequiredMixin, View):
    """GET: what the action will do, and its button; POST: do it."""

    allowed_roles = (Role.ADMIN,)
    template_name = "teams/confirm_action.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if kwargs["action"] not in ACTIONS:
            raise Http404
        self.title, self.explanation, self.button, self.service, self.form_class, self.applies = ACTIONS[
            kwargs["action"]
        ]

    def target(self, request, pk):
        return get_object_or_404(User.objects.editable_by(request.user).select_related("team"), pk=pk)

    def render(self, request, user, form, status=200):
        context = {
            "back_url": reverse("teams:user_update", args=[user.pk]),
            "back_label": user.name,
            "title": self.title % {"user": user.name, "team": user.team or "—"},
            "explanation": self.explanation,
            "button": self.button,
            "form": form,
            "applies": self.applies(user),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk, action):
        user = self.target(request, pk)
        form = self.form_class(initial={"team": user.team_id}) if self.form_class else forms.Form()
        return self.render(request, user, form)

    def post(self, request, pk, action):
        user = self.target(request, pk)
        form = self.form_class(request.POST) if self.form_class else forms.Form(request.POST)
        if not self.applies(user):
            form.add_error(None, _("This does not apply to %(user)s any more; reload the page.") % {"user": user.name})
        elif form.is_valid():
            try:
                message = self.service(request, user, form)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, message)
                return redirect("teams:user_update", pk=user.pk)
        return self.render(request, user, form, status=400)
