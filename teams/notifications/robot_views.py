"""Admins set each team's chat robots (企业微信 / 钉钉 / 飞书) on the team's page."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from teams.errors import DomainError
from teams.mixins import RoleRequiredMixin, add_domain_error
from teams.models import Role, Team
from teams.notifications import robots
from teams.notifications.models import NotificationKind, TeamWebhook
from teams.notifications.services import robot_delete, robot_save


class RobotForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("webhook URL"), max_length=500, assume_scheme="https")
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Post"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = TeamWebhook
        fields = ["platform", "url", "secret", "kinds", "is_active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}

    def _post_clean(self):
        pass  # the service validates the model


class RobotsView(RoleRequiredMixin, View):
    """A team's robots: list, add, remove, and a test message."""

    allowed_roles = (Role.ADMIN,)
    template_name = "teams/notifications/robots.html"

    def context(self, team, form=None):
        return {"team": team, "robots": team.webhooks.all(), "form": form or RobotForm()}

    def get(self, request, pk):
        team = get_object_or_404(Team.objects.editable_by(request.user), pk=pk)
        return render(request, self.template_name, self.context(team))

    def post(self, request, pk):
        team = get_object_or_404(Team.objects.editable_by(request.user), pk=pk)
        action = request.POST.get("action", "add")
        if action in ("delete", "test"):
            robot = get_object_or_404(TeamWebhook, pk=request.POST.get("robot"), team=team)
            if action == "delete":
                robot_delete(user=request.user, robot=robot)
                messages.success(request, _("The robot was removed."))
            else:
                try:
                    robots.post(
                        robot.platform,
                        robot.url,
                        robot.secret,
                        title=_("Funnel CRM test message"),
                        text=_("Reminders and digests of %(team)s will arrive here.") % {"team": team},
                        link="",
                    )
                except robots.RobotError as error:
                    messages.error(request, _("The robot did not take the message: %(error)s") % {"error": error})
                else:
                    messages.success(request, _("The test message was sent."))
            return redirect("notifications:robots", pk=team.pk)
        form = RobotForm(request.POST)
        if form.is_valid():
            try:
                robot_save(user=request.user, team=team, data=form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The robot was added."))
                return redirect("notifications:robots", pk=team.pk)
        return render(request, self.template_name, self.context(team, form), status=400)
