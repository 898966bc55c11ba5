"""Invitations: a new user gets an e-mail with a one-time link to set their password
(Django's password-reset token: it expires after PASSWORD_RESET_TIMEOUT and stops
working once the password is set)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from teams.audit import AuditAction, audit_record
from teams.errors import DomainError
from teams.models import User


def invitation_link(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL.rstrip("/") + reverse("invite_accept", args=[uidb64, token])


def user_invite(*, user: User, actor=None, request=None, reset: bool = False) -> str:
    """E-mail ``user`` a link to set their password; returns the link. ``reset``: an
    admin reset the password of an existing account (the reset audits itself)."""
    if not user.email:
        raise DomainError({"email": _("An invitation needs an e-mail address.")})
    link = invitation_link(user)
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    values = {"name": user.name, "username": user.username, "days": days, "link": link}
    if reset:
        subject = _("Your Funnel CRM password was reset")
        message = _(
            "Hello %(name)s,\n\nan admin reset the password of your account (user name: %(username)s). Choose a "
            "new one here within %(days)s days; the link works once:\n\n%(link)s\n"
        )
    else:
        subject = _("Your Funnel CRM account")
        message = _(
            "Hello %(name)s,\n\nan account was created for you (user name: %(username)s). Set your password "
            "here within %(days)s days; the link works once:\n\n%(link)s\n"
        )
    send_mail(subject=subject, message=message % values, from_email=None, recipient_list=[user.email])
    if not reset:
        audit_record(actor=actor, action=AuditAction.USER_INVITED, target=user, request=request)
    return link


class InviteAcceptView(auth_views.PasswordResetConfirmView):
    """Set the first password from the invitation link. An expired or used link shows a clear
    error (Django's ``validlink``); after saving, the user logs in with the new password."""

    template_name = "registration/invite_accept.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        from django.contrib import messages

        response = super().form_valid(form)
        audit_record(actor=form.user, action=AuditAction.PASSWORD_CHANGED, target=form.user, request=self.request)
        messages.success(self.request, _("Your password is set. Log in with it."))
        return response
