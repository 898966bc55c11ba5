"""Creating notifications (exactly once per user, kind, target and due date),
reading them, and preferences. Delivery is a separate step
(``teams.notifications.delivery``), queued when the transaction commits."""

import datetime
import json
import logging

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from teams.errors import validated
from teams.models import User
from teams.notifications.models import (
    Channel,
    Delivery,
    DeliveryState,
    Notification,
    NotificationPreference,
    TeamWebhook,
)

log = logging.getLogger(__name__)


def preferences_for(user: User) -> NotificationPreference:
    preference = getattr(user, "_notification_preference", None)
    if preference is None:
        preference, _created = NotificationPreference.objects.get_or_create(user=user)
        user._notification_preference = preference
    return preference


def preferences_load(users) -> None:
    """``preferences_for`` of many users in one query (and one insert for those who have
    none yet), so a pass over thousands of recipients does not ask once per user."""
    missing = {user.pk: user for user in users if getattr(user, "_notification_preference", None) is None}
    if not missing:
        return
    found = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=list(missing))}
    new = [NotificationPreference(user_id=pk) for pk in missing if pk not in found]
    if new:
        NotificationPreference.objects.bulk_create(new, ignore_conflicts=True)
        found.update(
            {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=[p.user_id for p in new])}
        )
    for pk, user in missing.items():
        user._notification_preference = found[pk]


def _deliveries_for(notification: Notification, user: User, robots_by_team: dict | None = None) -> list[Delivery]:
    """The deliveries ``notification`` needs. ``robots_by_team`` (team id → active robots)
    comes from a caller telling many users at once; without it the user's team is asked."""
    deliveries = []
    preference = preferences_for(user)
    if preference.wants_email(notification.kind):
        if user.email:
            deliveries.append(Delivery(notification=notification, channel=Channel.EMAIL))
        else:
            log.warning("notification %s: user %s opted in to e-mail but has no address", notification.pk, user.pk)
            deliveries.append(
                Delivery(
                    notification=notification,
                    channel=Channel.EMAIL,
                    state=DeliveryState.SKIPPED,
                    last_error="no e-mail address",
                )
            )
    if user.team_id is not None:
        if robots_by_team is None:
            robots_by_team = _robots_by_team({user.team_id})
        for webhook in robots_by_team.get(user.team_id, []):
            if notification.kind in (webhook.kinds or []):
                deliveries.append(Delivery(notification=notification, channel=Channel.WEBHOOK, webhook=webhook))
    return deliveries


def _robots_by_team(team_ids) -> dict:
    """team id → its active chat robots, in one query."""
    robots = {}
    for webhook in TeamWebhook.objects.filter(team_id__in=list(team_ids), is_active=True) if team_ids else []:
        robots.setdefault(webhook.team_id, []).append(webhook)
    return robots


def _queue(delivery_ids):
    if not delivery_ids:
        return
    from teams.tasks import deliver_notification

    def send():
        # One producer (one broker connection) for the whole batch: the reminder pass queues
        # thousands, and acquiring one per message doubled the cost of each.
        with deliver_notification.app.producer_or_acquire() as producer:
            for pk in delivery_ids:
                deliver_notification.apply_async((pk,), producer=producer)

    # A broker that is down must not undo the notification: the sweep sends it later.
    transaction.on_commit(send, robust=True)


def notify(
    *,
    user: User,
    kind: str,
    target=None,
    due_on: datetime.date | None = None,
    data: dict | None = None,
) -> Notification | None:
    """Tell ``user`` about ``target``. With ``due_on``, at most once per (user, kind,
    target, due date), guaranteed by the database: a second call answers None.
    Inactive users are not told anything."""
    if not user.is_active:
        return None
    notification = Notification(user=user, kind=kind, due_on=due_on, data=data or {})
    if target is not None:
        notification.target_type = ContentType.objects.get_for_model(target)
        notification.target_id = target.pk
    validated(notification, exclude=["user", "target_type"], validate_constraints=False)
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None  # already told: another run, worker or retry got there first
    deliveries = Delivery.objects.bulk_create(_deliveries_for(notification, user))
    _queue([d.pk for d in deliveries if d.state == DeliveryState.PENDING])
    return notification


def notify_many(*, kind: str, rows: list[dict]) -> list[Notification]:
    """Bulk ``notify`` for a pass over many targets (the reminder pass): rows of
    {user, target, due_on, data}. Rows already notified are skipped by the
    database (ON CONFLICT DO NOTHING on the uniqueness constraint); answers the
    notifications created now, whose deliveries are queued."""
    rows = [row for row in rows if row["user"].is_active]
    if not rows:
        return []
    content_types = {}
    candidates = []
    for row in rows:
        target = row["target"]
        model = type(target)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(target)
        candidates.append(
            Notification(
                user=row["user"],
                kind=kind,
                target_type=content_types[model],
                target_id=target.pk,
                due_on=row["due_on"],
                data=row.get("data") or {},
            )
        )
    if connection.vendor == "postgresql":
        created = _insert_new_postgresql(candidates)
    else:
        created = []
        for candidate in candidates:
            try:
                with transaction.atomic():
                    candidate.save()
                created.append(candidate)
            except IntegrityError:
                continue
    users = {row["user"].pk: row["user"] for row in rows}
    recipients = [users[pk] for pk in {n.user_id for n in created}]
    preferences_load(recipients)
    robots_by_team = _robots_by_team({user.team_id for user in recipients if user.team_id is not None})
    deliveries = []
    for notification in created:
        deliveries += _deliveries_for(notification, users[notification.user_id], robots_by_team)
    deliveries = Delivery.objects.bulk_create(deliveries, batch_size=1_000)
    _queue([d.pk for d in deliveries if d.state == DeliveryState.PENDING])
    return created


def _insert_new_postgresql(candidates: list[Notification]) -> list[Notification]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, in batches: the rows that are new."""
    created = []
    table = Notification._meta.db_table
    columns = ["user_id", "kind", "target_type_id", "target_id", "due_on", "data", "created_at"]
    now = timezone.now()
    from psycopg2.extras import Json, execute_values

    for start in range(0, len(candidates), 1_000):
        batch = candidates[start : start + 1_000]
        values = [(n.user_id, n.kind, n.target_type_id, n.target_id, n.due_on, Json(n.data), now) for n in batch]
        with connection.cursor() as cursor:
            returned = execute_values(
                cursor.cursor,
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s "  # noqa: S608 (our own table and columns)
                "ON CONFLICT (user_id, kind, target_type_id, target_id, due_on) WHERE due_on IS NOT NULL "
                "DO NOTHING RETURNING id, user_id, target_id, due_on, data",
                values,
                fetch=True,
            )
        # One user may hear of one target several times in a batch (without a due date: two conflicts of one
        # project), each with its own details: such a returned row is the candidate of the same details.
        by_key: dict[tuple, list[Notification]] = {}
        for n in batch:
            by_key.setdefault((n.user_id, n.target_id, n.due_on), []).append(n)
        for pk, user_id, target_id, due_on, data in returned:
            candidates = by_key[(user_id, target_id, due_on)]
            notification = candidates[0]
            if len(candidates) > 1:
                data = json.loads(data) if isinstance(data, str) else data  # jsonb as Django's connection reads it
                notification = next((n for n in candidates if n.data == data), notification)
            candidates.remove(notification)
            notification.pk, notification.created_at = pk, now
            created.append(notification)
    return created


def notification_read(*, user: User, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_read_all(*, user: User) -> int:
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())


def preferences_update(*, user: User, data: dict) -> NotificationPreference:
    preference = preferences_for(user)
    for field in ("email_kinds", "digest", "language", "quiet_from", "quiet_until"):
        if field in data:
            setattr(preference, field, data[field])
    validated(preference, exclude=["user"])
    preference.save()
    return preference


def robot_save(*, user: User, team, data: dict, robot: TeamWebhook | None = None) -> TeamWebhook:
    """Add (or change) a team's chat robot; a bad URL or an unknown kind is named."""
    robot = robot or TeamWebhook(team=team)
    for field in ("platform", "url", "secret", "kinds", "is_active"):
        if field in data:
            setattr(robot, field, data[field])
    robot.url = (robot.url or "").strip()
    robot.secret = (robot.secret or "").strip()
    validated(robot, exclude=["team"])
    robot.save()
    return robot


def robot_delete(*, user: User, robot: TeamWebhook) -> None:
    robot.delete()
