"""The book transfer page: pick the rep, narrow the selection, choose the new owners
and the mode, preview (a dry run), confirm: the move runs as a background job with a
progress bar."""

from django import forms
from django.apps import apps
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts import regions
from accounts.choices import CustomerLevel, Industry
from projects.transfers import book_transfer, book_transfer_start
from teams.audit import request_client
from teams.errors import DomainError
from teams.mixins import RoleRequiredMixin, add_domain_error
from teams.models import Role, User


def _stage_choices():
    # Stages belong to the pipeline app, above this one: looked up by name, not imported.
    stage = apps.get_model("pipeline", "Stage")
    return [("", _("Any stage"))] + [(s.pk, str(s)) for s in stage.objects.all()]


class BookTransferForm(forms.Form):
    from_user = forms.ModelChoiceField(label=_("Whose book"), queryset=None)
    level = forms.ChoiceField(label=_("Level"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    stage = forms.ChoiceField(label=_("Stage of an open project"), required=False)
    to_users = forms.ModelMultipleChoiceField(label=_("New owners"), queryset=None, widget=forms.CheckboxSelectMultiple)
    mode = forms.ChoiceField(
        label=_("Spread"),
        choices=[("round_robin", _("Round robin")), ("by_region", _("By region")), ("by_hand", _("By hand"))],
    )
    reason = forms.CharField(label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.visible_to(user).exclude(role=Role.ADMIN).order_by("username")
        self.fields["from_user"].queryset = people
        self.fields["to_users"].queryset = people.filter(is_active=True)
        self.fields["level"].choices = [("", _("Any level")), *CustomerLevel.choices]
        self.fields["industry"].choices = [("", _("Any industry")), *Industry.choices]
        self.fields["region"].choices = [("", _("Any region")), *regions.provinces()]
        self.fields["stage"].choices = _stage_choices()

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "from_user": data["from_user"],
            "to_users": list(data["to_users"]),
            "filters": {key: data[key] for key in ("level", "region", "industry", "stage") if data.get(key)},
            "mode": data["mode"],
            "reason": data["reason"],
        }


class BookTransferView(RoleRequiredMixin, View):
    allowed_roles = (Role.LEAD, Role.ADMIN)
    template_name = "projects/book_transfer.html"

    def get(self, request):
        initial = {"from_user": request.GET.get("from_user")} if request.GET.get("from_user") else {}
        return render(request, self.template_name, {"form": BookTransferForm(user=request.user, initial=initial)})

    def post(self, request):
        form = BookTransferForm(request.POST, user=request.user)
        context = {"form": form}
        if form.is_valid():
            kwargs = form.service_kwargs()
            assignments = {
                key.removeprefix("assign_"): value
                for key, value in request.POST.items()
                if key.startswith("assign_") and value
            }
            try:
                report = book_transfer(actor=request.user, **kwargs, assignments=assignments, dry_run=True)
            except DomainError as error:
                if (
                    kwargs["mode"] == "by_hand"
                    and "assignments" in getattr(error, "message_dict", {})
                    and ("confirm" not in request.POST)
                ):
                    # First preview by hand: show every customer with a choice of owner.
                    report = book_transfer(actor=request.user, **{**kwargs, "mode": "round_robin"}, dry_run=True)
                    context.update(preview=report, assigning=True, to_users=kwargs["to_users"])
                    return render(request, self.template_name, context)
                add_domain_error(form, error)
                return render(request, self.template_name, context, status=400)
            if "confirm" in request.POST:
                job = book_transfer_start(
                    actor=request.user,
                    preview=report,
                    to_users=kwargs["to_users"],
                    reason=kwargs["reason"],
                    assignments=assignments,
                    client=request_client(request),
                )
                return redirect(job)
            names = {u.pk: u.name for u in kwargs["to_users"]}
            context.update(
                preview=report,
                assigning=kwargs["mode"] == "by_hand",
                to_users=kwargs["to_users"],
                counts=[(names[int(pk)], c["customers"], c["projects"]) for pk, c in report["counts"].items()],
                assignments=assignments,
            )
            return render(request, self.template_name, context)
        return render(request, self.template_name, context, status=400)
