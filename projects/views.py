"""Project pages: list, detail (procurement list, buying committee, timeline,
checklist, conflicts, history edited inline with htmx), create/edit, transfer,
and the leads' conflict queue. Reads start from ``visible_to(user)``; every
edit and inline write from ``editable_by(user)`` (``EditableObjectsMixin``)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView

from accounts.choices import BuyingRole
from projects import checklist, selectors, services
from projects.filters import ProjectFilter
from projects.forms import (
    MilestoneForm,
    ProcurementItemForm,
    ProjectForm,
    ResolveForm,
    StakeholderEditForm,
    StakeholderForm,
)
from projects.models import (
    ChecklistItem,
    Conflict,
    Milestone,
    MilestoneKind,
    ProcurementItem,
    Project,
    Resolution,
    Stakeholder,
)
from projects.page_html import committee_html, procurement_list_html
from projects.selectors import conflict_queue, conflict_sides_mark
from teams.errors import ConflictError, DomainError
from teams.mixins import (
    EditableObjectsMixin,
    RoleRequiredMixin,
    VersionedUpdateMixin,
    VisibleObjectsMixin,
    add_domain_error,
)
from teams.models import Role, User
from teams.ownership import manages_team_of
from teams.views_handover import HandOverView

ROLE_ORDER = [value for value, _label in BuyingRole.choices]


class ProjectListView(VisibleObjectsMixin, ListView):
    model = Project
    template_name = "projects/project_list.html"
    paginate_by = 50

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return [f"{self.template_name}#project-table"]
        return [self.template_name]

    def get_queryset(self):
        self.filterset = ProjectFilter(self.request.GET or None, queryset=super().get_queryset(), request=self.request)
        queryset = self.filterset.qs if self.filterset.is_bound else self.filterset.queryset
        if not self.request.GET.get("ordering"):
            queryset = queryset.order_by("-updated_at", "-id")
        return selectors.project_list_rows(queryset=queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=self.filterset,
            query_string=query.urlencode(),
            show_owner=not self.request.user.is_rep,
            owner_filter=self.request.user.is_lead,  # admins filter with ?owner=<id>, not a list of thousands
        )
        return context


class ProjectCreateView(LoginRequiredMixin, View):
    template_name = "projects/project_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.customer = selectors.customer_for_new_project(
            user=request.user, customer_id=request.GET.get("customer") or request.POST.get("customer")
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        if self.customer is None:
            return render(request, "projects/pick_customer.html", {})
        return self.render(ProjectForm(user=request.user, customer=self.customer))

    def post(self, request):
        if self.customer is None:
            raise Http404
        form = ProjectForm(request.POST, user=request.user, customer=self.customer)
        if form.is_valid():
            try:
                project = services.project_create(
                    user=request.user,
                    customer=self.customer,
                    data=form.service_data(),
                    owner=form.cleaned_data.get("owner"),
                    lead_contact=form.cleaned_data.get("lead_contact"),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Project %(name)s created.") % {"name": project.name})
                return redirect(project)
        return self.render(form)

    def render(self, form):
        context = {
            "form": form,
            "customer": self.customer,
            "customer_visible": selectors.customer_is_visible(user=self.request.user, customer_id=self.customer.pk),
        }
        return render(self.request, self.template_name, context)


class ProjectUpdateView(EditableObjectsMixin, VersionedUpdateMixin, View):
    model = Project
    template_name = "projects/project_form.html"

    def get_object(self):
        return get_object_or_404(self.get_queryset().select_related("customer"), pk=self.kwargs["pk"])

    def get(self, request, pk):
        project = self.get_object()
        form = ProjectForm(instance=project, user=request.user, customer=project.customer)
        return self.render(project, form, version=project.version)

    def post(self, request, pk):
        project = self.get_object()
        form = ProjectForm(request.POST, instance=project, user=request.user, customer=project.customer)
        if form.is_valid():
            try:
                project = services.project_update(
                    user=request.user,
                    project=project,
                    data=form.service_data(),
                    version=request.POST.get("version") or None,
                    lead_contact=form.cleaned_data.get("lead_contact"),
                )
            except ConflictError as error:
                return self.render(project, form, **self.conflict_context(error, form))
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Project %(name)s saved.") % {"name": project.name})
                return redirect(project)
        return self.render(project, form, version=request.POST.get("version"))

    def render(self, project, form, **extra):
        context = {"form": form, "object": project, "customer": project.customer, "customer_visible": True, **extra}
        return render(self.request, self.template_name, context)


# Callables (request, project) -> {"template": ..., ...context} | None that higher apps
# register in their AppConfig.ready to show their part of a project (pipeline: timeline,
# budget, competitors, activities), shown in order after the project's own sections.
PROJECT_SECTIONS = []
# Related rows those sections read, joined to the page's query of the project (the pipeline:
# its stage standing), registered the same way.
PROJECT_PAGE_RELATED = []
# The history section shows the newest 20 owner changes and field edits.
HISTORY_SHOWN = 20


class ProjectDetailView(VisibleObjectsMixin, DetailView):
    model = Project
    template_name = "projects/project_detail.html"

    def get_queryset(self):
        related = ("customer", "owner", "team", "lead_contact", *PROJECT_PAGE_RELATED)
        return super().get_queryset().select_related(*related)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(project_context(self.request, self.object))
        sections = [section(self.request, self.object) for section in PROJECT_SECTIONS]
        context["extra_sections"] = [section for section in sections if section]
        return context


class ProjectHistoryView(ProjectDetailView):
    """The history section (owner changes, edits of the project's fields), loaded when opened:
    the section (htmx) or, without JavaScript, the page with it open. The owner changes are
    on the timeline too; the page shows the section folded and reads neither."""

    def get(self, request, *args, **kwargs):
        self.object = project = self.get_object()
        if request.htmx and not request.htmx.boosted:
            context = {"project": project, **project_history(project)}
            return render(request, f"{self.template_name}#history", context)
        request.project_history_opened = True
        return self.render_to_response(self.get_context_data(object=project))


def project_history(project) -> dict:
    """The history section's rows (two queries), newest first."""
    owner_changes = project.owner_changes.select_related("from_user", "to_user", "changed_by")
    # The timeline's first page may take the owner changes from these rows (``page_rows``).
    owner_changes = list(owner_changes[: HISTORY_SHOWN + 1])
    project.page_rows = {**getattr(project, "page_rows", {}), "owner_changes": (owner_changes, HISTORY_SHOWN + 1)}
    return {
        "history_opened": True,
        "owner_changes": owner_changes[:HISTORY_SHOWN],
        "history": list(project.history.select_related("history_user").order_by("-history_date")[:HISTORY_SHOWN]),
    }


def forms_inline(request) -> bool:
    """Whether the project page's sections carry their forms: in htmx answers (a write's
    sections, a form the user opened) yes; on the page itself no — rendering a dozen forms
    with the customer's people as choices was most of its time, so each is loaded when
    opened (``ProjectChildView.get``, pipeline's ``FormOnDemandMixin``)."""
    return bool(request.htmx) and not request.htmx.boosted


def project_context(request, project, **forms):
    """Everything the detail page (and its htmx partials) shows. ``forms``: refused forms
    to show; ``request.project_form_opened``: the form the user opened (shown open)."""
    user = request.user
    opened = getattr(request, "project_form_opened", None)

    def form(name, build):
        if forms.get(name) is not None:
            return forms[name]
        return build() if forms_inline(request) or opened == name else None

    # The committee, procurement list, milestones (and what the pipeline's rules read), the
    # ticks and whether the project has conflicts, in one query: the checklist, the exit
    # checks and the sections all answer from these rows.
    checklist.prefetch(project)
    items = list(project.procurement_items.all())
    stakeholders = sorted(project.stakeholders.all(), key=lambda s: (ROLE_ORDER.index(s.role), s.pk))
    chain = []
    for role, label in BuyingRole.choices:
        people = [s for s in stakeholders if s.role == role]
        if people:
            chain.append({"role": role, "label": label, "people": people})
    lines = checklist.evaluate(project, checklist.active_items())
    # Most projects are part of no conflict: ``prefetch`` knows, and then nothing is read.
    conflicts = selectors.project_conflicts(project=project, user=user) if project.any_conflict else []
    # Rows a higher app's section would otherwise read again (the pipeline's timeline).
    project.page_rows = {"conflicts": conflicts}
    history = project_history(project) if getattr(request, "project_history_opened", False) else {}

    def stakeholder_form():
        people = selectors.project_people(user=user, project=project)
        project.page_rows["people"] = people  # the pipeline's forms offer them too
        return StakeholderForm(user=user, project=project, people=people)

    return {
        "project": project,
        "items": items,
        "procurement_total": sum((item.total for item in items), 0),
        "procurement_html": procurement_list_html(request, project, items) if items else "",
        "chain": chain,
        "committee_html": committee_html(request, project, chain),
        # The key dates of the customer's process have their own section (the pipeline's).
        "milestones": [milestone for milestone in project.milestones.all() if milestone.kind == MilestoneKind.OTHER],
        "lines": lines,
        "score": checklist.score(lines),
        "conflicts": conflicts,
        "open_conflicts": [c for c in conflicts if not c.is_resolved],
        **history,
        "customer_visible": project.customer.fully_visible_to(user)
        or selectors.customer_is_visible(user=user, customer_id=project.customer_id),
        "can_transfer": manages_team_of(user=user, record=project),
        "item_form": form("item_form", ProcurementItemForm),
        "milestone_form": form("milestone_form", MilestoneForm),
        "stakeholder_form": form("stakeholder_form", stakeholder_form),
        "opened": {opened: True} if opened else {},
    }


def project_page(request, project, *, status=200):
    """The project page of a loaded project (a refused plain form post, a form opened without JavaScript)."""
    view = ProjectDetailView()
    view.setup(request, pk=project.pk)
    view.object = project
    return render(request, view.template_name, view.get_context_data(object=project), status=status)


class ProjectChildView(EditableObjectsMixin, View):
    """Inline edits on a project the user may change, answered with the changed section (htmx)
    or a redirect to the project page (plain form post). A GET of an add form's URL
    (``form_name``) answers its section with the form open — the page loads it when the
    user opens it — or, without JavaScript, the page with it open."""

    model = Project
    partial = None
    form_name = None

    def get(self, request, pk, **kwargs):
        if self.form_name is None:
            return self.http_method_not_allowed(request)
        project = self.project()
        request.project_form_opened = self.form_name
        if not request.htmx:
            return project_page(request, project)
        return render(request, f"projects/project_detail.html#{self.partial}", project_context(request, project))

    def project(self):
        return get_object_or_404(self.get_queryset().select_related("customer"), pk=self.kwargs["pk"])

    def respond(self, project, status=200, **forms):
        if not self.request.htmx:
            if status != 200:
                for form in forms.values():
                    for error in form.errors.get("__all__", []) + [e for f in form.errors.values() for e in f]:
                        messages.error(self.request, error)
                        break
            return redirect(project)
        project.refresh_from_db()
        context = project_context(self.request, project, **forms)
        return render(self.request, f"projects/project_detail.html#{self.partial}", context, status=status)


class ProcurementItemCreateView(ProjectChildView):
    partial = "procurement"
    form_name = "item_form"

    def post(self, request, pk):
        project = self.project()
        form = ProcurementItemForm(request.POST)
        if form.is_valid():
            try:
                services.procurement_item_save(user=request.user, project=project, data=form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return self.respond(project)
        return self.respond(project, status=400, item_form=form)


class ProcurementItemDeleteView(ProjectChildView):
    partial = "procurement"

    def post(self, request, pk, item_pk):
        project = self.project()
        item = get_object_or_404(ProcurementItem, pk=item_pk, project=project)
        services.procurement_item_delete(user=request.user, item=item)
        return self.respond(project)


class MilestoneCreateView(ProjectChildView):
    partial = "timeline"
    form_name = "milestone_form"

    def post(self, request, pk):
        project = self.project()
        form = MilestoneForm(request.POST)
        if form.is_valid():
            try:
                services.milestone_save(user=request.user, project=project, data=form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return self.respond(project)
        return self.respond(project, status=400, milestone_form=form)


class MilestoneDeleteView(ProjectChildView):
    partial = "timeline"

    def post(self, request, pk, milestone_pk):
        project = self.project()
        services.milestone_delete(
            user=request.user, milestone=get_object_or_404(Milestone, pk=milestone_pk, project=project)
        )
        return self.respond(project)


class StakeholderCreateView(ProjectChildView):
    partial = "committee"
    form_name = "stakeholder_form"

    def post(self, request, pk):
        project = self.project()
        form = StakeholderForm(request.POST, user=request.user, project=project)
        if form.is_valid():
            try:
                services.stakeholder_save(
                    user=request.user,
                    project=project,
                    contact=form.cleaned_data.get("contact"),
                    new_contact=form.new_contact(),
                    role=form.cleaned_data["role"],
                    stance=form.cleaned_data["stance"],
                    notes=form.cleaned_data.get("notes", ""),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return self.respond(project)
        return self.respond(project, status=400, stakeholder_form=form)


class StakeholderUpdateView(ProjectChildView):
    partial = "committee"

    def post(self, request, pk, stakeholder_pk):
        project = self.project()
        stakeholder = get_object_or_404(Stakeholder, pk=stakeholder_pk, project=project)
        form = StakeholderEditForm(request.POST, instance=stakeholder)
        if form.is_valid():
            services.stakeholder_save(
                user=request.user,
                project=project,
                stakeholder=stakeholder,
                role=form.cleaned_data["role"],
                stance=form.cleaned_data["stance"],
                notes=form.cleaned_data.get("notes", ""),
            )
        return self.respond(project)


class StakeholderDeleteView(ProjectChildView):
    partial = "committee"

    def post(self, request, pk, stakeholder_pk):
        project = self.project()
        services.stakeholder_delete(
            user=request.user, stakeholder=get_object_or_404(Stakeholder, pk=stakeholder_pk, project=project)
        )
        return self.respond(project)


class ChecklistTickView(ProjectChildView):
    partial = "checklist"

    def post(self, request, pk, item_pk):
        project = self.project()
        item = get_object_or_404(ChecklistItem, pk=item_pk, is_active=True)
        try:
            services.checklist_tick(user=request.user, project=project, item=item, done=request.POST.get("done") == "1")
        except DomainError as error:
            messages.error(request, " ".join(error.messages))
        return self.respond(project)


class ProjectTransferView(HandOverView):
    done_message = gettext_lazy("Project handed over.")

    def get_subject(self):
        return get_object_or_404(Project.objects.editable_by(self.request.user), pk=self.kwargs["pk"])

    def hand_over(self, subject, *, to_user, reason):
        services.project_transfer(user=self.request.user, project=subject, to_user=to_user, reason=reason)


class ConflictListView(RoleRequiredMixin, ListView):
    """The leads' queue: what collides, with everything needed to resolve it."""

    allowed_roles = (Role.LEAD, Role.ADMIN)
    template_name = "projects/conflict_list.html"
    paginate_by = 30

    def get_queryset(self):
        status = self.request.GET.get("status", "open")
        queryset = conflict_queue(user=self.request.user)
        if status == "resolved":
            return queryset.filter(resolved_at__isnull=False).order_by("-resolved_at")
        return queryset.unresolved().order_by("-created_at")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # As the API: a project the user may not open is named only by its owner.
        conflict_sides_mark(context["object_list"], user=self.request.user)
        context["status"] = self.request.GET.get("status", "open")
        context["query_string"] = urlencode({"status": context["status"]})  # pages keep the tab
        context["resolutions"] = Resolution.choices
        return context


class ConflictResolveView(RoleRequiredMixin, View):
    allowed_roles = (Role.LEAD, Role.ADMIN)

    def post(self, request, pk):
        conflict = get_object_or_404(Conflict.objects.editable_by(request.user), pk=pk)
        form = ResolveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose how to resolve the conflict."))
            return redirect("projects:conflict_list")
        owner = (
            User.objects.filter(pk=form.cleaned_data.get("owner")).first() if form.cleaned_data.get("owner") else None
        )
        keep = {"a": conflict.project_a, "b": conflict.project_b}.get(form.cleaned_data.get("keep"))
        try:
            services.conflict_resolve(
                user=request.user,
                conflict=conflict,
                resolution=form.cleaned_data["resolution"],
                owner=owner,
                keep=keep,
                note=form.cleaned_data.get("note", ""),
            )
        except DomainError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Conflict resolved."))
        return redirect("projects:conflict_list")


def customer_projects_section(request, customer):
    """The projects block on a customer's page (registered with accounts)."""
    mine, other_owners = selectors.customer_projects(user=request.user, customer=customer)
    return {
        "template": "projects/includes/customer_projects.html",
        "projects": mine,
        "other_owners": other_owners,
        "customer": customer,
    }
