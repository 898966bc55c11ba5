from django import forms
from django.utils.translation import gettext_lazy as _

from teams.models import Role, Team, User
from teams.ownership import owner_choices
from teams.validators import SANE_DATE_MAX, SANE_DATE_MIN


class DateInput(forms.DateInput):
    """A date field, limited to the range the models accept.

    The value travels as ISO (2026-12-02) whatever the language: it is what a
    native ``<input type="date">`` accepts, and the locale's first input format
    (2026/12/02 in Chinese) would leave the box empty. What the user sees
    follows the UI language: ``data-picker`` makes static/js/app.js put the
    vendored date picker (flatpickr) over the input, showing 2026年12月2日 or
    2026-12-02, because Chromium draws native date inputs in the browser's
    locale (mm/dd/yyyy on an English browser), not the page's ``lang``."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        bounds = {"min": SANE_DATE_MIN.isoformat(), "max": SANE_DATE_MAX.isoformat(), "data-picker": "date"}
        super().__init__({**bounds, **(attrs or {})}, format=format)


class DateTimeInput(forms.DateTimeInput):
    """A date-and-time field, sent as ISO and shown like :class:`DateInput`."""

    input_type = "datetime-local"

    def __init__(self, attrs=None, format="%Y-%m-%dT%H:%M"):
        bounds = {
            "min": f"{SANE_DATE_MIN.isoformat()}T00:00",
            "max": f"{SANE_DATE_MAX.isoformat()}T23:59",
            "data-picker": "datetime",
        }
        super().__init__({**bounds, **(attrs or {})}, format=format)


class UserForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        required=False,
        strip=False,
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "mobile", "role", "team", "is_active"]
        widgets = {"mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.active()  # an archived team takes no one
        if self.instance.pk is None:
            self.fields["password"].help_text = _(
                "Leave empty to e-mail the user an invitation with a one-time link to set their password."
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not cleaned.get("password") and not cleaned.get("email"):
            self.add_error("password", _("Give a password, or an e-mail address to send an invitation to."))
        return cleaned

    def _post_clean(self):
        # Model-level rules (lead needs a team, one lead per team) are checked
        # by the service, together with the related team row.
        pass


class TeamForm(forms.ModelForm):
    lead = forms.ModelChoiceField(
        label=_("Lead"),
        queryset=User.objects.exclude(role=Role.ADMIN).filter(is_active=True),
        required=False,
        help_text=_("The chosen user becomes the team's lead and joins the team; a previous lead stays as a rep."),
    )

    class Meta:
        model = Team
        fields = ["name", "lead"]


class TransferForm(forms.Form):
    """The hand-over page: the new owner (among those the user may assign) and why."""

    to_user = forms.ModelChoiceField(label=_("New owner"), queryset=None)
    reason = forms.CharField(label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = owner_choices(user=user)
