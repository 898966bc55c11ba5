"""Logging a contact ("记录跟进"): the form My day opens in a dialog, and the
standalone page /activities/new/ where the user first picks the project (or a
customer without one). Both use ``pipeline.forms.ActivityForm`` (as the project
page's contact log does), which saves through ``pipeline.services.activity_log``."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Customer
from pipeline.forms import ActivityForm
from pipeline.models import Activity
from pipeline.selectors.activities import customers_to_log, projects_to_log
from projects.models import Project


def logged_message(activity: Activity) -> str:
    """What the user is told once a contact is saved."""
    subject = activity.project or activity.customer
    if activity.next_contact_on:
        return _("Contact on %(subject)s logged. Next contact: %(date)s.") % {
            "subject": subject,
            "date": activity.next_contact_on.isoformat(),
        }
    return _("Contact on %(subject)s logged.") % {"subject": subject}


def editable_project(user, pk) -> Project:
    """A project the user may change (a contact on it changes it), else 404 like an unknown id."""
    projects = Project.objects.editable_by(user).select_related("customer", "state__stage__pipeline")
    return get_object_or_404(projects, pk=pk)


def safe_next(request) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return ""


class ActivityCreateView(LoginRequiredMixin, View):
    """/activities/new/: pick an open project (or a customer, for a contact with
    no project) among those the user may change, then log the contact."""

    template_name = "pipeline/activity_form.html"
    pick_template_name = "pipeline/activity_pick.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.project = self.customer = None
        project_id, customer_id = request.GET.get("project", ""), request.GET.get("customer", "")
        if project_id:
            if not project_id.isdigit():
                raise Http404
            self.project = editable_project(request.user, int(project_id))
            self.customer = self.project.customer
        elif customer_id:
            if not customer_id.isdigit():
                raise Http404
            self.customer = get_object_or_404(Customer.objects.editable_by(request.user), pk=int(customer_id))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        if self.customer is None:
            return self.pick()
        return self.render(self.form())

    def post(self, request):
        if self.customer is None:
            raise Http404
        form = self.form(request.POST)
        activity = form.log()
        if activity is None:
            return self.render(form)
        messages.success(request, logged_message(activity))
        return redirect(safe_next(request) or self.project or self.customer)

    def form(self, data=None) -> ActivityForm:
        return ActivityForm(data, user=self.request.user, customer=self.customer, project=self.project)

    def render(self, form):
        next_url = safe_next(self.request)
        context = {
            "form": form,
            "project": self.project,
            "customer": self.customer,
            "next_url": next_url,
            "cancel_url": next_url or (self.project or self.customer).get_absolute_url(),
        }
        return render(self.request, self.template_name, context)

    def pick(self):
        query = self.request.GET.get("q", "").strip()[:100]
        next_url = safe_next(self.request)
        context = {
            "query": query,
            "projects": projects_to_log(user=self.request.user, query=query),
            "customers": customers_to_log(user=self.request.user, query=query),
            "carry": urlencode({"next": next_url}) if next_url else "",
            "pick_url": reverse("pipeline:activity_create"),
            "next_url": next_url,
        }
        if self.request.htmx and not self.request.htmx.boosted:
            return render(self.request, f"{self.pick_template_name}#log-targets", context)
        return render(self.request, self.pick_template_name, context)
