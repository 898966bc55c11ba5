"""Project-wide middleware."""

import contextlib
import logging
import time

from django.conf import settings
from django.db import connections
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject, empty

from funnel_crm.api import error_response, is_api
from funnel_crm.input import NUL, nul_message
from funnel_crm.logs import REQUEST_LOGGER

# Bodies Django itself parses into request.POST; JSON is checked by the API's parser.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_fields(request):
    """Names of the query and form fields (or the path) that carry a NUL, first ones first."""
    fields = ["path"] if NUL in request.path else []
    sources = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(request.POST)
    for source in sources:
        for key, values in source.lists():
            if NUL in key or any(NUL in value for value in values if isinstance(value, str)):
                fields.append(key.replace(NUL, "\\x00"))
    return fields


class RefuseNulMiddleware:
    """PostgreSQL cannot store NUL: 400 for a NUL character anywhere in the path, the query string or a posted form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = _nul_fields(request)
        if not fields:
            return self.get_response(request)
        if is_api(request):
            return error_response({field: [nul_message()] for field in fields}, status=400)
        return render(request, "400.html", {"message": nul_message()}, status=400)


class MustChangePasswordMiddleware:
    """A user whose password an admin set (``must_change_password``) is sent to the
    password change page until they chose their own; the API answers 403 meanwhile."""

    ALLOWED = ("password_change", "logout", "set_language", "javascript-catalog")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            from django.shortcuts import redirect
            from django.urls import Resolver404, resolve

            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in self.ALLOWED and not request.path_info.startswith("/static/"):
                if is_api(request):
                    from django.utils.translation import gettext as _

                    return error_response(_("Change your password first (an admin set it)."), status=403)
                return redirect("password_change")
        return self.get_response(request)


class RequestLogMiddleware:
    """One structured line per request on the ``funnel_crm.requests`` logger
    (funnel_crm/logs.py formats it): user id, method, path, status, duration in ms;
    the SQL query count when LOG_QUERY_COUNT (default: DEBUG) is on. A request slower
    than SLOW_REQUEST_MS logs at WARNING with its query count. Outermost, so its time
    covers every other middleware (a streamed body is timed until its first byte)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.logger = logging.getLogger(REQUEST_LOGGER)

    def __call__(self, request):
        counter = _QueryCounter()
        started = time.perf_counter()
        with contextlib.ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        slow = duration_ms >= settings.SLOW_REQUEST_MS
        fields = {
            "user_id": _user_id(request),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
        }
        if settings.LOG_QUERY_COUNT or slow:
            fields["queries"] = counter.count
        if slow:
            fields["slow"] = True
        level = logging.WARNING if slow else logging.INFO
        self.logger.log(level, "%(method)s %(path)s %(status)s", fields, extra={"request_fields": fields})
        return response


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _user_id(request):
    """The signed-in user's id if the request looked them up (a page, the API's token);
    None for anonymous requests and those that never asked (static files, /healthz)."""
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None
