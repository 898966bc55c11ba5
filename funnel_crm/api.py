"""Project-wide REST plumbing: pagination and the JSON error shape."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def is_api(request):
    """Requests answered in the API's JSON error shape rather than with an HTML page."""
    return request.path_info.startswith("/api/")


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _first_message(errors, prefix=""):
    """The first readable message of a nested DRF error structure, with its field path."""
    if isinstance(errors, dict):
        for field, value in errors.items():
            path = field if field == "non_field_errors" else f"{prefix}{field}"
            found = _first_message(value, f"{path}.")
            if found:
                field_name, message = found
                return field_name or path, message
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, (dict, list)):
                found = _first_message(value, f"{prefix}{index}.")
                if found:
                    return found
            else:
                return prefix.rstrip("."), str(value)
    elif errors:
        return prefix.rstrip("."), str(errors)
    return None


def error_body(errors):
    """The API's error shape: ``detail`` names the first bad field, ``errors`` maps every field to its messages."""
    errors = errors if isinstance(errors, dict) else {"non_field_errors": errors}
    found = _first_message(errors)
    if found and found[0] and found[0] != "non_field_errors":
        detail = _("%(field)s: %(message)s") % {"field": found[0], "message": found[1]}
    elif found:
        detail = found[1]
    else:
        detail = _("Invalid input.")
    return {"detail": detail, "errors": errors}


def error_response(errors, *, status):
    """The error shape for code outside DRF's views (middleware, Django's error handlers)."""
    return JsonResponse(error_body(errors), status=status)


def exception_handler(exc, context):
    """DRF errors as JSON with a readable `detail`; validation errors keep
    DRF's per-field map under `errors` and name the first field in `detail`."""
    if isinstance(exc, DjangoValidationError):
        # Services raise teams.errors.DomainError (a Django ValidationError).
        payload = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        status_code = getattr(exc, "status_code", 400)
        if status_code != 400:
            found = _first_message(payload)
            body = {"detail": found[1] if found else "", **getattr(exc, "data", {})}
            if hasattr(exc, "error_dict"):
                body["errors"] = payload  # the conflict is about these fields
            return Response(body, status=status_code)
        exc = exceptions.ValidationError(payload)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(response.data)
    return response
