"""Sending: one delivery at a time, state-driven and idempotent.

A delivery is sent by whichever task locks it first (``SELECT … FOR UPDATE SKIP
LOCKED``); it is marked sent only after the mail server or robot took it; a
failure is recorded and retried with exponential backoff until
``Delivery.MAX_ATTEMPTS``. A sweep (beat, every minute) sends every pending
delivery whose time has come, so a task lost to a killed worker or a broker
outage is picked up again: what drives sending is the table, not the clock.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation

from teams.notifications import robots
from teams.notifications.models import Channel, Delivery, DeliveryState
from teams.notifications.texts import listing, render

log = logging.getLogger(__name__)

BACKOFF_START = datetime.timedelta(minutes=1)
BACKOFF_CAP = datetime.timedelta(hours=1)


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8 … minutes after the n-th failure, at most an hour."""
    return min(BACKOFF_START * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if path else ""


def target_path(notification) -> str:
    """The page of the target, for e-mails and robots (no visibility question here:
    it goes to the person the notification is for)."""
    from teams.notifications.selectors import START_PAGE_KINDS

    if notification.kind in START_PAGE_KINDS:
        return "/"
    target = notification.target
    if target is None:
        return "/notifications/"
    try:
        return target.get_absolute_url()
    except AttributeError:
        return "/notifications/"


def _quiet_until(preference, now):
    """When the quiet hours end (the next ``quiet_until`` after ``now``)."""
    local = timezone.localtime(now)
    end = local.replace(hour=preference.quiet_until.hour, minute=preference.quiet_until.minute, second=0, microsecond=0)
    if end <= local:
        end += datetime.timedelta(days=1)
    return end


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    user = notification.user
    from teams.notifications.services import preferences_for

    with translation.override(preferences_for(user).language):
        title, body = render(notification)
        link = absolute_url(target_path(notification))
        if delivery.channel == Channel.EMAIL:
            text = "\n\n".join(part for part in (body, listing(notification, url=absolute_url), link) if part)
            EmailMessage(subject=title, body=text, to=[user.email]).send(fail_silently=False)
        else:
            webhook = delivery.webhook
            robots.post(webhook.platform, webhook.url, webhook.secret, title=title, text=body, link=link)


def deliver(delivery_id: int, *, now=None) -> str | None:
    """Try one delivery now. Answers its state afterwards, or None when it is not
    (or no longer) pending or another worker holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__user", "webhook")
            .filter(pk=delivery_id, state=DeliveryState.PENDING)
            .first()
        )
        if delivery is None:
            return None
        notification = delivery.notification
        if not notification.user.is_active or (delivery.webhook_id and not delivery.webhook.is_active):
            delivery.state, delivery.last_error = DeliveryState.SKIPPED, "recipient inactive"
            delivery.save(update_fields=["state", "last_error"])
            return delivery.state
        if delivery.channel == Channel.EMAIL:
            from teams.notifications.services import preferences_for

            preference = preferences_for(notification.user)
            if preference.quiet_at(now):
                delivery.next_attempt_at = _quiet_until(preference, now)
                delivery.save(update_fields=["next_attempt_at"])
                return delivery.state
        delivery.attempts += 1
        try:
            _send(delivery)
        except Exception as error:  # any failure of the mail server or the robot is retried
            delivery.last_error = f"{type(error).__name__}: {error}"[:500]
            if delivery.attempts >= Delivery.MAX_ATTEMPTS:
                delivery.state = DeliveryState.FAILED
                log.error("delivery %s failed for good: %s", delivery.pk, delivery.last_error)
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                log.warning("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, delivery.last_error)
        else:
            delivery.state, delivery.sent_at, delivery.last_error = DeliveryState.SENT, timezone.now(), ""
        delivery.save(update_fields=["state", "attempts", "next_attempt_at", "sent_at", "last_error"])
        return delivery.state


def due_deliveries(*, now=None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_sweep(*, now=None, limit: int = 500) -> dict:
    """Send every pending delivery whose time has come; a one-line summary back."""
    sent = failed = 0
    for pk in due_deliveries(now=now, limit=limit):
        state = deliver(pk, now=now)
        sent += state == DeliveryState.SENT
        failed += state in (DeliveryState.PENDING, DeliveryState.FAILED)
    return {"sent": sent, "failed": failed}
