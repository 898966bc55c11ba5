from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import filters, mixins
from rest_framework.decorators import action

from accounts import services
from accounts.filters import ContactFilter, CustomerFilter
from accounts.models import Contact, Customer
from accounts.serializers import ContactSerializer, CustomerSerializer
from teams.api import LEADS_AND_ADMINS, ScopedViewSet, hand_over
from teams.serializers import TransferSerializer


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Customers in the user's scope. Creating a probable duplicate answers 409 with
    ``duplicate_of: {id, owner, owner_name, reason}`` unless ``confirm_duplicate`` is true."""

    queryset = Customer.objects.select_related("owner")
    serializer_class = CustomerSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CustomerFilter

    @extend_schema(request=TransferSerializer, responses={200: CustomerSerializer})
    @action(detail=True, methods=["post"], permission_classes=LEADS_AND_ADMINS)
    def transfer(self, request, pk=None):
        """Hand the customer to another owner (lead within the team, or admin), with the reason."""
        return hand_over(self, request, services.customer_transfer, "customer")


class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    queryset = Contact.objects.select_related("department")
    serializer_class = ContactSerializer
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, filters.OrderingFilter]
    filterset_class = ContactFilter
    search_fields = ["name", "mobile", "email", "title"]
    ordering_fields = ["name", "updated_at", "id"]
    ordering = ["name", "id"]

    def perform_destroy(self, instance):
        services.contact_delete(user=self.request.user, contact=instance)
