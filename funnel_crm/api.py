"""Project-wide REST plumbing: pagination and the JSON error shape."""

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from teams.typography import colon

NON_FIELD_KEYS = {"non_field_errors", NON_FIELD_ERRORS}


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
            path = field if field in NON_FIELD_KEYS else f"{prefix}{field}"
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


def _field_label(serializer, path):
    """The translated label of the field at a dotted error path ("new_contact.name" → "姓名"),
    from the serializer's fields or, failing that, the model's verbose_name; None if unknown."""
    field = serializer
    for part in path.split("."):
        if part.isdigit():
            continue  # a row of a nested list
        field = getattr(field, "child", field)
        fields = getattr(field, "fields", None)
        if fields is not None and part in fields:
            field = fields[part]
            continue
        model = getattr(getattr(field, "Meta", None), "model", None)
        try:
            return capfirst(model._meta.get_field(part).verbose_name) if model else None
        except FieldDoesNotExist:
            return None
    # Labels DRF made up from the field's name ("Department kind") are English msgids.
    return None if field is serializer or field.label is None else _(str(field.label))


def error_body(errors, serializer=None):
    """The API's error shape: ``detail`` is the first message, after the translated label of its
    field when it is about one ("密码：…", "Password: …"); ``errors`` maps every field to its messages."""
    errors = errors if isinstance(errors, dict) else {"non_field_errors": errors}
    serializer = serializer or getattr(errors, "serializer", None)
    found = _first_message(errors)
    if found and found[0] and found[0] not in NON_FIELD_KEYS:
        label = _field_label(serializer, found[0]) if serializer is not None else None
        detail = f"{label or found[0]}{colon()}{found[1]}"
    elif found:
        detail = found[1]
    else:
        detail = _("Invalid input.")
    return {"detail": detail, "errors": errors}


def message_body(detail):
    """The error shape for an error that is about no field (401, 403, 404, 405, 429, 500…)."""
    return {"detail": detail, "errors": {}}


def error_response(errors, *, status):
    """The error shape for code outside DRF's views (middleware, Django's error handlers):
    a field map, or a message about no field."""
    body = message_body(errors) if isinstance(errors, str) else error_body(errors)
    return JsonResponse(body, status=status)


def exception_handler(exc, context):
    """DRF errors as JSON with a readable `detail`; validation errors keep
    DRF's per-field map under `errors` and name the first field in `detail`."""
    if isinstance(exc, DjangoValidationError):
        # Services raise teams.errors.DomainError (a Django ValidationError).
        payload = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        status_code = getattr(exc, "status_code", 400)
        if status_code != 400:
            found = _first_message(payload)
            body = {**message_body(found[1] if found else ""), **getattr(exc, "data", {})}
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
        response.data = error_body(response.data, _view_serializer(context, response.data))
    elif isinstance(response.data, dict) and "errors" not in response.data:
        response.data = {**message_body(""), **response.data}
    return response


def _view_serializer(context, errors):
    """Where field labels come from: the serializer that found the errors, else the view's own
    (errors raised by a service name its model's fields)."""
    if getattr(errors, "serializer", None) is not None:
        return errors.serializer
    view = context.get("view")
    if getattr(view, "serializer_class", None) is None or not hasattr(view, "get_serializer"):
        return None
    return view.get_serializer()
