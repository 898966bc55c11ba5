"""My day: the four sections per persona, logging a contact from a row (the
htmx dialog and its swap), bad input with nothing stored, the standalone
log-contact page, the start pages, and query budgets constant in the number of
projects."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import BuyingRole
from pipeline import services
from pipeline.models import Activity, ProjectState, Stage, StageChange
from pipeline.selectors import my_day
from pipeline.views import my_day as my_day_views
from projects.models import Project, Stakeholder
from tests.factories import ContactFactory, CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}


def _today():
    return services.today()


def _project(owner, name, *, next_in=None, in_stage_days=0, customer=None):
    """An open project of ``owner`` whose next contact is ``next_in`` days from today
    (None: not planned), opened in its stage ``in_stage_days`` days (and two hours) ago."""
    project = ProjectFactory(customer=customer or CustomerFactory(owner=owner), owner=owner, name=name)
    next_on = _today() + timedelta(days=next_in) if next_in is not None else None
    entered = timezone.now() - timedelta(days=in_stage_days, hours=2)
    Project.objects.filter(pk=project.pk).update(next_contact_on=next_on, opened_at=entered)
    ProjectState.objects.filter(pk=project.pk).update(entered_at=entered)
    StageChange.objects.filter(project=project).update(at=entered)
    services.stale_refresh(stages=[project.state.stage_id])  # what a back-dated entry keeps on the project
    project.refresh_from_db()
    return project


@pytest.fixture
def day(rep, other_rep, outsider_rep):
    """rep's projects in every section (and two in none), a colleague's and an outsider's overdue one."""
    projects = {
        "old": _project(rep, "十天前该联系", next_in=-10),
        "late": _project(rep, "两天前该联系", next_in=-2),
        "today": _project(rep, "今天联系", next_in=0),
        "stale": _project(rep, "停滞四十天", next_in=5, in_stage_days=40),
        "unplanned": _project(rep, "没有计划", next_in=None),
        "fine": _project(rep, "三天后联系", next_in=3, in_stage_days=30),  # 30 days: not yet stale
        "closed": _project(rep, "已赢单", next_in=-5),
        "colleague": _project(other_rep, "同事的逾期项目", next_in=-1),
        "outsider": _project(outsider_rep, "外组的逾期项目", next_in=-4),
    }
    services.project_move(user=rep, project=projects["closed"], stage="won")
    return projects


def _section_names(response, key):
    part = next(part for part in response.context["day"].sections if part["key"] == key)
    return [project.name for project in part["rows"]]


def _section_html(html, key):
    match = re.search(rf'<section id="my-day-{key}".*?</section>', html, re.S)
    return match.group(0) if match else ""


# --- the sections -----------------------------------------------------------------------------


def test_rep_sees_own_open_projects_in_their_sections(rep_client, day):
    response = rep_client.get(reverse("pipeline:my_day"), **EN)
    assert response.status_code == 200
    assert _section_names(response, "overdue") == ["十天前该联系", "两天前该联系"]  # oldest first
    assert _section_names(response, "today") == ["今天联系"]
    assert _section_names(response, "stale") == ["停滞四十天"]
    assert _section_names(response, "unplanned") == ["没有计划"]
    html = response.content.decode()
    assert "10 days overdue" in html and "2 days overdue" in html
    assert "40 days in stage (expected 30)" in html
    for other in ("同事的逾期项目", "外组的逾期项目", "已赢单", "三天后联系"):
        assert other not in html


def test_stale_in_sql_is_stale_in_python(rep):
    """The section's SQL rule and ProjectState.is_stale agree at the boundary."""
    projects = [_project(rep, f"在阶段{days}天", next_in=1, in_stage_days=days) for days in (29, 30, 31, 45)]
    now = timezone.now()
    rows = my_day.section(my_day.open_projects(user=rep), "stale", today=_today(), now=now).rows
    assert {project.pk for project in rows} == {p.pk for p in projects if p.state.is_stale(now)}
    assert [project.name for project in rows] == ["在阶段45天", "在阶段31天"]


def test_the_one_query_day_orders_each_section_as_its_own_query(rep):
    """my_day's UNION ALL promises no order: each section's rows come back in the order of the
    section's own query (oldest promise, longest silence, furthest past the expected days)."""
    for days in (-9, -1, -4, 0, 0):
        _project(rep, f"下次联系{days}", next_in=days)
    for days in (33, 60, 41):
        _project(rep, f"停滞{days}", next_in=2, in_stage_days=days)
    silent = [_project(rep, f"未计划{n}") for n in range(3)]
    Project.objects.filter(pk=silent[1].pk).update(last_contact_at=timezone.now() - timedelta(days=8))
    Project.objects.filter(pk=silent[2].pk).update(last_contact_at=timezone.now() - timedelta(days=20))
    today, now, projects = _today(), timezone.now(), my_day.open_projects(user=rep)
    sections = my_day.my_day(projects, today=today, now=now)
    for section in sections:
        alone = my_day.section(projects, section.key, today=today, now=now)
        assert [p.pk for p in section.rows] == [p.pk for p in alone.rows], section.key
    assert [len(section.rows) for section in sections] == [3, 2, 3, 3]


def test_lead_sees_the_team_with_a_count_per_rep_and_filters_by_rep(lead_client, day, rep, other_rep):
    response = lead_client.get(reverse("pipeline:my_day"), **EN)
    assert _section_names(response, "overdue") == ["十天前该联系", "两天前该联系", "同事的逾期项目"]
    html = response.content.decode()
    assert "外组的逾期项目" not in html
    counts = {member.pk: member for member in response.context["day"].members}
    assert (counts[rep.pk].overdue, counts[rep.pk].today, counts[rep.pk].stale, counts[rep.pk].unplanned) == (
        2,
        1,
        1,
        1,
    )
    assert (counts[rep.pk].open_projects, counts[other_rep.pk].overdue) == (6, 1)
    # The filter bar's select is labelled, with an "all" option; each rep's count links to their day.
    assert re.search(r'<label for="id_owner">Rep</label>\s*<select name="owner"', html)
    assert '<option value="" selected>All reps</option>' in html
    assert f'href="/my-day/?owner={other_rep.pk}"' in html

    only_colleague = lead_client.get(reverse("pipeline:my_day"), {"owner": other_rep.pk}, **EN)
    assert _section_names(only_colleague, "overdue") == ["同事的逾期项目"]
    assert _section_names(only_colleague, "today") == []


def test_a_lead_cannot_filter_on_another_teams_rep(lead_client, day, outsider_rep):
    response = lead_client.get(reverse("pipeline:my_day"), {"owner": outsider_rep.pk}, **EN)
    assert "外组的逾期项目" not in response.content.decode()


def test_other_lead_sees_only_their_team(client_for, day):
    response = client_for("other_lead").get(reverse("pipeline:my_day"), **EN)
    assert _section_names(response, "overdue") == ["外组的逾期项目"]


def test_admin_picks_a_team_first(admin_client, day, team):
    response = admin_client.get(reverse("pipeline:my_day"), **EN)
    assert response.context["day"].needs_team
    assert "Pick a team in the filter" in response.content.decode()
    picked = admin_client.get(reverse("pipeline:my_day"), {"team": team.pk}, **EN)
    assert _section_names(picked, "overdue") == ["十天前该联系", "两天前该联系", "同事的逾期项目"]


def test_search_narrows_every_section(rep_client, day):
    response = rep_client.get(reverse("pipeline:my_day"), {"q": "两天前"}, **EN)
    assert _section_names(response, "overdue") == ["两天前该联系"]
    assert _section_names(response, "stale") == []


def test_the_filter_bar_swaps_only_the_live_part(lead_client, day, other_rep):
    response = lead_client.get(reverse("pipeline:my_day"), {"owner": other_rep.pk}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="my-day-live"')
    assert "<html" not in html and "同事的逾期项目" in html


def test_a_capped_section_links_to_the_full_paginated_list(rep_client, rep, monkeypatch):
    monkeypatch.setattr(my_day, "CAP", 2)
    monkeypatch.setattr(my_day_views, "LIST_PAGE_SIZE", 2)
    for days in (1, 2, 3):
        _project(rep, f"逾期{days}天", next_in=-days)
    response = rep_client.get(reverse("pipeline:my_day"), **EN)
    assert _section_names(response, "overdue") == ["逾期3天", "逾期2天"]
    assert 'href="/my-day/overdue/">Show all 3 →' in response.content.decode()

    full = rep_client.get(reverse("pipeline:my_day_section", args=["overdue"]), **EN)
    page = full.context["day"].page
    assert (page.paginator.count, [p.name for p in page.object_list]) == (3, ["逾期3天", "逾期2天"])
    second = rep_client.get(reverse("pipeline:my_day_section", args=["overdue"]), {"page": 2}, **EN)
    assert [p.name for p in second.context["day"].page.object_list] == ["逾期1天"]
    assert "1 day overdue" in second.content.decode()


def test_a_leads_whole_team_day_shows_fewer_rows_a_section_than_one_reps(lead_client, rep, other_rep, monkeypatch):
    monkeypatch.setattr(my_day, "CAP", 3)
    monkeypatch.setattr(my_day, "TEAM_CAP", 2)
    for days in (1, 2, 3):
        _project(rep, f"逾期{days}天", next_in=-days)
    _project(other_rep, "同事逾期9天", next_in=-9)
    team = lead_client.get(reverse("pipeline:my_day"), **EN)
    assert _section_names(team, "overdue") == ["同事逾期9天", "逾期3天"]
    assert 'href="/my-day/overdue/">Show all 4 →' in team.content.decode()
    one_rep = lead_client.get(reverse("pipeline:my_day"), {"owner": rep.pk}, **EN)
    assert _section_names(one_rep, "overdue") == ["逾期3天", "逾期2天", "逾期1天"]


@pytest.mark.parametrize(
    "returns_in, locked", [(None, False), (-1, False), (0, False), (2, False), (9, False), (5, True)]
)
def test_the_rows_pool_countdown_reads_as_on_the_customer_list(rep_client, rep, returns_in, locked):
    """My day builds the countdown badge in the view; it says what accounts/includes/days_left.html says."""
    from django.template.loader import render_to_string
    from django.utils import translation

    customer = CustomerFactory(owner=rep)
    returns_on = None if returns_in is None else _today() + timedelta(days=returns_in)
    type(customer).objects.filter(pk=customer.pk).update(returns_on=returns_on, locked=locked)
    _project(rep, "倒计时项目", next_in=-1, customer=customer)
    html = _section_html(rep_client.get(reverse("pipeline:my_day"), **EN).content.decode(), "overdue")
    with translation.override("en"):
        days = None if returns_on is None else (returns_on - timezone.localdate()).days
        badge = render_to_string("accounts/includes/days_left.html", {"days": days, "locked": locked}).strip()
    assert badge in html
    assert ("days-left" in html) == (returns_in is not None or locked)


def test_an_unknown_section_is_404(rep_client):
    assert rep_client.get("/my-day/someday/").status_code == 404


def test_nothing_to_do_says_what_to_do_next(rep_client, rep):
    _project(rep, "下周联系", next_in=7)
    html = rep_client.get(reverse("pipeline:my_day"), **EN).content.decode()
    assert "All caught up" in html
    assert f'href="{reverse("projects:project_create")}"' in html


def test_anonymous_is_sent_to_log_in(client):
    for url in ("/my-day/", "/my-day/overdue/", "/activities/new/", "/my-day/projects/1/log/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- who may open what ---------------------------------------------------------------------------

# rep's project (team A): rep, lead and admin may log on it; everyone else gets 404, as for an unknown id.
MAY_LOG = {"rep", "lead", "admin"}
PAGES = [
    ("get", "/my-day/", None),
    ("get", "/my-day/stale/", None),
    ("get", "/activities/new/", None),
    ("get", "/activities/new/?project={project}", "project"),
    ("get", "/my-day/projects/{project}/log/", "project"),
    ("post", "/my-day/projects/{project}/log/", "project"),
    ("post", "/activities/new/?project={project}", "project"),
    ("post", "/activities/new/?customer={customer}", "project"),
]


@pytest.mark.parametrize(("method", "url", "target"), PAGES)
@pytest.mark.parametrize("persona", [None, "rep", "other_rep", "outsider_rep", "lead", "other_lead", "admin"])
def test_permission_matrix(client_for, rep, method, url, target, persona):
    project = _project(rep, "权限矩阵项目", next_in=-1)
    client = client_for(persona)
    headers = HTMX if "/log/" in url else EN
    call = getattr(client, method)
    args = (_log_data(),) if method == "post" else ()
    response = call(url.format(project=project.pk, customer=project.customer_id), *args, **headers)
    if persona is None:
        expected = 302  # to the login page
    elif target is None or persona in MAY_LOG:
        expected = 302 if method == "post" and "/log/" not in url else 200
    else:
        expected = 404
    assert response.status_code == expected
    stored = Activity.objects.exists()
    assert stored == (method == "post" and persona in MAY_LOG)


# --- logging a contact from a row --------------------------------------------------------------


def _log_data(**change):
    return {
        "kind": "call",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "电话确认了预算和时间表",
        "next_contact_on": (_today() + timedelta(days=3)).isoformat(),
        **change,
    }


def _log_url(project, **params):
    url = reverse("pipeline:my_day_log", args=[project.pk])
    return f"{url}?{'&'.join(f'{key}={value}' for key, value in params.items())}" if params else url


def test_the_dialog_offers_the_customers_people_committee_first(rep_client, rep):
    project = _project(rep, "有决策链的项目", next_in=-1)
    plain = ContactFactory(customer=project.customer, name="艾平常")
    boss = ContactFactory(customer=project.customer, name="赵主任", title="信息中心主任")
    ContactFactory(customer=project.customer, name="钱离职", has_left=True)
    ContactFactory(name="孙外人")  # another customer's
    Stakeholder.objects.create(project=project, contact=boss, role=BuyingRole.DECISION_MAKER)

    response = rep_client.get(_log_url(project), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="log-contact-title"' in html
    people = re.findall(r'name="contacts" value="(\d+)"', html)
    assert people == [str(boss.pk), str(plain.pk)]
    assert "赵主任 (信息中心主任) · Decision maker" in html
    assert "钱离职" not in html and "孙外人" not in html
    # Defaults that make it two clicks: a kind, now, and the next contact a week ahead with quick picks.
    assert re.search(r'name="kind" value="call"[^>]* checked', html)
    assert f'value="{(_today() + timedelta(days=7)).isoformat()}"' in html
    for days in (1, 3, 7):
        assert f'data-set-date="{(_today() + timedelta(days=days)).isoformat()}"' in html
    # The project's other stages, lost among them with its reason, as on the project page.
    assert "Stay in “Prospect”" in html and "Need confirmed" in html
    assert re.search(r'<option value="lost" data-lost="">', html) and 'name="lost_reason"' in html


def test_logging_from_my_day_replaces_the_sections_without_the_row(rep_client, rep, day):
    project = day["old"]
    person = ContactFactory(customer=project.customer)
    response = rep_client.post(_log_url(project), _log_data(contacts=[person.pk]), **HTMX)

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"contact-logged": {}}  # closes the dialog
    html = response.content.decode()
    assert 'id="my-day-live" hx-swap-oob="true"' in html
    overdue = _section_html(html, "overdue")
    assert "十天前该联系" not in overdue and "两天前该联系" in overdue
    assert "Contact on 十天前该联系 logged. Next contact:" in html
    activity = Activity.objects.get()
    assert (activity.project, activity.by, activity.kind, list(activity.contacts.all())) == (
        project,
        rep,
        "call",
        [person],
    )
    project.refresh_from_db()
    assert project.next_contact_on == _today() + timedelta(days=3)
    assert project.last_contact_at is not None


def test_a_stale_row_stays_updated_unless_the_stage_moves(rep_client, day):
    project = day["stale"]
    response = rep_client.post(_log_url(project), _log_data(), **HTMX)
    assert "停滞四十天" in _section_html(response.content.decode(), "stale")

    later = Stage.objects.filter(pipeline=project.state.stage.pipeline, order__gt=project.state.stage.order)
    moved = rep_client.post(_log_url(project), _log_data(move_to=later.order_by("order").first().key), **HTMX)
    assert moved.status_code == 200
    assert "停滞四十天" not in _section_html(moved.content.decode(), "stale")
    assert StageChange.objects.filter(project=project).count() == 2


def test_logging_from_the_full_list_re_renders_that_list(rep_client, day):
    response = rep_client.post(_log_url(day["late"], list="overdue", page=1), _log_data(), **HTMX)
    html = response.content.decode().split('id="my-day-live"')[1]
    assert 'id="my-day-count"' in html and "1 project" in html
    assert "两天前该联系" not in html and "十天前该联系" in html


def test_a_lead_logs_on_a_team_project_and_keeps_the_rep_filter(lead_client, day, other_rep):
    response = lead_client.post(_log_url(day["colleague"], owner=other_rep.pk), _log_data(), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "同事的逾期项目" not in _section_html(html, "overdue")
    assert "十天前该联系" not in html  # still only the colleague's day
    assert Activity.objects.filter(project=day["colleague"]).exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"next_contact_on": "2020-01-01"}, "next_contact_on", "The next contact cannot be in the past."),
        ({"next_contact_on": ""}, "next_contact_on", "This field is required."),
        ({"occurred_at": "2099-01-01T10:00"}, "occurred_at", "A contact cannot be logged in the future."),
        ({"summary": "  "}, "summary", "This field is required."),
        ({"kind": "telepathy"}, "kind", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_stored(rep_client, day, change, field, message):
    project = day["old"]
    before = Project.objects.values("next_contact_on", "last_contact_at", "version").get(pk=project.pk)
    data = _log_data(summary="客户说下周再谈", **{k: v for k, v in change.items() if k != "summary"})
    data.update({k: v for k, v in change.items() if k == "summary"})
    response = rep_client.post(_log_url(project), data, **HTMX)

    assert response.status_code == 200
    assert "HX-Trigger" not in response
    html = response.content.decode()
    assert re.search(rf'id="log_{field}_error"><li>{re.escape(message)}', html), html
    if field != "summary":
        assert "客户说下周再谈</textarea>" in html  # the input is kept
    assert not Activity.objects.exists()
    assert Project.objects.values("next_contact_on", "last_contact_at", "version").get(pk=project.pk) == before


def test_people_of_another_customer_are_refused_beside_the_field(rep_client, day):
    project = day["old"]
    stranger = ContactFactory(customer=CustomerFactory(owner=project.owner))
    response = rep_client.post(_log_url(project), _log_data(contacts=[stranger.pk]), **HTMX)
    assert re.search(r'id="log_contacts_error"><li>Choose people of this customer.', response.content.decode())
    assert not Activity.objects.exists()


def test_a_blocked_move_is_shown_beside_the_stage_and_nothing_is_stored(rep_client, rep):
    project = _project(rep, "需要决策人", next_in=-1)
    services.project_move(user=rep, project=project, stage="need_confirmed", at=timezone.now() - timedelta(hours=1))
    project.refresh_from_db()
    # Leaving need_confirmed needs a decision maker.
    response = rep_client.post(_log_url(project), _log_data(move_to="proposal_accepted"), **HTMX)
    assert re.search(r'id="log_move_to_error"><li>Before leaving', response.content.decode())
    assert not Activity.objects.exists()
    assert ProjectState.objects.get(pk=project.pk).stage.key == "need_confirmed"
    assert Project.objects.get(pk=project.pk).next_contact_on == _today() - timedelta(days=1)


def test_a_contact_may_lose_the_project_with_its_reason_and_needs_no_next_contact(rep_client, rep):
    project = _project(rep, "客户选了别家", next_in=-1)
    refused = rep_client.post(_log_url(project), _log_data(move_to="lost", next_contact_on=""), **HTMX)
    assert re.search(r'id="log_lost_reason_error"><li>Say why the project was lost.', refused.content.decode())
    assert not Activity.objects.exists()
    assert ProjectState.objects.get(pk=project.pk).stage.key == "prospect"

    data = _log_data(move_to="lost", lost_reason="price", lost_note="对方便宜两成", next_contact_on="")
    response = rep_client.post(_log_url(project), data, **HTMX)
    assert response.status_code == 200 and "HX-Trigger" in response
    state = ProjectState.objects.select_related("stage", "lost_reason").get(pk=project.pk)
    assert (state.stage.key, state.lost_reason.key, state.lost_note) == ("lost", "price", "对方便宜两成")
    assert Project.objects.get(pk=project.pk).closed_at is not None
    assert Activity.objects.get().project == project


def test_errors_come_in_the_users_language(rep_client, day):
    response = rep_client.post(_log_url(day["old"]), _log_data(summary=""), HTTP_HX_REQUEST="true")
    assert "该字段是必填项。" in response.content.decode()


@pytest.mark.parametrize("persona", ["other_rep", "outsider_rep", "other_lead"])
def test_logging_on_a_project_out_of_scope_is_404_and_stores_nothing(client_for, day, persona):
    project = day["old"]  # rep's, team A
    client = client_for(persona)
    assert client.get(_log_url(project), **HTMX).status_code == 404
    assert client.post(_log_url(project), _log_data(), **HTMX).status_code == 404
    standalone = f"{reverse('pipeline:activity_create')}?project={project.pk}"
    assert client.post(standalone, _log_data()).status_code == 404
    assert not Activity.objects.exists()
    project.refresh_from_db()
    assert (project.next_contact_on, project.last_contact_at) == (_today() - timedelta(days=10), None)


def test_a_project_seen_through_the_customer_is_not_enough_to_log_on(client_for, rep, other_rep):
    """other_rep owns the customer; rep's project on it stays rep's to log on."""
    customer = CustomerFactory(owner=other_rep)
    project = _project(rep, "同事客户上的项目", next_in=-1, customer=customer)
    client = client_for("other_rep")
    assert client.post(_log_url(project), _log_data(), **HTMX).status_code == 404
    assert not Activity.objects.exists()


def test_without_htmx_the_row_link_opens_the_standalone_page(rep_client, day):
    response = rep_client.get(_log_url(day["old"]))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('pipeline:activity_create')}?project={day['old'].pk}&next=")
    # A plain POST (no JavaScript) saves too, or shows the whole page with the errors.
    refused = rep_client.post(_log_url(day["old"]), _log_data(summary=""), **EN)
    assert "<html" in refused.content.decode() and not Activity.objects.exists()
    saved = rep_client.post(_log_url(day["old"]), _log_data())
    assert (saved.status_code, saved["Location"]) == (302, "/my-day/")
    assert Activity.objects.count() == 1


# --- the standalone page -----------------------------------------------------------------------


def test_the_picker_lists_only_projects_the_user_may_change(rep_client, rep, other_rep):
    mine = _project(rep, "我的项目", next_in=-1)
    _project(other_rep, "同事的项目", next_in=-1)
    _project(rep, "我在同事客户上的项目", next_in=2, customer=CustomerFactory(owner=other_rep))
    html = rep_client.get(reverse("pipeline:activity_create"), **EN).content.decode()
    assert f"?project={mine.pk}" in html
    assert "同事的项目" not in html and "我在同事客户上的项目" in html
    found = rep_client.get(reverse("pipeline:activity_create"), {"q": "同事"}, **HTMX).content.decode()
    assert found.lstrip().startswith('<div id="log-targets"')
    assert "我在同事客户上的项目" in found and "同事的项目<" not in found


def test_the_standalone_page_logs_on_a_project_and_goes_back(rep_client, rep):
    project = _project(rep, "独立页面记录", next_in=-3)
    url = f"{reverse('pipeline:activity_create')}?project={project.pk}&next=/my-day/"
    assert rep_client.get(url, **EN).status_code == 200
    response = rep_client.post(url, _log_data(next_contact_on=(_today() + timedelta(days=1)).isoformat()))
    assert (response.status_code, response["Location"]) == (302, "/my-day/")
    project.refresh_from_db()
    assert project.next_contact_on == _today() + timedelta(days=1)


def test_the_standalone_page_refuses_a_foreign_next_url(rep_client, rep):
    project = _project(rep, "外部跳转", next_in=-3)
    url = f"{reverse('pipeline:activity_create')}?project={project.pk}&next=https://evil.example/"
    response = rep_client.post(url, _log_data())
    assert response["Location"] == project.get_absolute_url()


def test_a_contact_on_a_customer_without_a_project(rep_client, rep, other_rep):
    customer = CustomerFactory(owner=rep, name="只有客户没有项目")
    url = f"{reverse('pipeline:activity_create')}?customer={customer.pk}"
    html = rep_client.get(url, **EN).content.decode()
    assert 'name="move_to"' not in html and "(no project)" in html
    response = rep_client.post(url, _log_data(next_contact_on=""))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.customer, activity.project) == (customer, None)
    # Someone else's customer: as if it did not exist.
    theirs = CustomerFactory(owner=other_rep)
    assert (
        rep_client.post(f"{reverse('pipeline:activity_create')}?customer={theirs.pk}", _log_data()).status_code == 404
    )
    assert Activity.objects.count() == 1


def test_the_standalone_page_shows_errors_and_keeps_the_input(rep_client, rep):
    project = _project(rep, "独立页面出错", next_in=-3)
    url = f"{reverse('pipeline:activity_create')}?project={project.pk}"
    response = rep_client.post(url, _log_data(next_contact_on="2020-01-01", summary="保留这段话"), **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="id_next_contact_on_error"><li>The next contact cannot be in the past.', html)
    assert "保留这段话</textarea>" in html
    assert not Activity.objects.exists()


# --- the start pages ---------------------------------------------------------------------------


def test_the_reps_start_page_is_my_day_with_a_log_contact_quick_action(rep_client, day):
    html = rep_client.get("/", **EN).content.decode()
    actions = html[html.index('class="quick-actions"') : html.index("</nav>", html.index('class="quick-actions"'))]
    old = day["old"]
    assert f'hx-get="{reverse("pipeline:my_day_log", args=[old.pk])}"' in actions  # the first overdue row's form
    assert f"?project={old.pk}&amp;next=%2F" in actions
    assert "Log contact" in actions
    assert html.index('id="my-day-overdue"') < html.index('id="customers-to-complete"')
    assert '<dialog id="log-contact"' in html


def test_with_nothing_overdue_the_quick_action_opens_the_picker(rep_client, rep):
    html = rep_client.get("/", **EN).content.decode()
    assert f'href="{reverse("pipeline:activity_create")}?next=%2F"' in html


def test_the_leads_start_page_counts_the_teams_day_per_rep(lead_client, day, rep):
    html = lead_client.get("/", **EN).content.decode()
    assert 'id="home-team-day"' in html
    assert f'href="/my-day/?owner={rep.pk}"' in html
    assert "Team&#x27;s day" in html


# --- query budgets -----------------------------------------------------------------------------


def _bulk(owner, count):
    """``count`` projects spread over every section."""
    for index in range(count):
        _project(owner, f"批量{index}", next_in=(-3, 0, None, 4)[index % 4], in_stage_days=(0, 0, 0, 50)[index % 4])


@pytest.mark.parametrize("count", [5, 60])
def test_rep_my_day_query_count_is_constant(client_for, rep, count, django_assert_max_num_queries):
    _bulk(rep, count)
    client = client_for("rep")
    # session, user, the user's team (page header), then the four sections in one query (overdue,
    # today, stale, unplanned: each its rows and its total, joined by UNION ALL).
    with django_assert_max_num_queries(4):
        response = client.get(reverse("pipeline:my_day"))
    assert response.status_code == 200
    assert sum(part["total"] for part in response.context["day"].sections) == count


@pytest.mark.parametrize("count", [5, 60])
def test_lead_my_day_query_count_is_constant(client_for, rep, other_rep, count, django_assert_max_num_queries):
    _bulk(rep, count)
    _bulk(other_rep, count)
    client = client_for("lead")
    # session, user, the lead's team (page header and title), the rep filter's options, the count per
    # rep (one grouped query), the four sections (one query).
    with django_assert_max_num_queries(6):
        response = client.get(reverse("pipeline:my_day"), **EN)
    assert response.status_code == 200
    # Filtered by rep: + the chosen rep's validation.
    with django_assert_max_num_queries(7):
        client.get(reverse("pipeline:my_day"), {"owner": rep.pk}, **EN)


@pytest.mark.parametrize("count", [5, 60])
def test_rep_start_page_query_count_is_constant(client_for, rep, other_rep, count, django_assert_max_num_queries):
    _bulk(rep, count)
    _bulk(other_rep, count)
    client = client_for("rep")
    # session, user; My day's four sections (one query); the customers' figures and the ones to
    # complete; the conflicts' count, the projects' figures, those in a conflict and those to complete;
    # the targets block (the rep's target, won, paid, forecast: each read only the rep's); the rep's
    # funnel (the team's reps, and one grouped query of each owner's transition counts for the
    # team's median: coaching.funnel.team_transitions); the team's lead.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("home"), **EN)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 60])
def test_full_list_query_count_is_constant(client_for, rep, count, django_assert_max_num_queries):
    _bulk(rep, count)
    client = client_for("rep")
    # session, user, the user's team (page header), the page's count, the page's rows.
    with django_assert_max_num_queries(5):
        client.get(reverse("pipeline:my_day_section", args=["overdue"]))


@pytest.mark.parametrize("count", [5, 60])
def test_logging_query_count_is_constant(client_for, rep, count, django_assert_max_num_queries):
    _bulk(rep, count)
    project = _project(rep, "记录跟进的项目", next_in=-1)
    client = client_for("rep")
    # session, user, the project (404 scope), the people offered, the stages offered; the service:
    # savepoint, lock, insert, project update, the customer's countdown to the pool (pools, home
    # pools, the customer's facts, its update when it changed); then the four sections again (one
    # query; and savepoint release).
    with django_assert_max_num_queries(17):
        response = client.post(_log_url(project), _log_data(), **HTMX)
    assert json.loads(response["HX-Trigger"]) == {"contact-logged": {}}
