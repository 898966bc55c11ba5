"""Company settings on /settings/ (issue 12): versioned, append-only, audited; the
reminder pass and the lead's start page follow them."""

import datetime

import pytest
from django.urls import reverse

from teams.audit import AuditAction, AuditEntry
from teams.company_settings import company_settings, company_settings_update
from teams.errors import ConflictError, DomainError
from teams.models import CompanySettings

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _post(client, version, **values):
    data = {"reminder_time": "08:30", "digest_time": "09:00", "escalation_days": "5", "version": version, **values}
    return client.post(reverse("settings:general"), data, **EN)


def test_defaults_come_from_the_environment_until_an_admin_saves(settings):
    settings.ESCALATION_DAYS = 4
    settings.DIGEST_TIME = datetime.time(7, 45)
    current = company_settings()
    assert (current.version, current.escalation_days, current.digest_time) == (0, 4, datetime.time(7, 45))


def test_each_save_is_a_new_version_and_the_old_one_stays(client_for, admin):
    client = client_for("admin")
    assert _post(client, 0).status_code == 302
    assert _post(client, 1, escalation_days="7").status_code == 302
    rows = list(CompanySettings.objects.order_by("version").values_list("version", "escalation_days"))
    assert rows == [(1, 5), (2, 7)]
    assert company_settings().escalation_days == 7
    entry = AuditEntry.objects.filter(action=AuditAction.SETTINGS_CHANGED).first()
    assert entry.detail["changes"] == {"escalation_days": {"old": 5, "new": 7}} and entry.ip == "127.0.0.1"


def test_the_second_of_two_admins_gets_a_conflict_and_nothing_is_lost(client_for, admin):
    client = client_for("admin")
    assert _post(client, 0, escalation_days="5").status_code == 302  # the first admin, from version 0
    response = _post(client, 0, escalation_days="9")  # the second, still on version 0
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved" in body and 'name="version" value="1"' in body
    assert company_settings().escalation_days == 5
    assert CompanySettings.objects.count() == 1


def test_bad_values_name_the_field_and_save_nothing(client_for, admin):
    response = _post(client_for("admin"), 0, escalation_days="0", digest_time="25:00")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "digest_time" in errors
    assert not CompanySettings.objects.exists()
    with pytest.raises(DomainError) as caught:
        company_settings_update(actor=admin, version=0, escalation_days=0)
    assert "escalation_days" in caught.value.message_dict


def test_a_save_with_nothing_changed_adds_no_version(admin):
    company_settings_update(actor=admin, version=0, escalation_days=6)
    company_settings_update(actor=admin, version=1, escalation_days=6)
    assert CompanySettings.objects.count() == 1
    with pytest.raises(ConflictError):
        company_settings_update(actor=admin, version=0, escalation_days=8)


@pytest.mark.parametrize(("persona", "expected"), [("rep", 404), ("lead", 404), ("admin", 200), (None, 302)])
@pytest.mark.parametrize("url_name", ["settings:general", "settings:robots"])
def test_only_admins_open_settings(client_for, personas, persona, url_name, expected):
    assert client_for(persona).get(reverse(url_name)).status_code == expected


def test_robot_settings_lists_teams_in_constant_queries(client_for, team, other_team, django_assert_max_num_queries):
    from teams.notifications.models import TeamWebhook

    TeamWebhook.objects.create(
        team=team, platform="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    )
    client = client_for("admin")
    # session, user, teams with their robot counts
    with django_assert_max_num_queries(4):
        page = client.get(reverse("settings:robots"))
    counts = {row.name: row.robot_count for row in page.context["teams"]}
    assert counts == {team.name: 1, other_team.name: 0}


def test_reminder_pass_waits_for_the_reminder_time_and_uses_the_escalation_days(admin, rep, lead):
    from django.utils import timezone

    from pipeline.reminders import reminder_pass
    from teams.notifications.models import Notification
    from tests.factories import CustomerFactory, ProjectFactory

    today = timezone.localdate()
    ProjectFactory(customer=CustomerFactory(owner=rep), next_contact_on=today - datetime.timedelta(days=4))
    company_settings_update(
        actor=admin,
        version=0,
        reminder_time=datetime.time(9, 0),
        digest_time=datetime.time(23, 59),
        escalation_days=5,
    )
    early = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8, 0)))
    assert reminder_pass(now=early)["reminders"] == 0
    later = timezone.make_aware(datetime.datetime.combine(today, datetime.time(9, 30)))
    summary = reminder_pass(now=later)
    assert summary["reminders"] == 1 and summary["escalations"] == 0  # 4 days overdue, escalated after 5
    company_settings_update(actor=admin, version=1, escalation_days=3)
    assert reminder_pass(now=later)["escalations"] == 1
    assert Notification.objects.filter(user=lead).count() == 1


def test_two_saves_racing_on_one_version_end_in_a_conflict(admin, monkeypatch):
    """Both admins read version 0 before either wrote: the database's unique version
    refuses the second insert, which answers the usual conflict."""
    from teams import company_settings as module

    company_settings_update(actor=admin, version=0, escalation_days=5)  # the first admin's save
    reads = iter([CompanySettings.initial()])  # the second still sees version 0 ...
    real = module.company_settings
    monkeypatch.setattr(module, "company_settings", lambda: next(reads, None) or real())
    with pytest.raises(ConflictError) as caught:
        company_settings_update(actor=admin, version=0, escalation_days=9)
    assert caught.value.data["version"] == 1 and caught.value.data["current"]["escalation_days"] == 5
    assert list(CompanySettings.objects.values_list("version", "escalation_days")) == [(1, 5)]
