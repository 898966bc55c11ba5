from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from funnel_crm.celery import app as celery_app


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


@never_cache
@require_GET
def healthz(request):
    """200 when the database and the Celery broker answer, else 503 naming the one down."""
    checks = {"database": database_ok(), "broker": broker_ok()}
    body = {name: "ok" if ok else "down" for name, ok in checks.items()}
    healthy = all(checks.values())
    body["status"] = "ok" if healthy else "down"
    return JsonResponse(body, status=200 if healthy else 503)
