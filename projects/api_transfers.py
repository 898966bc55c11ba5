"""``POST /api/v1/transfers/``: move a rep's book (see projects.transfers)."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Customer
from projects.transfers import FILTERS, MODES, book_transfer, transfer_may
from teams.models import User


class TransferRequestSerializer(serializers.Serializer):
    from_user = serializers.IntegerField(help_text=_("The rep whose book moves."))
    to_users = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    customers = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, help_text=_("Default: all of from_user's.")
    )
    filters = serializers.DictField(child=serializers.CharField(), required=False, help_text=", ".join(FILTERS))
    mode = serializers.ChoiceField(choices=MODES, default="round_robin")
    assignments = serializers.DictField(child=serializers.IntegerField(), required=False)
    reason = serializers.CharField(max_length=500, allow_blank=True)
    dry_run = serializers.BooleanField(default=False)


class TransferReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    from_user = serializers.IntegerField()
    mode = serializers.CharField()
    customers = serializers.ListField(child=serializers.DictField())
    projects = serializers.ListField(child=serializers.DictField())
    conflicts = serializers.ListField(child=serializers.DictField())
    counts = serializers.DictField(child=serializers.DictField())


class CanTransfer(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.is_authenticated and transfer_may(actor=request.user)


def resolve_people(*, actor, from_user_id, to_user_ids):
    """``from_user`` must be visible to ``actor``; unknown ids answer 404. A known user the
    actor may not give records to is a 400 from the service, naming the field."""
    from_user = User.objects.visible_to(actor).filter(pk=from_user_id).first()
    to_users = list(User.objects.filter(pk__in=set(to_user_ids)))
    if from_user is None or len(to_users) != len(set(to_user_ids)):
        raise Http404
    return from_user, to_users


class TransferView(APIView):
    """Move the customers (all, or the ids given, narrowed by ``filters``) and their
    open projects owned by ``from_user`` to ``to_users``: round robin, by region or
    by hand (``assignments``: customer id → user id). All or nothing; ``dry_run``
    answers what would move and the conflicts it would create. Admins, or a lead
    within the own team."""

    permission_classes = [CanTransfer]

    @extend_schema(
        request=TransferRequestSerializer,
        responses={
            200: TransferReportSerializer,
            400: OpenApiResponse(description="A field is wrong; nothing moved."),
            404: OpenApiResponse(description="A user or customer id unknown or not visible."),
        },
    )
    def post(self, request):
        serializer = TransferRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        from_user, to_users = resolve_people(
            actor=request.user, from_user_id=data["from_user"], to_user_ids=data["to_users"]
        )
        customers = data.get("customers")
        if customers:
            visible = set(
                Customer.objects.editable_by(request.user).filter(pk__in=customers).values_list("pk", flat=True)
            )
            if set(customers) - visible:
                raise Http404
        report = book_transfer(
            actor=request.user,
            from_user=from_user,
            to_users=to_users,
            customers=customers,
            filters=data.get("filters"),
            mode=data["mode"],
            assignments=data.get("assignments"),
            reason=data["reason"],
            dry_run=data["dry_run"],
            request=request,
        )
        return Response(report)
