"""Customer pages: list, detail (organisation tree), create/edit, people and
departments inline, merge. Reads start from ``visible_to(user)``; every edit,
delete and inline write from ``editable_by(user)`` (``EditableObjectsMixin``)."""

import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, FormView, ListView, UpdateView

from accounts import completeness, regions, services
from accounts.filters import CustomerFilter
from accounts.forms import (
    ContactForm,
    ContactFormSet,
    CustomerForm,
    DepartmentForm,
    FirstDepartmentForm,
    MergeForm,
)
from accounts.history import customer_history
from accounts.models import Contact, Customer, Department
from accounts.selectors import contact_duplicates
from teams.errors import ConflictError, DomainError
from teams.mixins import (
    EditableObjectsMixin,
    RoleRequiredMixin,
    VersionedUpdateMixin,
    VisibleObjectsMixin,
    add_domain_error,
)
from teams.models import Role
from teams.views_handover import HandOverView

PAGE_SIZE = 50


def _query_string_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class CustomerListView(VisibleObjectsMixin, ListView):
    model = Customer
    template_name = "accounts/customer_list.html"
    paginate_by = PAGE_SIZE

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return [f"{self.template_name}#customer-table"]
        return [self.template_name]

    def get_queryset(self):
        self.filterset = CustomerFilter(self.request.GET or None, queryset=super().get_queryset(), request=self.request)
        queryset = self.filterset.qs if self.filterset.is_bound else self.filterset.queryset
        if not self.request.GET.get("ordering"):
            queryset = queryset.order_by("-updated_at", "-id")
        return queryset.select_related("owner")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["query_string"] = _query_string_without_page(self.request)
        context["show_owner"] = not self.request.user.is_rep
        # A lead picks among the team; an admin (thousands of users) filters with ?owner=<id>.
        context["owner_filter"] = self.request.user.is_lead
        if self.request.user.is_rep:
            # The start page counts the rep's own customers; the list also holds those seen
            # through one of the rep's projects: say how many, so the two figures reconcile.
            context["through_projects"] = self.object_list.exclude(owner=self.request.user).count()
        for customer in context["object_list"]:
            customer.region_display = regions.full_name(customer.province, customer.city, None)
        return context


def _map_service_errors(error, form, formset=None, department_form=None):
    """Put a service's ``DomainError`` beside the right field: ``contacts.2.mobile``
    belongs to the third person's form, ``department.name`` to the department form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        parts = key.split(".")
        if parts[0] == "contacts" and formset is not None and len(parts) == 3 and parts[1].isdigit():
            target, field = formset.forms[int(parts[1])], parts[2]
        elif parts[0] == "department" and department_form is not None and len(parts) == 2:
            target, field = department_form, parts[1]
        else:
            target, field = form, key
        target.add_error(field if field in target.fields else None, errors)


class CustomerCreateView(LoginRequiredMixin, View):
    """A customer with its first department and people, in one form."""

    template_name = "accounts/customer_form.html"

    def get(self, request):
        return self.render(
            CustomerForm(user=request.user, initial={"name": request.GET.get("name", "")}),
            FirstDepartmentForm(prefix="department"),
            ContactFormSet(prefix="contacts"),
        )

    def post(self, request):
        form = CustomerForm(request.POST, user=request.user)
        department_form = FirstDepartmentForm(request.POST, prefix="department")
        formset = ContactFormSet(request.POST, prefix="contacts")
        if not (form.is_valid() and department_form.is_valid() and formset.is_valid()):
            return self.render(form, department_form, formset)
        contacts = [f.service_data() for f in formset.forms if f.has_changed() and f.cleaned_data.get("name")]
        try:
            customer = services.customer_create(
                user=request.user,
                data=form.service_data(),
                owner=form.cleaned_data.get("owner"),
                department=department_form.cleaned_data,
                contacts=contacts,
                confirm_duplicate=request.POST.get("confirm_duplicate") == "on",
            )
        except services.DuplicateCustomer as duplicate:
            return self.render(form, department_form, formset, duplicate=duplicate)
        except DomainError as error:
            _map_service_errors(error, form, formset, department_form)
            return self.render(form, department_form, formset)
        messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
        return redirect(customer)

    def render(self, form, department_form, formset, duplicate=None):
        context = {
            "form": form,
            "department_form": department_form,
            "formset": formset,
            "duplicate": duplicate.data["duplicate_of"] if duplicate else None,
            "duplicate_message": duplicate.messages[0] if duplicate else "",
            "duplicates": duplicate.data["duplicates"] if duplicate else [],
        }
        return render(self.request, self.template_name, context, status=409 if duplicate else 200)


def _tree(departments, contacts):
    """Departments as a tree (roots first), each with its people; plus people without a department."""
    people = {}
    for contact in contacts:
        people.setdefault(contact.department_id, []).append(contact)
    children = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department)

    def node(department, depth):
        return {
            "department": department,
            "people": people.get(department.pk, []),
            "children": [node(child, depth + 1) for child in children.get(department.pk, [])] if depth < 10 else [],
        }

    known = {department.pk for department in departments}
    roots = [d for d in departments if d.parent_id is None or d.parent_id not in known]
    return [node(root, 0) for root in roots], people.get(None, [])


# Callables (request, customer) -> {"template": ..., ...context} | None that
# higher apps register to show their part of a customer (projects).
CUSTOMER_SECTIONS = []


class CustomerDetailView(VisibleObjectsMixin, DetailView):
    model = Customer
    template_name = "accounts/customer_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("owner", "team")

    def get_template_names(self):
        if not self.object.fully_visible_to(self.request.user):
            return ["accounts/customer_limited.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.object
        sections = [section(self.request, customer) for section in CUSTOMER_SECTIONS]
        context["extra_sections"] = [section for section in sections if section]
        if not customer.fully_visible_to(self.request.user):
            return context
        departments = list(customer.departments.all())
        contacts = list(customer.contacts.select_related("department").order_by("has_left", "name"))
        context["tree"], context["unassigned"] = _tree(departments, contacts)
        items = completeness.evaluate_customer(customer, [c for c in contacts if not c.has_left])
        context["checklist"] = items
        context["missing"] = completeness.missing(items)
        context["score"] = completeness.score(items)
        context["history"] = customer_history(
            customer, users=[customer.owner, self.request.user], departments=departments
        )
        context["contact_form"] = ContactForm()
        context["department_form"] = DepartmentForm(customer=customer, departments=departments)
        context["department_names"] = [d.name for d in departments]
        return context


def _people_section(request, customer, *, contact_form=None, department_form=None, status=200, warnings=None):
    """The people/organisation block, re-rendered after an inline change (htmx)."""
    view = CustomerDetailView()
    view.request = request
    view.object = customer
    view.kwargs = {"pk": customer.pk}
    context = view.get_context_data(object=customer)
    if contact_form is not None:
        context["contact_form"] = contact_form
    if department_form is not None:
        context["department_form"] = department_form
    context["warnings"] = warnings or []
    template = "accounts/customer_detail.html#people" if request.htmx else "accounts/customer_detail.html"
    return render(request, template, context, status=status)


class CustomerChildMixin(EditableObjectsMixin):
    """Adding people or departments to one customer the user may change (404 otherwise)."""

    model = Customer

    def get_customer(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class ContactCreateView(CustomerChildMixin, View):
    def post(self, request, pk):
        customer = self.get_customer()
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                contact = services.contact_create(user=request.user, customer=customer, data=form.service_data())
            except DomainError as error:
                add_domain_error(form, error)
            else:
                warnings = contact_duplicates(
                    mobile=contact.mobile, email=contact.email, exclude_customer_id=customer.pk
                )
                if not request.htmx:
                    messages.success(request, _("%(name)s added.") % {"name": contact.name})
                    return redirect(customer)
                customer.refresh_from_db()
                return _people_section(request, customer, warnings=warnings)
        return _people_section(request, customer, contact_form=form, status=400 if request.htmx else 200)


class DepartmentCreateView(CustomerChildMixin, View):
    def post(self, request, pk):
        customer = self.get_customer()
        form = DepartmentForm(request.POST, customer=customer)
        if form.is_valid():
            try:
                services.department_create(
                    user=request.user,
                    customer=customer,
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    parent=form.cleaned_data.get("parent"),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if not request.htmx:
                    return redirect(customer)
                customer.refresh_from_db()
                return _people_section(request, customer)
        return _people_section(request, customer, department_form=form, status=400 if request.htmx else 200)


class CustomerUpdateView(EditableObjectsMixin, VersionedUpdateMixin, UpdateView):
    model = Customer
    form_class = CustomerForm
    template_name = "accounts/customer_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("version", self.object.version)
        return context

    def form_valid(self, form):
        try:
            customer = services.customer_update(
                user=self.request.user,
                customer=self.object,
                data=form.service_data(),
                version=self.request.POST.get("version") or None,
                owner=form.cleaned_data.get("owner"),
            )
        except ConflictError as error:
            return self.render_to_response(self.get_context_data(form=form, **self.conflict_context(error, form)))
        except DomainError as error:
            add_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Customer %(name)s saved.") % {"name": customer.name})
        return redirect(customer)


class ContactUpdateView(EditableObjectsMixin, VersionedUpdateMixin, UpdateView):
    model = Contact
    form_class = ContactForm
    template_name = "accounts/contact_form.html"

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "department")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("version", self.object.version)
        context["department_names"] = list(self.object.customer.departments.values_list("name", flat=True))
        return context

    def form_valid(self, form):
        try:
            contact = services.contact_update(
                user=self.request.user,
                contact=self.object,
                data=form.service_data(),
                version=self.request.POST.get("version") or None,
            )
        except ConflictError as error:
            return self.render_to_response(self.get_context_data(form=form, **self.conflict_context(error, form)))
        except DomainError as error:
            add_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s saved.") % {"name": contact.name})
        return redirect(contact.customer)


class ContactDeleteView(EditableObjectsMixin, View):
    model = Contact

    def post(self, request, pk):
        contact = get_object_or_404(self.get_queryset().select_related("customer"), pk=pk)
        customer = contact.customer
        services.contact_delete(user=request.user, contact=contact)
        messages.success(request, _("%(name)s removed.") % {"name": contact.name})
        return redirect(customer)


class DepartmentUpdateView(EditableObjectsMixin, UpdateView):
    model = Department
    form_class = DepartmentForm
    template_name = "accounts/department_form.html"

    def form_valid(self, form):
        try:
            services.department_update(
                user=self.request.user,
                department=self.object,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                parent=form.cleaned_data.get("parent"),
            )
        except DomainError as error:
            add_domain_error(form, error)
            return self.form_invalid(form)
        return redirect(self.object.customer)


class DepartmentDeleteView(EditableObjectsMixin, View):
    model = Department

    def post(self, request, pk):
        department = get_object_or_404(self.get_queryset().select_related("customer"), pk=pk)
        customer = department.customer
        services.department_delete(user=request.user, department=department)
        messages.success(
            request, _("Department %(name)s removed; its people stay with the customer.") % {"name": department.name}
        )
        return redirect(customer)


class CustomerTransferView(HandOverView):
    done_message = gettext_lazy("Customer handed over.")

    def get_subject(self):
        return get_object_or_404(Customer.objects.editable_by(self.request.user), pk=self.kwargs["pk"])

    def hand_over(self, subject, *, to_user, reason):
        services.customer_transfer(user=self.request.user, customer=subject, to_user=to_user, reason=reason)


class CustomerAutocompleteView(VisibleObjectsMixin, ListView):
    """``<option>``s of visible customers matching ``q`` (for pickers)."""

    model = Customer
    template_name = "accounts/includes/customer_options.html"

    def get_queryset(self):
        query = self.request.GET.get("q", "").strip()
        if not query:
            return Customer.objects.none()
        return (
            super().get_queryset().search(query, user=self.request.user).select_related("owner").order_by("name")[:20]
        )


class CustomerMergeView(RoleRequiredMixin, FormView):
    """Leads and admins: pick two customers, preview, merge (all or nothing)."""

    allowed_roles = (Role.LEAD, Role.ADMIN)
    form_class = MergeForm
    template_name = "accounts/customer_merge.html"

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "user": self.request.user}
        if self.request.method == "GET" and "target" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        if form.is_bound and form.is_valid():
            target, source = form.cleaned_data["target"], form.cleaned_data["source"]
            context["preview"] = [
                {
                    "customer": customer,
                    "departments": customer.departments.count(),
                    "contacts": customer.contacts.count(),
                    "region": customer.region_name,
                }
                for customer in (target, source)
            ]
            context["fills"] = [
                Customer._meta.get_field(field).verbose_name
                for field in ("credit_code", "industry", "source", "province", "address", "website")
                if not getattr(target, field) and getattr(source, field)
            ]
        return context

    def form_valid(self, form):
        if self.request.POST.get("confirm") != "yes":
            return self.render_to_response(self.get_context_data(form=form))
        try:
            merged = services.customer_merge(
                user=self.request.user, target=form.cleaned_data["target"], source=form.cleaned_data["source"]
            )
        except DomainError as error:
            add_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Merged into %(name)s.") % {"name": merged.name})
        return redirect(merged)


@require_GET
@cache_control(max_age=86400, public=True)
def regions_json(request):
    """The province → city → district tree for the cascading picker (cached by the browser)."""
    return HttpResponse(json.dumps(regions.picker_data(), ensure_ascii=False), content_type="application/json")
