"""The company settings pages under /settings/ (admins; anyone else gets the 404 of
an unknown page, like the pipeline settings): reminder and digest times and the
escalation days (versioned: two admins saving at once → the second sees a conflict
with both versions, nothing lost), and the chat robots of every team."""

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from teams.company_settings import company_settings, company_settings_update
from teams.errors import ConflictError, DomainError
from teams.mixins import AdminSettingsPage, VersionedUpdateMixin, add_domain_error
from teams.models import CompanySettings, Team

HISTORY_SHOWN = 10


class CompanySettingsForm(forms.ModelForm):
    class Meta:
        model = CompanySettings
        fields = CompanySettings.EDITABLE
        # 24-hour text (08:30), the same in both languages: a native time input shows the
        # browser's locale (12:00 AM in an English Chromium), not the page's.
        widgets = {
            "reminder_time": forms.TimeInput(attrs={"placeholder": "08:30", "inputmode": "numeric"}, format="%H:%M"),
            "digest_time": forms.TimeInput(attrs={"placeholder": "08:30", "inputmode": "numeric"}, format="%H:%M"),
        }
        labels = {"escalation_days": gettext_lazy("Escalate after (days)")}

    def _post_clean(self):
        pass  # the service validates the new version as a whole


class CompanySettingsView(AdminSettingsPage, VersionedUpdateMixin, View):
    template_name = "teams/settings/general.html"

    def context(self, current, form, **extra):
        history = CompanySettings.objects.select_related("changed_by").order_by("-version")[:HISTORY_SHOWN]
        return {
            "settings_tab": "general",
            "current": current,
            "form": form,
            "settings_version": current.version,
            "history": history,
            **extra,
        }

    def get(self, request):
        current = company_settings()
        form = CompanySettingsForm(instance=current)
        return render(request, self.template_name, self.context(current, form))

    def post(self, request):
        current = company_settings()
        form = CompanySettingsForm(request.POST, instance=CompanySettings.initial())
        if form.is_valid():
            try:
                saved = company_settings_update(
                    actor=request.user,
                    version=request.POST.get("version"),
                    request=request,
                    **{name: form.cleaned_data[name] for name in CompanySettings.EDITABLE},
                )
            except ConflictError as error:
                extra = self.conflict_context(error, form)
                latest = company_settings()
                extra.pop("version", None)
                # Saving again now is deliberate: it is made on the version just shown.
                return render(request, self.template_name, self.context(latest, form, **extra), status=409)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if saved.version == current.version:
                    messages.info(request, _("Nothing changed."))
                else:
                    messages.success(request, _("Settings saved (version %(version)s).") % {"version": saved.version})
                return redirect("settings:general")
        return render(request, self.template_name, self.context(current, form), status=400)


class RobotSettingsView(AdminSettingsPage, View):
    """Every active team with its chat robots (how many, how many active); each links to the team's robot page."""

    def get(self, request):
        teams = Team.objects.active().annotate(
            robot_count=Count("webhooks"), active_robots=Count("webhooks", filter=Q(webhooks__is_active=True))
        )
        return render(request, "teams/settings/robots.html", {"settings_tab": "robots", "teams": teams})
