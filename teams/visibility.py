"""Record visibility, decided in one place.

Every model a user can see has a queryset with ``visible_to(user)`` (reads)
and ``editable_by(user)`` (writes). Pages get them through
``teams.mixins.VisibleObjectsMixin`` / ``EditableObjectsMixin``, the API
through ``teams.api.ScopedViewSet``, which pick ``editable_by`` for every
write by default; exports, search and dashboards start from ``visible_to``.
Rules: rep -> own records, lead -> the team's, admin -> all. Anything outside
the scope is simply absent, so detail views answer 404.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q


class VisibleQuerySet(models.QuerySet):
    """Base for scoped querysets.

    Owned records set ``owner_field`` and ``team_field`` (paths to the owning
    user and team) and inherit the standard rule; others override
    :meth:`visible_to`.

    ``extra_visibility`` holds callables ``(user) -> queryset of pks`` (or a
    list of them) that widen what a user may *see*, never what they may change:
    a higher app registers them with :meth:`widen_visibility` in its
    ``AppConfig.ready`` (projects: a rep sees a customer on which they hold a
    project). ``editable_by`` never reads that list. The scope then becomes
    ``pk IN (own scope UNION extra pks)``, which PostgreSQL answers from
    indexes; an ``OR EXISTS`` would scan the table. Subclasses that accept such
    rules define their own list.
    """

    owner_field = None
    team_field = None
    extra_visibility: tuple | list = ()

    @classmethod
    def widen_visibility(cls, rule):
        """Let ``rule(user)`` add records to what users may SEE of this model.

        Visibility only: ``editable_by`` ignores every rule registered here, so
        a widening can never let anyone change what it shows them. Idempotent
        (``AppConfig.ready`` may run twice in tests).
        """
        if not isinstance(cls.__dict__.get("extra_visibility"), list):
            raise ImproperlyConfigured(f"{cls.__name__} accepts no visibility rules: define extra_visibility = [].")
        if rule not in cls.extra_visibility:
            cls.extra_visibility.append(rule)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A queryset with its own reading rule states its writing rule too, so a
        # write can never fall back to what is merely seen.
        if "visible_to" in cls.__dict__ and "editable_by" not in cls.__dict__ and cls.owner_field is None:
            raise ImproperlyConfigured(f"{cls.__name__} defines visible_to() and must define editable_by() too.")

    def _scope(self, user):
        """None for "everything", else the Q of the user's own scope."""
        if self.owner_field is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must set owner_field or define its own scopes.")
        if user.is_admin:
            return None
        if user.is_lead and user.team_id is not None:
            return Q(**{self.team_field: user.team_id})
        return Q(**{self.owner_field: user})

    def editable_by(self, user):
        """What ``user`` may change: their own scope, without the widening rules."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        scope = self._scope(user)
        return self if scope is None else self.filter(scope)

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        scope = self._scope(user)
        if scope is None:
            return self
        extras = []
        for rule in self.extra_visibility:
            found = rule(user)
            extras += found if isinstance(found, list | tuple) else [found]
        if not extras:
            return self.filter(scope)
        own = self.model._base_manager.filter(scope).values("pk").order_by()
        return self.filter(pk__in=own.union(*(extra.order_by() for extra in extras)))


def _scoped(model_or_queryset, user, method):
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    if not hasattr(queryset, method):
        raise ImproperlyConfigured(f"{queryset.model.__name__} has no {method}(); every model users reach needs one.")
    return getattr(queryset, method)(user)


def visible_queryset(model_or_queryset, user):
    """The part of ``model_or_queryset`` that ``user`` may see."""
    return _scoped(model_or_queryset, user, "visible_to")


def editable_queryset(model_or_queryset, user):
    """The part of ``model_or_queryset`` that ``user`` may change (never widened)."""
    return _scoped(model_or_queryset, user, "editable_by")


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def request_queryset(model_or_queryset, request, *, edits=False):
    """What a page or API request starts from: ``visible_to`` to read,
    ``editable_by`` for anything but GET/HEAD/OPTIONS (whatever the action is
    called) and wherever ``edits`` is set (the form of an edit page)."""
    if edits or request.method not in SAFE_METHODS:
        return editable_queryset(model_or_queryset, request.user)
    return visible_queryset(model_or_queryset, request.user)


def visible_choices(model):
    """The ``queryset`` of a filter's or a field's choices taken from the request: what its
    user may see of ``model`` (nothing without a request, e.g. while the schema is drawn)."""

    def queryset(request):
        return visible_queryset(model, request.user) if request is not None else model._default_manager.none()

    return queryset
