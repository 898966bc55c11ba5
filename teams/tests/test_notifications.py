"""Notifications: exactly once per due date, delivery as its own retried step,
preferences and quiet hours, chat robots over real HTTP, pages and API."""

import json
import re
import threading
from datetime import date, time, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from teams.notifications import delivery as delivering
from teams.notifications import robots, services
from teams.notifications.models import (
    Channel,
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    NotificationPreference,
    TeamWebhook,
)
from teams.ownership import record_hand_over
from tests.factories import CustomerFactory, UserFactory


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _remind(user, target, due_on=date(2026, 12, 1)):
    return services.notify(
        user=user,
        kind=NotificationKind.OVERDUE,
        target=target,
        due_on=due_on,
        data={"project": "智慧园区一期", "customer": "杭州某某科技", "due": "2026-12-01", "days": 1},
    )


# --- exactly once --------------------------------------------------------------------------------


def test_one_reminder_per_user_kind_target_and_due_date(rep):
    customer = CustomerFactory(owner=rep)
    assert _remind(rep, customer) is not None
    assert _remind(rep, customer) is None
    assert Notification.objects.count() == 1
    # a new due date is a new reminder
    assert _remind(rep, customer, due_on=date(2026, 12, 5)) is not None
    assert Notification.objects.count() == 2


def test_events_without_a_due_date_are_not_deduplicated(rep):
    customer = CustomerFactory(owner=rep)
    for _n in range(2):
        services.notify(user=rep, kind=NotificationKind.HANDOVER, target=customer, data={"record": "甲"})
    assert Notification.objects.filter(kind=NotificationKind.HANDOVER).count() == 2


def test_inactive_users_are_told_nothing(rep):
    rep.is_active = False
    rep.save()
    assert _remind(rep, CustomerFactory(owner=rep)) is None
    assert not Notification.objects.exists()


def test_notify_many_skips_what_exists_and_answers_only_the_new(rep, other_rep):
    customers = [CustomerFactory(owner=rep) for _n in range(3)]
    _remind(rep, customers[0])
    rows = [{"user": rep, "target": c, "due_on": date(2026, 12, 1), "data": {}} for c in customers]
    rows.append({"user": other_rep, "target": customers[0], "due_on": date(2026, 12, 1), "data": {}})
    created = services.notify_many(kind=NotificationKind.OVERDUE, rows=rows)
    assert len(created) == 3
    assert Notification.objects.count() == 4
    assert services.notify_many(kind=NotificationKind.OVERDUE, rows=rows) == []


def test_notify_many_tells_one_user_of_one_target_twice_without_a_due_date(team, rep, other_rep):
    """Two conflicts of one new project (the project import): its owner hears of each, with its own details,
    and each notification gets its own deliveries."""
    NotificationPreference.objects.create(user=rep, email_kinds=[NotificationKind.CONFLICT])
    customer = CustomerFactory(owner=rep)
    rows = [
        {"user": rep, "target": customer, "due_on": None, "data": {"project": "甲", "other": other}}
        for other in ("李娜", "王主管")
    ]
    created = services.notify_many(kind=NotificationKind.CONFLICT, rows=rows)
    assert len({n.pk for n in created}) == 2
    stored = {n.pk: n.data["other"] for n in Notification.objects.all()}
    assert {n.pk: n.data["other"] for n in created} == stored
    assert sorted(Delivery.objects.values_list("notification_id", flat=True)) == sorted(stored)


@pytest.mark.parametrize("recipients", [4, 40])
def test_notify_many_asks_once_for_all_recipients_preferences_and_robots(
    team, other_team, django_assert_max_num_queries, recipients
):
    """The reminder pass tells thousands at once: one query for the preferences (plus one insert
    and one read for those who have none yet) and one for the teams' robots, not one per row."""
    TeamWebhook.objects.create(
        team=team, platform="wecom", url="https://qyapi.weixin.qq.com/x?key=k", kinds=[NotificationKind.OVERDUE]
    )
    users = [UserFactory(team=(team, other_team)[n % 2], email=f"u{n}@example.com") for n in range(recipients)]
    for user in users[::2]:
        NotificationPreference.objects.create(user=user)
    rows = [
        {"user": user, "target": CustomerFactory(owner=user), "due_on": date(2026, 12, 1), "data": {}}
        for user in users
        for _n in range(2)
    ]
    for row in rows:  # fresh instances, as the pass reads them: no preference cached on them
        row["user"] = type(row["user"]).objects.get(pk=row["user"].pk)
    # content type; INSERT … RETURNING the notifications; SELECT the preferences, INSERT the
    # missing ones, SELECT those; SELECT the robots; INSERT the deliveries (one batch).
    with django_assert_max_num_queries(7):
        created = services.notify_many(kind=NotificationKind.OVERDUE, rows=rows)
    assert len(created) == 2 * recipients
    assert NotificationPreference.objects.count() == recipients
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 2 * recipients
    # The robot is the first team's: the rows of its users only.
    assert Delivery.objects.filter(channel=Channel.WEBHOOK).count() == 2 * ((recipients + 1) // 2)


def test_a_batch_queues_every_delivery_through_one_broker_producer(
    team, monkeypatch, django_capture_on_commit_callbacks
):
    from teams.tasks import deliver_notification

    sent = []
    monkeypatch.setattr(
        deliver_notification, "apply_async", lambda args, producer=None: sent.append((args[0], producer))
    )
    users = [UserFactory(team=team) for _n in range(3)]
    rows = [{"user": u, "target": CustomerFactory(owner=u), "due_on": date(2026, 12, 1), "data": {}} for u in users]
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_many(kind=NotificationKind.OVERDUE, rows=rows)
    assert sorted(pk for pk, _producer in sent) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert len(sent) == 3
    assert len({id(producer) for _pk, producer in sent}) == 1 and sent[0][1] is not None


# --- delivery ------------------------------------------------------------------------------------


def test_an_opted_in_user_gets_one_email_marked_sent_only_after_sending(rep):
    notification = _remind(rep, CustomerFactory(owner=rep))
    delivery = Delivery.objects.get(notification=notification, channel=Channel.EMAIL)
    assert delivery.state == DeliveryState.PENDING
    assert delivering.deliver(delivery.pk) == DeliveryState.SENT
    assert delivering.deliver(delivery.pk) is None  # already sent: nothing again
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [rep.email]
    assert "智慧园区一期" in message.subject
    delivery.refresh_from_db()
    assert delivery.sent_at is not None and delivery.attempts == 1


def test_a_failing_mail_server_is_retried_with_backoff_then_recovers(rep, settings):
    notification = _remind(rep, CustomerFactory(owner=rep))
    delivery = Delivery.objects.get(notification=notification)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nothing listens
    now = timezone.now()
    assert delivering.deliver(delivery.pk, now=now) == DeliveryState.PENDING
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_error
    assert delivery.next_attempt_at == now + timedelta(minutes=1)
    assert delivering.due_deliveries(now=now) == []  # not before its backoff
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = now + timedelta(minutes=2)
    assert delivering.deliveries_sweep(now=later) == {"sent": 1, "failed": 0}
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == (DeliveryState.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_a_delivery_that_keeps_failing_ends_failed(rep, settings):
    notification = _remind(rep, CustomerFactory(owner=rep))
    delivery = Delivery.objects.get(notification=notification)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=Delivery.MAX_ATTEMPTS - 1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    assert delivering.deliver(delivery.pk) == DeliveryState.FAILED
    assert delivering.deliveries_sweep(now=timezone.now() + timedelta(days=1)) == {"sent": 0, "failed": 0}


def test_backoff_doubles_up_to_an_hour():
    assert [delivering.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8)] == [1, 2, 4, 8, 60, 60]


def test_no_email_when_not_opted_in_and_a_logged_skip_without_an_address(rep, other_rep):
    NotificationPreference.objects.create(user=rep, email_kinds=[])
    _remind(rep, CustomerFactory(owner=rep))
    assert not Delivery.objects.exists()
    other_rep.email = ""
    other_rep.save()
    _remind(other_rep, CustomerFactory(owner=other_rep))
    skipped = Delivery.objects.get()
    assert (skipped.state, skipped.last_error) == (DeliveryState.SKIPPED, "no e-mail address")


def test_quiet_hours_hold_the_email_until_they_end(rep):
    NotificationPreference.objects.create(
        user=rep, email_kinds=[NotificationKind.OVERDUE], quiet_from=time(22, 0), quiet_until=time(7, 0)
    )
    delivery = Delivery.objects.get(notification=_remind(rep, CustomerFactory(owner=rep)))
    night = timezone.make_aware(timezone.datetime(2026, 12, 2, 23, 30))
    assert delivering.deliver(delivery.pk, now=night) == DeliveryState.PENDING
    delivery.refresh_from_db()
    assert timezone.localtime(delivery.next_attempt_at).time() == time(7, 0)
    assert delivery.attempts == 0 and mail.outbox == []
    morning = timezone.make_aware(timezone.datetime(2026, 12, 3, 7, 1))
    assert delivering.deliver(delivery.pk, now=morning) == DeliveryState.SENT


def test_the_email_speaks_the_recipients_language(rep):
    NotificationPreference.objects.create(user=rep, email_kinds=[NotificationKind.OVERDUE], language="en")
    delivering.deliver(Delivery.objects.get(notification=_remind(rep, CustomerFactory(owner=rep))).pk)
    assert mail.outbox[0].subject == "Next contact overdue: 智慧园区一期"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email_kinds": ["telepathy"]}, "email_kinds"),
        ({"quiet_from": time(22, 0), "quiet_until": None}, "quiet_until"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_preferences_are_named(rep, data, field):
    from teams.errors import DomainError

    with pytest.raises(DomainError) as error:
        services.preferences_update(user=rep, data=data)
    assert field in error.value.message_dict


# --- chat robots over real HTTP ------------------------------------------------------------------


class FakeRobot(BaseHTTPRequestHandler):
    """A local group robot: records what arrives, checks the platform's signature
    its own way, and fails on purpose when told to."""

    received: list = []
    fail_next = 0
    secret = "SEC-test-secret"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        query = parse_qs(urlparse(self.path).query)
        ok = True
        if self.path.startswith("/dingtalk") and "sign" in query:
            ok = robots.dingtalk_sign(self.secret, int(query["timestamp"][0])) == query["sign"][0]
        if self.path.startswith("/feishu") and "sign" in body:
            ok = robots.feishu_sign(self.secret, int(body["timestamp"])) == body["sign"]
        FakeRobot.received.append({"path": self.path, "body": body, "signature_ok": ok})
        if FakeRobot.fail_next:
            FakeRobot.fail_next -= 1
            self.send_response(500)
            self.end_headers()
            return
        answer = {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 310000, "errmsg": "sign not match"}
        if self.path.startswith("/feishu"):
            answer = {"code": 0 if ok else 19021, "msg": "ok" if ok else "sign match fail"}
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot_server():
    FakeRobot.received, FakeRobot.fail_next = [], 0
    server = HTTPServer(("127.0.0.1", 0), FakeRobot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("platform", ["wecom", "dingtalk", "feishu"])
def test_a_team_robot_gets_the_reminder_signed_and_retried(rep, team, robot_server, platform):
    secret = "" if platform == "wecom" else FakeRobot.secret
    TeamWebhook.objects.create(team=team, platform=platform, url=f"{robot_server}/{platform}?key=k", secret=secret)
    NotificationPreference.objects.create(user=rep, email_kinds=[])
    delivery = Delivery.objects.get(notification=_remind(rep, CustomerFactory(owner=rep)), channel=Channel.WEBHOOK)
    FakeRobot.fail_next = 1
    assert delivering.deliver(delivery.pk) == DeliveryState.PENDING
    assert delivering.deliveries_sweep(now=timezone.now() + timedelta(minutes=5))["sent"] == 1
    assert len(FakeRobot.received) == 2
    arrived = FakeRobot.received[-1]
    assert arrived["signature_ok"]
    assert "智慧园区一期" in json.dumps(arrived["body"], ensure_ascii=False)
    assert "http://127.0.0.1:8000/customers/" in json.dumps(arrived["body"])


def test_a_wrong_secret_is_a_refusal_not_a_success(rep, team, robot_server):
    TeamWebhook.objects.create(team=team, platform="dingtalk", url=f"{robot_server}/dingtalk", secret="wrong")
    NotificationPreference.objects.create(user=rep, email_kinds=[])
    delivery = Delivery.objects.get(notification=_remind(rep, CustomerFactory(owner=rep)))
    assert delivering.deliver(delivery.pk) == DeliveryState.PENDING
    delivery.refresh_from_db()
    assert "sign not match" in delivery.last_error


def test_a_robot_that_times_out_is_retried(rep, team, monkeypatch):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts, never answers
    monkeypatch.setattr(robots, "TIMEOUT_SECONDS", 0.5)
    port = listener.getsockname()[1]
    TeamWebhook.objects.create(team=team, platform="wecom", url=f"http://127.0.0.1:{port}/hook")
    NotificationPreference.objects.create(user=rep, email_kinds=[])
    delivery = Delivery.objects.get(notification=_remind(rep, CustomerFactory(owner=rep)))
    assert delivering.deliver(delivery.pk) == DeliveryState.PENDING
    delivery.refresh_from_db()
    assert "timed out" in delivery.last_error.lower()
    listener.close()


@pytest.mark.parametrize("url", ["ftp://robot.example.cn/hook", "javascript:alert(1)", "not a url", ""])
def test_a_malformed_webhook_url_is_refused(team, url):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        TeamWebhook(team=team, platform="wecom", url=url).full_clean()
    assert "url" in error.value.message_dict


# --- what triggers them ---------------------------------------------------------------------------


def test_a_hand_over_notifies_the_new_owner_not_the_old(rep, other_rep, lead):
    customer = CustomerFactory(owner=rep)
    record_hand_over(user=lead, record=customer, to_user=other_rep, reason="离职交接")
    told = Notification.objects.get()
    assert (told.user, told.kind, told.target) == (other_rep, NotificationKind.HANDOVER, customer)


# --- pages and API --------------------------------------------------------------------------------


def test_the_list_groups_by_day_and_a_gone_target_leaks_nothing(rep_client, rep, other_rep, lead):
    mine = CustomerFactory(owner=rep, name="看得见科技有限公司")
    _remind(rep, mine)
    lost = CustomerFactory(owner=rep, name="已移交科技有限公司")
    _remind(rep, lost)
    record_hand_over(user=lead, record=lost, to_user=other_rep, reason="调整")
    page = rep_client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A record you can no longer see" in page
    assert "已移交科技有限公司" not in page
    assert f'href="/notifications/{Notification.objects.get(target_id=mine.pk, user=rep).pk}/"' in page


def test_opening_marks_read_and_goes_to_the_target(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    notification = _remind(rep, customer)
    response = rep_client.get(f"/notifications/{notification.pk}/")
    assert response.status_code == 302 and response.url == customer.get_absolute_url()
    notification.refresh_from_db()
    assert notification.is_read


def test_the_bell_counts_unread_and_read_all_clears_it(rep_client, rep):
    for n in range(3):
        _remind(rep, CustomerFactory(owner=rep), due_on=date(2026, 11, 1 + n))
    assert ">3<" in rep_client.get("/notifications/bell/").content.decode()
    rep_client.post("/notifications/read-all/")
    assert "bell-count" not in rep_client.get("/notifications/bell/").content.decode()


def test_someone_elses_notification_is_404_and_stays_unread(client_for, rep):
    other_rep_client = client_for("other_rep")
    notification = _remind(rep, CustomerFactory(owner=rep))
    assert other_rep_client.get(f"/notifications/{notification.pk}/").status_code == 404
    assert other_rep_client.post(f"/notifications/{notification.pk}/read/").status_code == 404
    notification.refresh_from_db()
    assert not notification.is_read


def test_preferences_page_saves_and_names_bad_input(rep_client, rep):
    response = rep_client.post(
        "/notifications/settings/",
        {"email_kinds": ["overdue"], "digest": "on", "language": "zh-hans", "quiet_from": "22:00"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Give both ends of the quiet hours" in response.content.decode()
    response = rep_client.post(
        "/notifications/settings/",
        {"email_kinds": ["overdue"], "language": "en", "quiet_from": "22:00", "quiet_until": "07:00"},
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=rep)
    assert (preference.email_kinds, preference.digest, preference.quiet_until) == (["overdue"], False, time(7, 0))


@pytest.mark.parametrize(
    ("persona", "says"),
    [
        ("lead", "your team's overdue next contacts, grouped by rep"),
        ("rep", "your overdue, due today and stale projects"),
    ],
)
def test_preferences_show_the_morning_digest_on_by_default_for_what_it_holds(client_for, persona, says):
    page = client_for(persona).get("/notifications/settings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<input type="checkbox" name="digest"[^>]* checked', page)
    assert says in page
    # The digests are that one switch, not a kind to tick as well.
    assert 'value="team_digest"' not in page and 'value="digest"' not in page


def test_api_lists_only_mine_and_marks_read(rep_api, api_for, rep):
    other_rep_api = api_for("other_rep")
    notification = _remind(rep, CustomerFactory(owner=rep))
    body = rep_api.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert (item["kind"], item["kind_name"], item["is_read"], item["gone"]) == (
        "overdue",
        "Next contact overdue",
        False,
        False,
    )
    assert other_rep_api.get("/api/v1/notifications/").json()["count"] == 0
    assert other_rep_api.post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 404
    assert rep_api.post(f"/api/v1/notifications/{notification.pk}/read/").json()["is_read"] is True
    assert rep_api.post("/api/v1/notifications/read-all/").json() == {"read": 0}


@pytest.mark.parametrize("count", [3, 40])
def test_list_page_and_api_cost_the_same_few_queries(rep_client, rep_api, rep, django_assert_max_num_queries, count):
    for n in range(count):
        _remind(rep, CustomerFactory(owner=rep), due_on=date(2026, 1, 1) + timedelta(days=n))
    # session + user, the page, its count, the unread count, the targets (one per type), content types cached
    with django_assert_max_num_queries(8):
        assert rep_client.get("/notifications/").status_code == 200
    # token/session user, count, page, targets
    with django_assert_max_num_queries(6):
        assert rep_api.get("/api/v1/notifications/?page_size=200").status_code == 200


def test_unread_count_uses_the_partial_index(rep):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    from teams.notifications.selectors import unread_count

    unread_count(user=rep)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT count(*) FROM teams_notification WHERE user_id = %s AND read_at IS NULL", [rep.pk]
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "notification_user_unread" in plan


def test_admins_set_up_a_teams_robot_and_send_a_test(admin_client, team, robot_server, client_for):
    url = f"/manage/teams/{team.pk}/robots/"
    response = admin_client.post(
        url, {"platform": "dingtalk", "url": "ftp://x", "kinds": ["overdue"]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "webhook address" in response.content.decode()
    assert not TeamWebhook.objects.exists()
    response = admin_client.post(
        url,
        {
            "platform": "dingtalk",
            "url": f"{robot_server}/dingtalk",
            "secret": FakeRobot.secret,
            "kinds": ["overdue"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    robot = TeamWebhook.objects.get()
    admin_client.post(url, {"action": "test", "robot": robot.pk})
    assert FakeRobot.received[-1]["signature_ok"]
    # Reps and leads cannot reach it; nothing changes.
    for persona in ("rep", "lead"):
        assert client_for(persona).post(url, {"action": "delete", "robot": robot.pk}).status_code == 403
    assert TeamWebhook.objects.count() == 1
    admin_client.post(url, {"action": "delete", "robot": robot.pk})
    assert not TeamWebhook.objects.exists()
