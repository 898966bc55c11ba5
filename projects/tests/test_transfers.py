"""Book transfer (issue 12, point 2): service, API and permission matrix."""

import pytest

from accounts import services as account_services
from accounts.models import Customer
from projects.models import OwnerChange, Project
from projects.transfers import book_transfer
from teams.audit_models import AuditAction, AuditEntry
from teams.errors import ConflictError, DomainError
from teams.jobs import job_create
from teams.models import Job, JobStatus
from teams.notifications.models import Notification, NotificationKind
from tests.factories import CustomerFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/transfers/"


@pytest.fixture
def book(rep):
    customers = CustomerFactory.create_batch(6, owner=rep)
    for customer in customers[:3]:
        ProjectFactory(customer=customer)
    return customers


@pytest.fixture
def colleagues(team, lead):
    return [UserFactory(username="a", team=team), UserFactory(username="b", team=team)]


def _state():
    return sorted(Customer.objects.values_list("pk", "owner_id", "version")), sorted(
        Project.objects.values_list("pk", "owner_id", "version")
    )


def test_admin_moves_a_whole_book_round_robin_with_history_and_notifications(admin, rep, book, colleagues):
    report = book_transfer(actor=admin, from_user=rep, to_users=colleagues, reason="离职交接")
    assert Customer.objects.filter(owner=rep).count() == 0
    assert Project.objects.filter(owner=rep).count() == 0
    assert Customer.objects.filter(owner=colleagues[0]).count() == 3
    assert Customer.objects.filter(owner=colleagues[1]).count() == 3
    # Each project follows its customer.
    for project in Project.objects.select_related("customer"):
        assert project.owner_id == project.customer.owner_id
    assert len(report["customers"]) == 6 and len(report["projects"]) == 3
    for customer in Customer.objects.all():
        latest = customer.history.first()
        assert latest.history_user_id == admin.pk and latest.history_change_reason == "离职交接"
        assert latest.owner_id != rep.pk
        assert customer.version == 2
    assert OwnerChange.objects.filter(from_user=rep, changed_by=admin, reason="离职交接").count() == 3
    assert Notification.objects.filter(kind=NotificationKind.HANDOVER, user__in=colleagues).count() == 2
    entry = AuditEntry.objects.get(action=AuditAction.TRANSFER)
    assert entry.actor_id == admin.pk and "离职交接" in entry.summary
    assert sorted(entry.detail["customers"]) == sorted(c.pk for c in book)


def test_dry_run_reports_and_writes_nothing(admin, rep, book, colleagues, other_rep):
    # An open project of someone else on a moved customer becomes a shared customer.
    other = ProjectFactory(customer=book[0], owner=other_rep)
    before = _state()
    report = book_transfer(actor=admin, from_user=rep, to_users=colleagues, reason="x", dry_run=True)
    assert _state() == before
    assert not AuditEntry.objects.exists()
    assert report["dry_run"] is True and len(report["customers"]) == 6
    assert [c["project"] for c in report["conflicts"]] == [other.pk]


def test_by_region_keeps_a_province_with_one_owner_and_by_hand_follows_the_assignment(admin, rep, colleagues):
    east = CustomerFactory.create_batch(3, owner=rep, province="330000", city="330100", district="330106")
    south = CustomerFactory.create_batch(2, owner=rep, province="440000", city="440100", district="440106")
    book_transfer(actor=admin, from_user=rep, to_users=colleagues, mode="by_region", reason="按区域")
    assert len({c.owner_id for c in Customer.objects.filter(pk__in=[c.pk for c in east])}) == 1
    assert len({c.owner_id for c in Customer.objects.filter(pk__in=[c.pk for c in south])}) == 1
    a, b = colleagues
    book_transfer(
        actor=admin,
        from_user=a,
        to_users=[b, rep],
        mode="by_hand",
        reason="手工",
        assignments={c.pk: rep.pk for c in Customer.objects.filter(owner=a)},
    )
    assert not Customer.objects.filter(owner=a).exists()


def test_filters_narrow_the_selection(admin, rep, colleagues):
    a_level = CustomerFactory(owner=rep, level="A")
    CustomerFactory(owner=rep, level="C")
    report = book_transfer(actor=admin, from_user=rep, to_users=colleagues, filters={"level": "A"}, reason="A 类")
    assert [c["id"] for c in report["customers"]] == [a_level.pk]
    assert Customer.objects.filter(owner=rep).count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"reason": " "}, "reason"),
        ({"mode": "random"}, "mode"),
        ({"mode": "by_hand", "assignments": {}}, "assignments"),
        ({"filters": {"colour": "red"}}, "filters"),
    ],
)
def test_bad_input_names_the_field_and_moves_nothing(admin, rep, book, colleagues, change, field):
    before = _state()
    with pytest.raises(DomainError) as error:
        book_transfer(**{"actor": admin, "from_user": rep, "to_users": colleagues, "reason": "r", **change})
    assert field in error.value.message_dict
    assert _state() == before


def test_a_transfer_overlapping_a_reps_edit_keeps_the_version_check_and_loses_nothing(admin, rep, book, colleagues):
    customer = book[0]
    opened_at = customer.version
    # The rep saves an edit first (the transfer, locking the rows, runs after it) ...
    account_services.customer_update(user=rep, customer=customer, data={"level": "A"}, version=opened_at)
    book_transfer(actor=admin, from_user=rep, to_users=colleagues, reason="交接")
    customer.refresh_from_db()
    assert customer.level == "A"  # the edit survived the transfer
    # ... and an edit opened before the transfer now answers a conflict, changing nothing.
    with pytest.raises(ConflictError):
        account_services.customer_update(
            user=colleagues[0], customer=customer, data={"level": "C"}, version=opened_at + 1
        )
    customer.refresh_from_db()
    assert customer.level == "A" and customer.owner_id in {u.pk for u in colleagues}


def test_the_job_moves_the_book_and_reports(
    admin, rep, book, colleagues, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(
            kind="projects.book_transfer",
            created_by=admin,
            params={"from_user": rep.pk, "to_users": [u.pk for u in colleagues], "reason": "离职"},
        )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert (job.progress_done, job.progress_total) == (9, 9)
    assert len(job.result["summary"]) == 2
    assert not Customer.objects.filter(owner=rep).exists()


# --- API and permission matrix ------------------------------------------------------------------


def _post(client, user, body):
    client.force_login(user)
    return client.post(URL, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_api_dry_run_then_move(client, admin, rep, book, colleagues):
    body = {"from_user": rep.pk, "to_users": [u.pk for u in colleagues], "reason": "离职", "dry_run": True}
    response = _post(client, admin, body)
    assert response.status_code == 200, response.content
    assert len(response.json()["customers"]) == 6
    assert Customer.objects.filter(owner=rep).count() == 6
    response = _post(client, admin, {**body, "dry_run": False, "customers": [book[0].pk]})
    assert response.status_code == 200
    assert Customer.objects.filter(owner=rep).count() == 5


def test_lead_transfers_within_the_own_team(client, lead, rep, book, colleagues):
    body = {"from_user": rep.pk, "to_users": [colleagues[0].pk], "reason": "调整"}
    assert _post(client, lead, body).status_code == 200
    assert Customer.objects.filter(owner=colleagues[0]).count() == 6


def test_matrix_refused_writes_change_nothing(client, lead, rep, other_rep, other_lead, book, colleagues, admin):
    outsider = UserFactory(username="outsider", team=other_lead.team)
    inactive = UserFactory(username="gone", team=rep.team, is_active=False)
    hidden_customer = CustomerFactory(owner=outsider)
    before = _state()
    cases = [
        (rep, {"from_user": rep.pk, "to_users": [other_rep.pk]}, 403, None),
        (other_lead, {"from_user": rep.pk, "to_users": [outsider.pk]}, 404, None),
        (lead, {"from_user": rep.pk, "to_users": [outsider.pk]}, 400, "to_users"),
        (lead, {"from_user": rep.pk, "to_users": [inactive.pk]}, 400, "to_users"),
        (admin, {"from_user": rep.pk, "to_users": [admin.pk]}, 400, "to_users"),
        (lead, {"from_user": rep.pk, "to_users": [999999]}, 404, None),
        (lead, {"from_user": rep.pk, "to_users": [other_rep.pk], "customers": [hidden_customer.pk]}, 404, None),
        (admin, {"from_user": rep.pk, "to_users": [other_rep.pk], "customers": [hidden_customer.pk]}, 400, "customers"),
        (lead, {"from_user": rep.pk, "to_users": [other_rep.pk], "reason": ""}, 400, "reason"),
    ]
    for user, body, status, field in cases:
        response = _post(client, user, {"reason": "r", **body})
        assert response.status_code == status, (user, body, response.content)
        if field:
            assert field in response.content.decode(), response.content
    client.logout()
    assert client.post(URL, {}, content_type="application/json").status_code in (401, 403)
    assert _state() == before


@pytest.fixture
def big_book(monkeypatch):
    """The book (6 customers) counts as one over the API's job threshold."""
    monkeypatch.setattr("projects.transfers.JOB_THRESHOLD", 5)


def test_api_moves_a_big_book_as_the_pages_background_job(
    client, admin, rep, book, colleagues, big_book, eager_celery, django_capture_on_commit_callbacks
):
    body = {"from_user": rep.pk, "to_users": [u.pk for u in colleagues], "reason": "离职"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(client, admin, body)
    assert response.status_code == 202, response.content
    answer = response.json()
    assert answer["kind"] == "projects.book_transfer" and answer["status"] == "queued"
    assert answer["progress"] == {"done": 0, "total": 9}  # 6 customers, 3 open projects
    assert response["Location"] == answer["url"] and answer["url"].endswith(f"/api/v1/jobs/{answer['id']}/")
    assert Customer.objects.filter(owner=rep).count() == 6  # nothing moved inside the request
    for callback in callbacks:
        callback()  # the worker runs the job
    job = client.get(answer["url"]).json()
    assert job["status"] == "done", job
    assert job["progress"] == {"done": 9, "total": 9}
    assert not Customer.objects.filter(owner=rep).exists()
    assert not Project.objects.filter(owner=rep, closed_at__isnull=True).exists()
    assert OwnerChange.objects.count() == 3
    entry = AuditEntry.objects.get(action=AuditAction.TRANSFER)
    assert entry.actor_id == admin.pk and entry.ip == "127.0.0.1"


def test_api_big_book_dry_run_and_small_selection_stay_synchronous(client, admin, rep, book, colleagues, big_book):
    body = {"from_user": rep.pk, "to_users": [u.pk for u in colleagues], "reason": "离职"}
    response = _post(client, admin, {**body, "dry_run": True})
    assert response.status_code == 200 and len(response.json()["customers"]) == 6
    response = _post(client, admin, {**body, "customers": [c.pk for c in book[:2]]})
    assert response.status_code == 200 and len(response.json()["customers"]) == 2
    assert not Job.objects.exists()


def test_api_big_book_lead_only_in_own_team_and_refusals_start_no_job(
    client, lead, other_lead, rep, book, colleagues, big_book, django_capture_on_commit_callbacks
):
    outsider = UserFactory(username="outsider", team=other_lead.team)
    before = _state()
    cases = [
        (other_lead, {"from_user": rep.pk, "to_users": [outsider.pk]}, 404, None),
        (lead, {"from_user": rep.pk, "to_users": [outsider.pk]}, 400, "to_users"),
        (lead, {"from_user": rep.pk, "to_users": [colleagues[0].pk], "reason": ""}, 400, "reason"),
    ]
    for user, body, status, field in cases:
        response = _post(client, user, {"reason": "r", **body})
        assert response.status_code == status, (user, body, response.content)
        if field:
            assert field in response.content.decode(), response.content
    assert not Job.objects.exists()
    assert _state() == before
    with django_capture_on_commit_callbacks(execute=False):
        response = _post(client, lead, {"from_user": rep.pk, "to_users": [colleagues[0].pk], "reason": "调整"})
    assert response.status_code == 202, response.content
    job = Job.objects.get()
    assert job.created_by_id == lead.pk and job.params["customers"] == sorted(c.pk for c in book)


# --- the page ------------------------------------------------------------------------------------

PAGE = "/transfers/new/"


def test_page_is_for_leads_and_admins(client, rep, lead, admin):
    for user, status in ((rep, 403), (lead, 200), (admin, 200)):
        client.force_login(user)
        assert client.get(PAGE).status_code == status
    client.force_login(rep)
    client.post(PAGE, {"from_user": rep.pk, "to_users": [rep.pk], "mode": "round_robin", "reason": "x"})
    assert not Customer.objects.exclude(owner=rep).exists()


def test_page_previews_then_runs_the_move_as_a_job(
    client, admin, rep, book, colleagues, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    form = {"from_user": rep.pk, "to_users": [u.pk for u in colleagues], "mode": "round_robin", "reason": "离职"}
    response = client.post(PAGE, form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "3 customers" in response.content.decode()
    assert Customer.objects.filter(owner=rep).count() == 6  # a preview moves nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {**form, "confirm": "1"}, HTTP_USER_AGENT="Mozilla/5.0 (admin's browser)")
    assert response.status_code == 302 and response.url.startswith("/jobs/")
    body = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Done" in body and 'value="100"' in body
    assert not Customer.objects.filter(owner=rep).exists()
    # The job ran later, in a worker: its audit entry still names the page's address and browser.
    entry = AuditEntry.objects.get(action=AuditAction.TRANSFER)
    assert entry.ip == "127.0.0.1" and entry.user_agent == "Mozilla/5.0 (admin's browser)"


def test_page_by_hand_asks_for_each_customer_then_follows_it(
    client, admin, rep, book, colleagues, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    form = {"from_user": rep.pk, "to_users": [u.pk for u in colleagues], "mode": "by_hand", "reason": "手工"}
    body = client.post(PAGE, form).content.decode()
    assert f'name="assign_{book[0].pk}"' in body
    choice = {f"assign_{c.pk}": colleagues[1].pk for c in book}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {**form, **choice, "confirm": "1"})
    assert Customer.objects.filter(owner=colleagues[1]).count() == 6


def test_page_shows_a_bad_choice_beside_the_field(client, lead, rep, other_lead):
    client.force_login(lead)
    response = client.post(PAGE, {"from_user": rep.pk, "to_users": [rep.pk], "mode": "round_robin", "reason": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize("size", [3, 60])
def test_preview_queries_do_not_grow_with_the_book(client, admin, rep, colleagues, size, django_assert_max_num_queries):
    for customer in CustomerFactory.create_batch(size, owner=rep):
        ProjectFactory(customer=customer)
    client.force_login(admin)
    form = {"from_user": rep.pk, "to_users": [u.pk for u in colleagues], "mode": "by_hand", "reason": "r"}
    # Session and user, the form's choices (people, stages), the selection, the projects,
    # the other owners' projects (twice: refused by hand, then previewed round robin).
    with django_assert_max_num_queries(16):
        response = client.post(PAGE, form)
    assert response.status_code == 200
    assert response.content.decode().count('name="assign_') == size
