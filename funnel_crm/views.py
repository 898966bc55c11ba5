from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found
from django.views.defaults import server_error as default_server_error
from django_prometheus.exports import ExportToDjangoView

from funnel_crm.api import error_response, is_api
from funnel_crm.celery import app as celery_app
from teams.http import client_ip


def database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_ok():
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            return True
    except Exception:
        return False


def reminders_status(body):
    """When the last reminder pass finished; "degraded" when none has for an hour
    (beat or the worker is not running). Not a reason for a 503: the site works."""
    from pipeline.reminders import last_pass

    run = last_pass()
    body["reminders_last_pass"] = run.finished_at.isoformat() if run else None
    fresh = run is not None and timezone.now() - run.finished_at <= settings.REMINDER_PASS_STALE_AFTER
    body["reminders"] = "ok" if fresh else "degraded"
    return fresh


@never_cache
@require_GET
def healthz(request):
    """200 when the database and the Celery broker answer, else 503 naming the one
    down; ``status`` "degraded" when they answer but no reminder pass finished lately."""
    checks = {"database": database_ok(), "broker": broker_ok()}
    body = {name: "ok" if ok else "down" for name, ok in checks.items()}
    healthy = all(checks.values())
    reminders_fresh = reminders_status(body) if checks["database"] else False
    body["status"] = ("ok" if reminders_fresh else "degraded") if healthy else "down"
    return JsonResponse(body, status=200 if healthy else 503)


# Django's error handlers (funnel_crm.urls): the JSON error shape under /api/, a page elsewhere.


def bad_request(request, exception):
    """Django's 400 (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a
    malformed upload): the JSON error shape under /api/, a page elsewhere."""
    if isinstance(exception, RequestDataTooBig):
        message = _("The request body is too large.")
    elif isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        message = _("The request has too many fields.")
    else:
        message = _("The request could not be understood.")
    if is_api(request):
        return error_response(message, status=400)
    return render(request, "400.html", {"message": message}, status=400)


def not_found(request, exception):
    """A URL no route matches (``/api/v1/customers/abc/``), or Http404 outside DRF's views."""
    if is_api(request):
        return error_response(_("Not found."), status=404)
    return page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return error_response(_("Server error. The team has been told; please try again later."), status=500)
    return default_server_error(request)


@never_cache
@require_GET
def metrics(request):
    """Prometheus metrics (django-prometheus) when METRICS_ENABLED, to the addresses
    in METRICS_ALLOWED_IPS only; 404 otherwise, exactly like an unknown URL."""
    if not settings.METRICS_ENABLED or client_ip(request) not in settings.METRICS_ALLOWED_IPS:
        raise Http404
    return ExportToDjangoView(request)
