"""The project checklist settings page (/settings/checklist/, admins): the items in
order, add one, edit one (versioned), archive or restore; each save starts the
recompute of every project's score as a background job (its progress page is linked)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from projects import checklist
from projects.checklist_settings import FIELDS, checklist_item_create, checklist_item_update
from projects.models import ChecklistItem
from teams.errors import ConflictError, DomainError
from teams.mixins import AdminSettingsPage, VersionedUpdateMixin, add_domain_error


class ChecklistItemForm(forms.ModelForm):
    rule = forms.ChoiceField(label=gettext_lazy("Ticked"), required=False, choices=checklist.rule_choices)

    class Meta:
        model = ChecklistItem
        fields = list(FIELDS)
        widgets = {"help_text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        if self.instance.pk is None:
            self.initial["order"] = None  # empty: after the last item
        self.fields["order"].help_text = _("Left empty: after the last item.")

    def _post_clean(self):
        pass  # the service validates the item


def _queued(request, job, done):
    """The success message, with a link to the recompute's progress."""
    messages.success(
        request,
        format_html(
            '{} {} <a href="{}">{}</a>',
            done,
            _("Every project's checklist score is being recomputed in the background."),
            job.get_absolute_url(),
            _("Follow the progress"),
        ),
    )


class ChecklistSettingsView(AdminSettingsPage, View):
    template_name = "projects/settings/checklist.html"

    def render(self, request, form, status=200):
        items = ChecklistItem.objects.order_by("-is_active", "order", "pk")
        rules = {key: label for key, (label, _check) in checklist.RULES.items()}
        for item in items:
            if not item.rule:
                item.rule_label = _("Ticked by hand")
            else:  # a rule no app registers ticks nothing: say so, the admin picks another
                unknown = _("Unknown rule “%(rule)s”: never ticked") % {"rule": item.rule}
                item.rule_label = rules.get(item.rule, unknown)
        context = {"settings_tab": "checklist", "items": items, "form": form}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.render(request, ChecklistItemForm())

    def post(self, request):
        form = ChecklistItemForm(request.POST)
        if form.is_valid():
            try:
                item, job = checklist_item_create(actor=request.user, request=request, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                _queued(request, job, _("Item “%(item)s” added.") % {"item": item.label})
                return redirect("projects:settings_checklist")
        return self.render(request, form, status=400)


class ChecklistItemView(AdminSettingsPage, VersionedUpdateMixin, View):
    """Edit one item (with its version), or archive/restore it (``action``)."""

    template_name = "projects/settings/checklist_item.html"

    def render(self, request, item, form, status=200, **extra):
        context = {"settings_tab": "checklist", "item": item, "form": form, "version": item.version, **extra}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        item = get_object_or_404(ChecklistItem, pk=pk)
        return self.render(request, item, ChecklistItemForm(instance=item))

    def post(self, request, pk):
        item = get_object_or_404(ChecklistItem, pk=pk)
        version = request.POST.get("version")
        action = request.POST.get("action", "save")
        form = ChecklistItemForm(request.POST, instance=item) if action == "save" else forms.Form(request.POST)
        if form.is_valid():
            if action == "save":
                values = {name: value for name, value in form.cleaned_data.items() if value is not None}
            else:
                values = {"is_active": action == "restore"}
            try:
                saved, job = checklist_item_update(
                    actor=request.user, item=item, version=version, request=request, **values
                )
            except ConflictError as error:
                item.refresh_from_db()
                if action == "save":
                    extra = self.conflict_context(error, form)
                else:  # archive/restore: nothing typed to keep; show the item as it is now
                    form = ChecklistItemForm(instance=item)
                    extra = {"conflict": error.messages[0], "conflict_rows": [], "version": item.version}
                return self.render(request, item, form, status=409, **extra)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if job is None:
                    messages.info(request, _("Nothing changed."))
                else:
                    _queued(request, job, _("Item “%(item)s” saved.") % {"item": saved.label})
                return redirect("projects:settings_checklist")
        return self.render(request, item, form, status=400)
