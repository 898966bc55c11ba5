"""The project's timeline: every kind of change with who and when, newest first,
merged history marked, one query per kind, and "load more" pages that neither
skip nor repeat an event, even when many changes share a moment."""

import datetime
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from pipeline import services
from pipeline.models import Activity, BudgetChange, Competitor, StageChange
from pipeline.selectors.timeline import TIMELINE_SOURCES, TimelineCursor, project_timeline
from pipeline.tests.project_helpers import create_project as _create
from pipeline.tests.project_helpers import log_contacts
from projects import services as project_services
from projects.models import Conflict, Milestone, MilestoneChange, OwnerChange, Resolution
from teams.compiled import CompiledQuery
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _kinds(timeline):
    return [event.kind for event in timeline.events]


def test_every_kind_of_change_is_on_the_timeline_newest_first(rep, other_rep, lead):
    customer = CustomerFactory(owner=rep)
    project = _create(rep, customer, budget="1000000")
    services.project_move(user=rep, project=project, stage="need_confirmed", at=timezone.now() - timedelta(days=30))
    services.budget_change(user=rep, project=project, amount="1200000")
    competitor = services.competitor_save(user=rep, project=project, data={"kind": "external", "name": "用友"})
    services.competitor_save(user=rep, project=project, data={"threat": "high"}, competitor=competitor, version=1)
    milestone = project_services.milestone_save(
        user=rep, project=project, data={"kind": "payment", "due_on": timezone.localdate()}
    )
    project_services.milestone_save(
        user=rep, project=project, data={"due_on": timezone.localdate() + timedelta(days=5)}, milestone=milestone
    )
    services.activity_log(
        user=rep,
        kind="visit",
        occurred_at=timezone.now() - timedelta(days=1),
        summary="拜访采购部",
        project=project,
        next_contact_on=timezone.localdate(),
    )
    project_services.project_create(user=other_rep, customer=customer, data={"name": "年度运维"})
    conflict = Conflict.objects.get()
    project_services.conflict_resolve(user=lead, conflict=conflict, resolution=Resolution.SEPARATE, note="两个需求")
    project_services.project_transfer(user=lead, project=project, to_user=other_rep, reason="张伟调岗")

    timeline = project_timeline(project=project)
    assert timeline.next_before is None
    whens = [event.when for event in timeline.events]
    assert whens == sorted(whens, reverse=True)
    assert set(_kinds(timeline)) == {
        "stage",
        "budget",
        "competitor",
        "key_date",
        "activity",
        "owner",
        "conflict_detected",
        "conflict_resolved",
    }
    by_kind = {}
    for event in timeline.events:
        by_kind.setdefault(event.kind, []).append(event)
    assert [event.row.to_stage.key for event in by_kind["stage"]] == ["need_confirmed", "prospect"]
    assert by_kind["stage"][0].recorded is not None  # back-dated: the recorded time shows too
    assert by_kind["competitor"][0].changes == [("threat", "Medium", "High")]
    assert by_kind["competitor"][1].row.history_type == "+"
    assert [event.row.is_slip for event in by_kind["key_date"]] == [True, False]
    assert by_kind["conflict_detected"][0].by is None
    assert by_kind["conflict_resolved"][0].by == lead
    assert by_kind["owner"][0].row.reason == "张伟调岗"
    assert all(event.by == rep for event in by_kind["budget"] + by_kind["activity"])


def test_the_timeline_section_says_who_what_and_when(lead_client, rep, lead):
    project = _create(rep, budget="1000000")
    services.project_move(user=rep, project=project, stage="lost", lost_reason="price", note="对方压价")
    competitor = services.competitor_save(user=rep, project=project, data={"kind": "our_own", "name": "KA 部"})
    services.competitor_save(user=lead, project=project, data={"status": "won"}, competitor=competitor, version=1)
    html = lead_client.get(project.get_absolute_url(), **EN).content.decode()
    timeline = html[html.index('id="pipeline-timeline"') : html.index('id="history"')]
    assert "Prospect → Lost" in timeline and "Lost reason: Price" in timeline and "“对方压价”" in timeline
    assert "Changed KA 部" in timeline and "Status: Active → Won the deal" in timeline
    assert "Added KA 部 (Another unit of ours, threat: Medium)" in timeline
    assert "Entered the funnel in Prospect" in timeline
    assert lead.name in timeline and rep.name in timeline


def test_merged_history_is_kept_and_marked(lead_client, rep, lead):
    customer = CustomerFactory(owner=rep)
    kept = _create(rep, customer, name="CRM 系统")
    gone = _create(rep, customer, name="CRM系统")
    services.project_move(user=rep, project=gone, stage="need_confirmed")
    gone_id = gone.pk  # deleting the merged-away project clears its pk
    project_services.project_merge(user=lead, target=kept, source=gone)
    timeline = project_timeline(project=kept)
    merged = [event for event in timeline.events if event.merged_from == gone_id]
    assert [event.kind for event in merged] == ["stage", "stage"]
    html = lead_client.get(kept.get_absolute_url(), **EN).content.decode()
    assert f"from merged project #{gone_id}" in html


def _events_html(html, kind):
    """The ``<li>`` of each event of ``kind`` in a page's timeline, its whitespace folded."""
    items = html.split(f'<li class="event event-{kind}">')[1:]
    return [" ".join(item.split("</li>\n", 1)[0].split()) for item in items]


# The texts of a conflict detected and resolved, in each language (the kind and resolution as chosen below).
CONFLICT_TEXTS = {
    "en": {
        "detected": "Conflict detected: Another owner has an open project on this customer",
        "resolved": "Conflict resolved: Genuinely separate — 两个需求",
        "badge": '<span class="badge event-kind">Conflict</span>',
        "automatic": '<p class="event-meta muted small"> detected automatically </p>',
    },
    "zh-hans": {
        "detected": "发现冲突：该客户下有其他负责人的进行中项目",
        "resolved": "冲突已处理：确属不同项目 — 两个需求",
        "badge": '<span class="badge event-kind">冲突</span>',
        "automatic": '<p class="event-meta muted small"> 系统自动发现 </p>',
    },
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_conflict_shows_as_detected_and_resolved(lead_client, rep, other_rep, lead, language):
    """A conflict found when another owner opened a project on the customer, then resolved by
    the lead: two events, the detection by nobody, the resolution by the lead with its note —
    on the project page and on the timeline page."""
    customer = CustomerFactory(owner=rep)
    project = _create(rep, customer, name="数据中心")
    project_services.project_create(user=other_rep, customer=customer, data={"name": "年度运维"})
    conflict = Conflict.objects.get()
    assert conflict.kind == "shared_customer"
    project_services.conflict_resolve(user=lead, conflict=conflict, resolution=Resolution.SEPARATE, note="两个需求")
    texts = CONFLICT_TEXTS[language]
    url = reverse("pipeline:project_changes", args=[project.pk])
    for page in (project.get_absolute_url(), url):
        html = lead_client.get(page, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        [detected] = _events_html(html, "conflict_detected")
        [resolved] = _events_html(html, "conflict_resolved")
        assert texts["detected"] in detected and texts["badge"] in detected and texts["automatic"] in detected
        assert texts["resolved"] in resolved and texts["badge"] in resolved
        assert f'<p class="event-meta muted small"> {lead.name} </p>' in resolved
        assert html.index("event-conflict_resolved") < html.index("event-conflict_detected")  # newest first


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "Changed 用友网络",
                "<li>Name: 用友 → 用友网络</li>",
                "<li>Threat: Medium → High</li>",
                f"<li>Notes: {'备' * 39}… → {'注' * 39}…</li>",
            ],
        ),
        (
            "zh-hans",
            [
                "修改 用友网络",
                "<li>名称：用友 → 用友网络</li>",
                "<li>威胁：中 → 高</li>",
                f"<li>备注：{'备' * 37}... → {'注' * 37}...</li>",  # Django's zh catalog cuts with "..."
            ],
        ),
    ],
)
def test_a_competitor_change_lists_each_value_before_and_after(rep_client, rep, language, expected):
    """An edit of a competitor lists what changed, each field's label with its value before and
    after (choices by their labels, long texts cut at 40 characters); an edit that changed
    nothing says so."""
    project = _create(rep)
    data = {"kind": "external", "name": "用友", "notes": "备" * 60}
    competitor = services.competitor_save(user=rep, project=project, data=data)
    data = {"name": "用友网络", "threat": "high", "notes": "注" * 60}
    services.competitor_save(user=rep, project=project, data=data, competitor=competitor, version=1)
    services.competitor_save(user=rep, project=project, data={}, competitor=competitor, version=2)
    url = reverse("pipeline:project_changes", args=[project.pk])
    for page in (project.get_absolute_url(), url):
        html = rep_client.get(page, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        unchanged, changed, added = _events_html(html, "competitor")
        for text in expected:
            assert text in changed
        assert changed.count("<li>") == 3
        assert ("saved without changes" if language == "en" else "保存但无改动") in unchanged
        assert ("Added 用友 (" if language == "en" else "新增 用友（") in added


# --- paging ------------------------------------------------------------------------------------


def _history_with_ties(rep):
    """Events of every kind, many of them at one moment or at the end of one day."""
    project = _create(rep, opened_at=timezone.now() - timedelta(days=90), budget="100")
    moment = timezone.now() - timedelta(days=20)
    day_end = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate() - timedelta(days=10), datetime.time.max)
    )
    for _i in range(4):
        services.project_move(user=rep, project=project, stage="need_confirmed", at=moment)
        services.project_move(user=rep, project=project, stage="prospect", at=moment)
    for i in range(6):
        services.budget_change(
            user=rep, project=project, amount=str(200 + i), effective_on=day_end.date(), reason="调整"
        )
    BudgetChange.objects.filter(project=project, effective_on=day_end.date()).update(
        recorded_at=timezone.now() - timedelta(days=2)  # recorded later: they sit at the end of their day
    )
    for i in range(5):
        services.competitor_save(user=rep, project=project, data={"kind": "external", "name": f"竞品{i}"})
    Competitor.history.model.objects.filter(project_id=project.pk).update(history_date=moment)
    log_contacts(project, rep, [moment] * 5, summary="电话{i}")
    log_contacts(project, rep, [day_end] * 3, summary="晚间{i}")
    milestone = Milestone.objects.create(project=project, kind="payment", due_on=timezone.localdate())
    for i in range(4):
        MilestoneChange.objects.create(
            milestone=milestone,
            old_due_on=timezone.localdate(),
            new_due_on=timezone.localdate() + timedelta(days=i + 1),
            changed_by=rep,
            changed_at=moment,
        )
    for _i in range(3):
        OwnerChange.objects.create(
            project=project, from_user=rep, to_user=rep, changed_by=rep, changed_at=moment, reason="测试"
        )
    return project


@pytest.mark.parametrize("page_size", [1, 4, 7, 50])
def test_load_more_pages_neither_skip_nor_repeat(rep, page_size):
    project = _history_with_ties(rep)
    everything = project_timeline(project=project, limit=1000)
    keys = [(event.when, event.rank, event.id) for event in everything.events]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)
    seen, before = [], None
    while True:
        page = project_timeline(project=project, before=before, limit=page_size)
        seen += [(event.kind, event.id) for event in page.events]
        if page.next_before is None:
            break
        before = str(page.next_before)  # as the "load more" link carries it
    assert seen == [(event.kind, event.id) for event in everything.events]
    assert len(seen) > 30


def _pages(project, size):
    pages, before = [], None
    while True:
        page = project_timeline(project=project, before=before, limit=size)
        pages.append([(event.kind, event.id, event.when) for event in page.events])
        if page.next_before is None:
            return pages
        before = str(page.next_before)


def test_the_compiled_timeline_answers_what_the_orm_builds(rep, monkeypatch):
    """On PostgreSQL each shape of the timeline's query (the first page; a later one by its
    cursor's kind) is compiled once and run again with other projects and cursors: the same
    pages, for both projects, as the ORM builds for each call."""
    from pipeline.selectors import timeline

    timeline._compiled.cache_clear()
    projects = [_history_with_ties(rep), _history_with_ties(rep)]
    compiled = [_pages(project, 7) for project in projects]
    if connection.vendor == "postgresql":  # the compiled path ran (SQLite builds through the ORM)
        assert timeline._compiled.cache_info().currsize > 1
    monkeypatch.setattr(CompiledQuery, "_prepared", lambda self, shape, values, alias: (alias, None, None))
    assert [_pages(project, 7) for project in projects] == compiled
    assert compiled[0] != compiled[1] and len(compiled[0]) > 4


def test_a_cursor_survives_the_link_and_a_bad_one_is_refused(rep_client, rep):
    project = _history_with_ties(rep)
    first = project_timeline(project=project, limit=10)
    assert TimelineCursor.parse(str(first.next_before)) == first.next_before
    url = reverse("pipeline:project_changes", args=[project.pk])
    response = rep_client.get(url, {"before": str(first.next_before)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    page = rep_client.get(url, {"before": str(first.next_before)}, **EN)
    assert page.status_code == 200 and "What changed" in page.content.decode()
    micros, _rank, pk = str(first.next_before).split(".")
    too_late = "100000000000000000000.5.1"  # past datetime's range
    for bad in ("1.2", "abc", "1.2.x", too_late, f"{micros}.1000.{pk}", f"{micros}.-1.{pk}"):
        assert rep_client.get(url, {"before": bad}).status_code == 400, bad
    activities = reverse("pipeline:project_activities", args=[project.pk])
    for bad in ("100000000000000000000.1", "-100000000000000000000.1"):
        assert rep_client.get(activities, {"before": bad}).status_code == 400, bad


def test_a_cursor_with_an_unknown_rank_compiles_nothing(rep_client, rep):
    """The cursor's rank keys the compiled SQL: a made-up one is refused before it could add a
    shape to the process's cache."""
    from pipeline.selectors import timeline

    project = _history_with_ties(rep)
    first = project_timeline(project=project, limit=10)
    micros, _rank, pk = str(first.next_before).split(".")
    url = reverse("pipeline:project_changes", args=[project.pk])
    before = timeline._compiled.cache_info().currsize
    for rank in range(1000, 1010):
        assert rep_client.get(url, {"before": f"{micros}.{rank}.{pk}"}).status_code == 400
    assert timeline._compiled.cache_info().currsize == before


def test_the_page_shows_the_newest_twenty_events_and_loads_more(rep_client, rep):
    """The project page shows the newest 20 events; "Load more" continues with pages of 50."""
    project = _create(rep)
    log_contacts(project, rep, [timezone.now() - timedelta(hours=60 - i) for i in range(60)])
    html = rep_client.get(project.get_absolute_url(), **EN).content.decode()
    timeline = html[html.index('id="pipeline-timeline"') : html.index('id="history"')]
    assert timeline.count('<li class="event ') == 20
    url = reverse("pipeline:project_changes", args=[project.pk])
    before = timeline.split(url + "?before=", 1)[1].split('"', 1)[0]
    assert before == str(project_timeline(project=project, limit=20).next_before)
    more = rep_client.get(url, {"before": before}, HTTP_HX_REQUEST="true", **EN).content.decode()
    everything = len(project_timeline(project=project, limit=1000).events)
    assert everything > 20 and more.count('<li class="event ') == min(50, everything - 20)


# --- cost --------------------------------------------------------------------------------------


def _five_hundred_events(rep):
    """A project with 500 events, written in bulk (the services would take minutes)."""
    project = _create(rep, opened_at=timezone.now() - timedelta(days=400))
    start = timezone.now() - timedelta(days=399)
    state = project.state
    StageChange.objects.bulk_create(
        StageChange(
            project=project,
            from_stage=state.stage,
            to_stage=state.stage,
            from_tier="prospect",
            to_tier="prospect",
            at=start + timedelta(hours=i * 10),
            by=rep,
        )
        for i in range(199)
    )
    Activity.objects.bulk_create(
        Activity(
            customer=project.customer,
            project=project,
            kind="call",
            occurred_at=start + timedelta(hours=i * 10 + 3),
            summary=f"电话{i}",
            by=rep,
        )
        for i in range(200)
    )
    BudgetChange.objects.bulk_create(
        BudgetChange(project=project, old=i, new=i + 1, effective_on=(start + timedelta(days=i * 5)).date(), by=rep)
        for i in range(50)
    )
    milestone = Milestone.objects.create(project=project, kind="payment", due_on=timezone.localdate())
    MilestoneChange.objects.bulk_create(
        MilestoneChange(
            milestone=milestone,
            old_due_on=timezone.localdate(),
            new_due_on=timezone.localdate() + timedelta(days=i),
            changed_by=rep,
            changed_at=start + timedelta(days=i * 8),
        )
        for i in range(30)
    )
    for i in range(10):
        services.competitor_save(user=rep, project=project, data={"kind": "external", "name": f"竞品{i}"})
    OwnerChange.objects.bulk_create(
        OwnerChange(project=project, from_user=rep, to_user=rep, changed_by=rep, changed_at=start, reason="轮岗")
        for _i in range(10)
    )
    return project


def test_five_hundred_events_cost_one_query(rep, django_assert_num_queries):
    """Every kind (and each source a higher app registered: coaching's notes) in one UNION ALL,
    each part limited on its own; the competitor ids a query of their own (the page has them).
    SQLite cannot limit the parts of a compound query: one query per kind there."""
    from django.db import connection

    project = _five_hundred_events(rep)
    union = connection.features.supports_slicing_ordering_in_compound
    expected = 2 if union else len(TIMELINE_SOURCES) + 1
    with django_assert_num_queries(expected):
        timeline = project_timeline(project=project)
    assert len(timeline.events) == 50 and timeline.next_before is not None
    with django_assert_num_queries(expected):
        older = project_timeline(project=project, before=timeline.next_before)
    assert older.events[0].when <= timeline.events[-1].when
