from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from teams.api import ScopedViewSet
from teams.notifications import selectors, services
from teams.notifications.models import Notification
from teams.serializers import ChoiceNamesMixin


class NotificationListSerializer(serializers.ListSerializer):
    """Text, link and visibility of a whole page at once (one query per kind of target)."""

    def to_representation(self, data):
        items = selectors.notifications_prepare(user=self.context["request"].user, notifications=data)
        return super().to_representation(items)


class NotificationSerializer(ChoiceNamesMixin, serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text="In the requester's language.")
    body = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="The page of what it is about; empty when gone.")
    gone = serializers.BooleanField(read_only=True, help_text="The target is no longer visible to you.")
    target_type = serializers.SerializerMethodField()
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        list_serializer_class = NotificationListSerializer
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "url",
            "gone",
            "target_type",
            "target_id",
            "due_on",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_target_type(self, notification) -> str | None:
        if notification.gone or notification.target_type_id is None:
            return None
        return f"{notification.target_type.app_label}.{notification.target_type.model}"

    def to_representation(self, instance):
        if not hasattr(instance, "gone"):
            selectors.notifications_prepare(user=self.context["request"].user, notifications=[instance])
        data = super().to_representation(instance)
        if instance.gone:
            data["target_id"] = None  # a gone target leaks nothing, not even its id
        return data


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The current user's notifications (reminders, digests, hand-overs, conflicts), newest first."""

    queryset = Notification.objects.select_related("target_type")
    serializer_class = NotificationSerializer
    filterset_fields = ["kind"]

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_read(user=request.user, notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("NotificationsReadAll", {"read": serializers.IntegerField(help_text="How many.")}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        count = services.notifications_read_all(user=request.user)
        return Response({"read": count}, status=status.HTTP_200_OK)
