"""Pool API: ``/api/v1/pools/`` (admins write), ``GET /api/v1/pools/{id}/customers/`` (what the
requester may claim), ``.../capacities/`` (admins and leads),
``POST /api/v1/customers/{id}/release/``, ``.../claim/`` and ``.../lock/``."""

import django_filters
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts import regions
from accounts.choices import CustomerLevel, Industry
from accounts.models import Customer, Pool, PoolEvent
from accounts.serializers import CustomerSerializer
from pipeline.pools import capacity as capacities
from pipeline.pools import services
from pipeline.pools.selectors import pool_customers, with_history_summary
from teams.api import IsAdminOrReadOnly, ScopedViewSet
from teams.models import Team

FORBIDDEN = OpenApiResponse(description=_("Your role may not do this."))
ERRORS = {
    400: OpenApiResponse(description=_("A field is missing or wrong, or a limit refuses it; the message names it.")),
    404: OpenApiResponse(description=_("No such record in your scope.")),
    409: OpenApiResponse(description=_("Someone else changed or claimed it first; the answer says who.")),
}


class PoolSerializer(serializers.ModelSerializer):
    teams = serializers.PrimaryKeyRelatedField(many=True, queryset=Team.objects.all(), required=False)
    release_reasons = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Pool
        fields = ["id", "teams", *Pool.SETTING_FIELDS, "version"]

    def create(self, validated_data):
        teams = validated_data.pop("teams", None)
        validated_data.pop("version", None)
        request = self.context["request"]
        return services.pool_save(user=request.user, data=validated_data, teams=teams, request=request)

    def update(self, instance, validated_data):
        teams = validated_data.pop("teams", None)
        version = validated_data.pop("version", None)
        request = self.context["request"]
        return services.pool_save(
            user=request.user, pool=instance, data=validated_data, teams=teams, version=version, request=request
        )


class PoolCustomerSerializer(serializers.ModelSerializer):
    """A pool customer as anyone who may claim it sees it: no people, no phones, no notes."""

    industry_name = serializers.CharField(source="get_industry_display", read_only=True)
    region = serializers.SerializerMethodField()
    projects_count = serializers.IntegerField(read_only=True)
    won = serializers.BooleanField(read_only=True)
    last_contact_at = serializers.DateTimeField(read_only=True, allow_null=True)
    times_released = serializers.IntegerField(read_only=True)
    previous_owner_name = serializers.CharField(source="previous_owner.name", read_only=True, allow_null=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "industry",
            "industry_name",
            "level",
            "province",
            "city",
            "region",
            "pool",
            "released_at",
            "previous_owner_name",
            "projects_count",
            "won",
            "last_contact_at",
            "times_released",
        ]
        read_only_fields = fields

    def get_region(self, customer) -> str:
        return regions.full_name(customer.province, customer.city, None)


class CapacityInputSerializer(serializers.Serializer):
    user = serializers.IntegerField(help_text=_("The person (a rep or lead of a team the pool serves)."))
    capacity = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "Their own capacity; null: back to the role's (a lead's null: back to what an admin set, if anything)."
        ),
    )
    version = serializers.IntegerField(
        required=False, help_text=_("The override's version when read (0: none); a stale one answers 409.")
    )


class CapacitySerializer(serializers.Serializer):
    user = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    team = serializers.IntegerField()
    held = serializers.IntegerField(help_text=_("Customers held, as the capacity counts them."))
    claimed_today = serializers.IntegerField()
    capacity = serializers.IntegerField(help_text=_("What counts: the own capacity, else the role's."))
    role_capacity = serializers.IntegerField()
    override = serializers.IntegerField(allow_null=True)
    admin_capacity = serializers.IntegerField(
        allow_null=True, help_text=_("The capacity an admin set (null: none): a lead may set at most this.")
    )
    lead_ceiling = serializers.IntegerField(
        help_text=_("The most a lead may set: the role's capacity, or what an admin set if that is lower.")
    )
    version = serializers.IntegerField()


def capacity_row(person) -> dict:
    numbers = person.figures
    return {
        "user": person.pk,
        "name": person.name,
        "role": person.role,
        "team": person.team_id,
        "held": numbers["held"],
        "claimed_today": numbers["claimed_today"],
        "capacity": numbers["capacity"],
        "role_capacity": numbers["default"],
        "override": numbers["override"],
        "admin_capacity": numbers["admin_capacity"],
        "lead_ceiling": numbers["lead_ceiling"],
        "version": numbers["override_version"],
    }


class PoolCustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), field_name="name", lookup_expr="contains")
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=CustomerLevel.choices)
    province = django_filters.CharFilter(label=_("Province"))

    class Meta:
        model = Customer
        fields = ["q", "industry", "level", "province"]


class PoolViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Pools the requester may see (reps and leads: live pools serving their team; admins all).
    Admins create and change them; a stale ``version`` answers 409."""

    queryset = Pool.objects.prefetch_related("teams")
    serializer_class = PoolSerializer
    permission_classes = [IsAdminOrReadOnly]

    @extend_schema(
        responses={200: PoolCustomerSerializer(many=True), 400: ERRORS[400], 404: ERRORS[404]},
        parameters=[
            OpenApiParameter("q", str, description=_("Part of the company name.")),
            OpenApiParameter("industry", str, enum=Industry.values),
            OpenApiParameter("level", str, enum=CustomerLevel.values),
            OpenApiParameter("province", str, description=_("6-digit division code.")),
        ],
    )
    @action(detail=True, methods=["get"])
    def customers(self, request, pk=None):
        """What the requester may claim from this pool, newest release first, with a history summary."""
        pool = self.get_object()
        found = PoolCustomerFilter(request.query_params, queryset=pool_customers(user=request.user, pool=pool))
        if not found.is_valid():
            raise serializers.ValidationError(found.errors)
        rows = found.qs
        page = self.paginate_queryset(with_history_summary(rows))
        return self.get_paginated_response(PoolCustomerSerializer(page, many=True).data)

    @extend_schema(responses={200: OpenApiResponse(description=_("The history of the pool.")), 404: ERRORS[404]})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Releases, returns, claims and locks in this pool the requester may see, newest first."""
        pool = self.get_object()
        events = PoolEvent.objects.visible_to(request.user).filter(pool=pool).select_related("customer", "rep", "by")
        page = self.paginate_queryset(events)
        return self.get_paginated_response(
            [
                {
                    "id": e.pk,
                    "kind": e.kind,
                    "customer": e.customer_id,
                    "customer_name": e.customer.name,
                    "rep": e.rep_id,
                    "rep_name": e.rep.name if e.rep else None,
                    "by": e.by_id,
                    "reason": e.reason,
                    "at": e.at,
                }
                for e in page
            ]
        )

    @extend_schema(methods=["GET"], responses={200: CapacitySerializer(many=True), 403: FORBIDDEN, 404: ERRORS[404]})
    @extend_schema(
        methods=["POST"],
        request=CapacityInputSerializer,
        responses={200: CapacitySerializer, 403: FORBIDDEN, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], permission_classes=[IsAuthenticated])
    def capacities(self, request, pk=None):
        """Admins and leads: each person's customers held against their capacity (a lead sees the own
        team). POST sets or (``capacity`` null) clears a person's own capacity: admins anyone's, a lead
        the own reps' up to the role's (``capacity.may_set_capacity``)."""
        # The pool is found among those the requester sees (the service decides who may write), not
        # through ``editable_by``: pool settings are the admins', a lead's tightening of a rep is not.
        pool = get_object_or_404(Pool.objects.visible_to(request.user), pk=_pk(pk))
        if not (request.user.is_admin or request.user.is_lead):
            raise PermissionDenied(_("Capacities are for admins and leads."))
        people = capacities.capacity_people(pool=pool, viewer=request.user)
        if request.method == "GET":
            page = self.paginate_queryset(people)
            return self.get_paginated_response([capacity_row(p) for p in capacities.with_capacity(page, pool)])
        data = CapacityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = people.filter(pk=data.validated_data["user"]).first()
        if person is None:
            raise Http404
        capacities.pool_capacity_set(
            user=request.user,
            pool=pool,
            person=person,
            capacity=data.validated_data["capacity"],
            version=data.validated_data.get("version"),
            request=request,
        )
        return Response(capacity_row(capacities.with_capacity([people.get(pk=person.pk)], pool)[0]))


@extend_schema_field(OpenApiTypes.INT)
class PoolField(serializers.PrimaryKeyRelatedField):
    """Only the pools the requester sees appear to exist."""

    def get_queryset(self):
        request = self.context.get("request")
        return Pool.objects.visible_to(request.user) if request else Pool.objects.none()


class ReleaseSerializer(serializers.Serializer):
    pool = PoolField(required=False)
    reason = serializers.CharField(max_length=100)
    version = serializers.IntegerField(required=False)


class LockSerializer(serializers.Serializer):
    locked = serializers.BooleanField()


class CustomerPoolViewSet(viewsets.GenericViewSet):
    """``/api/v1/customers/{id}/release/``, ``claim/`` and ``lock/`` (registered beside the
    accounts app's customer routes, so accounts never imports the pipeline)."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    permission_classes = [IsAuthenticated]

    def _answer(self, customer):
        customer = Customer.objects.select_related("owner").get(pk=customer.pk)
        return Response(CustomerSerializer(customer, context=self.get_serializer_context()).data)

    @extend_schema(request=ReleaseSerializer, responses={200: CustomerSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Release the customer to a pool with a reason from the pool's list (owner, lead or admin)."""
        customer = self._editable(pk)
        data = ReleaseSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        customer = services.customer_release(
            user=request.user,
            customer=customer,
            pool=data.validated_data.get("pool"),
            reason=data.validated_data["reason"],
            version=data.validated_data.get("version"),
            request=request,
        )
        return self._answer(customer)

    @extend_schema(request=None, responses={200: CustomerSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        """Claim the customer from a pool serving the requester's team. 409 names who got it first."""
        try:
            customer = services.customer_claim(user=request.user, customer_id=_pk(pk), request=request)
        except Customer.DoesNotExist as error:
            raise Http404 from error
        return self._answer(customer)

    @extend_schema(request=LockSerializer, responses={200: CustomerSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def lock(self, request, pk=None):
        """Lock (or unlock) a customer so the return rules leave it in the book (the team's lead or an admin)."""
        customer = self._editable(pk)
        data = LockSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.customer_lock(
            user=request.user, customer=customer, locked=data.validated_data["locked"], request=request
        )
        return self._answer(customer)

    def _editable(self, pk):
        customer = Customer.objects.editable_by(self.request.user).filter(pk=_pk(pk)).first()
        if customer is None:
            raise Http404
        return customer


def _pk(value) -> int:
    text = str(value)
    if not text.isdigit():
        raise Http404
    return int(text)
