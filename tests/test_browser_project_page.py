"""The project page's pipeline sections in Chromium, in Chinese: on a 390 × 844
phone and a 1280 × 800 desktop no sideways scrolling, every control labelled,
no serious axe violation with every form opened; a move, a refused budget and a
logged contact swap in without a reload. Writes docs/screenshots/project-detail-phone.png
and project-detail-desktop.png."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pipeline import services
from pipeline.models import Activity, StageChange
from projects import services as project_services
from tests.browser import sign_in
from tests.factories import ContactFactory, CustomerFactory
from tests.test_browser_accessibility import blocking_violations
from tests.test_browser_layout import UNLABELLED_CONTROLS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def deal(rep, lead):
    """A deal of four months: moves, budget up and down, competitors of every kind,
    key dates (one slipped twice), contacts, a procurement list."""
    customer = CustomerFactory(owner=rep, name="宁波港城智能制造股份有限公司")
    boss = ContactFactory(customer=customer, name="赵建国", title="副总经理", buying_role="decision_maker")
    buyer = ContactFactory(customer=customer, name="钱晓梅", title="采购经理")
    now = timezone.now()
    project = project_services.project_create(
        user=rep,
        customer=customer,
        data={
            "name": "港城智能工厂 MES 一期",
            "opened_at": now - timedelta(days=120),
            "budget": "2000000",
            "funding_source": "own_budget",
        },
    )
    project_services.stakeholder_save(
        user=rep, project=project, contact=boss, role="decision_maker", stance="supporter"
    )
    for item, quantity, price in (("MES 软件许可", 1, 1200000), ("工位终端", 40, 9500), ("实施服务", 60, 6000)):
        project_services.procurement_item_save(
            user=rep, project=project, data={"item": item, "quantity": quantity, "unit_price": price}
        )
    services.project_move(user=rep, project=project, stage="need_confirmed", at=now - timedelta(days=90))
    for amount, reason, days in (("2600000", "增加二号车间", 70), ("2300000", "财务压缩预算", 20)):
        effective_on = (now - timedelta(days=days)).date()
        services.budget_change(user=rep, project=project, amount=amount, reason=reason, effective_on=effective_on)
    for kind, name, threat, status in (
        ("external", "用友网络", "high", "active"),
        ("external", "鼎捷软件", "medium", "eliminated"),
        ("customer_internal", "信息中心自研团队", "medium", "active"),
        ("our_own", "大客户部", "low", "active"),
    ):
        services.competitor_save(
            user=rep, project=project, data={"kind": kind, "name": name, "threat": threat, "status": status}
        )
    proposal = project_services.milestone_save(
        user=rep,
        project=project,
        data={"kind": "proposal_accepted", "due_on": (now - timedelta(days=30)).date(), "attendees": [boss, buyer]},
    )
    for days in (-10, 7):
        project_services.milestone_save(
            user=rep, project=project, data={"due_on": (now + timedelta(days=days)).date()}, milestone=proposal
        )
    project_services.milestone_save(
        user=rep, project=project, data={"kind": "contract_review", "due_on": (now + timedelta(days=30)).date()}
    )
    for days, kind, summary in (
        (60, "visit", "拜访赵总，确认二号车间也纳入范围"),
        (25, "meeting", "方案评审会：信息中心提出自研顾虑"),
        (3, "call", "和钱经理确认招标时间"),
    ):
        services.activity_log(
            user=rep,
            kind=kind,
            occurred_at=now - timedelta(days=days),
            summary=summary,
            project=project,
            contacts=[boss, buyer],
            next_contact_on=timezone.localdate() + timedelta(days=2),
        )
    return project


def _no_sideways_scroll(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"page is {width}px wide in a {inner}px window"


def _open_section_forms(page):
    """Open every form of the pipeline sections. Each is loaded when opened: an add form
    swaps its section in with that form open (the section's other forms then come with
    it, a competitor's edit form still loads into its own place), so open one at a time."""
    waiting = ".pipeline-section details:not([open]):has(.lazy-form) > summary"
    for _form in range(30):
        lazy = page.locator(waiting)
        if not lazy.count():
            break
        lazy.first.click()
        # Locator waits, not wait_for_function: the page's CSP refuses the eval the latter needs.
        expect(page.locator(".htmx-request, details[open] .lazy-form")).to_have_count(0)
    for summary in page.locator(".pipeline-section details:not([open]) > summary").all():
        if summary.is_visible():
            summary.click()
    expect(page.locator(".pipeline-section .lazy-form")).to_have_count(0)  # all loaded


def test_a_competitor_is_edited_in_the_form_loaded_when_opened(page_for, deal):
    page = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(page, "rep", deal.get_absolute_url())
    competitor = deal.competitors.order_by("pk").first()
    item = page.locator(f"#competitor-{competitor.pk}")
    item.locator("details.section-form > summary").click()
    offering = item.locator(f"input[name='competitor-{competitor.pk}-offering']")
    offering.wait_for()  # loaded by htmx
    _no_sideways_scroll(page)
    item.screenshot(path=str(SCREENSHOTS / "project-competitor-edit-phone.png"))
    offering.fill("按年订阅，打七折")
    item.locator("details.section-form button[type=submit]").click()
    page.locator("#pipeline-competitors .message.success").wait_for()
    competitor.refresh_from_db()
    assert competitor.offering == "按年订阅，打七折"


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_the_project_page_fits_labels_every_control_and_passes_axe(page_for, deal, viewport, name):
    page = page_for(locale="zh-CN", viewport=viewport)
    assert sign_in(page, "rep", deal.get_absolute_url()).status == 200
    for section in ("stage", "budget", "competitors", "key-dates", "activities", "timeline"):
        assert page.locator(f"#pipeline-{section}").is_visible(), section
    _no_sideways_scroll(page)
    chart = page.locator(".budget-chart svg")
    assert chart.is_visible() and chart.bounding_box()["width"] <= viewport["width"]
    page.evaluate("document.getElementById('pipeline-stage').scrollIntoView(); window.scrollBy(0, -16)")
    page.screenshot(path=str(SCREENSHOTS / f"project-detail-{name}.png"), full_page=False)
    _open_section_forms(page)
    _no_sideways_scroll(page)
    page.locator("#pipeline-activities").screenshot(path=str(SCREENSHOTS / f"project-contact-form-{name}.png"))
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert blocking_violations(page) == []


def test_a_move_a_refused_budget_and_a_contact_swap_in_without_a_reload(page_for, deal):
    page = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(page, "rep", deal.get_absolute_url())
    page.evaluate("window.notReloaded = true")

    stage = page.locator("#pipeline-stage")
    stage.locator("details > summary").click()
    lost_reason = stage.locator("select[name='move-lost_reason']")
    assert not lost_reason.is_visible()
    stage.locator("select[name='move-stage']").select_option("lost")
    assert lost_reason.is_visible()  # shown only while a lost stage is chosen
    stage.locator("select[name='move-stage']").select_option("proposal_accepted")
    assert not lost_reason.is_visible()
    stage.locator("textarea[name='move-note']").fill("方案评审通过")
    stage.locator("button[type=submit]").click()
    page.locator("#pipeline-stage .message.success").wait_for()
    assert "方案正式通过" in page.locator("#pipeline-stage .stage-now").inner_text()
    assert "方案评审通过" in page.locator("#pipeline-timeline").inner_text()  # swapped in out of band
    assert StageChange.objects.filter(project=deal).first().to_stage.key == "proposal_accepted"

    budget = page.locator("#pipeline-budget")
    budget.locator("details > summary").click()
    budget.locator("input[name='budget-budget']").fill("1800000")
    budget.locator("button[type=submit]").click()
    error = page.locator("#id_budget-reason_error")
    error.wait_for()  # the refused form (400) is swapped in, the amount kept
    assert page.locator("input[name='budget-budget']").input_value() == "1800000"
    page.locator("input[name='budget-reason']").fill("招标控制价下调")
    page.locator("#pipeline-budget button[type=submit]").click()
    page.locator("#pipeline-budget .message.success").wait_for()
    figure = page.locator("#pipeline-budget .budget-figure")
    assert figure.inner_text() == "180万元"
    assert figure.locator(".money").get_attribute("title") == "¥1,800,000.00"

    activities = page.locator("#pipeline-activities")
    activities.locator("details > summary").click()
    activities.locator("input[name='activity-kind'][value='visit']").check()
    activities.locator("textarea[name='activity-summary']").fill("现场确认二号车间工位数量")
    # The same form as My day's: the next contact is a quick pick away.
    activities.locator("[data-set-date]").nth(1).click()  # +3 days
    activities.locator("button[type=submit]").click()
    page.locator("#pipeline-activities .message.success").wait_for()
    assert "现场确认二号车间工位数量" in page.locator("#pipeline-activities .activity-list").inner_text()
    assert Activity.objects.filter(project=deal, kind="visit").count() == 2
    deal.refresh_from_db()
    assert deal.next_contact_on == timezone.localdate() + timedelta(days=3)
    _no_sideways_scroll(page)
    assert page.evaluate("window.notReloaded") is True


def test_the_history_is_loaded_when_opened(page_for, deal):
    """The page shows the history folded, without its rows; opening it loads them (htmx)."""
    page = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(page, "rep", deal.get_absolute_url())
    history = page.locator("#history")
    expect(history.locator("ol.history")).to_have_count(0)
    history.locator("details > summary").click()
    expect(page.locator("#history details[open] ol.history li").first).to_be_visible()  # swapped in, open
    _no_sideways_scroll(page)
