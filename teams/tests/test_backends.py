"""The session's user comes with their team (the header shows it on every page)."""

import pytest
from django.test import Client

from teams.backends import UserBackend

pytestmark = pytest.mark.django_db


def test_the_session_user_comes_with_the_team(rep, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UserBackend().get_user(rep.pk)
        assert user.team.name == rep.team.name


def test_an_inactive_or_unknown_user_has_no_session(rep):
    rep.is_active = False
    rep.save()
    assert UserBackend().get_user(rep.pk) is None
    assert UserBackend().get_user(rep.pk + 1000) is None


def test_pages_sign_in_through_it(rep):
    client = Client()
    client.force_login(rep)
    assert client.session["_auth_user_backend"] == "teams.backends.UserBackend"


def test_a_session_signed_in_before_it_still_works(rep):
    """Sessions name the backend that signed them in: Django's own is still listed."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(rep, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/")
    assert response.status_code == 200
    assert rep.team.name in response.content.decode()


def test_a_user_without_a_team_comes_with_none(admin, django_assert_num_queries):
    """The query's SQL is compiled once; a user without a team is loaded the same way."""
    admin.team = None
    admin.save()
    with django_assert_num_queries(1):
        user = UserBackend().get_user(str(admin.pk))  # as the session keeps it
        assert user == admin and user.team is None
    assert UserBackend().get_user("not a number") is None
