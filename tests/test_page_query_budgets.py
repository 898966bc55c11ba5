"""The project page and the customer page cost the same queries whatever the record holds
and whatever else the database holds (issue 14): a project with one of each or 20 committee
seats, 30 procurement items, 10 key dates, 5 competitors and over 200 timeline events, 3 or
300 people on its customer, among 10 or 10,000 other projects; a customer with 3 or 300
people in 1 or 12 departments."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Contact, Department
from pipeline import services
from pipeline.models import Activity
from pipeline.tests.project_helpers import create_project
from projects import services as project_services
from projects.models import Conflict, Project
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# The project page with every pipeline section (issue 14's budget: 12): session, the user
# (with the header's team), the project (customer, owner, team, lead contact, its stage with
# the pipeline and lost reason joined), its own rows in ONE query (``projects.checklist.prefetch``:
# the committee with its people, the procurement list, the milestones with their slips and
# people present, the competitors, the ticks — each a JSON list: the checklist, exit checks
# and sections read these rows — and whether it is part of any conflict: its conflicts are read
# only then), budget changes (the timeline's too), the contact log with each entry's people
# (the newest 21: the timeline's too), and the timeline's own rows — stage changes,
# competitor history, key-date changes, owner changes, coaching notes with their mentions — in
# ONE ``UNION ALL``. The checklist items, the pipeline's stages and their exit checks are kept
# by the process (teams.config_cache). No form (each is loaded when opened:
# tests/test_project_forms_on_demand.py) and no history section (owner changes and field
# edits: loaded when opened, ``projects:project_history``).
PROJECT_PAGE = 7
# SQLite (the laptop default; the suite runs on PostgreSQL) cannot limit the parts of a
# compound query: the timeline's five parts (stage changes, competitor history, key-date
# changes, owner changes, coaching notes) are a query each there.
SQLITE_TIMELINE_PARTS = 5


def _project_page_budget():
    from django.db import connection

    union = connection.features.supports_slicing_ordering_in_compound
    return PROJECT_PAGE if union else PROJECT_PAGE + SQLITE_TIMELINE_PARTS - 1


# Session, the user (with the header's team), the customer (owner, team joined), its projects,
# other owners' count, the departments (the parent picker shows them too), the people, the
# history of the customer, its departments and its people (names from the rows already read).
CUSTOMER_PAGE = 10


def _other_projects(n, owner):
    """``n`` projects of another customer, in bulk: the database grows, this page must not."""
    customer = CustomerFactory(owner=owner)
    Project.objects.bulk_create(
        Project(customer=customer, owner=owner, team_id=owner.team_id, name=f"别的项目{i}", normalized_name=f"别的{i}")
        for i in range(n)
    )


def _grow(project, user, *, people, events, seats, items, key_dates=0, competitors=5, lead=None, other=None):
    """``people`` more people in 12 departments, ``seats`` of them on the committee, ``items``
    procurement items, ``competitors`` competitors (each edited once), ``key_dates`` milestones
    (each put off once), ``events`` logged contacts; with ``lead``, as many moves, budget
    changes, handovers (to ``other`` and back) and coaching notes (with a mention) as ``key_dates``."""
    customer = project.customer
    departments = [Department.objects.create(customer=customer, name=f"科室{i}") for i in range(12)]
    Contact.objects.bulk_create(
        Contact(customer=customer, department=departments[i % 12], name=f"联系人{i}", mobile=f"138{i:08d}")
        for i in range(people)
    )
    contacts = list(customer.contacts.order_by("pk")[:seats])
    for i, contact in enumerate(contacts):
        role = ("decision_maker", "key_person", "influencer")[i % 3]
        project_services.stakeholder_save(user=user, project=project, contact=contact, role=role, stance="neutral")
    for i in range(items):
        project_services.procurement_item_save(
            user=user, project=project, data={"item": f"物品{i}", "quantity": 1, "unit_price": 100}
        )
    for i in range(competitors):
        competitor = services.competitor_save(user=user, project=project, data={"kind": "external", "name": f"竞品{i}"})
        services.competitor_save(user=user, project=project, data={"threat": "high"}, competitor=competitor, version=1)
    today = timezone.localdate()
    for i in range(key_dates):
        milestone = project_services.milestone_save(
            user=user, project=project, data={"kind": "other", "name": f"节点{i}", "due_on": today + timedelta(days=i)}
        )
        project_services.milestone_save(
            user=user, project=project, data={"due_on": today + timedelta(days=i + 7)}, milestone=milestone
        )
    if key_dates:  # the proposal accepted, with the people present
        project_services.milestone_save(
            user=user,
            project=project,
            data={"kind": "proposal_accepted", "due_on": today, "done_on": today, "attendees": contacts[:2]},
        )
    now = timezone.now()
    Activity.objects.bulk_create(
        Activity(
            customer=customer,
            project=project,
            kind="call",
            occurred_at=now - timedelta(hours=i + 1),
            summary=f"电话{i}",
            by=user,
        )
        for i in range(events)
    )
    for activity in Activity.objects.filter(project=project).order_by("-occurred_at")[:5]:
        activity.contacts.set(contacts[:2])
    if lead is not None:
        from coaching.notes import note_write

        for i in range(key_dates):
            services.budget_change(user=user, project=project, amount=str(200000 + i * 1000), reason=f"调整{i}")
            project_services.project_transfer(user=lead, project=project, to_user=other, reason=f"交接{i}")
            project_services.project_transfer(user=lead, project=project, to_user=user, reason=f"交回{i}")
            note_write(author=lead, project=project, body=f"@{user.username} 跟进{i}")
        services.project_move(user=user, project=project, stage="need_confirmed")


def _queries(client, url, django_assert_max_num_queries, bound):
    # A process keeps the configuration (checklist items, stages, exit checks) between
    # requests (teams.config_cache): count a warm process's page, as a server's.
    client.get(url, **EN)
    with django_assert_max_num_queries(bound) as captured:
        response = client.get(url, **EN)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.parametrize("persona", ["rep", "lead"])
def test_the_project_page_costs_the_same_queries_however_big(
    client_for, rep, lead, other_rep, persona, django_assert_max_num_queries
):
    """One of each (committee seat, procurement item, key date, competitor, timeline event of
    every kind) against 20 seats, 30 items, 10 key dates, 5 competitors and 200 logged contacts
    plus moves, budget changes, handovers and coaching notes, among 10 or 10,000 other projects."""
    client = client_for(persona)
    small = create_project(rep, name="小项目", budget="100000")
    ContactFactory.create_batch(3, customer=small.customer)
    _grow(small, rep, people=0, events=1, seats=1, items=1, key_dates=1, competitors=1, lead=lead, other=other_rep)
    _other_projects(10, other_rep)
    small_count, html = _queries(
        client, small.get_absolute_url(), django_assert_max_num_queries, _project_page_budget()
    )
    assert "跟进0" in html and "交接0" in html and "节点0" in html  # every kind on the page
    present = small.milestones.get(kind="proposal_accepted").attendees.get()  # the one seat's person
    assert f"Present from the customer: {present.name}" in " ".join(html.split())

    big = create_project(rep, name="大项目", budget="900000")
    ContactFactory.create_batch(3, customer=big.customer)
    _grow(big, rep, people=300, events=200, seats=20, items=30, key_dates=10, competitors=5, lead=lead, other=other_rep)
    _other_projects(10_000, other_rep)
    big_count, html = _queries(client, big.get_absolute_url(), django_assert_max_num_queries, _project_page_budget())
    assert big_count == small_count
    assert html.count('class="activity"') == 20 and "Load more" in html  # the newest, then more on demand
    assert "物品29" in html and "竞品4" in html and "节点9" in html


@pytest.mark.parametrize("persona", ["rep", "lead"])
def test_the_customer_page_costs_the_same_queries_however_big(
    client_for, rep, other_rep, persona, django_assert_max_num_queries
):
    client = client_for(persona)
    small = CustomerFactory(owner=rep)
    ContactFactory.create_batch(3, customer=small)
    create_project(rep, small, name="小客户项目")
    _other_projects(10, other_rep)
    small_count, _html = _queries(client, small.get_absolute_url(), django_assert_max_num_queries, CUSTOMER_PAGE)

    big = CustomerFactory(owner=rep)
    ContactFactory.create_batch(3, customer=big)  # with their history rows, as the small one's
    project = create_project(rep, big, name="大客户项目")
    _grow(project, rep, people=300, events=50, seats=5, items=2)
    _other_projects(10_000, other_rep)
    big_count, html = _queries(client, big.get_absolute_url(), django_assert_max_num_queries, CUSTOMER_PAGE)
    assert big_count == small_count
    assert "联系人299" in html and "科室11" in html


def test_committee_choices_are_the_customers_people_the_user_sees(rep, outsider_rep):
    """The picker starts from the customer's people; on a customer seen only through a
    project, only the people the widening rules show (none of the others)."""
    from projects.selectors import committee_candidates

    own = create_project(rep, name="自己客户的项目")
    mine = ContactFactory.create_batch(3, customer=own.customer)
    ContactFactory.create_batch(2)  # other customers' people
    assert set(committee_candidates(user=rep, project=own)) == set(mine)
    assert list(committee_candidates(user=outsider_rep, project=own)) == []


def _timeline_html(html):
    return " ".join(html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0].split())


@pytest.mark.parametrize("activities", [3, 60])
def test_the_page_shows_the_timeline_a_fresh_read_shows(client_for, rep, lead, other_rep, activities):
    """The timeline's first page is built from rows other sections of the page read (budget
    changes, conflicts, owner changes, the contact log's newest): the same events, in the
    same order, as the timeline read on its own, with few activities and with more than
    the page reads."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from pipeline.selectors.timeline import TIMELINE_FIRST, project_timeline

    project = create_project(rep, name="时间线项目", budget="100000")
    rival = create_project(other_rep, project.customer, name="时间线项目")  # another owner: a conflict
    services.budget_change(user=rep, project=project, amount="150000")
    services.budget_change(user=rep, project=project, amount="120000", reason="砍了一部分")
    project_services.project_transfer(user=lead, project=project, to_user=other_rep, reason="调整分工")
    project_services.project_transfer(user=lead, project=project, to_user=rep, reason="调回")
    _grow(project, rep, people=3, events=activities, seats=1, items=1)
    assert Conflict.objects.filter(project_a__in=[project, rival], project_b__in=[project, rival]).exists()
    client = client_for("lead")
    page = client.get(project.get_absolute_url(), **EN).content.decode()
    alone = project_timeline(project=Project.objects.get(pk=project.pk), limit=TIMELINE_FIRST)
    with translation.override("en"):
        html = render_to_string("pipeline/sections/timeline_items.html", {"timeline": alone, "project": project})
    assert _timeline_html(page) == " ".join(html.split())
    assert "调整分工" in page and "砍了一部分" in page


@pytest.mark.parametrize("persona", ["rep", "other_rep", "outsider_rep", "lead", "other_lead", "admin"])
def test_in_own_scope_answers_as_editable_by(personas, rep, lead, outsider_rep, persona):
    """The page decides "may edit" on the project it loaded, by ``editable_by``'s rule."""
    from teams.ownership import in_own_scope

    user = personas[persona]
    projects = [create_project(rep, name="代表的"), create_project(lead, name="主管的")]
    projects.append(create_project(outsider_rep, name="别组的"))
    for project in projects:
        expected = Project.objects.editable_by(user).filter(pk=project.pk).exists()
        assert in_own_scope(user=user, record=project) is expected, (persona, project.name)
    user.is_active = False
    assert not any(in_own_scope(user=user, record=project) for project in projects)


def test_the_customer_history_names_from_the_page_rows_are_the_stored_ones(rep, other_rep):
    """Names the page has read (owners, the customer's departments) are not read again;
    a department since deleted is still named from its history."""
    from accounts import services as account_services
    from accounts.history import customer_history

    customer = CustomerFactory(owner=rep)
    kept = Department.objects.create(customer=customer, name="信息科")
    gone = Department.objects.create(customer=customer, name="设备科")
    for department in (kept, gone):
        account_services.contact_create(
            user=rep, customer=customer, data={"name": f"{department.name}的人", "department_id": department.pk}
        )
    kept.name = "信息中心"
    kept.save()
    customer.name = customer.name + "（新）"
    customer.save()
    gone.contacts.update(department=None)
    gone.delete()

    def shown(entries):
        return [(e.when, e.kind, e.subject, e.action, str(e.changes)) for e in entries]

    expected = shown(customer_history(customer))
    assert "设备科" in str(expected) and "信息中心" in str(expected)
    assert shown(customer_history(customer, users=[rep], departments=[kept])) == expected
    assert shown(customer_history(customer, users=[rep, other_rep], departments=[kept, gone])) == expected


@pytest.mark.parametrize("persona", ["rep", "lead"])
def test_the_project_forms_cost_the_same_queries_however_big(
    client_for, rep, other_rep, persona, django_assert_max_num_queries
):
    """New and edit project: the lead contact's choices are the one customer's people (no
    "everything the user sees"): as many queries with 3 or 300 people, among 10 or 10,000
    other projects."""
    from django.urls import reverse

    client = client_for(persona)
    counts = []
    for people, others in ((3, 10), (300, 10_000)):
        customer = CustomerFactory(owner=rep)
        ContactFactory.create_batch(3, customer=customer)
        project = create_project(rep, customer, name=f"表单项目{people}")
        _grow(project, rep, people=people, events=0, seats=0, items=0)
        _other_projects(others, other_rep)
        new_url = reverse("projects:project_create") + f"?customer={customer.pk}"
        new, html = _queries(client, new_url, django_assert_max_num_queries, 20)
        assert f"联系人{people - 1}" in html  # the lead contact's choices: this customer's people
        edit, _html = _queries(
            client, reverse("projects:project_update", args=[project.pk]), django_assert_max_num_queries, 20
        )
        counts.append((new, edit))
    assert counts[0] == counts[1]


def test_the_page_shows_configuration_changes_at_once(client_for, rep, admin):
    """The checklist items and stages the process keeps are read again after a change made
    through the settings (a save, a delete, a reorder), as well as a bulk update."""
    from pipeline.models import ExitCheck, Stage
    from pipeline.settings_services.common import renumber
    from projects import checklist_settings
    from projects.models import ChecklistItem
    from teams.config_cache import config_changed

    client = client_for("rep")
    project = create_project(rep, name="配置项目")
    url = project.get_absolute_url()
    assert "实地走访" not in client.get(url, **EN).content.decode()
    item, _job = checklist_settings.checklist_item_create(actor=admin, label="实地走访")
    assert "实地走访" in client.get(url, **EN).content.decode()
    ChecklistItem.objects.filter(pk=item.pk).delete()
    assert "实地走访" not in client.get(url, **EN).content.decode()

    stage = project.state.stage
    ExitCheck.objects.create(stage=stage, requirement="competitors", severity="block")
    assert "Competitors are recorded" in client.get(url, **EN).content.decode()
    following = Stage.objects.filter(pipeline_id=stage.pipeline_id, order__gt=stage.order).order_by("order").first()
    Stage.objects.filter(pk=following.pk).update(name_en="Renamed by hand")
    config_changed()  # what a bulk write calls (renumber, below, does)
    assert "Renamed by hand" in client.get(url, **EN).content.decode()
    rows = list(Stage.objects.filter(pipeline_id=stage.pipeline_id).order_by("order", "id"))
    Stage.objects.filter(pk=following.pk).update(name_en="Renamed again")
    renumber(Stage, rows)
    assert "Renamed again" in client.get(url, **EN).content.decode()


def test_the_history_section_is_loaded_when_opened(client_for, rep, lead, other_rep, outsider_rep):
    """The page shows the history folded and reads neither the owner changes nor the field
    edits; opening it loads the section (htmx) or, without JavaScript, the page with it open;
    someone who may not see the project gets 404 as for the page."""
    from django.urls import reverse

    project = create_project(rep, name="历史项目", budget="100000")
    project_services.project_transfer(user=lead, project=project, to_user=other_rep, reason="调整分工")
    url = reverse("projects:project_history", args=[project.pk])
    page = client_for("lead").get(project.get_absolute_url(), **EN).content.decode()
    history = page[page.index('<section id="history">') :]
    assert f'hx-get="{url}"' in history and "handed the project from" not in history
    assert "调整分工" in page  # still on the timeline

    section = client_for("lead").get(url, HTTP_HX_REQUEST="true", **EN).content.decode()
    assert section.lstrip().startswith('<section id="history">') and "<html" not in section
    assert "handed the project from" in section and "调整分工" in section and "created the project" in section

    whole = client_for("lead").get(url, **EN).content.decode()
    assert "<html" in whole and 'id="pipeline-timeline"' in whole and "created the project" in whole
    assert client_for("outsider_rep").get(url, **EN).status_code == 404


def test_the_timeline_rows_are_the_stored_rows(rep, lead, other_rep):
    """The timeline's rows come back from one UNION ALL packed as JSON: each event's row and
    the people on it have the stored values (a person without a display name named by the
    full name), and a coaching note its mentions."""
    from pipeline.selectors.timeline import project_timeline

    other_rep.display_name = ""
    other_rep.first_name, other_rep.last_name = "伟", "张"
    other_rep.save()
    project = create_project(rep, name="打包项目", budget="100000")
    _grow(project, rep, people=3, events=2, seats=1, items=1, key_dates=2, competitors=2, lead=lead, other=other_rep)
    project_services.project_transfer(user=lead, project=project, to_user=other_rep, reason="再交接")
    services.budget_change(user=other_rep, project=project, amount="150000", reason="追加")
    events = project_timeline(project=Project.objects.get(pk=project.pk), limit=100).events
    kinds = {event.kind for event in events}
    assert kinds >= {"stage", "budget", "competitor", "key_date", "activity", "owner", "coaching_note"}
    for event in events:
        if event.kind.startswith("conflict"):
            continue
        row = event.row
        model = type(row)
        stored = (
            model.objects.get(history_id=row.history_id) if event.kind == "competitor" else model.objects.get(pk=row.pk)
        )
        loaded = {name: value for name, value in row.__dict__.items() if not name.startswith("_")}
        for name, value in loaded.items():
            assert getattr(stored, name) == value, (event.kind, name)
        if event.by is not None:
            assert event.by.name == type(event.by).objects.get(pk=event.by.pk).name
    assert any(event.by == other_rep for event in events if event.kind == "budget")  # named as stored, above
    note = next(event.row for event in events if event.kind == "coaching_note")
    assert [person.pk for person in note.mentions.all()] == [rep.pk]
