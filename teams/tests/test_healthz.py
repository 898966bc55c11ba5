import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_and_broker_answer(client):
    from teams.notifications.models import TaskRun

    TaskRun.objects.create(name="reminder_pass", started_at=timezone.now(), finished_at=timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body.pop("reminders_last_pass")
    assert body == {"database": "ok", "broker": "ok", "reminders": "ok", "status": "ok"}


def test_healthz_is_degraded_but_200_when_no_reminder_pass_ran_lately(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "broker": "ok",
        "reminders": "degraded",
        "reminders_last_pass": None,
        "status": "degraded",
    }


def test_healthz_is_503_and_names_the_broker_when_it_is_down(client, settings):
    from funnel_crm.celery import app

    previous = app.conf.broker_url
    # Nothing listens on port 1: a real refused connection, not a mock.
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    body = response.json()
    assert (body["database"], body["broker"], body["status"]) == ("ok", "down", "down")
