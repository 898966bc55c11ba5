"""The weekly review (周会) ``/coaching/review/?team=&start=&end=`` — a page made to be
printed, one page per rep — and its Excel export ``/coaching/review/export.xlsx``.
Leads: their own team; admins: any team; reps: 404 (the review compares colleagues)."""

import datetime

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from coaching.funnel import Period
from coaching.review import default_period, tier_counts, weekly_review
from coaching.review_export import review_filename, review_workbook
from coaching.templatetags.coaching_charts import week_labels
from coaching.trend_views import coaching_scope
from funnel_crm.db_router import ReplicaReadMixin
from teams.audit import AuditAction, audit_record
from teams.forms import DateInput

MAX_DAYS = 366
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReviewPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, data, *, today: datetime.date):
        super().__init__(data)
        self.default = default_period(today)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        start = start or (end - datetime.timedelta(days=6) if end else self.default.start)
        end = end or (start + datetime.timedelta(days=6) if data.get("start") else self.default.end)
        if end < start:
            self.add_error("end", _("The end date comes before the start date."))
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("end", _("A review covers at most a year."))
        else:
            data["period"] = Period(start, end)
        return data


def _review_request(request):
    """The team, the period form and (when valid) the review; reps answer 404."""
    if request.user.is_rep:
        raise Http404
    scope = coaching_scope(request.user, team=request.GET.get("team"))
    today = timezone.localdate()
    form = ReviewPeriodForm(request.GET, today=today)
    review = weekly_review(scope.team, form.cleaned_data["period"], today=today) if form.is_valid() else None
    return scope, form, review


class ReviewView(LoginRequiredMixin, ReplicaReadMixin, View):
    template_name = "coaching/review.html"

    def get(self, request):
        scope, form, review = _review_request(request)
        context = {"scope": scope, "form": form, "review": review}
        if review is not None:
            query = {"team": scope.team.pk, "start": review.period.start, "end": review.period.end}
            context["export_url"] = f"{reverse('coaching:review_export')}?{urlencode(query)}"
            context["team_tiers"] = tier_counts(review.team_figures)
            context["week_labels"] = week_labels(review.trend.weeks)
        return render(request, self.template_name, context, status=200 if review is not None else 400)


class ReviewExportView(LoginRequiredMixin, ReplicaReadMixin, View):
    def get(self, request):
        _scope, form, review = _review_request(request)
        if review is None:
            errors = "; ".join(f"{form.fields[name].label}: {' '.join(found)}" for name, found in form.errors.items())
            return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
        response = HttpResponse(review_workbook(review), content_type=XLSX)
        audit_record(
            actor=request.user,
            action=AuditAction.EXPORT,
            summary=gettext("Weekly review exported (%(count)s reps)") % {"count": len(review.reps)},
            detail={"kind": "coaching_review", "rows": len(review.reps)},
            request=request,
        )
        response["Content-Disposition"] = content_disposition_header(True, review_filename(review))
        return response
