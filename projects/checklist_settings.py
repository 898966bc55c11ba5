"""Admins change the project checklist on /settings/checklist/. Items are never
deleted (a hand tick names its item for good): they are archived and restored.
Every change raises the item's version (two admins editing the same item: the
second gets a conflict, nothing lost), is written to the audit log with each field
before and after, and queues the recompute of every project's score as a
background job (``projects.checklist_scores``)."""

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from projects import checklist
from projects.models import ChecklistItem
from projects.services import checklist_scores_schedule
from teams.audit import AuditAction, audit_record
from teams.errors import DomainError, validated
from teams.models import User
from teams.versioning import check_version

FIELDS = ("label", "help_text", "rule", "order")


def _values(item) -> dict:
    return {name: getattr(item, name) for name in (*FIELDS, "is_active")}


def _check_rule(rule: str) -> None:
    if rule and rule not in checklist.RULES:
        raise DomainError({"rule": _("Unknown rule: choose one from the list, or none to tick by hand.")})


def _audit(*, actor, item, action: str, changes: dict, request):
    audit_record(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGED,
        target=item,
        summary=f"checklist_item {action} {item.label}",
        detail={"kind": "checklist_item", "action": action, "object_id": item.pk, "changes": changes},
        request=request,
    )


def _unique_key(label: str) -> str:
    base = slugify(label)[:40] or "item"
    key, number = base, 1
    while ChecklistItem.objects.filter(key=key).exists():
        number += 1
        key = f"{base}-{number}"
    return key


@transaction.atomic
def checklist_item_create(*, actor: User, label: str, help_text: str = "", rule: str = "", order=None, request=None):
    """Add an item at the end (or at ``order``); answers (item, the recompute job)."""
    _check_rule(rule)
    if order is None:
        last = ChecklistItem.objects.order_by("-order").values_list("order", flat=True).first() or 0
        order = last + 10
    item = ChecklistItem(label=label.strip(), help_text=help_text.strip(), rule=rule, order=order)
    item.key = _unique_key(item.label)
    validated(item)
    item.save()
    _audit(actor=actor, item=item, action="created", changes=_values(item), request=request)
    return item, checklist_scores_schedule(actor=actor)


@transaction.atomic
def checklist_item_update(*, actor: User, item: ChecklistItem, version, request=None, **values):
    """Change label, help text, rule or order (and ``is_active``) of the item as the admin
    saw it at ``version``; answers (item, the recompute job or None when nothing changed)."""
    unknown = set(values) - {*FIELDS, "is_active"}
    if unknown:
        raise TypeError(f"checklist_item_update() got unexpected fields: {sorted(unknown)}")
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    before = _values(item)
    check_version(current=item.version, expected=version, current_data=before)
    if "rule" in values:
        _check_rule(values["rule"])
    for name, value in values.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    changes = {
        name: {"old": before[name], "new": value} for name, value in _values(item).items() if before[name] != value
    }
    if not changes:
        return item, None
    validated(item)
    item.version += 1
    item.save()
    action = "changed"
    if set(changes) == {"is_active"}:
        action = "restored" if item.is_active else "archived"
    _audit(actor=actor, item=item, action=action, changes=changes, request=request)
    return item, checklist_scores_schedule(actor=actor)
