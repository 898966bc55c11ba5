"""The targets pages: the lead's grid (reps and the team × months, quarters, the year)
and the small page that sets one month's target; and the start page's block."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from coaching import targets
from teams.errors import ConflictError, DomainError
from teams.mixins import RoleRequiredMixin, VersionedUpdateMixin, add_domain_error
from teams.models import Role, Team, User

LEADS_AND_ADMINS = (Role.LEAD, Role.ADMIN)


def _year(value) -> int:
    text = str(value or "").strip()
    year = int(text) if text.isdigit() else 0
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def chosen_team(request, value=None) -> Team:
    """The team of the page: a lead's own; an admin's pick (else the first team). A team
    the user does not see answers 404."""
    user = request.user
    value = request.GET.get("team") if value is None else value
    teams = Team.objects.visible_to(user).select_related("lead").order_by("name", "id")
    if value not in (None, ""):
        if not str(value).isdigit():
            raise Http404
        return get_object_or_404(teams, pk=value)
    team = teams.filter(pk=user.team_id).first() if user.team_id else teams.first()
    if team is None:
        raise Http404
    return team


def grid_url(team: Team, year: int) -> str:
    return f"{reverse('coaching:targets')}?{urlencode({'team': team.pk, 'year': year})}"


def grid_columns(year: int) -> list[dict]:
    """The grid's column heads, in the order of ``Row.columns``."""
    columns = []
    for month in range(1, 13):
        columns.append(
            {"kind": "month", "label": formats.date_format(datetime.date(year, month, 1), "YEAR_MONTH_FORMAT")}
        )
        if month % 3 == 0:
            columns.append({"kind": "quarter", "label": _("Q%(quarter)s") % {"quarter": month // 3}})
    return [*columns, {"kind": "year", "label": _("Year")}]


class TargetGridView(RoleRequiredMixin, View):
    """``/coaching/targets/?team=&year=``: the lead's grid (an admin picks the team)."""

    allowed_roles = LEADS_AND_ADMINS
    template_name = "coaching/targets.html"

    def get(self, request):
        user = request.user
        team = chosen_team(request)
        year = _year(request.GET.get("year"))
        rows = targets.target_grid(team=team, year=year)
        today = timezone.localdate()
        current = today.year == year
        quarter = (today.month - 1) // 3
        for row in rows:
            # What the phone card shows: this month and quarter (of the year shown), and the year.
            row.now = (
                [(_("This month"), row.months[today.month - 1]), (_("This quarter"), row.quarters[quarter])]
                if current
                else []
            )
        context = {
            "team": team,
            "year": year,
            "rows": rows,
            "columns": grid_columns(year),
            "teams": Team.objects.visible_to(user).order_by("name", "id") if user.is_admin else None,
            "years": [year - 1, year, year + 1],
            "may_set": targets.may_set_targets(user, team),
        }
        return render(request, self.template_name, context)


class TargetForm(forms.Form):
    won_amount = forms.CharField(
        label=gettext_lazy("Won amount target (CNY)"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    payment_amount = forms.CharField(
        label=gettext_lazy("Payment collected target (CNY)"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=gettext_lazy("Payment collected counts the budget of the projects paid in the period."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


class TargetEditView(RoleRequiredMixin, VersionedUpdateMixin, View):
    """``/coaching/targets/set/?team=&user=&month=``: one month's target of a rep (no
    ``user``: the team's). Saving carries the version it was opened at."""

    allowed_roles = LEADS_AND_ADMINS
    template_name = "coaching/target_form.html"

    def setup_target(self, request):
        source = request.POST if request.method == "POST" else request.GET
        self.team = chosen_team(request, source.get("team", ""))
        if not targets.may_set_targets(request.user, self.team):
            raise PermissionDenied
        self.rep = None
        if source.get("user"):
            reps = User.objects.visible_to(request.user).filter(team=self.team, role=Role.REP)
            if not str(source["user"]).isdigit():
                raise Http404
            self.rep = get_object_or_404(reps, pk=source["user"])
        try:
            self.month = targets.parse_month(source.get("month", ""))
        except DomainError:
            raise Http404 from None
        self.target = (
            targets.Target.objects.editable_by(request.user)
            .filter(team=self.team, user=self.rep, month=self.month)
            .first()
        )

    def get(self, request):
        self.setup_target(request)
        target = self.target
        initial = {"version": target.version if target else 0}
        if target is not None:
            initial.update(won_amount=target.won_amount, payment_amount=target.payment_amount)
        return self.page(TargetForm(initial=initial))

    def post(self, request):
        self.setup_target(request)
        form = TargetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                targets.target_set(
                    user=request.user,
                    team=self.team,
                    rep=self.rep,
                    month=self.month,
                    won_amount=data["won_amount"],
                    payment_amount=data["payment_amount"],
                    version=data["version"] if data["version"] is not None else 0,
                )
            except ConflictError as error:
                extra = self.conflict_context(error, form)
                # The form now carries the stored version: saving again is a deliberate choice.
                data = form.data.copy()
                data["version"] = str(extra["version"] or 0)
                fresh = TargetForm(data)
                fresh.is_valid()
                return self.page(fresh, status=409, **extra)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Target of %(who)s for %(month)s saved.") % self.names())
                return redirect(f"{grid_url(self.team, self.month.year)}#target-{self.rep.pk if self.rep else 'team'}")
        return self.page(form, status=400)

    def names(self):
        """Whose target and which month, as the page and its message write them."""
        return {
            "who": self.rep.name if self.rep else _("team %(team)s") % {"team": self.team.name},
            "month": formats.date_format(self.month, "YEAR_MONTH_FORMAT"),
        }

    def page(self, form, status=200, **extra):
        context = {
            "form": form,
            "team": self.team,
            "rep": self.rep,
            "target": self.target,
            "back": grid_url(self.team, self.month.year),
            **self.names(),
            "month_label": self.names()["month"],
            "month": self.month,
            **extra,
        }
        return render(self.request, self.template_name, context, status=status)


def targets_section(request):
    """The start page's targets block (registered in coaching.apps): a rep's own, a lead's team's."""
    summary = targets.targets_summary(request.user)
    if summary is None:
        return None
    return {"template": "coaching/includes/home_targets.html", "summary": summary}
