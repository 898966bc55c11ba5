"""Read-only queries of dashboards and exports on a PostgreSQL read replica.

With DATABASE_REPLICA_URL set, settings add a ``replica`` database alias; code run
inside ``use_replica()`` (a context manager and a decorator) reads from it, every
write still goes to ``default`` — also the write of an object read from the replica.
Without the alias (the default) ``use_replica()`` changes nothing. Pages mark
themselves with ``ReplicaReadMixin`` (coaching dashboards, trend, weekly review and
its export, the customer export), API views with ``ReplicaReadAPIMixin`` (the
coaching funnel and trend, the customer export). A replica lags its primary by a moment: mark only
pages that show figures, never a page that reads what the same user just wrote.
"""

import contextlib
import contextvars

from django.conf import settings

REPLICA = "replica"
DEFAULT = "default"

_reading_from_replica = contextvars.ContextVar("reading_from_replica", default=False)


@contextlib.contextmanager
def _reading_from(replica: bool):
    token = _reading_from_replica.set(replica)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def use_replica():
    """Reads inside go to the replica (when one is configured); writes do not."""
    return _reading_from(True)


def use_primary():
    """Reads inside go to ``default`` again, inside a ``use_replica()`` block."""
    return _reading_from(False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and replica_configured():
            return REPLICA
        return DEFAULT

    def db_for_write(self, model, **hints):
        return DEFAULT

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows: an object read there may point at one read from default.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica is migrated by replication, never by manage.py migrate.
        return db != REPLICA


def _replica_iterator(chunks):
    with use_replica():
        yield from chunks


class ReplicaReadMixin:
    """A class-based view whose reads go to the replica, template and streamed body included.
    The signed-in user is looked up first, on ``default``: a session written a
    moment ago may not have reached the replica yet."""

    def dispatch(self, request, *args, **kwargs):
        _ = request.user.is_authenticated
        with use_replica():
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()  # a TemplateResponse's template reads now, not after dispatch
            if getattr(response, "streaming", False):
                response.streaming_content = _replica_iterator(response.streaming_content)
            return response


class ReplicaReadAPIMixin(ReplicaReadMixin):
    """ReplicaReadMixin for a DRF view: authentication (the API token or the session),
    permissions and throttles are checked on ``default`` (a token issued a moment ago may
    not be on the replica yet); the handler and the rendering of its answer read the replica."""

    def initial(self, request, *args, **kwargs):
        with use_primary():
            super().initial(request, *args, **kwargs)
