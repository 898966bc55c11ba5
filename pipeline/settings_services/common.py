"""What every settings service shares: the change log (``record``), input
cleaning, the order of a list, and the locks."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models

from pipeline.models import (
    Pipeline,
    SettingsAction,
    SettingsChange,
)
from teams.audit import AuditAction, audit_record
from teams.config_cache import config_changed
from teams.errors import DomainError
from teams.models import User

ORDER_STEP = 10


# --- the change log ---------------------------------------------------------------------------


def field_values(instance, fields) -> dict:
    return {name: getattr(instance, name) for name in fields}


def record(*, user: User, kind: str, action: str, subject, pipeline=None, object_id=None, changes=()):
    """Log one settings change; ``subject`` gives the names shown (a team gives its one name;
    None, a change of a whole list, none)."""
    if subject is None:
        names = ("", "")
    elif hasattr(subject, "name_zh"):
        names = (subject.name_zh, subject.name_en)
    else:
        names = (str(subject),) * 2
    change = SettingsChange.objects.create(
        by=user,
        kind=kind,
        action=action,
        object_id=object_id if object_id is not None or subject is None else subject.pk,
        name_zh=names[0][:100],
        name_en=names[1][:100],
        pipeline=pipeline,
        changes=[list(change) for change in changes],
    )
    audit_record(
        actor=user,
        action=AuditAction.SETTINGS_CHANGED,
        target=subject if isinstance(subject, models.Model) else None,
        summary=f"{kind} {action} {names[1]}".strip(),
        detail={"kind": kind, "action": action, "object_id": change.object_id, "changes": change.changes},
    )
    return change


def record_diff(*, user, kind, subject, before: dict, pipeline=None) -> bool:
    """Log the fields that differ from ``before``; nothing when none does."""
    changes = [[name, old, getattr(subject, name)] for name, old in before.items() if getattr(subject, name) != old]
    if changes:
        record(user=user, kind=kind, action=SettingsAction.CHANGED, subject=subject, pipeline=pipeline, changes=changes)
    return bool(changes)


def created(instance, fields) -> list:
    return [[name, None, getattr(instance, name)] for name in fields if getattr(instance, name) not in (None, "")]


# --- shared rules -----------------------------------------------------------------------------


def clean(data: dict, fields) -> dict:
    """The given fields of ``data``, text stripped (a field left out keeps its value)."""
    return {name: data[name].strip() if isinstance(data[name], str) else data[name] for name in fields if name in data}


def refuse(message, field=NON_FIELD_ERRORS):
    raise DomainError({field: [message]})


def shifted(ids: list, pk, by: int) -> list:
    """``ids`` with ``pk`` moved ``by`` places (-1 up, +1 down), kept within the list."""
    ids = list(ids)
    position = ids.index(pk)
    target = min(max(position + by, 0), len(ids) - 1)
    ids.insert(target, ids.pop(position))
    return ids


def placed(rows: list, pk, order: int) -> list:
    """The ids of ``rows`` (each with ``pk`` and ``order``) in the order they take when
    row ``pk`` gets the order number ``order`` (what the API's ``order`` field means)."""
    return [row.pk for row in sorted(rows, key=lambda row: (order if row.pk == pk else row.order, row.pk))]


def renumber(model, rows: list) -> None:
    """Give ``rows`` the orders 10, 20, 30… in list order, in one statement."""
    for position, row in enumerate(rows, 1):
        row.order = position * ORDER_STEP
    model.objects.bulk_update(rows, ["order"])
    config_changed()  # bulk_update sends no signal: the kept stages are stale


def reorder(*, user: User, model, kind: str, rows: list, ids: list, stale: str, subject=None, after=()) -> bool:
    """Put ``rows`` in the order of ``ids`` (every one of them once), ``after`` behind
    them, numbered 10, 20, 30…, and log it (on ``subject``'s pipeline, if it is one).
    Refused naming ``order`` with the message ``stale`` when ``ids`` are not exactly
    ``rows``; all or nothing. False when the order did not change."""
    try:
        ids = [int(pk) for pk in ids]
    except (TypeError, ValueError):
        ids = []
    before = [row.pk for row in rows]
    if sorted(ids) != sorted(before):
        refuse(stale, "order")
    if ids == before:
        return False
    by_pk = {row.pk: row for row in rows}
    renumber(model, [by_pk[pk] for pk in ids] + list(after))
    record(
        user=user,
        kind=kind,
        action=SettingsAction.REORDERED,
        subject=subject,
        pipeline=subject if isinstance(subject, Pipeline) else None,
        changes=[["order", before, ids]],
    )
    return True


def lock_pipeline(pipeline: Pipeline) -> Pipeline:
    """Every change of a pipeline's stages holds its row: the rules over several stages
    (keep a won stage, one order) then see no half-done change of another admin."""
    return Pipeline.objects.select_for_update().get(pk=pipeline.pk)


def lock_pipelines() -> dict[int, Pipeline]:
    """A change of the company default or of a kind reads every pipeline: hold them all
    (always in id order, so two admins cannot deadlock)."""
    return {pipeline.pk: pipeline for pipeline in Pipeline.objects.select_for_update().order_by("pk")}
