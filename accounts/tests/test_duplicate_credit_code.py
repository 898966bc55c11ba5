"""Hole 7: an existing credit code under another name answers 409 naming the owner
(never DRF's or Django's generic unique message), on create, on confirm and on edit."""

import pytest
from django.urls import reverse

from accounts.models import Customer
from accounts.tests.test_pages import _create_payload
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CODE = "91330106MA2H3RUX4T"
OTHER_CODE = "91110108MA01G0FB09"


@pytest.fixture
def taken(outsider_rep):
    """Another team's customer holding CODE (outside the rep's scope)."""
    return CustomerFactory(owner=outsider_rep, name="杭州云帆信息科技有限公司", credit_code=CODE)


def _assert_names_the_owner(body, taken, owner):
    assert body["duplicate_of"]["id"] == taken.pk
    assert body["duplicate_of"]["owner"] == owner.pk
    assert body["duplicate_of"]["owner_name"] == owner.name
    assert body["duplicate_of"]["reason"] == "credit_code"
    assert "credit_code" in body["errors"]
    assert owner.name in body["detail"]
    assert "具有" not in body["detail"]  # not Django's generic "具有 统一社会信用代码 的 客户 已存在。"


@pytest.mark.parametrize("confirm", [False, True])
def test_api_create_with_a_taken_credit_code_under_another_name_is_409_naming_the_owner(
    rep_api, taken, outsider_rep, confirm
):
    response = rep_api.post(
        "/api/v1/customers/",
        {"name": "完全不同的名字有限公司", "credit_code": CODE.lower(), "confirm_duplicate": confirm},
        format="json",
    )
    assert response.status_code == 409, response.content
    _assert_names_the_owner(response.json(), taken, outsider_rep)
    assert Customer.objects.filter(credit_code=CODE).count() == 1
    assert not Customer.objects.filter(name="完全不同的名字有限公司").exists()


def test_api_message_says_confirming_cannot_override_the_credit_code(rep_api, taken, outsider_rep):
    response = rep_api.post(
        "/api/v1/customers/",
        {"name": "别名有限公司", "credit_code": CODE, "confirm_duplicate": True},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    detail = response.json()["detail"]
    assert "credit code belongs to an existing customer" in detail
    assert outsider_rep.name in detail


def test_api_patch_to_a_taken_credit_code_is_409_and_keeps_the_stored_code(rep_api, rep, taken, outsider_rep):
    mine = CustomerFactory(owner=rep, credit_code=OTHER_CODE)
    response = rep_api.patch(f"/api/v1/customers/{mine.pk}/", {"credit_code": CODE}, format="json")
    assert response.status_code == 409, response.content
    _assert_names_the_owner(response.json(), taken, outsider_rep)
    mine.refresh_from_db()
    assert mine.credit_code == OTHER_CODE
    assert mine.version == 1


def test_api_patch_keeping_ones_own_credit_code_still_saves(rep_api, rep):
    mine = CustomerFactory(owner=rep, credit_code=OTHER_CODE)
    response = rep_api.patch(f"/api/v1/customers/{mine.pk}/", {"credit_code": OTHER_CODE, "notes": "新"}, format="json")
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.notes == "新"


def _page_form(**extra):
    """The create page's form (reused by the edit page, which ignores the extra fields)."""
    return _create_payload(**{"name": "完全不同的名字有限公司", "credit_code": CODE, **extra})


@pytest.mark.parametrize("confirm", [{}, {"confirm_duplicate": "on"}])
def test_page_create_with_a_taken_credit_code_shows_the_owner_and_offers_no_confirmation(
    rep_client, taken, outsider_rep, confirm
):
    response = rep_client.post(reverse("accounts:customer_create"), _page_form(**confirm))
    assert response.status_code == 409
    content = response.content.decode()
    assert 'id="duplicate-warning"' in content
    assert outsider_rep.name in content
    assert 'name="confirm_duplicate"' not in content
    assert Customer.objects.filter(credit_code=CODE).count() == 1


def test_page_edit_to_a_taken_credit_code_shows_the_owner_beside_the_field(rep_client, rep, taken, outsider_rep):
    mine = CustomerFactory(owner=rep, credit_code=OTHER_CODE)
    form = _page_form(name=mine.name, version=str(mine.version))
    response = rep_client.post(reverse("accounts:customer_update", args=[mine.pk]), form)
    assert response.status_code == 200
    errors = response.context["form"].errors["credit_code"]
    assert any(outsider_rep.name in message for message in errors)
    mine.refresh_from_db()
    assert mine.credit_code == OTHER_CODE
