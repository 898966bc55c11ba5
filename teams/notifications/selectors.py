"""Reading notifications for display: each one's text, link, and whether its
target is still visible to the reader — one query per kind of target on the
page, through that model's ``visible_to`` (a target handed over or merged away
shows as gone, with nothing of it)."""

from collections import defaultdict
from itertools import groupby

from django.urls import reverse
from django.utils import timezone

from teams.notifications.models import Notification, NotificationKind
from teams.notifications.texts import render

# Digests are about the day's work: they open the start page (My day, the team's day).
START_PAGE_KINDS = {NotificationKind.DIGEST, NotificationKind.TEAM_DIGEST}


def notifications_prepare(*, user, notifications) -> list[Notification]:
    """Attach ``title``, ``body``, ``url`` and ``gone`` to each notification."""
    notifications = list(notifications)
    wanted = defaultdict(set)
    for notification in notifications:
        if notification.target_type_id:
            wanted[notification.target_type_id].add(notification.target_id)
    targets = {}
    for type_id, ids in wanted.items():
        model = _model(type_id)
        if model is None:
            continue
        manager = model._default_manager
        queryset = manager.visible_to(user) if hasattr(manager, "visible_to") else manager.none()
        for target in queryset.filter(pk__in=ids):
            targets[(type_id, target.pk)] = target
    for notification in notifications:
        target = targets.get((notification.target_type_id, notification.target_id))
        notification.gone = notification.target_type_id is not None and target is None
        notification.title, notification.body = render(notification, visible=not notification.gone)
        url = ""
        if notification.kind in START_PAGE_KINDS:
            url = reverse("home")
        elif target is not None and hasattr(target, "get_absolute_url"):
            url = target.get_absolute_url()
        notification.url = url
    return notifications


def _model(type_id):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_id(type_id).model_class()


def group_by_day(notifications):
    """[(date, [notifications])] newest day first, days in the company's time zone."""
    return [
        (day, list(items))
        for day, items in groupby(notifications, key=lambda n: timezone.localtime(n.created_at).date())
    ]


def unread_count(*, user) -> int:
    return Notification.objects.visible_to(user).unread().count()
