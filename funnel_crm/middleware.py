"""Project-wide middleware."""

from django.shortcuts import render

from funnel_crm.api import error_response, is_api
from funnel_crm.input import NUL, nul_message

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
