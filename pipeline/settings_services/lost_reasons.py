"""The lost reasons a rep chooses from when a project is lost: add, rename, order,
deactivate, delete (only one no project was lost for)."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils.translation import gettext as _

from pipeline.models import (
    LostReason,
    ProjectState,
    SettingsAction,
    SettingsKind,
    StageChange,
)
from pipeline.settings_services.common import (
    ORDER_STEP,
    clean,
    created,
    field_values,
    placed,
    record,
    record_diff,
    refuse,
    renumber,
    reorder,
    shifted,
)
from teams.errors import DomainError, validated
from teams.models import User

LOST_REASON_FIELDS = ("name_zh", "name_en")


# --- lost reasons -----------------------------------------------------------------------------


def _lock_lost_reasons() -> list[LostReason]:
    return list(LostReason.objects.select_for_update().order_by("order", "id"))


@transaction.atomic
def lost_reason_create(*, user: User, data: dict) -> LostReason:
    """A new reason to choose when a project is lost; it comes last in the list."""
    reasons = _lock_lost_reasons()
    values = clean(data, ("key", *LOST_REASON_FIELDS))
    reason = LostReason(**values, order=(reasons[-1].order if reasons else 0) + ORDER_STEP)
    validated(reason)
    reason.save()
    record(
        user=user,
        kind=SettingsKind.LOST_REASON,
        action=SettingsAction.CREATED,
        subject=reason,
        changes=created(reason, ("key", *LOST_REASON_FIELDS)),
    )
    return reason


@transaction.atomic
def lost_reason_update(*, user: User, reason: LostReason, data: dict) -> LostReason:
    """Rename a reason (its key, used by the API, stays)."""
    _lock_lost_reasons()
    reason = LostReason.objects.get(pk=reason.pk)
    before = field_values(reason, LOST_REASON_FIELDS)
    for name, value in clean(data, LOST_REASON_FIELDS).items():
        setattr(reason, name, value)
    validated(reason)
    if record_diff(user=user, kind=SettingsKind.LOST_REASON, subject=reason, before=before):
        reason.save()
    return reason


@transaction.atomic
def lost_reason_set_active(*, user: User, reason: LostReason, active: bool) -> LostReason:
    """Offer a reason again, or stop offering it (projects lost for it keep it)."""
    reasons = _lock_lost_reasons()
    reason = next(row for row in reasons if row.pk == reason.pk)
    if reason.is_active == active:
        return reason
    if not active and not any(row.is_active for row in reasons if row.pk != reason.pk):
        refuse(_("Moving a project to lost needs a reason: keep at least one reason active."))
    before = field_values(reason, ("is_active",))
    reason.is_active = active
    reason.save(update_fields=["is_active"])
    record_diff(user=user, kind=SettingsKind.LOST_REASON, subject=reason, before=before)
    return reason


def lost_reason_in_use(reason: LostReason) -> bool:
    return (
        ProjectState.objects.filter(lost_reason=reason).exists()
        or StageChange.objects.filter(lost_reason=reason).exists()
    )


@transaction.atomic
def lost_reason_delete(*, user: User, reason: LostReason) -> None:
    """Delete a reason no project was ever lost for (one in use can only be deactivated)."""
    reasons = _lock_lost_reasons()
    reason = next(row for row in reasons if row.pk == reason.pk)
    problems = []
    if lost_reason_in_use(reason):
        problems.append(_("Projects were lost for this reason and their history keeps it: deactivate it instead."))
    if reason.is_active and not any(row.is_active for row in reasons if row.pk != reason.pk):
        problems.append(_("Moving a project to lost needs a reason: keep at least one reason active."))
    if problems:
        raise DomainError({NON_FIELD_ERRORS: problems})
    record(
        user=user,
        kind=SettingsKind.LOST_REASON,
        action=SettingsAction.DELETED,
        subject=reason,
        changes=[["key", reason.key, None]],
    )
    reason.delete()
    renumber(LostReason, [row for row in reasons if row.pk != reason.pk])


def _reorder_reasons(*, user: User, reasons: list, reason_ids: list) -> bool:
    return reorder(
        user=user,
        model=LostReason,
        kind=SettingsKind.LOST_REASON,
        rows=reasons,
        ids=reason_ids,
        stale=_("The reasons changed meanwhile: reload the page and order them again."),
    )


@transaction.atomic
def lost_reasons_reorder(*, user: User, reason_ids: list) -> bool:
    """Put every lost reason in the order of ``reason_ids``; all or nothing."""
    return _reorder_reasons(user=user, reasons=_lock_lost_reasons(), reason_ids=reason_ids)


@transaction.atomic
def lost_reason_shift(*, user: User, reason: LostReason, by: int) -> bool:
    reasons = _lock_lost_reasons()
    ids = [row.pk for row in reasons]
    return _reorder_reasons(user=user, reasons=reasons, reason_ids=shifted(ids, reason.pk, by))


@transaction.atomic
def lost_reason_place(*, user: User, reason: LostReason, order: int) -> bool:
    """Put a reason where the order number ``order`` puts it (the API's ``order``); the
    reasons are then numbered 10, 20, 30… again."""
    reasons = _lock_lost_reasons()
    return _reorder_reasons(user=user, reasons=reasons, reason_ids=placed(reasons, reason.pk, order))
