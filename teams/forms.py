from django import forms
from django.utils.translation import gettext_lazy as _

from teams.models import Role, Team, User
from teams.ownership import owner_choices
from teams.validators import SANE_DATE_MAX, SANE_DATE_MIN


class DateInput(forms.DateInput):
    """The browser's date picker, limited to the range the models accept. Its value
    is always ISO (YYYY-MM-DD): the browser ignores any other, and the Chinese
    locale's first input format (2026/12/10) would show an existing date as empty."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        bounds = {"min": SANE_DATE_MIN.isoformat(), "max": SANE_DATE_MAX.isoformat()}
        super().__init__({**bounds, **(attrs or {})}, format=format)


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker, limited like :class:`DateInput`."""

    input_type = "datetime-local"

    def __init__(self, attrs=None, format="%Y-%m-%dT%H:%M"):
        bounds = {"min": f"{SANE_DATE_MIN.isoformat()}T00:00", "max": f"{SANE_DATE_MAX.isoformat()}T23:59"}
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
        fields = ["username", "display_name", "email", "role", "team", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

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
