"""My day (/my-day/): the rep's start page — overdue next contacts, those due
today, stale projects, open projects with no next contact — each row with a
one-click "log contact" form in a dialog (htmx: saving re-renders the sections,
so the row is updated or leaves its section, without a reload). Leads see the
team's, filtered by rep, with a count per rep; admins pick a team. Each
section's "show all" opens a paginated list of it (/my-day/<section>/)."""

from functools import cached_property
from urllib.parse import quote

import django_filters
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView
from django_htmx.http import trigger_client_event

from pipeline import services
from pipeline.forms import ActivityForm
from pipeline.selectors import my_day
from pipeline.views.log_contact import editable_project, logged_message
from teams.models import Team, User

# Title, the heading of the day-count column, and what to say when the section is empty.
SECTION_TEXT = {
    "overdue": (
        gettext_lazy("Overdue next contacts"),
        gettext_lazy("Overdue"),
        gettext_lazy("No overdue contacts. Keep it that way: log each contact as you make it."),
    ),
    "today": (
        gettext_lazy("Due today"),
        gettext_lazy("Last contact"),
        gettext_lazy("Nothing is due today: a good moment for the stale projects below."),
    ),
    "stale": (
        gettext_lazy("Stale projects"),
        gettext_lazy("In this stage"),
        gettext_lazy("No stale projects: each one is within its stage's expected days."),
    ),
    "unplanned": (
        gettext_lazy("No next contact planned"),
        gettext_lazy("Last contact"),
        gettext_lazy("Every open project has its next contact planned."),
    ),
}
# The parameters that say what a My day page shows; the log form carries them to re-render it.
SCOPE_PARAMETERS = ("q", "team", "owner")
LIST_PAGE_SIZE = 50


def url_of(name: str):
    """``pk → reverse(name, args=[pk])`` with one ``reverse`` in all: the rows of a lead's
    day take ~400 URLs, and reversing each one was a fifth of the page's CPU time."""
    sample = reverse(name, args=[987654321])
    head, tail = sample.split("987654321")
    return lambda pk: f"{head}{pk}{tail}"


def when_text(project, key: str) -> tuple[str, str]:
    """A row's last cell: how late, how long in the stage or since the last contact,
    and its class (plain ngettext: one ``blocktranslate`` a row cost more than the rest of it)."""
    if key == "overdue":
        days = project.days_overdue
        return ngettext("%(days)s day overdue", "%(days)s days overdue", days) % {"days": days}, "overdue"
    if key == "stale":
        days, expected = project.days_in_stage, project.expected_days
        return ngettext(
            "%(days)s day in stage (expected %(expected)s)", "%(days)s days in stage (expected %(expected)s)", days
        ) % {"days": days, "expected": expected}, ""
    days = project.days_since_contact
    if days is None:
        return _("Never contacted"), "muted"
    if days == 0:
        return _("Contacted today"), ""
    return ngettext("Contacted %(days)s day ago", "Contacted %(days)s days ago", days) % {"days": days}, ""


def days_left_badge(customer, today):
    """The customer's countdown before it returns to the pool, as
    ``accounts/includes/days_left.html`` renders it (same msgids and classes), built once
    per row here: that include and its ``blocktranslate`` were a third of a row's cost."""
    if customer.locked:
        return format_html(
            '<span class="badge days-left locked" title="{}">{}</span>',
            _("Locked by the lead: it stays in the book."),
            _("Locked"),
        )
    if customer.returns_on is None:
        return ""
    days = (customer.returns_on - today).days
    if days <= 0:
        text = _("Returns tonight")
    else:
        text = ngettext("%(counter)s day left", "%(counter)s days left", days) % {"counter": days}
    return format_html(
        '<span class="badge days-left{}" title="{}">{}</span>',
        " soon" if days < 3 else "",
        _("Days left before it returns to the pool"),
        text,
    )


def _members(request):
    """Whom a lead (an admin: within the chosen team) may filter by."""
    user = request.user if request else None
    if user is None or not user.is_authenticated:
        return User.objects.none()
    if user.is_admin:
        team = request.GET.get("team", "")
        return User.objects.filter(team_id=int(team)) if team.isdigit() else User.objects.none()
    return User.objects.visible_to(user).filter(is_active=True).order_by("display_name", "username")


def _teams(request):
    return Team.objects.all() if request and request.user.is_admin else Team.objects.none()


class MyDayFilter(django_filters.FilterSet):
    """A rep searches their own; a lead also picks a rep; an admin a team, then a rep."""

    q = django_filters.CharFilter(label=gettext_lazy("Search"), method="filter_search")
    team = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Team"), queryset=_teams, empty_label=gettext_lazy("Pick a team")
    )
    owner = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Rep"), queryset=_members, empty_label=gettext_lazy("All reps")
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if not request.user.is_admin:
            self.filters.pop("team")
        if request.user.is_rep:
            self.filters.pop("owner")

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


class Day:
    """What My day shows one user for one request: the scope its filter picks,
    the sections (or, for a "show all" list, one section's page), the count per rep."""

    def __init__(self, request, *, list_key: str | None = None, page: str | int | None = None):
        self.request, self.user = request, request.user
        self.today, self.now = services.today(), timezone.now()
        self.filter = MyDayFilter(request.GET or None, queryset=my_day.open_projects(user=self.user), request=request)
        self.team_view = not self.user.is_rep
        self.list_key, self.page_number = list_key, page
        self.scope_query = urlencode(
            [(name, request.GET[name]) for name in SCOPE_PARAMETERS if request.GET.get(name, "").strip()]
        )

    @cached_property
    def team(self) -> Team | None:
        if self.user.is_lead:
            return self.user.team
        if self.user.is_admin and self.filter.is_valid():
            return self.filter.form.cleaned_data.get("team")
        return None

    @property
    def needs_team(self) -> bool:
        """An admin sees one team's day at a time (a whole company's would be a list of thousands)."""
        return self.user.is_admin and self.team is None

    @cached_property
    def projects(self):
        return self.filter.qs.none() if self.needs_team else self.filter.qs

    @cached_property
    def query(self) -> str:
        """The parameters a log form carries so its answer re-renders this very page."""
        extra = [("list", self.list_key), ("page", self.page_number)] if self.list_key else []
        extra = urlencode([(name, value) for name, value in extra if value])
        return "&".join(part for part in (self.scope_query, extra) if part)

    @cached_property
    def log_base_url(self) -> str:
        """The standalone log page, which every row's button links to (reversed once, not per row)."""
        return reverse("pipeline:activity_create")

    @cached_property
    def url(self) -> str:
        """This page, to come back to after the standalone log page."""
        path = reverse("pipeline:my_day_section", args=[self.list_key]) if self.list_key else reverse("pipeline:my_day")
        if self.request.resolver_match and self.request.resolver_match.url_name == "home":
            path = reverse("home")
        return f"{path}?{self.query}" if self.query else path

    def with_row_texts(self, rows, key: str):
        """What each row shows, computed here once rather than by template tags per row:
        its links (the project, the log dialog, the standalone log page) and its texts."""
        project_url, log_url = url_of("projects:project_detail"), url_of("pipeline:my_day_log")
        log_query = f"?{self.query}" if self.query else ""
        log_next = quote(self.url, safe="")
        label = _("Log contact on %(project)s")
        for project in rows:
            project.url = project_url(project.pk)
            project.log_url = log_url(project.pk) + log_query
            project.log_page_url = f"{self.log_base_url}?project={project.pk}&next={log_next}"
            project.log_label = label % {"project": project.name}
            project.stage_name = project.state.stage.name
            project.when, project.when_class = when_text(project, key)
            project.days_left = days_left_badge(project.customer, self.today)
        return rows

    def part(self, section: my_day.Section) -> dict:
        title, column, empty = SECTION_TEXT[section.key]
        self.with_row_texts(section.rows, section.key)
        url = reverse("pipeline:my_day_section", args=[section.key])
        return {
            "key": section.key,
            "title": title,
            "column": column,
            "empty": empty,
            "rows": section.rows,
            "total": section.total,
            "more": section.more,
            "url": f"{url}?{self.scope_query}" if self.scope_query else url,
        }

    @cached_property
    def sections(self) -> list[dict]:
        # The whole team's day shows fewer rows a section (its "show all" lists have them all).
        limit = my_day.TEAM_CAP if self.team_view and self.selected_owner is None else None
        parts = my_day.my_day(self.projects, today=self.today, now=self.now, limit=limit)
        return [self.part(section) for section in parts]

    @property
    def all_clear(self) -> bool:
        return not any(part["total"] for part in self.sections)

    @cached_property
    def members(self):
        if self.team is None:
            return []
        return list(my_day.member_counts(team=self.team, today=self.today, now=self.now))

    @cached_property
    def selected_owner(self):
        return self.filter.form.cleaned_data.get("owner") if self.filter.is_valid() else None

    def member_url(self, member) -> str:
        params = {"team": self.team.pk} if self.user.is_admin else {}
        return f"{reverse('pipeline:my_day')}?{urlencode({**params, 'owner': member.pk})}"

    @cached_property
    def member_rows(self) -> list:
        for member in self.members:
            member.day_url = self.member_url(member)
            member.is_selected = self.selected_owner is not None and member.pk == self.selected_owner.pk
        return self.members

    @cached_property
    def page(self):
        """The "show all" list: one section, paginated."""
        rows = my_day.section_queryset(self.projects, self.list_key, today=self.today, now=self.now)
        page = Paginator(rows, LIST_PAGE_SIZE).get_page(self.page_number)
        my_day.with_days(page.object_list, today=self.today, now=self.now)
        self.with_row_texts(page.object_list, self.list_key)
        return page

    @cached_property
    def list_part(self) -> dict:
        title, column, empty = SECTION_TEXT[self.list_key]
        return {"key": self.list_key, "title": title, "column": column, "empty": empty}


def day_title(user) -> str:
    return _("My day") if user.is_rep else _("Team's day")


class DayPageView(LoginRequiredMixin, TemplateView):
    """A My day page; the filter bar (htmx) swaps only its live part."""

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return [f"{self.template_name}#my-day-live"]
        return [self.template_name]

    def day(self) -> Day:
        return Day(self.request)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "day": self.day(), "title": day_title(self.request.user)}


class MyDayView(DayPageView):
    template_name = "pipeline/my_day.html"


class MyDaySectionView(DayPageView):
    """Every row of one section, 50 a page."""

    template_name = "pipeline/my_day_section.html"

    def day(self) -> Day:
        if self.kwargs["section"] not in my_day.SECTIONS:
            raise Http404
        return Day(self.request, list_key=self.kwargs["section"], page=self.request.GET.get("page"))


class LogContactView(LoginRequiredMixin, View):
    """The "log contact" dialog of a My day row. GET: the form; POST: save it,
    then answer the re-rendered page part (htmx swaps it in out of band) and
    close the dialog, or the form again with the errors beside the fields."""

    form_template = "pipeline/includes/log_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.list_key = request.GET.get("list") if request.GET.get("list") in my_day.SECTIONS else None

    def get(self, request, pk):
        project = editable_project(request.user, pk)
        if not request.htmx:
            return redirect(self.standalone_url(project))
        return self.render_form(self.form(project))

    def post(self, request, pk):
        project = editable_project(request.user, pk)
        form = self.form(project, request.POST)
        activity = form.log()
        if activity is None:
            return self.render_form(form)
        day = Day(request, list_key=self.list_key, page=request.GET.get("page"))
        if not request.htmx:
            return redirect(day.url)
        template = "pipeline/my_day_section.html" if self.list_key else "pipeline/my_day.html"
        context = {
            "day": day,
            "oob": True,
            "logged": logged_message(activity),
            "live_template": f"{template}#my-day-live",
        }
        response = render(request, "pipeline/includes/logged.html", context)
        return trigger_client_event(response, "contact-logged")

    def form(self, project, data=None) -> ActivityForm:
        return ActivityForm(data, user=self.request.user, customer=project.customer, project=project)

    def standalone_url(self, project) -> str:
        day = Day(self.request, list_key=self.list_key, page=self.request.GET.get("page"))
        return f"{reverse('pipeline:activity_create')}?{urlencode({'project': project.pk, 'next': day.url})}"

    def render_form(self, form):
        project = form.project
        if not self.request.htmx:  # a plain POST with errors: the standalone page, input kept
            context = {
                "form": form,
                "project": project,
                "customer": project.customer,
                "cancel_url": Day(self.request).url,
            }
            return render(self.request, "pipeline/activity_form.html", context)
        query = self.request.GET.urlencode()
        context = {
            "form": form,
            "project": project,
            "customer": project.customer,
            "post_url": f"{reverse('pipeline:my_day_log', args=[project.pk])}{'?' + query if query else ''}",
            "fallback_url": self.standalone_url(project),
        }
        return render(self.request, self.form_template, context)
