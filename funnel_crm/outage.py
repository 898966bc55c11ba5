"""Keep answering when PostgreSQL or Redis goes away.

PostgreSQL down: any request that needs the database fails on connect with
OperationalError / InterfaceError, wherever that happens (the session lookup in a
middleware, a view). Django turns the exception into a 500 and sends
``got_request_exception`` first; the receiver below marks the request, and
:class:`DatabaseUnavailableMiddleware` (just below SecurityMiddleware) replaces the 500
with a 503 in the user's language: a static template, rendered without the request
(no context processor, no user lookup, nothing from the database), JSON
``{"detail": ...}`` under /api/. With ``CONN_HEALTH_CHECKS`` the next request after
the database is back opens a new connection: no restart.

Redis down: :class:`ForgivingRedisCache` logs and answers "not cached"; sessions are in
PostgreSQL; the notification and job queues are fed after commit with ``robust=True``
and swept again by state, so nothing is lost.
"""

import logging
import sys

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_down_response(request):
    """The friendly 503: the user's language from the cookie or Accept-Language only."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        message = _("The database is not answering. Your work so far is saved; please try again in a minute.")
        if request.path_info.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            html = render_to_string("503.html", {"message": message, "LANGUAGE_CODE": language})
            response = HttpResponse(html, status=503)
    response["Retry-After"] = str(settings.DATABASE_DOWN_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    return response


@receiver(got_request_exception, dispatch_uid="funnel_crm.outage.database_down")
def _mark_database_down(sender, request=None, **kwargs):
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        request.database_down = True


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "database_down", False):
            return database_down_response(request)
        return response


class ForgivingRedisCache(RedisCache):
    """Django's RedisCache that treats Redis being down as a cache miss (like django-redis'
    IGNORE_EXCEPTIONS): reads answer the default, writes are dropped, one warning each."""

    def _forgive(name, default=None):
        def wrap(method):
            def call(self, *args, **kwargs):
                from redis.exceptions import RedisError

                try:
                    return method(self, *args, **kwargs)
                except RedisError as error:
                    logger.warning("cache %s failed, Redis unavailable: %s", name, error)
                    if name == "get":
                        return kwargs.get("default", args[1] if len(args) > 1 else None)
                    return default() if callable(default) else default

            return call

        return wrap

    get = _forgive("get")(RedisCache.get)
    set = _forgive("set")(RedisCache.set)
    add = _forgive("add", False)(RedisCache.add)
    touch = _forgive("touch", False)(RedisCache.touch)
    delete = _forgive("delete", False)(RedisCache.delete)
    get_many = _forgive("get_many", dict)(RedisCache.get_many)
    set_many = _forgive("set_many", list)(RedisCache.set_many)
    delete_many = _forgive("delete_many")(RedisCache.delete_many)
    has_key = _forgive("has_key", False)(RedisCache.has_key)
    clear = _forgive("clear", False)(RedisCache.clear)
    del _forgive
