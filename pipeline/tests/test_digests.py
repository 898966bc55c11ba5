"""The morning digests: a fixed number of queries whatever the number of teams,
and e-mails that list the projects (with days and links) in the reader's
language, capped with "and N more" pointing at My day."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from pipeline import digests
from pipeline.models import ProjectState
from pipeline.services import stale_refresh
from projects.models import Project
from teams.notifications.delivery import deliveries_sweep
from teams.notifications.models import Notification, NotificationKind, NotificationPreference
from tests.factories import CustomerFactory, ProjectFactory, TeamFactory, UserFactory, make_lead

MORNING = timezone.make_aware(datetime(2026, 12, 2, 8, 30))  # Asia/Shanghai
TODAY = timezone.localdate(MORNING)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "http://crm.test:8123"


def _project(owner, *, due=None, stale_days=None, **kwargs):
    project = ProjectFactory(customer=CustomerFactory(owner=owner), **kwargs)
    Project.objects.filter(pk=project.pk).update(next_contact_on=due)
    if stale_days is not None:  # the starting stage (潜客 / Prospect) expects 30 days
        ProjectState.objects.filter(pk=project.pk).update(entered_at=MORNING - timedelta(days=stale_days))
        stale_refresh(stages=[project.state.stage_id])  # what a back-dated entry keeps on the project
    project.refresh_from_db()
    return project


def _overdue(owner, days, **kwargs):
    return _project(owner, due=TODAY - timedelta(days=days), **kwargs)


def _teams(count):
    """``count`` teams, each with a lead and two reps, each rep with an overdue, a
    due-today and a stale project."""
    for _n in range(count):
        team = TeamFactory()
        make_lead(team=team)
        for _m in range(2):
            rep = UserFactory(team=team)
            _overdue(rep, 3)
            _project(rep, due=TODAY)
            _project(rep, due=TODAY + timedelta(days=5), stale_days=40)


def _sent_to(user):
    deliveries_sweep(now=timezone.now())  # the deliveries were created now, whatever MORNING says
    return next(message for message in mail.outbox if message.to == [user.email])


@pytest.mark.parametrize("teams", [2, 20])
def test_digests_take_the_same_queries_for_2_and_20_teams(teams, django_assert_max_num_queries):
    _teams(teams)
    # 3 sections (the first CAP of each owner by a window, with the total), the reps; for
    # the reps' digests: content type, preferences (read, insert the missing, read back),
    # robots, deliveries; the teams with their leads, the team figures by rep, the leads'
    # preferences (3), content type, robots, deliveries (a lead's morning digest is on by default).
    # Each kind's INSERT … ON CONFLICT of the notifications runs through psycopg2's
    # execute_values, which this counter does not see: two more, whatever the teams.
    with django_assert_max_num_queries(18):
        sent = digests.digests_send(now=MORNING)
    assert sent == teams * 3  # two reps and one lead a team
    rep_digest = Notification.objects.filter(kind=NotificationKind.DIGEST).first()
    assert (rep_digest.data["overdue"], rep_digest.data["today"], rep_digest.data["stale"]) == (1, 1, 1)
    assert Notification.objects.filter(kind=NotificationKind.TEAM_DIGEST).count() == teams
    assert digests.digests_send(now=MORNING) == 0  # once a day


def test_the_reps_digest_lists_overdue_due_today_and_stale_projects_with_links(rep):
    NotificationPreference.objects.create(user=rep, language="en")
    late = _overdue(rep, 5, name="数据中台二期")
    due = _project(rep, due=TODAY, name="门店巡检系统")
    stale = _project(rep, due=TODAY + timedelta(days=3), stale_days=45, name="仓储改造")
    digests.digests_send(now=MORNING)
    body = _sent_to(rep).body
    overdue, today, stale_part = (
        body.split("Overdue next contacts (1)")[1].split("Due today (1)")[0],
        body.split("Due today (1)")[1].split("Stale projects (1)")[0],
        body.split("Stale projects (1)")[1],
    )
    assert f"{late.customer.name} — 数据中台二期 · Prospect · 5 days overdue" in overdue
    assert f"http://crm.test:8123/projects/{late.pk}/" in overdue
    assert f"{due.customer.name} — 门店巡检系统 · Prospect" in today
    assert f"http://crm.test:8123/projects/{due.pk}/" in today
    assert "仓储改造 · Prospect · 45 days in this stage" in stale_part
    assert f"http://crm.test:8123/projects/{stale.pk}/" in stale_part
    assert "more" not in body  # nothing was cut


def test_the_digest_is_in_chinese_unless_the_rep_chose_english(rep, other_rep):
    _overdue(rep, 2, name="智慧园区一期")
    _overdue(other_rep, 2, name="智慧园区二期")
    NotificationPreference.objects.create(user=other_rep, language="en")
    digests.digests_send(now=MORNING)
    assert "智慧园区一期 · 潜客" in _sent_to(rep).body  # no preference: Chinese
    assert "智慧园区二期 · Prospect" in _sent_to(other_rep).body


def test_a_long_section_is_capped_with_and_n_more_linking_to_my_day(rep, monkeypatch):
    monkeypatch.setattr(digests, "CAP", 2)
    NotificationPreference.objects.create(user=rep, language="en")
    for days, name in [(9, "最久"), (6, "次久"), (1, "最近")]:
        _overdue(rep, days, name=name)
    digests.digests_send(now=MORNING)
    body = _sent_to(rep).body
    assert "Overdue next contacts (3)" in body
    assert "最久" in body and "次久" in body and "最近" not in body  # the oldest promises first
    assert body.index("最久") < body.index("次久")
    assert "… and 1 more: http://crm.test:8123/my-day/overdue/" in body
    assert Notification.objects.get(kind=NotificationKind.DIGEST).data["overdue"] == 3


def test_the_leads_digest_groups_overdue_next_contacts_by_rep_with_days_and_links(rep, other_rep, lead, monkeypatch):
    monkeypatch.setattr(digests, "LEAD_CAP", 2)
    # The team's digest by e-mail is on by default for a lead (the "morning digest" switch).
    NotificationPreference.objects.create(user=lead, language="en")
    first = _overdue(rep, 4, name="张伟的老项目")
    _overdue(rep, 2, name="张伟的新项目")
    _overdue(rep, 1, name="张伟的第三个")
    mine = _overdue(other_rep, 7, name="李娜的项目")
    _project(other_rep, due=TODAY, name="今天的不算")
    digests.digests_send(now=MORNING)
    body = _sent_to(lead).body
    zhang, li = body.split("\n\n李娜: ")  # the rep with more overdue first
    assert "张伟: 3 overdue, the oldest 4 days" in zhang
    assert f"http://crm.test:8123/my-day/overdue/?owner={rep.pk}" in zhang
    assert f"张伟的老项目 · Prospect · 4 days overdue\n  http://crm.test:8123/projects/{first.pk}/" in zhang
    assert "张伟的第三个" not in body and "… and 1 more" in zhang
    assert "1 overdue, the oldest 7 days" in li
    assert f"李娜的项目 · Prospect · 7 days overdue\n  http://crm.test:8123/projects/{mine.pk}/" in li
    assert "今天的不算" not in body
    team_digest = Notification.objects.get(kind=NotificationKind.TEAM_DIGEST)
    assert team_digest.data["overdue"] == 4


def test_the_in_app_digest_stays_short_and_opens_my_day(rep, client_for):
    _overdue(rep, 2, name="智慧园区一期")
    digests.digests_send(now=MORNING)
    page = client_for("rep").get("/notifications/", **EN).content.decode()
    assert "Your day: 1 overdue, 0 due today, 0 stale" in page
    assert "智慧园区一期" not in page


def test_a_lead_who_turns_the_morning_digest_off_gets_it_in_the_app_only(rep, lead):
    NotificationPreference.objects.create(user=lead, language="en", digest=False)
    _overdue(rep, 4)
    digests.digests_send(now=MORNING)
    deliveries_sweep(now=timezone.now())
    assert Notification.objects.filter(kind=NotificationKind.TEAM_DIGEST, user=lead).count() == 1
    assert not [message for message in mail.outbox if message.to == [lead.email]]
