from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import regions, services
from accounts.choices import DepartmentKind
from accounts.models import Contact, Customer
from accounts.selectors import contact_duplicates, matches_for
from accounts.validators import validate_credit_code
from teams.serializers import ChoiceNamesMixin, OwnerField


class CustomerSerializer(ChoiceNamesMixin, serializers.ModelSerializer):
    owner = OwnerField(required=False)
    owner_name = serializers.CharField(source="owner.name", read_only=True, allow_null=True)
    province_name = serializers.SerializerMethodField()
    city_name = serializers.SerializerMethodField()
    district_name = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False)
    confirm_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=_("Create even though a probable duplicate exists (answered with 409 otherwise)."),
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "credit_code",
            "industry",
            "level",
            "source",
            "province",
            "province_name",
            "city",
            "city_name",
            "district",
            "district_name",
            "address",
            "website",
            "notes",
            "owner",
            "owner_name",
            "team",
            "pool",
            "returns_on",
            "locked",
            "completeness",
            "version",
            "created_at",
            "updated_at",
            "confirm_duplicate",
        ]
        read_only_fields = ["team", "pool", "returns_on", "locked", "completeness", "created_at", "updated_at"]
        # No UniqueValidator from the model's constraint: the service judges the credit
        # code with the other duplicate rules and answers 409 naming the owner.
        extra_kwargs = {"credit_code": {"validators": [validate_credit_code]}}

    LIMITED_HIDDEN = ("credit_code", "address", "website", "notes", "completeness")
    # Answered as null in the limited view, never writable as null (funnel_crm.schema).
    response_nullable_fields = LIMITED_HIDDEN

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not instance.fully_visible_to(request.user):
            # Seen through one's own project: the company, not its details.
            data.update(dict.fromkeys(self.LIMITED_HIDDEN))
        return data

    def get_province_name(self, obj) -> str | None:
        return regions.name(obj.province) if obj.province else None

    def get_city_name(self, obj) -> str | None:
        return regions.name(obj.city) if obj.city else None

    def get_district_name(self, obj) -> str | None:
        return regions.name(obj.district) if obj.district else None

    def create(self, validated_data):
        user = self.context["request"].user
        confirm = validated_data.pop("confirm_duplicate", False)
        owner = validated_data.pop("owner", None)
        validated_data.pop("version", None)
        return services.customer_create(user=user, data=validated_data, owner=owner, confirm_duplicate=confirm)

    def update(self, instance, validated_data):
        validated_data.pop("confirm_duplicate", None)
        return services.customer_update(
            user=self.context["request"].user,
            customer=instance,
            data=validated_data,
            version=validated_data.pop("version", None),
            owner=validated_data.pop("owner", None),
        )


class EditableCustomerField(serializers.PrimaryKeyRelatedField):
    """People are added only to customers one may change: one seen only through
    one's project answers "invalid pk", exactly like an unknown id."""

    def get_queryset(self):
        request = self.context.get("request")
        return Customer.objects.editable_by(request.user) if request else Customer.objects.none()


class ContactSerializer(ChoiceNamesMixin, serializers.ModelSerializer):
    customer = EditableCustomerField()
    department = serializers.CharField(
        source="department.name",
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=100,
        help_text=_("The department's name within the customer; found or created. Null or empty: none."),
    )
    department_kind = serializers.ChoiceField(
        source="department.kind",
        label=_("Department kind"),
        choices=DepartmentKind.choices,
        required=False,
        allow_null=True,
    )
    version = serializers.IntegerField(required=False)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "title",
            "department",
            "department_kind",
            "mobile",
            "landline",
            "email",
            "wechat",
            "buying_role",
            "has_left",
            "notes",
            "version",
            "created_at",
            "updated_at",
            "warnings",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # A person without a department: both department fields are null, not missing.
        data.setdefault("department", None)
        data.setdefault("department_kind", None)
        data.setdefault("department_kind_name", None)
        return {key: data[key] for key in self.fields if key in data}

    def get_warnings(self, obj) -> list[dict]:
        """Other customers that already have a person with this mobile or e-mail."""
        if not (obj.mobile or obj.email) or not self.context.get("check_duplicates"):
            return []
        matches = contact_duplicates(mobile=obj.mobile, email=obj.email, exclude_customer_id=obj.customer_id)
        return matches_for(self.context["request"].user, matches)

    @staticmethod
    def _service_data(validated_data):
        data = dict(validated_data)
        department = data.pop("department", None)
        if department is not None:
            data["department"] = department.get("name", "")
            data["department_kind"] = department.get("kind")
        return data

    def create(self, validated_data):
        data = self._service_data(validated_data)
        customer = data.pop("customer")
        data.pop("version", None)
        self.context["check_duplicates"] = True
        return services.contact_create(user=self.context["request"].user, customer=customer, data=data)

    def update(self, instance, validated_data):
        data = self._service_data(validated_data)
        if data.pop("customer", instance.customer).pk != instance.customer_id:
            raise serializers.ValidationError({"customer": [_("A contact cannot move to another customer.")]})
        self.context["check_duplicates"] = True
        return services.contact_update(
            user=self.context["request"].user, contact=instance, data=data, version=data.pop("version", None)
        )
