"""``POST /api/v1/transfers/``: move a rep's book (see projects.transfers)."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Customer
from projects import transfers
from projects.transfers import FILTERS, MODES, book_transfer, book_transfer_start, transfer_may, transfer_selection
from teams.audit import request_client
from teams.models import User
from teams.serializers import JobSerializer


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
    within the own team. A move of more than 1,000 customers runs as a background
    job: the answer is 202 with the job (``url``, also the ``Location`` header) once
    the request has been checked; GET the job for its progress and result."""

    permission_classes = [CanTransfer]

    @extend_schema(
        request=TransferRequestSerializer,
        responses={
            200: TransferReportSerializer,
            202: OpenApiResponse(
                response=JobSerializer,
                description="More than 1,000 customers: the move runs as a background job; this is the job, "
                "with its API address in `url` (and the Location header).",
            ),
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
        kwargs = {
            "actor": request.user,
            "from_user": from_user,
            "to_users": to_users,
            "customers": customers,
            "filters": data.get("filters"),
            "mode": data["mode"],
            "assignments": data.get("assignments"),
            "reason": data["reason"],
        }
        if data["dry_run"] or not self._big(kwargs):
            return Response(book_transfer(**kwargs, dry_run=data["dry_run"], request=request))
        # A big book: checked now (a bad request still answers 400), moved by the page's background job.
        preview = book_transfer(**kwargs, dry_run=True)
        job = book_transfer_start(
            actor=request.user,
            preview=preview,
            to_users=to_users,
            reason=data["reason"],
            assignments=data.get("assignments"),
            client=request_client(request),
        )
        url = request.build_absolute_uri(reverse("job-detail", args=[job.pk]))
        body = {**JobSerializer(job, context={"request": request}).data, "url": url}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})

    @staticmethod
    def _big(kwargs) -> bool:
        selection = transfer_selection(
            actor=kwargs["actor"],
            from_user=kwargs["from_user"],
            customers=kwargs["customers"],
            filters=kwargs["filters"],
        )
        return selection.count() > transfers.JOB_THRESHOLD
