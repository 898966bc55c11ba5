from django import forms
from django.utils.translation import gettext_lazy as _

from teams.notifications.models import NotificationKind, NotificationPreference


class PreferenceForm(forms.ModelForm):
    email_kinds = forms.MultipleChoiceField(
        label=_("E-mail me about"),
        choices=[(kind, label) for kind, label in NotificationKind.choices if kind != NotificationKind.DIGEST],
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

    def _post_clean(self):
        # The service validates the model.
        pass
