"""The pipeline settings in a real browser: an admin reorders stages with the
arrows on a desktop, and every settings page fits a 390 × 844 phone. Writes
docs/screenshots/settings-stages-desktop.png."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from pipeline import defaults, services
from pipeline.models import ExitCheck, LostReason, Pipeline, Stage
from projects import services as project_services
from tests.browser import WIDEST, sign_in
from tests.factories import AdminFactory, CustomerFactory, UserFactory
from tests.test_browser_accessibility import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def settings_data(db):
    if not Pipeline.objects.exists():  # a transactional test before this one flushed the shipped rows
        defaults.install(Pipeline=Pipeline, Stage=Stage, ExitCheck=ExitCheck, LostReason=LostReason)
    AdminFactory(username="admin", display_name="管理员")
    rep = UserFactory(username="rep", display_name="张伟")
    for number, stage in enumerate(["prospect", "prospect", "need_confirmed", "lost"]):
        project = project_services.project_create(
            user=rep,
            customer=CustomerFactory(owner=rep, name=f"杭州云帆{number}信息科技有限公司"),
            data={"name": f"数字化平台第{number + 1}期", "opened_at": timezone.now() - timedelta(days=20)},
        )
        if stage != "prospect":
            services.project_move(user=rep, project=project, stage=stage, lost_reason="price")
    return Pipeline.objects.get(key="new_business")


def _settings_paths(pipeline):
    stage = Stage.objects.get(key="need_confirmed")
    reason = LostReason.objects.get(key="price")
    return [
        "/settings/pipelines/",
        f"/settings/pipelines/{pipeline.pk}/",
        "/settings/pipelines/new/",
        f"/settings/pipelines/{pipeline.pk}/stages/new/",
        f"/settings/stages/{stage.pk}/",
        "/settings/lost-reasons/",
        f"/settings/lost-reasons/{reason.pk}/",
        "/settings/changes/",
    ]


def _no_sideways_scroll(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} is {width}px wide in a {inner}px window; widest: {page.evaluate(WIDEST)}"


def _stage_names(page):
    return [name.strip() for name in page.locator(".list-table td.name > a").all_inner_texts()]


def _wait_for_stage(page, position, name):
    """The arrows swap the list in place (htmx): wait until ``name`` stands at ``position``."""
    page.wait_for_function(
        "([position, name]) => (document.querySelectorAll('.list-table td.name > a')[position] || {})"
        ".textContent?.trim() === name",
        arg=[position, name],
    )


def test_admin_moves_a_stage_up_with_the_arrow_and_the_keyboard(page_for, settings_data):
    page = page_for(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, "admin", f"/settings/pipelines/{settings_data.pk}/")
    assert page.locator(".list-table").is_visible()
    assert _stage_names(page)[2:5] == ["方案正式通过", "合同/法务", "付款流程"]
    payment = Stage.objects.get(key="payment")
    page.locator(f"#row-stage-{payment.pk}-up").click()
    _wait_for_stage(page, 3, "付款流程")
    assert _stage_names(page)[2:5] == ["方案正式通过", "付款流程", "合同/法务"]
    # Only the list was swapped and the arrow kept the focus: Enter moves the stage on.
    assert page.evaluate("document.activeElement.id") == f"row-stage-{payment.pk}-up"
    page.keyboard.press("Enter")
    _wait_for_stage(page, 2, "付款流程")
    assert _stage_names(page)[2:5] == ["付款流程", "方案正式通过", "合同/法务"]
    _no_sideways_scroll(page)
    for position in (3, 4):
        page.locator(f"#row-stage-{payment.pk}-down").click()
        _wait_for_stage(page, position, "付款流程")
    page.reload()
    assert _stage_names(page)[2:5] == ["方案正式通过", "合同/法务", "付款流程"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "settings-stages-desktop.png"), full_page=False)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_every_settings_page_fits_a_phone(page_for, settings_data, locale):
    page = page_for(locale=locale, viewport=PHONE)
    sign_in(page, "admin", None)
    for path in _settings_paths(settings_data):
        page.goto(path)
        _no_sideways_scroll(page)
    # On a phone the stages are cards, each with its arrows within reach.
    page.goto(f"/settings/pipelines/{settings_data.pk}/")
    assert not page.locator(".list-table thead").is_visible()
    assert page.locator("tr.list-card").first.evaluate("row => getComputedStyle(row).display") == "flex"
    assert page.locator(".list-card").count() == 7
    payment = Stage.objects.get(key="payment")
    page.locator(f"#row-stage-{payment.pk}-up").click()
    expected = payment.name_zh if locale == "zh-CN" else payment.name_en
    page.wait_for_function(
        "name => document.querySelectorAll('.list-card .card-title')[3].textContent.trim() === name", arg=expected
    )
    _no_sideways_scroll(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_settings_pages_have_no_serious_accessibility_violations(page_for, settings_data, viewport):
    page = page_for(locale="zh-CN", viewport=viewport)
    sign_in(page, "admin", None)
    found = {}
    for path in _settings_paths(settings_data):
        assert page.goto(path).status == 200, path
        if lines := blocking_violations(page):
            found[path] = lines
    assert not found, "\n".join(f"{path}: {line}" for path, lines in found.items() for line in lines)
