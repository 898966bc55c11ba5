"""API building blocks every app uses, and the users/teams endpoints."""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import services
from teams.models import Job, Team, User
from teams.serializers import (
    JobSerializer,
    TeamSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    TransferSerializer,
    UserSerializer,
)
from teams.tokens import token_obtain
from teams.visibility import request_queryset, visible_choices


class ScopedViewSet(viewsets.GenericViewSet):
    """Base for every API viewset. Reads (list, retrieve, any GET action) start
    from the model's ``visible_to(user)``; every write (update, partial_update,
    destroy, any POST/PUT/PATCH/DELETE action) from ``editable_by(user)``, so
    seeing a record through a widening rule never lets anyone change it, and a
    new endpoint gets this by inheriting. Objects outside the scope answer 404."""

    def get_queryset(self):
        return request_queryset(super().get_queryset(), self.request)


class IsAdminOrReadOnly(permissions.BasePermission):
    """Anyone signed in reads (within scope); only the admin role writes."""

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or request.user.is_admin


class UserFilter(django_filters.FilterSet):
    # A team the requester does not see answers like an unknown id ("Select a valid choice").
    team = django_filters.ModelChoiceFilter(label=_("Team"), queryset=visible_choices(Team))

    class Meta:
        model = User
        fields = ["role", "team", "is_active"]


class UserViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """Users. Reps and leads see their own team's members; admins everyone.
    Users are never deleted (their records keep their owner): set
    ``is_active`` to false instead."""

    queryset = User.objects.all()
    serializer_class = UserSerializer
    permission_classes = [IsAdminOrReadOnly]
    filterset_class = UserFilter
    search_fields = ["username", "display_name", "email"]
    ordering_fields = ["username", "display_name", "id"]
    ordering = ["username"]


class TeamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    queryset = Team.objects.prefetch_related(Prefetch("members", queryset=User.objects.only("id", "team_id")))
    serializer_class = TeamSerializer
    permission_classes = [IsAdminOrReadOnly]
    search_fields = ["name"]
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def perform_destroy(self, instance):
        services.team_delete(team=instance, actor=self.request.user, request=self.request)


class JobViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """A background job (import commit, book transfer, ...): status, progress and,
    once finished, its result or error. Its creator and admins see it; anyone else
    gets 404."""

    queryset = Job.objects.all()
    serializer_class = JobSerializer


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
            403: OpenApiResponse(
                description="The password was set by an admin and must be changed (in the browser) first."
            ),
        },
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if user.must_change_password:
            # No token for a password an admin gave out: the owner sets their own first.
            raise exceptions.PermissionDenied(
                _("Change the password an admin gave you (log in to the website) before requesting an API token.")
            )
        token = token_obtain(user=user, request=request)
        return Response({"token": token.key}, status=status.HTTP_200_OK)


def hand_over(viewset, request, service, subject):
    """The ``transfer`` action of customers and projects: validate, call the service, answer the record."""
    obj = viewset.get_object()
    serializer = TransferSerializer(data=request.data, context=viewset.get_serializer_context())
    serializer.is_valid(raise_exception=True)
    obj = service(user=request.user, **{subject: obj}, **serializer.validated_data)
    return Response(viewset.get_serializer(obj).data)


class IsLeadOrAdmin(permissions.BasePermission):
    """Leads and admins only. Checked on the object, after the scoped lookup, so
    an object outside the requester's scope still answers 404, not 403."""

    def has_object_permission(self, request, view, obj):
        return request.user.is_lead or request.user.is_admin


LEADS_AND_ADMINS = [permissions.IsAuthenticated, IsLeadOrAdmin]
