"""Forms of the pool pages: release (a reason from the pool's list) and the admins' settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Pool
from teams.models import Team


class ReleaseForm(forms.Form):
    pool = forms.ModelChoiceField(label=_("Pool"), queryset=Pool.objects.none(), empty_label=None)
    reason = forms.ChoiceField(label=_("Reason"), choices=())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, pools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = pools
        reasons = []
        for pool in pools:
            reasons += [r for r in pool.release_reasons if r not in reasons]
        self.fields["reason"].choices = [("", _("Choose a reason")), *[(r, r) for r in reasons]]


class PoolSettingsForm(forms.ModelForm):
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams served"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    release_reasons = forms.CharField(
        label=_("Release reasons"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("One reason a line.")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Pool
        fields = [
            "name",
            "teams",
            *[f for f in Pool.SETTING_FIELDS if f not in ("name", "archived", "release_reasons")],
            "archived",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service judges the numbers (a zero or negative day count is named there, in the user's language).
        for name in (*Pool.DAY_FIELDS, *Pool.COUNT_FIELDS):
            if name in self.fields:
                self.fields[name] = forms.IntegerField(
                    label=self.fields[name].label, required=self.fields[name].required
                )
        self.initial.setdefault("release_reasons", "\n".join(self.instance.release_reasons or []))
        if self.instance.pk:
            self.initial["version"] = self.instance.version
            self.initial["teams"] = list(self.instance.teams.values_list("pk", flat=True))
