"""The hand-over page every app with owned records uses (customers, projects)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views import View

from teams.errors import DomainError
from teams.forms import TransferForm
from teams.mixins import RoleRequiredMixin, add_domain_error
from teams.models import Role


class HandOverView(RoleRequiredMixin, View):
    """Leads (within the team) and admins hand a record to another owner, saying why.
    Subclasses name the record (``get_subject``) and the service (``hand_over``)."""

    allowed_roles = (Role.LEAD, Role.ADMIN)
    template_name = "transfer.html"
    done_message = ""

    def get_subject(self):
        raise NotImplementedError

    def hand_over(self, subject, *, to_user, reason):
        raise NotImplementedError

    def get(self, request, pk):
        return render(
            request, self.template_name, {"subject": self.get_subject(), "form": TransferForm(user=request.user)}
        )

    def post(self, request, pk):
        subject = self.get_subject()
        form = TransferForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                self.hand_over(subject, to_user=form.cleaned_data["to_user"], reason=form.cleaned_data["reason"])
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, self.done_message)
                return redirect(subject)
        return render(request, self.template_name, {"subject": subject, "form": form}, status=400)
