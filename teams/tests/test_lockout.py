"""The login lockout tells how long to wait, from the setting, in the page, the API and Retry-After."""

from datetime import timedelta

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _lock_page(settings, **headers):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/login/", {"username": "rep", "password": "bad"}, **headers)
    return Client().post("/login/", {"username": "rep", "password": TEST_PASSWORD}, **headers)


def _lock_api(settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post("/api/v1/auth/token/", {"username": "rep", "password": "bad"}, format="json")
    return APIClient().post("/api/v1/auth/token/", {"username": "rep", "password": TEST_PASSWORD}, format="json")


@pytest.mark.parametrize("minutes", [15, 40])
def test_locked_page_says_how_long_from_the_setting_and_sends_retry_after(rep, settings, minutes):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=minutes)
    response = _lock_page(settings, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert response["Retry-After"] == str(minutes * 60)
    assert f"Please wait {minutes} minutes" in response.content.decode()


def test_one_minute_reads_in_the_singular(rep, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    response = _lock_page(settings, HTTP_ACCEPT_LANGUAGE="en")
    assert "Please wait 1 minute and" in response.content.decode()


def test_locked_page_speaks_chinese_by_default(rep, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    response = _lock_page(settings)
    assert "登录失败次数过多，请 30 分钟后再试" in response.content.decode()


def test_locked_token_endpoint_sends_retry_after_and_the_minutes(rep, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=20)
    response = _lock_api(settings)
    assert response.status_code == 429
    assert response["Retry-After"] == "1200"
    assert "20" in response.json()["detail"]
    assert "token" not in response.json()


def test_without_a_cool_off_the_lock_says_to_ask_an_admin_and_sends_no_retry_after(rep, settings):
    settings.AXES_COOLOFF_TIME = None
    response = _lock_page(settings, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Retry-After" not in response
    assert "Ask an admin to unlock the login." in response.content.decode()
