"""The base classes make the safe scope the default: a new viewset or page
reads from ``visible_to`` and writes through ``editable_by`` by inheriting, and
a widening rule can only ever widen what is seen."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.views.generic import DetailView
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from teams.api import ScopedViewSet
from teams.mixins import EditableObjectsMixin, VisibleObjectsMixin
from teams.models import Team, TeamQuerySet, User
from teams.serializers import UserSerializer
from teams.visibility import VisibleQuerySet

pytestmark = pytest.mark.django_db


class NewUserViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """A viewset written without any thought for scope (users: teammates are
    seen; only admins change users)."""

    queryset = User.objects.all()
    serializer_class = UserSerializer

    @action(detail=True, methods=["get", "post"])
    def poke(self, request, pk=None):
        return Response({"id": self.get_object().pk})


def _api(persona_user, method, target, view_action):
    request = getattr(APIRequestFactory(), method)(f"/users/{target.pk}/")
    force_authenticate(request, persona_user)
    view = NewUserViewSet.as_view({method: view_action})
    return view(request, pk=target.pk)


@pytest.mark.parametrize(
    ("persona", "method", "view_action", "expected"),
    [
        ("rep", "get", "retrieve", 200),
        ("rep", "get", "poke", 200),
        ("rep", "post", "poke", 404),  # a custom write action: editable_by, by default
        ("admin", "post", "poke", 200),
    ],
)
def test_a_new_viewset_writes_only_what_the_user_may_change(personas, persona, method, view_action, expected):
    response = _api(personas[persona], method, personas["other_rep"], view_action)
    assert response.status_code == expected


class NewUserPage(VisibleObjectsMixin, DetailView):
    model = User

    def render_to_response(self, context, **kwargs):
        return HttpResponse(str(self.object.pk))

    def post(self, request, *args, **kwargs):
        return HttpResponse(str(self.get_object().pk))


class NewUserEditPage(EditableObjectsMixin, NewUserPage):
    pass


@pytest.mark.parametrize(
    ("page", "method", "persona", "expected"),
    [
        (NewUserPage, "get", "rep", 200),
        (NewUserPage, "post", "rep", 404),
        (NewUserPage, "post", "admin", 200),
        (NewUserEditPage, "get", "rep", 404),  # even the form of an edit page
        (NewUserEditPage, "get", "admin", 200),
    ],
)
def test_a_new_page_writes_only_what_the_user_may_change(personas, page, method, persona, expected):
    request = getattr(RequestFactory(), method)("/")
    request.user = personas[persona]
    try:
        status = page.as_view()(request, pk=personas["other_rep"].pk).status_code
    except Http404:
        status = 404
    assert status == expected


def test_only_querysets_that_accept_widening_can_be_widened():
    with pytest.raises(ImproperlyConfigured):
        TeamQuerySet.widen_visibility(lambda user: Team.objects.none().values("pk"))


def test_a_queryset_with_its_own_reading_rule_must_state_its_writing_rule():
    with pytest.raises(ImproperlyConfigured):

        class OnlyReads(VisibleQuerySet):
            def visible_to(self, user):
                return self
