"""Page building blocks shared by every app's views."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import redirect

from teams.errors import ConflictError, DomainError
from teams.visibility import request_queryset


class RoleRequiredMixin(LoginRequiredMixin):
    """Pages for some roles only (e.g. team management for admins)."""

    allowed_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role not in self.allowed_roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AdminSettingsPage(LoginRequiredMixin):
    """The settings pages (/settings/) exist for admins only: reps and leads get the
    404 of an unknown page."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_admin:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def add_domain_error(form, error: DomainError):
    """Show a service's error beside the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


class ServiceFormMixin:
    """Create/update pages whose save is a service call.

    Subclasses implement ``perform(form)`` returning the saved object; a
    ``DomainError`` shows on the form and nothing is saved.
    """

    success_message = ""

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.perform(form)
        except DomainError as error:
            add_domain_error(form, error)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return redirect(self.get_success_url())


class VisibleObjectsMixin(LoginRequiredMixin):
    """For class-based pages: the queryset is always scoped to the user.

    Reading (GET/HEAD) starts from ``visible_to(user)``; a POST, or any page
    declared ``edits_objects``, from ``editable_by(user)``: seeing a record
    through a widening rule (a customer through one's project, a contact on
    one's buying committee) never lets anyone change it. Subclasses may narrow
    the queryset further in ``get_queryset`` by calling super().
    """

    model = None
    queryset = None
    edits_objects = False

    def get_queryset(self):
        base = self.queryset if self.queryset is not None else self.model
        if base is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a model or queryset.")
        return request_queryset(
            base.all() if isinstance(base, models.QuerySet) else base, self.request, edits=self.edits_objects
        )


class EditableObjectsMixin(VisibleObjectsMixin):
    """Edit and delete pages (and inline writes): even the GET of the form is
    scoped by ``editable_by``, so a record one may only see answers 404."""

    edits_objects = True


class VersionedUpdateMixin:
    """Edit pages with optimistic locking: the form carries the version it was
    opened at; if someone saved in between, the user sees both versions, keeps
    what they typed, and saves again deliberately."""

    def conflict_context(self, error: ConflictError, form):
        current = error.data.get("current", {})
        rows = []
        for name, value in current.items():
            if name not in form.fields:
                continue
            mine = form.cleaned_data.get(name, form.data.get(name))
            field = form.fields[name]
            display = dict(getattr(field, "choices", []) or [])
            rows.append(
                {
                    "label": field.label,
                    "theirs": display.get(value, value),
                    "mine": display.get(mine, mine),
                    "differs": str(value or "") != str(mine or ""),
                }
            )
        return {"conflict": error.messages[0], "conflict_rows": rows, "version": error.data.get("version")}


class FilteredListMixin:
    """A list page filtered by a django-filter FilterSet (``filterset_class``), whose
    htmx requests swap only the ``#<partial_name>`` partial of the template."""

    filterset_class = None
    partial_name = ""
    ordering = ()

    def get_template_names(self):
        if self.request.htmx:
            return [f"{self.template_name}#{self.partial_name}"]
        return [self.template_name]

    def filtered(self, queryset):
        self.filterset = self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request)
        return self.filterset.qs if self.filterset.is_bound else self.filterset.queryset

    def get_queryset(self):
        return self.filtered(super().get_queryset()).order_by(*self.ordering)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context
