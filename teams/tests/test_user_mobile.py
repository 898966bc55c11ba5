"""User.mobile (issue 12): the users form and API read and write it with the mainland mobile rules, the error
names the field, and the users list shows it (a card line on phones)."""

import pytest
from django.urls import reverse

from teams.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _form(team, **changes):
    return {
        "username": "wangfang",
        "display_name": "王芳",
        "email": "wf@example.cn",
        "role": "rep",
        "team": team.pk,
        "is_active": "on",
        "password": "Sales-Star-88x",
        **changes,
    }


def test_the_form_stores_the_mobile_as_eleven_digits(admin_client, team):
    response = admin_client.post(reverse("teams:user_create"), _form(team, mobile="+86 138-1234-5678"))
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(username="wangfang")
    assert user.mobile == "13812345678"
    page = admin_client.get(reverse("teams:user_update", args=[user.pk])).content.decode()
    assert 'value="13812345678"' in page and 'type="tel"' in page


def test_the_form_names_a_bad_mobile_and_saves_nothing(admin_client, team, rep):
    response = admin_client.post(
        reverse("teams:user_create"), _form(team, mobile="010-12345678"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert "landline" in str(response.context["form"].errors["mobile"]) or "座机" in str(
        response.context["form"].errors["mobile"]
    )
    assert not User.objects.filter(username="wangfang").exists()
    before = User.objects.values_list("mobile", "username", "team").get(pk=rep.pk)
    url = reverse("teams:user_update", args=[rep.pk])
    data = {"username": rep.username, "display_name": rep.display_name, "email": rep.email, "role": rep.role}
    response = admin_client.post(url, {**data, "team": rep.team_id, "is_active": "on", "mobile": "1381234abcd"})
    assert response.status_code == 200 and "mobile" in response.context["form"].errors
    assert User.objects.values_list("mobile", "username", "team").get(pk=rep.pk) == before


def test_the_api_reads_and_writes_the_mobile(admin_api, team, rep):
    response = admin_api.patch(f"/api/v1/users/{rep.pk}/", {"mobile": "139 0000 1111"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["mobile"] == "13900001111"
    rep.refresh_from_db()
    assert rep.mobile == "13900001111"
    assert admin_api.get(f"/api/v1/users/{rep.pk}/").json()["mobile"] == "13900001111"
    response = admin_api.post(
        "/api/v1/users/",
        {"username": "zhaolei", "password": "Sales-Star-88x", "team": team.pk, "mobile": "15912345678"},
        format="json",
    )
    assert response.status_code == 201 and User.objects.get(username="zhaolei").mobile == "15912345678"


def test_the_api_names_the_mobile_field_and_changes_nothing(admin_api, rep):
    rep.mobile = "13812345678"
    rep.save()
    response = admin_api.patch(
        f"/api/v1/users/{rep.pk}/", {"mobile": "12345"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == ["mobile"]
    assert body["detail"].startswith("手机：")  # the field's label in the message
    rep.refresh_from_db()
    assert rep.mobile == "13812345678"


def test_a_rep_cannot_set_anyones_mobile_through_the_api(rep_api, rep, other_rep):
    response = rep_api.patch(f"/api/v1/users/{other_rep.pk}/", {"mobile": "13812345678"}, format="json")
    assert response.status_code in (403, 404)
    other_rep.refresh_from_db()
    assert other_rep.mobile == ""


def test_the_users_list_shows_the_mobile_with_flat_queries(admin_client, team, django_assert_max_num_queries):
    UserFactory.create_batch(60, team=team, mobile="13712345678")
    with django_assert_max_num_queries(5):
        response = admin_client.get(reverse("teams:user_list"))
    page = response.content.decode()
    assert 'href="tel:13712345678"' in page
    assert 'class="as-meta"><a href="tel:13712345678"' in page  # a meta line of the card on phones
