from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import filters, mixins
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import services
from accounts.filters import ContactFilter, CustomerFilter
from accounts.models import Contact, Customer
from accounts.serializers import ContactSerializer, CustomerSerializer, TransferSerializer
from teams.api import ScopedViewSet


def hand_over(viewset, request, service, subject):
    """The ``transfer`` action of customers and projects: validate, call the service, answer the record."""
    obj = viewset.get_object()
    serializer = TransferSerializer(data=request.data, context=viewset.get_serializer_context())
    serializer.is_valid(raise_exception=True)
    obj = service(user=request.user, **{subject: obj}, **serializer.validated_data)
    return Response(viewset.get_serializer(obj).data)


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Customers in the user's scope. Creating a probable duplicate answers 409 with
    ``duplicate_of: {id, owner, owner_name, reason}`` unless ``confirm_duplicate`` is true."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CustomerFilter

    @extend_schema(request=TransferSerializer, responses={200: CustomerSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Hand the customer to another owner (lead within the team, or admin), with the reason."""
        if not (request.user.is_lead or request.user.is_admin):
            raise PermissionDenied
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
