import pytest

from projects import services
from projects.models import Conflict, Project, Resolution
from tests.browser import sign_in
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_resolves_a_conflict_by_giving_both_projects_to_one_rep(page_for, rep, other_rep, lead):
    customer = CustomerFactory(owner=rep, name="宁波海曙贸易有限公司")
    new_sign = services.project_create(user=rep, customer=customer, data={"name": "新签：CRM 系统"})
    renewal = services.project_create(
        user=other_rep, customer=customer, data={"name": "续费：年度维保", "kind": "renewal"}
    )
    page = page_for(locale="en-US")
    sign_in(page, "lead")
    page.get_by_role("link", name="Conflicts").click()

    card = page.locator(f"#conflict-{Conflict.objects.get().pk}")
    text = card.inner_text()
    assert "新签：CRM 系统" in text and "续费：年度维保" in text
    assert rep.name in text and other_rep.name in text
    card.locator("summary").click()  # the resolution choices fold behind "Resolve"
    card.get_by_label("Assign both to this owner").check()
    card.locator("select[name=owner]").select_option(str(rep.pk))
    card.locator("input[name=note]").fill("同一客户由张伟统一跟进")
    card.get_by_role("button", name="Resolve").click()

    page.get_by_text("Conflict resolved.").wait_for()
    assert "No open conflicts" in page.locator("main").inner_text()
    conflict = Conflict.objects.get()
    assert (conflict.resolution, conflict.resolved_by_id) == (Resolution.ASSIGN_OWNER, lead.pk)
    assert Project.objects.get(pk=renewal.pk).owner_id == rep.pk
    assert Project.objects.get(pk=new_sign.pk).owner_id == rep.pk

    page.get_by_role("link", name="Resolved").click()
    assert "同一客户由张伟统一跟进" in page.locator("main").inner_text()
