"""Invitations: an admin creates a user without a password; the e-mailed link sets it once."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from teams.audit import AuditAction, AuditEntry
from teams.models import User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-Passw0rd-7"


def _invite(admin_client, team):
    response = admin_client.post(
        reverse("teams:user_create"),
        {"username": "newbie", "display_name": "新人", "email": "newbie@example.com", "role": "rep", "team": team.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302, response.content[:500]
    [message] = mail.outbox
    return re.search(r"https?://\S+/invite/\S+/", message.body).group(0)


def test_invitation_link_sets_the_password_once(admin_client, team, client):
    link = _invite(admin_client, team)
    user = User.objects.get(username="newbie")
    assert not user.has_usable_password()
    assert AuditEntry.objects.filter(action=AuditAction.USER_INVITED, target_id=str(user.pk)).exists()
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(f"/{path}", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    # used: the same link now answers with a clear error, the password stays
    again = client.get(f"/{path}", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert not again.context["validlink"]
    assert "expired or has already been used" in again.content.decode()


def test_an_expired_link_is_refused(admin_client, team, client, settings):
    link = _invite(admin_client, team)
    settings.PASSWORD_RESET_TIMEOUT = -1  # every token is past its time
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert not page.context["validlink"]
    assert not User.objects.get(username="newbie").has_usable_password()


def test_no_password_and_no_email_is_refused_naming_the_field(admin_client, team):
    response = admin_client.post(
        reverse("teams:user_create"), {"username": "nobody", "role": "rep", "team": team.pk}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert not User.objects.filter(username="nobody").exists()
