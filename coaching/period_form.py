"""The period picker of the coaching pages: a named period (this week … this
quarter) or a custom range of dates, in Asia/Shanghai. Bad input is reported on
the field it concerns."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from coaching.funnel import DEFAULT_PERIOD, PERIODS, Period, named_period
from teams.forms import DateInput

MAX_DAYS = 366


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, data=None, *, today: datetime.date, **kwargs):
        self.today = today
        data = data.copy() if data is not None else {}
        # A start and an end without a period name is a custom range (the links behind the numbers).
        if not data.get("period"):
            data["period"] = "custom" if data.get("start") or data.get("end") else DEFAULT_PERIOD
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("period") or DEFAULT_PERIOD
        if name != "custom" or self.errors:
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None:
            self.add_error("start", _("Enter the first day of the range."))
        if end is None:
            self.add_error("end", _("Enter the last day of the range."))
        if start and end:
            if end < start:
                self.add_error("end", _("The end date cannot be before the start date."))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", _("A range can span at most %(days)d days.") % {"days": MAX_DAYS})
        return cleaned

    @property
    def selected(self) -> Period | None:
        """The chosen period, or None when the input is invalid."""
        if not self.is_valid():
            return None
        name = self.cleaned_data.get("period") or DEFAULT_PERIOD
        if name == "custom":
            return Period(self.cleaned_data["start"], self.cleaned_data["end"])
        return named_period(name, self.today)
