"""Issue 13's "Done when" in a real browser: a rep sees the countdown on the book and releases a
customer with a reason; another rep of a served team claims it from the pool page; the lead
sees the release on the coaching dashboard. Screenshots at 390×844 and 1280×800 go to
SCREENSHOT_DIR when it is set."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Customer
from pipeline.pools import services as pools
from tests.browser import assert_no_sideways_scroll, sign_in
from tests.factories import (
    AdminFactory,
    ContactFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
    make_lead,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _shot(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _check(page, viewport, name):
    if viewport == PHONE:
        assert_no_sideways_scroll(page)
    _shot(page, f"{name}-{viewport['width']}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_release_claim_and_the_leads_view(page_for, viewport):
    admin = AdminFactory(username="admin", display_name="管理员")
    team = TeamFactory(name="华东一组")
    make_lead(team=team, username="lead", display_name="王主管")
    releaser = UserFactory(username="rep1", display_name="张伟", team=team)
    UserFactory(username="rep2", display_name="李娜", team=team)
    pool = pools.pool_save(user=admin, data={"name": "华东公海"}, teams=[team])
    quiet = CustomerFactory(owner=releaser, name="宁波久未联系贸易有限公司", level="C")
    ContactFactory(customer=quiet, name="陈经理", mobile="13988887777")
    CustomerFactory(owner=releaser, name="杭州常联系科技有限公司", level="A")
    pools.pool_save(user=admin, pool=pool, data={"warn_days": 3}, version=pool.version)  # countdowns stored
    Customer.objects.filter(pk=quiet.pk).update(returns_on=timezone.localdate() + timedelta(days=2))

    # The rep's book: the countdown, red under 3 days, sorted by days left.
    page = page_for(locale="en-US", viewport=viewport)
    sign_in(page, "rep1", "/customers/?ordering=days_left")
    first_row = page.locator("tr.list-card").first
    assert "宁波久未联系贸易有限公司" in first_row.inner_text()
    assert "2 days left" in first_row.locator(".days-left.soon").inner_text()
    _check(page, viewport, "pool-book")

    # Release it with a reason.
    page.goto(f"/customers/{quiet.pk}/")
    page.locator("#release-button").click()
    page.select_option("select[name=reason]", "联系不上")
    _check(page, viewport, "pool-release")
    page.get_by_role("button", name="Release").click()
    page.wait_for_url("**/customers/")
    assert Customer.objects.get(pk=quiet.pk).owner_id is None

    # Another rep of the team claims it from the pool page (phones hidden before).
    other = page_for(locale="en-US", viewport=viewport)
    sign_in(other, "rep2", "/pools/")
    other.get_by_role("link", name="华东公海").click()
    assert "Claimed today: 0 of 10" in other.locator("#pool-limits").inner_text()
    _check(other, viewport, "pool-list")
    other.get_by_role("link", name="宁波久未联系贸易有限公司").click()
    assert "陈经理" in other.content() and "13988887777" not in other.content()
    _check(other, viewport, "pool-preview")
    other.get_by_role("button", name="Claim").click()
    other.wait_for_url(f"**/customers/{quiet.pk}/")
    assert "13988887777" in other.content()
    assert Customer.objects.get(pk=quiet.pk).owner.username == "rep2"

    # The lead sees the release on the coaching dashboard.
    lead = page_for(locale="en-US", viewport=viewport)
    sign_in(lead, "lead", "/coaching/")
    section = lead.locator("#pool")
    row = section.locator("tr", has_text="张伟")
    assert row.locator("[data-pool=released]").inner_text().strip() == "1"
    _check(lead, viewport, "pool-coaching")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_leads_capacity_and_lock_pages(page_for, viewport):
    admin = AdminFactory(username="admin", display_name="管理员")
    team = TeamFactory(name="华东一组")
    make_lead(team=team, username="lead", display_name="王主管")
    rep = UserFactory(username="rep1", display_name="张伟", team=team)
    UserFactory(username="rep2", display_name="李娜", team=team)
    pools.pool_save(user=admin, data={"name": "华东公海", "lock_limit": 2}, teams=[team])
    soon = CustomerFactory(owner=rep, name="宁波即将回收贸易有限公司")
    CustomerFactory(owner=rep, name="杭州第二家科技有限公司")
    Customer.objects.filter(pk=soon.pk).update(returns_on=timezone.localdate() + timedelta(days=2))

    page = page_for(locale="en-US", viewport=viewport)
    sign_in(page, "lead", "/pools/")
    # The count on the pool's card says what it counts (the table's head on wide screens).
    waiting = page.locator("tr.list-card td[data-label]").first
    if viewport == PHONE:
        label = waiting.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert "Waiting to be claimed" in label
    else:
        assert page.locator("th", has_text="Waiting to be claimed").is_visible()
    _check(page, viewport, "pool-pools")
    page.get_by_role("link", name="Capacity").first.click()
    row = page.locator("tr.list-card", has_text="张伟")
    assert "2 of 300" in row.inner_text()
    row.locator("input[name=capacity]").fill("120")
    row.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "2 of 120" in page.locator("tr.list-card", has_text="张伟").inner_text()
    _check(page, viewport, "pool-capacity")

    page.goto("/pools/")
    page.get_by_role("button", name="Locked customers").click()
    card = page.locator(f"#lock-person-{rep.pk}")
    assert "0 of 2 locked" in card.inner_text()
    card.get_by_role("button", name="Lock 宁波即将回收贸易有限公司").click()
    page.wait_for_url("**/pools/locks/")
    assert "1 of 2 locked" in page.locator(f"#lock-person-{rep.pk}").inner_text()
    assert Customer.objects.get(pk=soon.pk).locked
    _check(page, viewport, "pool-locks")
