from django import forms
from django.utils.translation import gettext_lazy as _

from teams.models import Role
from teams.notifications.models import DIGEST_KINDS, NotificationKind, NotificationPreference


class PreferenceForm(forms.ModelForm):
    email_kinds = forms.MultipleChoiceField(
        label=_("E-mail me about"),
        choices=[(kind, label) for kind, label in NotificationKind.choices if kind not in DIGEST_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = NotificationPreference
        fields = ["email_kinds", "digest", "language", "quiet_from", "quiet_until"]
        widgets = {
            "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_until": _("E-mails that fall in the quiet hours wait until they end. Leave both empty for none."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The same switch sends a lead the team's digest and a rep their own day.
        if self.instance.user.role == Role.REP:
            self.fields["digest"].help_text = _("Each morning: your overdue, due today and stale projects.")
        else:
            self.fields["digest"].help_text = _("Each morning: your team's overdue next contacts, grouped by rep.")

    def _post_clean(self):
        # The service validates the model.
        pass
