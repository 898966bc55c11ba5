"""The reminder pass: exactly once per due date, the current owner only, long
overdue to the lead, digests once a day — and against real workers: two
racing, one killed mid-delivery, a mail server that fails then recovers."""

import io
import os
import signal
import socket
import threading
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from pipeline import reminders
from pipeline.tasks import reminder_pass_task
from projects.models import Project
from projects.services import project_transfer
from teams.notifications.models import (
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    NotificationPreference,
    TaskRun,
)
from teams.tasks import deliver_notification, deliveries_sweep
from tests.celery_worker import celery_worker, new_queue, wait_for
from tests.factories import CustomerFactory, ProjectFactory

SHANGHAI_NOON = timezone.make_aware(datetime(2026, 12, 2, 12, 0))  # settings.TIME_ZONE is Asia/Shanghai


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _overdue(owner, *, days=1, now=SHANGHAI_NOON, **kwargs):
    project = ProjectFactory(customer=CustomerFactory(owner=owner), **kwargs)
    Project.objects.filter(pk=project.pk).update(next_contact_on=timezone.localdate(now) - timedelta(days=days))
    project.refresh_from_db()
    return project


def _reminders(user=None):
    told = Notification.objects.filter(kind=NotificationKind.OVERDUE)
    return told.filter(user=user) if user else told


@override_settings(DIGEST_TIME=time(23, 59))
def test_an_overdue_next_contact_reminds_the_owner_once(rep):
    project = _overdue(rep)
    summary = reminders.reminder_pass(now=SHANGHAI_NOON)
    assert (summary["scanned"], summary["reminders"]) == (1, 1)
    assert reminders.reminder_pass(now=SHANGHAI_NOON + timedelta(minutes=15))["reminders"] == 0
    told = _reminders().get()
    assert (told.user, told.target, told.due_on) == (rep, project, project.next_contact_on)
    assert told.data["days"] == 1
    assert Delivery.objects.filter(notification=told, channel="email").count() == 1


@override_settings(DIGEST_TIME=time(23, 59))
def test_not_today_not_closed_not_inactive(rep, other_rep):
    today = timezone.localdate(SHANGHAI_NOON)
    due_today = ProjectFactory(customer=CustomerFactory(owner=rep))
    Project.objects.filter(pk=due_today.pk).update(next_contact_on=today)
    closed = _overdue(rep)
    Project.objects.filter(pk=closed.pk).update(closed_at=timezone.now())
    _overdue(other_rep)
    other_rep.is_active = False
    other_rep.save()
    assert reminders.reminder_pass(now=SHANGHAI_NOON)["reminders"] == 0


@override_settings(DIGEST_TIME=time(23, 59))
def test_moving_the_date_and_missing_it_again_is_a_new_reminder(rep):
    project = _overdue(rep, days=3)
    reminders.reminder_pass(now=SHANGHAI_NOON)
    Project.objects.filter(pk=project.pk).update(next_contact_on=timezone.localdate(SHANGHAI_NOON) - timedelta(days=1))
    reminders.reminder_pass(now=SHANGHAI_NOON)
    assert sorted(n.data["days"] for n in _reminders()) == [1, 3]


@override_settings(DIGEST_TIME=time(23, 59))
def test_a_hand_over_reminds_the_new_owner_never_the_old(rep, other_rep, lead):
    project = _overdue(rep)
    reminders.reminder_pass(now=SHANGHAI_NOON)
    project_transfer(user=lead, project=project, to_user=other_rep, reason="调岗")
    reminders.reminder_pass(now=SHANGHAI_NOON + timedelta(minutes=15))
    assert _reminders(rep).count() == 1  # the one from before, none since
    assert _reminders(other_rep).count() == 1
    assert Notification.objects.filter(user=other_rep, kind=NotificationKind.HANDOVER).count() == 1


@override_settings(DIGEST_TIME=time(23, 59), ESCALATION_DAYS=3)
def test_long_overdue_is_escalated_to_the_lead_once(rep, lead):
    _overdue(rep, days=3)
    late = _overdue(rep, days=4)
    summary = reminders.reminder_pass(now=SHANGHAI_NOON)
    assert summary["escalations"] == 1
    reminders.reminder_pass(now=SHANGHAI_NOON)
    escalation = Notification.objects.get(kind=NotificationKind.ESCALATION)
    assert (escalation.user, escalation.target, escalation.data["rep"]) == (lead, late, rep.name)


@override_settings(DIGEST_TIME=time(8, 0))
def test_digests_go_out_once_a_day_from_the_digest_time(rep, lead):
    _overdue(rep, days=2)
    early = timezone.make_aware(datetime(2026, 12, 2, 7, 45))
    assert reminders.reminder_pass(now=early)["digests"] == 0
    morning = timezone.make_aware(datetime(2026, 12, 2, 8, 0))
    assert reminders.reminder_pass(now=morning)["digests"] == 2
    assert reminders.reminder_pass(now=morning + timedelta(minutes=15))["digests"] == 0
    rep_digest = Notification.objects.get(kind=NotificationKind.DIGEST)
    assert (rep_digest.user, rep_digest.data["overdue"], rep_digest.data["today"]) == (rep, 1, 0)
    team_digest = Notification.objects.get(kind=NotificationKind.TEAM_DIGEST)
    assert team_digest.user == lead and rep.name in team_digest.data["summary"]
    assert reminders.reminder_pass(now=morning + timedelta(days=1))["digests"] == 2


@override_settings(DIGEST_TIME=time(23, 59))
def test_send_reminders_runs_the_same_pass_and_healthz_reports_it(rep, client):
    _overdue(rep)
    assert client.get("/healthz").json()["reminders"] == "degraded"
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert "1 reminders" in out.getvalue()
    assert _reminders().count() == 1
    run = TaskRun.objects.get()
    assert run.summary["reminders"] == 1
    body = client.get("/healthz").json()
    assert body["reminders"] == "ok" and body["reminders_last_pass"]
    TaskRun.objects.update(finished_at=timezone.now() - timedelta(hours=2))
    assert client.get("/healthz").json()["status"] == "degraded"


@pytest.mark.django_db(transaction=True)
@override_settings(DIGEST_TIME=time(23, 59))
def test_two_passes_at_once_remind_once(rep):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    for _n in range(30):
        _overdue(rep)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            reminders.reminder_pass(now=SHANGHAI_NOON)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _reminders().count() == 30
    assert Delivery.objects.count() == 30


def test_the_pass_selects_through_the_open_next_contact_index(rep):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    query = reminders.overdue_untold(today=timezone.localdate())[:2000]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    # With hardly any rows the planner may pick any of the open-project next-contact indexes; never a table scan.
    assert "Seq Scan on projects_project" not in plan
    assert "_next_open" in plan


# --- real workers ---------------------------------------------------------------------------------


def _mail_files(folder):
    return os.listdir(folder) if os.path.isdir(folder) else []


def _smtp(port, *, timeout):
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_TIMEOUT": str(timeout),
        "DIGEST_TIME": "23:59",
    }


def _file_mail(tmp_path):
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "DIGEST_TIME": "23:59",
    }


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_duplicate_beat_runs_send_one_email(rep, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker processes need a shared server database")
    project = _overdue(rep, now=timezone.now())
    queue = new_queue()
    env = _file_mail(tmp_path)
    with celery_worker(queue=queue, env=env, name="one"), celery_worker(queue=queue, env=env, name="two"):
        for _n in range(4):  # beat fired twice on each of two beat instances
            reminder_pass_task.apply_async(queue=queue)
        passes = wait_for(lambda: TaskRun.objects.filter(finished_at__isnull=False).count() == 4)
        for _n in range(2):
            deliveries_sweep.apply_async(queue=queue)
        sent = wait_for(lambda: Delivery.objects.filter(state=DeliveryState.SENT).count() == 1)
    assert passes and sent, getattr(celery_worker, "last_output", "")
    assert Delivery.objects.count() == 1
    assert _reminders().get().target == project
    assert len(_mail_files(env["EMAIL_FILE_PATH"])) == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_loses_nothing_and_a_failing_server_recovers(rep, lead, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker processes need a shared server database")
    # One delivery, the reminder: after the digest time the pass also writes the morning
    # digests, which are e-mailed by default (the rep's day, the lead's team digest).
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, digest=False) for user in (rep, lead)]
    )
    _overdue(rep, now=timezone.now())
    reminders.reminder_pass()
    delivery = Delivery.objects.get()
    # A mail server that accepts the connection and never answers: the worker hangs in the send.
    stall = socket.socket()
    stall.bind(("127.0.0.1", 0))
    stall.listen(5)
    stall.settimeout(45)
    hanging = _smtp(stall.getsockname()[1], timeout=60)
    with celery_worker(env=hanging) as queue:
        deliver_notification.apply_async(args=[delivery.pk], queue=queue)
        connection_from_worker, _address = stall.accept()  # the worker is now inside the send
        os.kill(celery_worker.process.pid, signal.SIGKILL)  # killed mid-task
    connection_from_worker.close()
    stall.close()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 0)  # nothing marked sent
    # Next, a mail server that refuses: the failure is recorded, then a working one: it goes.
    with celery_worker(env=_smtp(1, timeout=2)) as queue:  # nothing listens on port 1
        deliver_notification.apply_async(args=[delivery.pk], queue=queue)
        assert wait_for(lambda: Delivery.objects.get(pk=delivery.pk).attempts == 1)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.last_error
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # its backoff has passed
    env = _file_mail(tmp_path)
    with celery_worker(env=env) as queue:
        deliveries_sweep.apply_async(queue=queue)
        assert wait_for(lambda: Delivery.objects.get(pk=delivery.pk).state == DeliveryState.SENT)
    assert len(_mail_files(env["EMAIL_FILE_PATH"])) == 1
    assert mail.outbox == []  # nothing went through this process: the workers sent it


@override_settings(ESCALATION_DAYS=3)
def test_the_leads_start_page_shows_the_escalated_next_contacts(rep, lead, client_for):
    _overdue(rep, days=2, now=timezone.now(), name="还不算久")
    _overdue(rep, days=5, now=timezone.now(), name="拖了五天")
    page = client_for("lead").get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = page.split('id="home-escalations"')[1].split("</section>")[0]
    assert "拖了五天" in section and "5 days overdue" in section
    assert "还不算久" not in section
    assert 'id="home-escalations"' not in client_for("rep").get("/").content.decode()


def test_a_won_or_lost_project_reaches_the_teams_lead(rep, lead):
    from pipeline.services import project_move

    project = ProjectFactory(customer=CustomerFactory(owner=rep), name="赢下的项目")
    project_move(user=rep, project=project, stage="won")
    told = Notification.objects.get(kind=NotificationKind.CLOSED)
    assert (told.user, told.target, told.data["tier"]) == (lead, project, "won")
    from teams.notifications.texts import render

    assert render(told)[0] == "Won: 赢下的项目"
    lost = ProjectFactory(customer=CustomerFactory(owner=rep))
    project_move(user=lead, project=lost, stage="lost", lost_reason="price")  # the lead closed it: no note
    assert Notification.objects.filter(kind=NotificationKind.CLOSED).count() == 1
