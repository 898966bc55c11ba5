"""The project page's pipeline sections: what each shows, its writes (htmx and
plain posts), bad input named beside the field, stale versions with both
versions shown and the user's input kept, and the page's query budget."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import BuyingRole
from pipeline import services
from pipeline.models import Activity, BudgetChange, Competitor, StageChange
from pipeline.tests.project_helpers import create_project as _create
from pipeline.tests.project_helpers import log_contacts
from projects import services as project_services
from projects.models import Milestone, MilestoneChange, Project, Stakeholder
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}
HTMX_OFF = {"HTTP_ACCEPT_LANGUAGE": "en"}
SECTION_IDS = [
    "pipeline-stage",
    "pipeline-budget",
    "pipeline-competitors",
    "pipeline-key-dates",
    "pipeline-activities",
    "pipeline-timeline",
]


@pytest.fixture
def project(rep):
    return _create(rep, budget="1000000")


def _url(name, project, *args):
    return reverse(f"pipeline:{name}", args=[project.pk, *args])


def _fresh(project):
    return Project.objects.get(pk=project.pk)


def _minutes_ago(minutes):
    return timezone.localtime(timezone.now() - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


# --- the page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_shows_the_sections_in_order(rep_client, project, language):
    html = rep_client.get(project.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    positions = [html.index(f'id="{section}"') for section in SECTION_IDS]
    assert positions == sorted(positions)
    assert html.index('id="pipeline-timeline"') < html.index('id="history"')


def test_the_stage_section_shows_stage_tier_days_stale_and_the_strip(rep_client, rep):
    project = _create(rep, opened_at=timezone.now() - timedelta(days=45))
    html = rep_client.get(project.get_absolute_url(), **EN).content.decode()
    stage = html[html.index('id="pipeline-stage"') : html.index('id="pipeline-budget"')]
    assert "Prospect" in stage and "45 days in this stage" in stage
    assert "stale" in stage and "expected at most 30 days" in stage  # the prospect stage expects 30
    strip = re.search(r'<ol class="stage-strip".*?</ol>', stage, re.S).group(0)
    assert strip.count("<li") == 6  # lost is not a step of the strip
    assert '<li class="current" aria-current="step">Prospect</li>' in strip


def test_exit_checks_of_the_current_stage_are_shown_with_their_severity(rep_client, project, rep):
    services.project_move(user=rep, project=project, stage="need_confirmed")
    html = rep_client.get(project.get_absolute_url(), **EN).content.decode()
    checks = re.search(r'<div class="exit-checks">.*?</div>', html, re.S).group(0)
    assert "Before moving on from Need confirmed" in checks
    assert re.search(r"required</span>\s*A decision maker is on the buying committee", checks)
    assert re.search(r"advised</span>\s*Competitors are recorded", checks)
    assert "The budget is known" not in checks  # the project has one


def _history(project, rep, people, *, moves, activities, competitors):
    """``moves`` back-dated stage changes (ending in need_confirmed), ``activities``
    contacts with two people, ``competitors`` competitors, the three key dates each
    planned and slipped once, and a decision maker on the committee."""
    Stakeholder.objects.create(project=project, contact=people[0], role="decision_maker")
    for i in range(moves):
        stage = "need_confirmed" if (moves - i) % 2 else "prospect"
        at = timezone.now() - timedelta(days=190 - i * 5)
        services.project_move(user=rep, project=project, stage=stage, at=at)
    moments = [timezone.now() - timedelta(days=30 - i) for i in range(activities)]
    log_contacts(project, rep, moments, summary="第{i}次电话", kind="call", contacts=people[:2])
    for i in range(competitors):
        services.competitor_save(user=rep, project=project, data={"kind": "external", "name": f"竞品{i}"})
    for kind in ("proposal_accepted", "contract_review", "payment"):
        data = {"kind": kind, "due_on": timezone.localdate(), "attendees": people[:2]}
        milestone = project_services.milestone_save(user=rep, project=project, data=data)
        later = {"due_on": timezone.localdate() + timedelta(days=9)}
        project_services.milestone_save(user=rep, project=project, data=later, milestone=milestone)


def test_the_page_query_count_does_not_grow_with_the_history(rep_client, rep, django_assert_max_num_queries):
    """A project with 30 stage changes, 30 activities, 10 competitors and 3 slipped key
    dates costs what one with one of each costs. The sections' queries: stage (state
    with stage and pipeline, the pipeline's stages, lost reasons, the current stage's
    exit checks and one per requirement), budget (changes, procurement total),
    competitors (1), key dates (milestones with slips, their attendees, the
    customer's people), contact log (activities, their people), timeline (one per
    kind: 7), whether the user may edit; the rest is the projects page's own."""
    customer = CustomerFactory(owner=rep)
    people = ContactFactory.create_batch(4, customer=customer)
    opened = timezone.now() - timedelta(days=200)
    small = _create(rep, customer, opened_at=opened, budget="500000", name="小项目")
    _history(small, rep, people, moves=1, activities=1, competitors=1)
    big = _create(rep, customer, opened_at=opened, budget="500000", name="大项目")
    _history(big, rep, people, moves=29, activities=30, competitors=10)
    assert StageChange.objects.filter(project=big).count() == 30

    with django_assert_max_num_queries(60) as small_page:
        assert rep_client.get(small.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(len(small_page.captured_queries)):
        response = rep_client.get(big.get_absolute_url(), **EN)
    html = response.content.decode()
    assert html.count('class="activity"') == 20 and "Load more" in html
    assert html.count('class="competitor status-active"') == 10
    assert "Slipped 3 times" in html


# --- stage ----------------------------------------------------------------------------------------


def _move(client, project, stage, headers=HTMX, **extra):
    body = {"move-stage": stage, "version": _fresh(project).version, **extra}
    return client.post(_url("project_move", project), body, **headers)


def test_a_move_answers_with_the_stage_and_the_changed_sections(rep_client, project, rep):
    response = _move(rep_client, project, "need_confirmed", **{"move-note": "需求已确认"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="pipeline-stage"')
    assert "Moved to Need confirmed." in html
    assert "Moved, but still missing" in html and "A next contact is planned" in html  # prospect's warning
    for oob in ("pipeline-budget", "pipeline-timeline", "pipeline-activities"):
        assert f'id="{oob}" class="pipeline-section" aria-labelledby="{oob}-title" hx-swap-oob="true"' in html
    change = StageChange.objects.filter(project=project).first()
    assert (change.to_stage.key, change.note, change.by) == ("need_confirmed", "需求已确认", rep)
    # Both forms now carry the new version, so the next save is not stale.
    assert html.count(f'name="version" value="{_fresh(project).version}"') == 2


def test_a_move_left_at_the_shown_time_takes_effect_now(rep_client, rep):
    project = _create(rep, opened_at=timezone.now() - timedelta(seconds=5))
    shown = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = _move(rep_client, project, "need_confirmed", **{"move-at": shown, "move-at_shown": shown})
    assert response.status_code == 200
    change = StageChange.objects.filter(project=project).first()
    assert change.to_stage.key == "need_confirmed" and change.at >= project.opened_at


def test_a_back_dated_move_keeps_its_effective_time(rep_client, project):
    response = _move(rep_client, project, "need_confirmed", **{"move-at": _minutes_ago(60 * 24 * 3)})
    assert response.status_code == 200
    change = StageChange.objects.filter(project=project).first()
    assert timezone.now() - change.at > timedelta(days=2, hours=23)


def test_a_move_without_js_redirects_with_the_notice(rep_client, project):
    response = _move(rep_client, project, "need_confirmed", headers=EN)
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    page = rep_client.get(project.get_absolute_url(), **EN).content.decode()
    assert "Moved to Need confirmed." in page


@pytest.mark.parametrize(
    ("stage", "extra", "field", "message"),
    [
        ("lost", {}, "lost_reason", "Say why the project was lost."),
        ("", {}, "stage", "This field is required."),
        ("renewal_due", {}, "stage", "Select a valid choice."),
        ("need_confirmed", {"move-at": "2099-01-01T10:00"}, "at", "A move cannot take effect in the future."),
        ("need_confirmed", {"move-at": "2020-01-01T10:00"}, "at", "before the previous one"),
    ],
)
def test_a_refused_move_names_the_field_and_stores_nothing(rep_client, project, stage, extra, field, message):
    response = _move(rep_client, project, stage, **extra)
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(rf'id="id_move-{field}_error">(.*?)</ul>', html, re.S)
    assert error and message in error.group(1), html[:3000]
    assert StageChange.objects.filter(project=project).count() == 1
    assert _fresh(project).state.stage.key == "prospect"


def test_lost_with_a_reason_closes_the_project(rep_client, project):
    response = _move(rep_client, project, "lost", **{"move-lost_reason": "price", "move-lost_note": "贵了两成"})
    assert response.status_code == 200
    project = _fresh(project)
    assert project.state.lost_reason.key == "price" and project.state.lost_note == "贵了两成"
    assert project.closed_at is not None
    assert "Lost reason: Price — 贵了两成" in response.content.decode()


def test_a_blocking_exit_check_refuses_the_move(rep_client, project, rep):
    services.project_move(user=rep, project=project, stage="need_confirmed")
    response = _move(rep_client, project, "proposal_accepted")
    assert response.status_code == 400
    assert "Before leaving “Need confirmed”: A decision maker is on the buying committee" in response.content.decode()
    assert _fresh(project).state.stage.key == "need_confirmed"


def test_the_lost_reason_fields_are_marked_for_lost_stages_only(rep_client, project):
    # The move form, as the page loads it when opened (tests/test_project_forms_on_demand.py).
    html = rep_client.get(reverse("pipeline:project_move", args=[project.pk]), **HTMX).content.decode()
    select = re.search(r'<select name="move-stage".*?</select>', html, re.S).group(0)
    assert '<option value="lost" data-lost="">' in select
    assert '<option value="need_confirmed" data-forward="">' in select
    assert '<option value="prospect"' not in select  # the current stage
    assert 'name="move-lost_reason"' in html and 'name="move-lost_note"' in html


def test_a_stale_move_shows_both_versions_keeps_the_input_and_moves_nothing(rep_client, lead_client, project, rep):
    opened_version = _fresh(project).version
    assert _move(lead_client, project, "need_confirmed").status_code == 200
    response = rep_client.post(
        _url("project_move", project),
        {"move-stage": "contract_legal", "move-note": "合同已发出", "version": opened_version},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 409
    conflict = re.search(r'<article class="warning-box".*?</article>', html, re.S).group(0)
    assert "Need confirmed (Qualified)" in conflict and "Contract &amp; legal (High intent)" in conflict
    assert "合同已发出" in html  # the note as typed
    assert f'name="version" value="{_fresh(project).version}"' in html  # saving again is deliberate
    assert _fresh(project).state.stage.key == "need_confirmed"
    assert StageChange.objects.filter(project=project).count() == 2


def test_a_refused_move_without_js_shows_the_page_with_the_error(rep_client, project):
    response = _move(rep_client, project, "lost", headers=EN)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html and 'id="history"' in html
    assert "Say why the project was lost." in html


# --- budget ------------------------------------------------------------------------------------------


def _budget(client, project, headers=HTMX, **fields):
    body = {f"budget-{name}": value for name, value in fields.items()}
    body["version"] = fields.pop("version", _fresh(project).version)
    return client.post(_url("project_budget", project), body, **headers)


def test_a_budget_change_is_kept_with_who_when_and_why(rep_client, project, rep):
    day = timezone.localdate() - timedelta(days=3)
    response = _budget(rep_client, project, budget="1,350,000", effective_on=day.isoformat(), reason="扩容")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Budget saved." in html
    assert re.search(r"¥1,000,000</span> → <span[^>]*>¥1,350,000<", html)
    change = BudgetChange.objects.filter(project=project).first()
    assert (change.old, change.new, change.effective_on, change.by, change.reason) == (
        Decimal("1000000"),
        Decimal("1350000"),
        day,
        rep,
        "扩容",
    )
    assert 'id="pipeline-stage" class="pipeline-section" aria-labelledby="pipeline-stage-title" hx-swap-oob' in html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"budget": "800000"}, "reason", "Say why the budget dropped."),
        ({"budget": "-5"}, "budget", "The budget cannot be negative."),
        ({"budget": "一百万"}, "budget", "Enter the amount in yuan"),
        ({"budget": "2000000000000"}, "budget", "cannot exceed"),
        ({"budget": "1200000", "effective_on": "2099-01-01"}, "effective_on", "in the future"),
    ],
)
def test_a_refused_budget_names_the_field_and_stores_nothing(rep_client, project, fields, field, message):
    response = _budget(rep_client, project, **fields)
    assert response.status_code == 400
    error = re.search(rf'id="id_budget-{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    assert error and message in error.group(1)
    assert BudgetChange.objects.filter(project=project).count() == 1
    assert _fresh(project).budget == Decimal("1000000")


def test_a_stale_budget_shows_both_amounts(rep_client, lead, project):
    opened_version = _fresh(project).version
    services.budget_change(user=lead, project=project, amount="1100000", reason="")
    response = _budget(rep_client, project, budget="1250000", version=opened_version)
    assert response.status_code == 409
    conflict = re.search(r'<article class="warning-box".*?</article>', response.content.decode(), re.S).group(0)
    assert "1100000" in conflict and "1250000" in conflict
    assert _fresh(project).budget == Decimal("1100000")


def test_the_budget_chart_is_an_accessible_svg_beside_the_procurement_total(rep_client, project, rep):
    project_services.procurement_item_save(
        user=rep, project=project, data={"item": "服务器", "quantity": 4, "unit_price": 300000}
    )
    services.budget_change(
        user=rep, project=project, amount="900000", reason="压缩", effective_on=timezone.localdate() - timedelta(days=5)
    )
    html = rep_client.get(project.get_absolute_url(), **EN).content.decode()
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="budget-chart-title budget-chart-desc"' in svg
    assert '<title id="budget-chart-title">Budget over time</title>' in svg
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1)
    assert "¥1,000,000" in desc and "¥900,000" in desc and "Procurement list total: ¥1,200,000." in desc
    assert svg.count("<circle") == 2 and 'class="procurement"' in svg
    assert "Funding approved" in html and "Procurement list total" in html


def test_the_budget_history_marks_drops_merged_changes_and_the_system(rep_client, rep, project):
    services.budget_change(user=rep, project=project, amount="900000", reason="<b>砍</b>")  # a drop
    BudgetChange.objects.create(  # kept from a project merged into this one: no author, not its budget
        project=project, new=Decimal("50000"), effective_on=timezone.localdate(), merged_from=987
    )
    html = rep_client.get(project.get_absolute_url(), **EN).content.decode()
    section = html[html.index('id="pipeline-budget"') : html.index('id="pipeline-competitors"')]
    merged, drop, first = re.findall(r"<li>.*?</li>", section, re.S)
    assert '<span class="badge">from merged project #987</span>' in merged and "· system ·" in merged
    assert "drop" not in merged and "Why" not in merged
    assert '<span class="badge warn">drop</span>' in drop and "Why: &lt;b&gt;砍&lt;/b&gt;" in drop
    assert rep.name in drop and "system" not in drop
    assert "drop" not in first and "merged" not in first
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", section).group(1)
    assert "¥900,000" in desc and "¥50,000" not in desc


def test_the_timeline_takes_the_budget_rows_the_budget_section_read(rep_client, rep, project):
    services.budget_change(user=rep, project=project, amount="1100000", reason="")
    with CaptureQueriesContext(connection) as captured:
        html = rep_client.get(project.get_absolute_url(), **EN).content.decode()
    reads = [q["sql"] for q in captured.captured_queries if '"pipeline_budgetchange"' in q["sql"]]
    assert len(reads) == 1 and "UNION" not in reads[0]  # the section's read; the timeline's query has no budget part
    timeline = html[html.index('id="pipeline-timeline"') :]
    assert timeline.count('<span class="badge event-kind">Budget</span>') == 2 and "¥1,100,000" in timeline


# --- competitors --------------------------------------------------------------------------------------


def _competitor_body(prefix, **fields):
    data = {"kind": "external", "name": "用友", "offering": "", "threat": "medium", "status": "active", "notes": ""}
    data.update(fields)
    return {f"{prefix}-{name}": value for name, value in data.items()}


def test_competitors_are_added_and_grouped_by_kind(rep_client, project):
    url = _url("project_competitor_add", project)
    rep_client.post(url, _competitor_body("competitor-new", threat="high"), **HTMX)
    rep_client.post(url, _competitor_body("competitor-new", kind="customer_internal", name="采购部"), **HTMX)
    response = rep_client.post(url, _competitor_body("competitor-new", kind="our_own", name="KA 部"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "Competitor KA 部 saved." in html
    heads = re.findall(r'<h3 class="group-head">([^<]+)<|<strong class="card-title">([^<]+)<', html)
    assert [group.strip() or name for group, name in heads] == [
        "Another vendor",
        "用友",
        "A department of the customer",
        "采购部",
        "Another unit of ours",
        "KA 部",
    ]
    assert "threat: High" in html
    assert Competitor.objects.filter(project=project).count() == 3


def test_a_bad_competitor_names_the_fields(rep_client, project):
    response = rep_client.post(
        _url("project_competitor_add", project), _competitor_body("competitor-new", kind="alien", name=""), **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_competitor-new-kind_error"' in html and 'id="id_competitor-new-name_error"' in html
    assert not Competitor.objects.exists()


def test_a_competitor_is_edited_with_its_version(rep_client, project, rep):
    competitor = services.competitor_save(user=rep, project=project, data={"kind": "external", "name": "用友"})
    prefix = f"competitor-{competitor.pk}"
    body = {**_competitor_body(prefix, threat="high", offering="低价"), "version": competitor.version}
    response = rep_client.post(_url("project_competitor_edit", project, competitor.pk), body, **HTMX)
    assert response.status_code == 200
    competitor.refresh_from_db()
    assert (competitor.threat, competitor.offering, competitor.version) == ("high", "低价", 2)
    assert "Threat: Medium → High" in response.content.decode()  # the timeline came along


def test_a_competitors_edit_form_is_loaded_when_opened(rep_client, client_for, project, rep):
    """The page carries no edit form per competitor (rarely used, it cost the most widgets):
    opening "Edit" loads it (htmx), or without JavaScript opens the page with it; only
    for someone who may edit the project."""
    competitor = services.competitor_save(user=rep, project=project, data={"kind": "external", "name": "用友"})
    url = _url("project_competitor_edit", project, competitor.pk)
    page = rep_client.get(project.get_absolute_url(), **HTMX_OFF).content.decode()
    assert f'name="competitor-{competitor.pk}-name"' not in page and f'hx-get="{url}"' in page
    form = rep_client.get(url, **HTMX).content.decode()
    assert f'name="competitor-{competitor.pk}-name" value="用友"' in form
    assert f'hx-post="{url}"' in form and f'name="version" value="{competitor.version}"' in form
    plain = rep_client.get(url, **HTMX_OFF).content.decode()
    assert f'name="competitor-{competitor.pk}-name" value="用友"' in plain
    assert '<details class="section-form" open>' in plain
    assert client_for("outsider_rep").get(url, **HTMX).status_code == 404


def test_an_unchanged_competitor_edit_writes_no_history(rep_client, project, rep):
    competitor = services.competitor_save(user=rep, project=project, data={"kind": "external", "name": "用友"})
    body = {**_competitor_body(f"competitor-{competitor.pk}"), "version": competitor.version}
    response = rep_client.post(_url("project_competitor_edit", project, competitor.pk), body, **HTMX)
    assert "Nothing changed." in response.content.decode()
    assert competitor.history.count() == 1


def test_a_stale_competitor_edit_shows_both_versions(rep_client, project, rep, lead):
    competitor = services.competitor_save(user=rep, project=project, data={"kind": "external", "name": "用友"})
    services.competitor_save(user=lead, project=project, data={"threat": "low"}, competitor=competitor, version=1)
    body = {**_competitor_body(f"competitor-{competitor.pk}", threat="high", notes="对方降价"), "version": 1}
    response = rep_client.post(_url("project_competitor_edit", project, competitor.pk), body, **HTMX)
    html = response.content.decode()
    assert response.status_code == 409
    conflict = re.search(r'<article class="warning-box".*?</article>', html, re.S).group(0)
    assert "Low" in conflict and "High" in conflict
    assert "对方降价" in html and 'name="version" value="2"' in html
    assert Competitor.objects.get(pk=competitor.pk).threat == "low"


def test_competitors_are_marked_eliminated_or_winner(rep_client, project, rep):
    competitor = services.competitor_save(user=rep, project=project, data={"kind": "external", "name": "用友"})
    url = _url("project_competitor_status", project, competitor.pk)
    response = rep_client.post(url, {"status": "eliminated", "version": 1}, **HTMX)
    assert response.status_code == 200 and "用友: Eliminated." in response.content.decode()
    stale = rep_client.post(url, {"status": "won", "version": 1}, **HTMX)
    assert stale.status_code == 409
    assert "Eliminated" in stale.content.decode() and "Won the deal" in stale.content.decode()
    assert rep_client.post(url, {"status": "gone", "version": 2}, **HTMX).status_code == 400
    assert Competitor.objects.get(pk=competitor.pk).status == "eliminated"


# --- key dates ---------------------------------------------------------------------------------------


def _key_date(client, project, kind, headers=HTMX, **fields):
    body = {}
    for name, value in fields.items():
        body[f"keydate-{kind}-{name}"] = value
    return client.post(_url("project_key_date", project, kind), body, **headers)


def test_key_dates_are_planned_and_slips_counted(rep_client, project):
    first = timezone.localdate() + timedelta(days=10)
    customer_person = ContactFactory(customer=project.customer, name="赵总")
    response = _key_date(
        rep_client, project, "proposal_accepted", due_on=first.isoformat(), attendees=[customer_person.pk]
    )
    assert response.status_code == 200
    _key_date(rep_client, project, "proposal_accepted", due_on=(first + timedelta(days=7)).isoformat())
    response = _key_date(rep_client, project, "proposal_accepted", due_on=(first + timedelta(days=14)).isoformat())
    html = response.content.decode()
    assert "Slipped 2 times" in html
    milestone = Milestone.objects.get(project=project, kind="proposal_accepted")
    assert milestone.due_on == first + timedelta(days=14)
    assert MilestoneChange.objects.filter(milestone=milestone, is_slip=True).count() == 2
    assert list(milestone.attendees.all()) == []  # the last save chose nobody
    # The change form opens at the planned date, as ISO in Chinese too (a native date input reads nothing else).
    url = reverse("pipeline:project_key_date", args=[project.pk, "proposal_accepted"])
    zh = rep_client.get(url, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'name="keydate-proposal_accepted-due_on" value="{milestone.due_on.isoformat()}"' in zh


def test_people_of_another_customer_cannot_be_present(rep_client, project, rep):
    stranger = ContactFactory(customer=CustomerFactory(owner=rep))
    response = _key_date(rep_client, project, "proposal_accepted", due_on="2027-03-01", attendees=[stranger.pk])
    assert response.status_code == 400
    assert 'id="id_keydate-proposal_accepted-attendees_error"' in response.content.decode()
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(("fields", "field"), [({"due_on": ""}, "due_on"), ({"due_on": "1900-01-01"}, "due_on")])
def test_a_bad_key_date_is_named(rep_client, project, fields, field):
    response = _key_date(rep_client, project, "payment", **fields)
    assert response.status_code == 400
    assert f'id="id_keydate-payment-{field}_error"' in response.content.decode()
    assert not Milestone.objects.exists()


def test_an_unknown_key_date_is_refused(rep_client, project):
    assert _key_date(rep_client, project, "other", due_on="2027-01-01").status_code == 400
    assert not Milestone.objects.exists()


def test_other_milestones_stay_in_the_projects_timeline_section(rep_client, project, rep):
    project_services.milestone_save(user=rep, project=project, data={"name": "立项评审", "due_on": "2027-01-05"})
    project_services.milestone_save(user=rep, project=project, data={"kind": "payment", "due_on": "2027-02-05"})
    html = rep_client.get(project.get_absolute_url(), **EN).content.decode()
    milestones = re.search(r'<ul class="[^"]*milestones">.*?</ul>', html, re.S).group(0)
    assert "立项评审" in milestones and "2027" in milestones
    assert milestones.count("<li") == 1  # the payment is a key date, in its own section


# --- contact log -------------------------------------------------------------------------------------


def _log(client, project, headers=HTMX, **fields):
    data = {"kind": "call", "summary": "电话沟通需求", "next_contact_on": (timezone.localdate() + timedelta(days=2))}
    data.update(fields)
    body = {}
    for name, value in data.items():
        body[f"activity-{name}"] = value.isoformat() if hasattr(value, "isoformat") else value
    return client.post(_url("project_activity", project), body, **headers)


def test_logging_a_contact_sets_last_and_next_contact(rep_client, project, rep):
    person = ContactFactory(customer=project.customer, name="钱工")
    response = _log(rep_client, project, kind="visit", contacts=[person.pk], occurred_at=_minutes_ago(90))
    html = response.content.decode()
    assert response.status_code == 200 and "Visit logged." in html
    activity = Activity.objects.get(project=project)
    assert (activity.kind, activity.by, list(activity.contacts.all())) == ("visit", rep, [person])
    project = _fresh(project)
    assert project.last_contact_at == activity.occurred_at
    assert project.next_contact_on == timezone.localdate() + timedelta(days=2)
    assert "With whom: 钱工" in html


def test_an_open_project_needs_its_next_contact(rep_client, project):
    response = _log(rep_client, project, next_contact_on="")
    assert response.status_code == 400
    assert 'id="id_activity-next_contact_on_error"' in response.content.decode()
    assert not Activity.objects.exists()


def test_a_contact_can_move_the_stage(rep_client, project):
    response = _log(rep_client, project, move_to="need_confirmed")
    assert response.status_code == 200
    assert _fresh(project).state.stage.key == "need_confirmed"
    assert 'id="pipeline-stage" class="pipeline-section" aria-labelledby="pipeline-stage-title" hx-swap-oob' in (
        response.content.decode()
    )


def test_a_blocked_move_with_a_contact_is_named_on_the_move_and_nothing_is_stored(rep_client, project, rep):
    services.project_move(user=rep, project=project, stage="need_confirmed")
    response = _log(rep_client, project, move_to="proposal_accepted")
    assert response.status_code == 400
    error = re.search(r'id="id_activity-move_to_error">(.*?)</ul>', response.content.decode(), re.S)
    assert error and "A decision maker is on the buying committee" in error.group(1)
    assert not Activity.objects.exists()
    assert _fresh(project).state.stage.key == "need_confirmed"


def test_the_contact_log_offers_what_my_day_offers(rep_client, project):
    """One form serves both pages: committee first, quick picks, a week ahead, lost with its reason."""
    boss = ContactFactory(customer=project.customer, name="赵主任", title="信息中心主任")
    plain = ContactFactory(customer=project.customer, name="艾平常")
    Stakeholder.objects.create(project=project, contact=boss, role=BuyingRole.DECISION_MAKER)
    # The form as the page loads it when "Log a contact" is opened.
    html = rep_client.get(reverse("pipeline:project_activity", args=[project.pk]), **HTMX).content.decode()
    assert re.findall(r'name="activity-contacts" value="(\d+)"', html) == [str(boss.pk), str(plain.pk)]
    assert "赵主任 (信息中心主任) · Decision maker" in html
    week = (timezone.localdate() + timedelta(days=7)).isoformat()
    assert f'data-set-date="{week}"' in html and f'value="{week}"' in html
    assert "Stay in “Prospect”" in html and '<option value="lost" data-lost="">' in html
    assert 'name="activity-lost_reason"' in html


def test_a_contact_may_lose_the_project_with_its_reason(rep_client, project):
    refused = _log(rep_client, project, move_to="lost", next_contact_on="")
    assert refused.status_code == 400
    assert 'id="id_activity-lost_reason_error"' in refused.content.decode()
    assert not Activity.objects.exists() and _fresh(project).state.stage.key == "prospect"

    response = _log(rep_client, project, move_to="lost", lost_reason="price", lost_note="价格高", next_contact_on="")
    assert response.status_code == 200
    state = _fresh(project).state
    assert (state.stage.key, state.lost_reason.key, state.lost_note) == ("lost", "price", "价格高")
    assert Activity.objects.get().project == project


def test_the_contact_log_loads_more_by_its_cursor(rep_client, project, rep):
    log_contacts(project, rep, [timezone.now() - timedelta(hours=25 - i) for i in range(25)], summary="消息{i:02d}")
    page = rep_client.get(project.get_absolute_url()).content.decode()
    page = page[page.index('id="pipeline-activities"') : page.index('id="pipeline-timeline"')]
    assert "消息24" in page and "消息05" in page and "消息04" not in page
    more = re.search(r'hx-get="([^"]+)"[^>]*>[^<]*</a></li>', page)
    response = rep_client.get(more.group(1).replace("&amp;", "&"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert [f"消息{i:02d}" for i in range(4, -1, -1)] == re.findall(r"消息\d\d", html)
    assert "load-more" not in html
    plain = rep_client.get(more.group(1).replace("&amp;", "&"))
    assert plain.status_code == 200 and "<html" in plain.content.decode()
    assert rep_client.get(_url("project_activities", project), {"before": "x.y"}).status_code == 400


@pytest.mark.parametrize("version", ["abc", "-1", "1.5"])
def test_a_garbled_version_is_stale_not_an_error(rep_client, project, version):
    response = rep_client.post(
        _url("project_move", project), {"move-stage": "need_confirmed", "version": version}, **HTMX
    )
    assert response.status_code == 409
    assert _fresh(project).state.stage.key == "prospect"


def test_the_competitor_history_is_read_through_its_indexes(rep, project):
    """``project_id = … OR id IN (SELECT …)`` cannot be a BitmapOr: at 1.5 million history rows
    PostgreSQL read the whole table for each timeline (0.6 s). With the ids as a list both
    indexes serve, one bitmap each (the plan is taken with sequential scans priced out)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pipeline.selectors.timeline import project_timeline

    services.competitor_save(user=rep, project=project, data={"kind": "external", "name": "用友"})
    with CaptureQueriesContext(connection) as captured:
        project_timeline(project=project)
    [sql] = [q["sql"] for q in captured.captured_queries if 'FROM "pipeline_historicalcompetitor"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "BitmapOr" in plan, plan
    assert "Seq Scan on pipeline_historicalcompetitor" not in plan


def test_the_budget_section_shows_the_newest_changes_and_the_older_on_demand(rep_client, rep, client_for):
    project = _create(rep, budget="100000")
    for i in range(12):
        services.budget_change(user=rep, project=project, amount=str(100000 + 1000 * (i + 1)), reason=f"第{i}次")
    newest = list(BudgetChange.objects.filter(project=project).order_by("-effective_on", "-recorded_at", "-id"))
    assert len(newest) > 10
    html = rep_client.get(project.get_absolute_url(), **EN).content.decode()
    section = html[html.index('id="pipeline-budget"') : html.index('id="pipeline-competitors"')]
    assert section.count("第") == 10 and "第11次" in section and "第1次" not in section
    url = reverse("pipeline:project_budget_changes", args=[project.pk])
    assert f"{url}?before={newest[9].pk}" in section
    assert f"Show {len(newest) - 10} older changes" in section
    more = rep_client.get(url, {"before": newest[9].pk}, HTTP_HX_REQUEST="true", **EN).content.decode()
    assert "第1次" in more and "第0次" in more and "第2次" not in more
    assert more.count("<li>") == len(newest) - 10
    page = rep_client.get(url, **EN).content.decode()  # without JavaScript: a page with every change
    assert "Budget history" in page and page.count("第") == 12
    assert rep_client.get(url, {"before": "x"}).status_code == 400
    assert client_for("outsider_rep").get(url).status_code == 404


PAYLOAD = "<img src=x onerror=alert(1)>"


def test_every_value_in_the_sections_built_in_python_is_escaped_once_and_every_form_has_its_token(rep_client, rep):
    """Competitor name, offering and notes; the budget reason; a person present at the proposal;
    a stage's name and an exit check's label: each shown escaped (never raw, never twice), and
    every POST form built in Python carries the CSRF token (the test client does not check it)."""
    from pipeline.models import ExitCheck, Stage
    from projects.models import ChecklistItem
    from teams.config_cache import config_changed

    project = _create(rep, budget="1000000")
    services.competitor_save(
        user=rep, project=project, data={"kind": "external", "name": PAYLOAD, "offering": PAYLOAD, "notes": PAYLOAD}
    )
    services.budget_change(user=rep, project=project, amount="900000", reason=PAYLOAD)
    person = ContactFactory(customer=project.customer, name=PAYLOAD)
    project_services.milestone_save(
        user=rep,
        project=project,
        data={"kind": "proposal_accepted", "due_on": timezone.localdate(), "attendees": [person]},
    )
    Stage.objects.filter(key="prospect").update(name_en=PAYLOAD, name_zh=PAYLOAD)
    item = ChecklistItem.objects.create(key="xss", label=PAYLOAD)
    ExitCheck.objects.create(stage=Stage.objects.get(key="prospect"), checklist_item=item, severity="block")
    config_changed()
    html = rep_client.get(project.get_absolute_url(), **EN).content.decode()
    assert PAYLOAD not in html
    assert "&amp;lt;" not in html
    escaped = "&lt;img src=x onerror=alert(1)&gt;"
    sections = {
        name: html[html.index(f'id="pipeline-{name}"') :][:20000]
        for name in ("stage", "budget", "competitors", "key-dates")
        if f'id="pipeline-{name}"' in html
    }
    assert {name for name, part in sections.items() if escaped in part} == set(sections), sections.keys()
    forms = re.findall(r'<form[^>]*method="post".*?</form>', html, re.S)
    assert forms and all("csrfmiddlewaretoken" in form for form in forms)
    answer = rep_client.get(
        reverse("pipeline:project_competitor_add", args=[project.pk]), HTTP_HX_REQUEST="true", **EN
    ).content.decode()
    assert PAYLOAD not in answer


@pytest.mark.parametrize("count", [5, 10, 11, 21, 22, 35])
def test_the_budget_history_and_the_timeline_read_the_changes_once_whatever_their_number(rep_client, rep, count):
    """The budget section builds only the newest changes as rows and hands them to the timeline,
    which uses them only when they are enough: the page shows the newest 10, offers the rest,
    and its timeline has as many budget events as a timeline read on its own."""
    from pipeline.selectors.timeline import project_timeline

    project = _create(rep, budget="1000000")
    for i in range(count - 1):  # the project has its first one already
        services.budget_change(
            user=rep,
            project=project,
            amount=str(1000000 + i + 1),
            reason=f"第{i}次",
            effective_on=timezone.localdate() - timedelta(days=count - i),
        )
    assert BudgetChange.objects.filter(project=project).count() == count
    with CaptureQueriesContext(connection) as captured:
        html = rep_client.get(project.get_absolute_url(), **EN).content.decode()
    assert sum('"pipeline_budgetchange"' in query["sql"] for query in captured.captured_queries) == 1
    section = html[html.index('id="pipeline-budget"') : html.index('id="pipeline-competitors"')]
    assert len(re.findall(r"<li>\s*<strong>", section)) == min(count, 10)
    more = re.search(r"Show (\d+) older change", section)
    assert (int(more.group(1)) if more else 0) == max(count - 10, 0)
    alone = project_timeline(project=Project.objects.get(pk=project.pk), limit=20)
    timeline = html[html.index('id="pipeline-timeline"') :]
    shown = timeline.count('<span class="badge event-kind">Budget</span>')
    assert shown == sum(event.kind == "budget" for event in alone.events) > 0
