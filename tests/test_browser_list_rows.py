"""The lists rendered once (templates/includes/list.html without a separate card
template): each record is one table row that static/css/app.css lays out as a card
below 768 px. At 390 × 844 and 1280 × 800: rows are cards on the phone (no table
head, no sideways scrolling) and table rows on the desktop, each list page saved as
docs/screenshots/list-<page>-<phone|desktop>.png."""

import pytest

from pipeline import defaults
from pipeline.models import ExitCheck, LostReason, Pipeline, Stage
from teams.notifications.models import Platform, TeamWebhook
from tests.browser import assert_no_sideways_scroll, sign_in
from tests.factories import CustomerFactory, ProjectFactory
from tests.test_browser_layout import COMPANIES, DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lists_world(rep, other_rep, lead, admin, team):
    if not Pipeline.objects.exists():  # a transactional test before this one flushed the shipped rows
        defaults.install(Pipeline=Pipeline, Stage=Stage, ExitCheck=ExitCheck, LostReason=LostReason)
    for index, (name, level, province, city, _district) in enumerate(COMPANIES):
        customer = CustomerFactory(
            owner=rep if index % 2 else other_rep, name=name, level=level, province=province, city=city
        )
        ProjectFactory(customer=customer, name=f"{name[:4]}数字化平台建设 第{index + 1}期")
    TeamWebhook.objects.create(
        team=team, platform=Platform.DINGTALK, url="https://oapi.dingtalk.com/robot/send?access_token=abc123"
    )
    TeamWebhook.objects.create(
        team=team, platform=Platform.FEISHU, url="https://open.feishu.cn/open-apis/bot/v2/hook/xyz", is_active=False
    )
    return {
        "customers": ("rep", "/customers/"),
        "projects": ("rep", "/projects/"),
        "lead-home": ("lead", "/"),
        "teams": ("admin", "/manage/teams/"),
        "team": ("admin", f"/manage/teams/{team.pk}/edit/"),
        "users": ("admin", "/manage/users/"),
        "robots": ("admin", f"/manage/teams/{team.pk}/robots/"),
        "pipelines": ("admin", "/settings/pipelines/"),
        "stages": ("admin", f"/settings/pipelines/{Pipeline.objects.get(key='new_business').pk}/"),
        "lost-reasons": ("admin", "/settings/lost-reasons/"),
        "customer-import": ("rep", "/customers/import/"),
    }


@pytest.mark.parametrize(("viewport", "display"), [("phone", "flex"), ("desktop", "table-row")])
def test_every_list_is_one_row_per_record_a_card_on_the_phone(page_for, lists_world, viewport, display):
    pages = {}
    for name, (username, path) in lists_world.items():
        pages.setdefault(username, []).append((name, path))
    for username, paths in pages.items():
        page = page_for(locale="zh-CN", viewport=PHONE if viewport == "phone" else DESKTOP)
        sign_in(page, username, None)
        for name, path in paths:
            page.goto(path)
            if name == "customer-import":  # the template's columns fold under a summary
                page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            assert_no_sideways_scroll(page)
            assert page.locator("ul.list-cards").count() == 0, name  # nothing rendered twice
            rows = page.locator("table.list-rows tr.list-card")
            assert rows.count(), name
            assert rows.first.evaluate("row => getComputedStyle(row).display") == display, name
            head = page.locator("table.list-rows thead").first
            assert head.is_visible() == (viewport == "desktop"), name
            if viewport == "phone":  # a card's title keeps its line
                title = rows.first.locator("td.name").first
                assert title.bounding_box()["width"] > 120, (name, title.inner_text())
            page.screenshot(path=str(SCREENSHOTS / f"list-{name}-{viewport}.png"), full_page=True)
