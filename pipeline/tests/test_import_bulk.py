"""The project import's bulk write (issue 12 point 5): it writes exactly the rows ``project_create`` writes one
project at a time — projects, their history, stage standing and first stage change, budget history, stale and
next-contact dates, checklist scores, conflicts with their notifications and deliveries, the customers' return
dates — and its queries do not grow with the rows of a batch."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Customer
from pipeline.importing import PROJECTS
from pipeline.models import BudgetChange, ProjectState, StageChange
from pipeline.tests.test_importing import check, csv_file, good_row, upload
from projects import services as project_services
from projects.models import ChecklistTick, Conflict, Milestone, ProcurementItem, Project, Stakeholder
from teams.notifications.models import Delivery, Notification, NotificationKind, NotificationPreference, TeamWebhook
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db

# Written when the row is written: they differ between two runs of the same file.
MOMENTS = {"id", "created_at", "updated_at", "recorded_at", "history_id", "history_date", "next_attempt_at"}


@pytest.fixture
def world(team, lead, rep, other_rep):
    """Two customers of the team with open projects of their own; the rep hears of conflicts by e-mail and
    the team's chat robot posts them."""
    NotificationPreference.objects.create(user=rep, email_kinds=[NotificationKind.CONFLICT])
    TeamWebhook.objects.create(
        team=team, platform="wecom", url="https://qyapi.weixin.qq.com/x", kinds=[NotificationKind.CONFLICT]
    )
    first = CustomerFactory(owner=rep, name="杭州甲科技有限公司")
    second = CustomerFactory(owner=other_rep, name="杭州乙科技有限公司")
    ProjectFactory(customer=first, owner=other_rep, name="数据中台一期建设")
    ProjectFactory(customer=first, owner=rep, name="智慧园区建设")
    return first, second


def deals_file(first, second) -> bytes:
    opened = (timezone.localdate() - timedelta(days=40)).isoformat()
    rows = [
        # Named like another rep's project of the customer: a duplicate-project conflict.
        good_row(1, customer=first.name, name="数据中台二期建设", owner="rep", opened_at=opened),
        # Another owner than the customer's other open projects: shared-customer conflicts, the first stage.
        good_row(2, customer=first.name, name="供应链协同平台", owner="other_rep", stage="", budget=""),
        good_row(
            3, customer=second.name, name="年度续费服务", owner="other_rep", kind="续费", stage="", budget="1.2亿"
        ),
        good_row(4, customer=second.name, name="营销自动化", owner="rep", stage="Prospect", funding_source=""),
        good_row(5, customer=first.name, name="智慧园区建设二期", owner="lead", stage="proposal_accepted"),
        good_row(6, customer=second.name, name="私有云扩容", owner="rep", kind="增购", scope="", opened_at=opened),
    ]
    return csv_file(rows)


def _rows(model, ids, *, keep_id=False) -> list[tuple]:
    dropped = MOMENTS - {"id"} if keep_id else MOMENTS
    rows = []
    for values in model._base_manager.values():
        rows.append(tuple(sorted((key, ids(key, value)) for key, value in values.items() if key not in dropped)))
    return sorted(rows, key=repr)


def snapshot(created: list[int]) -> dict:
    """Every row the write may touch, with the new projects named by their place in the file instead of
    their ids, and the moments of writing left out."""
    new = {pk: f"new project {index}" for index, pk in enumerate(created)}
    project_columns = {"id", "project_id", "project_a_id", "project_b_id", "target_id"}

    def ids(key, value):
        if key in project_columns:
            return new.get(value, value)
        if key == "key":  # a conflict's "kind:low-high:contact"
            kind, pair, contact = value.split(":")
            return (kind, sorted(str(new.get(int(pk), pk)) for pk in pair.split("-")), contact)
        return value

    notifications = {
        n.pk: (n.user_id, n.kind, new.get(n.target_id, n.target_id), repr(sorted(n.data.items())))
        for n in Notification.objects.all()
    }
    return {
        "projects": _rows(Project, ids, keep_id=True),
        "history": _rows(Project.history.model, ids, keep_id=True),
        "states": _rows(ProjectState, ids),
        "stage changes": _rows(StageChange, ids),
        "budget changes": _rows(BudgetChange, ids),
        "conflicts": _rows(Conflict, ids),
        "notifications": sorted(notifications.values(), key=repr),
        "deliveries": sorted(  # by their text: a new project's name stands beside a stored one's id
            (
                (notifications[d.notification_id], d.channel, d.webhook_id, d.state, d.last_error, d.attempts)
                for d in Delivery.objects.all()
            ),
            key=repr,
        ),
        "customers": _rows(Customer, ids),
        "other rows": [model.objects.count() for model in (ProcurementItem, Stakeholder, Milestone, ChecklistTick)],
    }


@pytest.mark.parametrize("batch_size", [1000, 2])
def test_the_bulk_write_leaves_exactly_the_rows_of_project_create_one_by_one(world, lead, batch_size, monkeypatch):
    """In one batch, and in batches of 2: a project meets those of earlier batches, already stored."""
    monkeypatch.setattr("accounts.importing.base.BATCH_SIZE", batch_size)
    content = deals_file(*world)
    # One by one, as the import wrote before: project_create for each row the check found fit, then undone.
    with transaction.atomic():
        units = PROJECTS.check(user=lead, content=content, filename="deals.csv").units()
        assert len(units) == 6
        one_by_one = [
            project_services.project_create(user=lead, customer=row.customer, owner=row.owner, data=row.data).pk
            for row in units
        ]
        expected = snapshot(one_by_one)
        transaction.set_rollback(True)
    assert not Conflict.objects.exists() and Project.objects.count() == 2

    report = PROJECTS.commit(user=lead, stored=upload(lead, content))

    assert report["committed"] and len(report["created"]) == 6
    written = snapshot(report["created"])
    # The file makes every kind of row the comparison is about.
    assert len(expected["conflicts"]) >= 8 and expected["deliveries"] and expected["budget changes"]
    assert {dict(row)["kind"] for row in expected["conflicts"]} == {"duplicate_project", "shared_customer"}
    assert {dict(row)["checklist_score"] for row in expected["projects"]} != {0}
    for table, rows in expected.items():
        assert written[table] == rows, table


def test_the_bulk_writes_queries_do_not_grow_with_the_rows(team, lead, rep, other_rep):
    customers = [CustomerFactory(owner=rep, name=f"杭州测试{n:03d}科技有限公司") for n in range(30)]
    for customer in customers:  # every new project meets another rep's open project: a conflict each
        ProjectFactory(customer=customer, owner=other_rep, name="既有项目")

    def rows(numbers):
        return [good_row(n, customer=customers[n].name, owner="rep") for n in numbers]

    small_file, large_file = upload(lead, csv_file(rows(range(10)))), upload(lead, csv_file(rows(range(10, 30))))
    with CaptureQueriesContext(connection) as small:
        assert len(PROJECTS.commit(user=lead, stored=small_file)["created"]) == 10
    with CaptureQueriesContext(connection) as large:
        assert len(PROJECTS.commit(user=lead, stored=large_file)["created"]) == 20
    assert Conflict.objects.count() == 30 and Notification.objects.count() == 60
    # Twice the rows, no more queries (the first commit also fills this process's caches, e.g. content types).
    assert len(large) <= len(small), [q["sql"][:120] for q in large.captured_queries]
    # The check included, the commit of a batch is a few dozen queries (one by one it was 44 a project).
    assert len(small) <= 40


def test_checking_then_writing_a_batch_is_one_lock_of_its_customers(world, lead):
    """The customers of a batch are locked together, as project_create locks each (before reading the
    projects a conflict is looked for among)."""
    with CaptureQueriesContext(connection) as queries:
        PROJECTS.commit(user=lead, stored=upload(lead, deals_file(*world)))
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"] and "accounts_customer" in q["sql"]]
    assert len(locks) == 1
    assert check(lead, deals_file(*world))["counts"]["duplicate"] == 6  # now stored: the same file again is refused
