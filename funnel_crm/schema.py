"""The OpenAPI schema tells the truth about errors: one AutoSchema adds the
error responses every operation can give, in the project's error shape
(``funnel_crm.api.exception_handler``), instead of each view declaring them."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance
from rest_framework import permissions, serializers

# Credentials are posted here; too many failures lock them out (django-axes).
LOCKOUT_PATHS = {"/api/v1/auth/token/"}


class ErrorSerializer(serializers.Serializer):
    """The error shape: a readable ``detail``; validation errors also map each field to its messages."""

    detail = serializers.CharField(help_text=_("A readable message; for a bad field, it names the field."))
    # Usually a list of messages per field; DRF's nested serializers may nest it further.
    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text=_("Each bad field (dotted path for nested rows) with its messages."),
    )


class DuplicateOfSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    owner = serializers.IntegerField()
    owner_name = serializers.CharField()
    reason = serializers.CharField()
    name = serializers.CharField(required=False, help_text=_("Only when the customer is in the caller's scope."))


class ConflictErrorSerializer(ErrorSerializer):
    """409: a stale ``version`` (with the stored record) or a duplicate (with who owns it)."""

    duplicate_of = DuplicateOfSerializer(required=False)
    duplicates = DuplicateOfSerializer(many=True, required=False)
    current = serializers.DictField(required=False, help_text=_("The stored record's fields."))
    version = serializers.IntegerField(required=False, help_text=_("The stored version."))


ERROR_DESCRIPTIONS = {
    "400": _("Bad input: validation errors name each field."),
    "401": _("Not authenticated."),
    "403": _("Not allowed for this user's role."),
    "404": _("Not found, or outside the user's scope."),
    "409": _("Conflict: a stale version, or a duplicate of an existing record."),
    "429": _("Too many failed login attempts; Retry-After says how many seconds to wait."),
}


API_PREFIX = "/api/v1/"


class AutoSchema(SpectacularAutoSchema):
    def get_tags(self):
        """/api/docs/ groups operations by resource: the path segment after /api/v1/
        ("customers", "projects", "auth"…), for every view alike."""
        if self.path.startswith(API_PREFIX):
            return [self.path[len(API_PREFIX) :].split("/", 1)[0]]
        return super().get_tags()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            serializer = ConflictErrorSerializer if code == "409" else ErrorSerializer
            error = {**self._get_response_for_code(serializer, code, direction=direction)}
            error["description"] = ERROR_DESCRIPTIONS[code]
            if code == "429":
                error["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": _("Seconds.")}}
            # A view's own description wins; the body is always the error shape.
            responses[code] = {**error, **{k: v for k, v in responses.get(code, {}).items() if k != "content"}}
        return responses

    def _error_codes(self):
        # Bad input (NUL in any parameter, malformed bodies) is refused everywhere.
        codes = ["400"]
        if self._requires_authentication():
            codes += ["401", "403"]
        if "{" in self.path or self._is_paginated_list() or self._finds_a_record_named_in_the_body():
            codes.append("404")  # outside the scope, or a page past the last
        if self._may_conflict():
            codes.append("409")
        if self.path in LOCKOUT_PATHS:
            codes.append("429")
        return codes

    def _is_paginated_list(self):
        return self.method == "GET" and self._is_list_view() and getattr(self.view, "paginator", None) is not None

    def _requires_authentication(self):
        return not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())

    def _finds_a_record_named_in_the_body(self):
        """Writes naming the record they act on in the body (an activity's project):
        fields marked ``answers_not_found`` answer 404 for an id out of reach."""
        if self.method not in ("POST", "PUT", "PATCH"):
            return False
        serializer = force_instance(self.get_request_serializer())
        fields = serializer.fields if isinstance(serializer, serializers.Serializer) else {}
        return any(getattr(field, "answers_not_found", False) for field in fields.values())

    def _may_conflict(self):
        """Writes that carry a ``version`` (optimistic locking) or may be refused as a duplicate."""
        if self.method not in ("POST", "PUT", "PATCH"):
            return False
        serializer = force_instance(self.get_request_serializer())
        fields = serializer.fields if isinstance(serializer, serializers.Serializer) else {}
        if self.method == "POST":
            # An action on an existing record (a project's move) checks the version it carries.
            return "confirm_duplicate" in fields or ("{" in self.path and "version" in fields)
        return "version" in fields

    def _map_basic_serializer(self, serializer, direction):
        """Fields a serializer may answer as null although they cannot be written as null
        (``response_nullable_fields``, e.g. a customer seen in the limited view)."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response":
            for name in getattr(serializer, "response_nullable_fields", ()):
                if name in schema["properties"]:
                    schema["properties"][name]["nullable"] = True
        return schema
