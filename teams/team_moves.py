"""Records that store their owner's team follow the owner to a new team.

``Customer.team`` and ``Project.team`` are derived from the owner so a lead's
scope is one index. When a user changes team (``user_update``, ``team_set_lead``,
the Django admin) the services call :func:`user_records_rescope`, which runs
every hook in ``TEAM_CHANGE_HOOKS`` inside the same transaction. Higher apps
register their owned models in ``AppConfig.ready`` with
:func:`register_owned_model` (teams cannot import them).
"""

from collections.abc import Callable

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from teams.models import Team

# Callables ``(user, old_team_id, new_team_id, *, reason)``; each re-scopes one
# kind of record; ``reason`` is the history's change reason.
TEAM_CHANGE_HOOKS: list[Callable] = []


def owned_records_rescope(*, model: type[models.Model], user, new_team_id: int | None, reason: str) -> int:
    """One UPDATE moves every record ``user`` owns into ``new_team_id``; one
    SELECT and one bulk INSERT write a history row per moved record (with the
    reason), so the move costs the same few statements whatever the size of the book
    (history rows go in batches of 1,000)."""
    moved = model._default_manager.filter(owner=user)
    count = moved.update(team_id=new_team_id)
    history = getattr(model, "history", None)
    if count and history is not None:
        history.bulk_history_create(
            list(moved.order_by("pk")),
            update=True,
            default_change_reason=reason[:100],
            default_date=timezone.now(),
            batch_size=1000,
        )
    return count


def register_owned_model(model: type[models.Model]) -> None:
    """Make ``model`` (with ``owner`` and ``team`` fields) follow its owner's team."""

    def hook(user, old_team_id, new_team_id, *, reason):
        owned_records_rescope(model=model, user=user, new_team_id=new_team_id, reason=reason)

    hook.model = model
    if not any(getattr(existing, "model", None) is model for existing in TEAM_CHANGE_HOOKS):
        TEAM_CHANGE_HOOKS.append(hook)


def user_records_rescope(*, user, old_team_id: int | None) -> None:
    """Call after ``user.team`` was saved, inside the same transaction."""
    if old_team_id == user.team_id:
        return
    ids = [pk for pk in (old_team_id, user.team_id) if pk is not None]
    names = dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    reason = _("Team changed with the owner: %(old)s → %(new)s") % {
        "old": names.get(old_team_id, "—"),
        "new": names.get(user.team_id, "—"),
    }
    for hook in TEAM_CHANGE_HOOKS:
        hook(user, old_team_id, user.team_id, reason=reason)
