"""Requests that used to answer 500 (or an HTML page on the API) answer 400 in the right shape."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NESTED = "[" * 3000


def _api(user=None):
    client = APIClient(raise_request_exception=False)
    if user is not None:
        client.force_authenticate(user)
    return client


def _page(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _assert_api_error(response, field=None):
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    if field:
        assert field in body["errors"], body


# --- deeply nested JSON -------------------------------------------------------------------


def test_deeply_nested_json_to_the_token_endpoint_is_bad_input():
    response = _api().post("/api/v1/auth/token/", NESTED, content_type="application/json")
    _assert_api_error(response)


def test_deeply_nested_json_to_customers_is_bad_input_and_creates_nothing(rep):
    response = _api(rep).post("/api/v1/customers/", NESTED, content_type="application/json")
    _assert_api_error(response)
    assert not Customer.objects.exists()


def test_json_nested_past_the_limit_is_refused_even_when_python_could_parse_it(rep):
    body = '{"name": "深圳某某科技有限公司", "notes": ' + "[" * 70 + "]" * 70 + "}"
    response = _api(rep).post("/api/v1/customers/", body, content_type="application/json")
    _assert_api_error(response)
    assert "64" in response.json()["detail"]


# --- NUL characters -----------------------------------------------------------------------


def test_nul_in_the_autocomplete_query_is_a_readable_400_page(rep):
    response = _page(rep).get("/customers/autocomplete/", {"q": "\x00"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "0x00" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/api/v1/customers/?q=%00", "/api/v1/contacts/?search=a%00b", "/api/v1/projects/?search=%00"]
)
def test_nul_in_an_api_query_parameter_names_it(rep, url):
    response = _api(rep).get(url)
    _assert_api_error(response, field=url.split("?")[1].split("=")[0])


def test_nul_in_a_posted_page_form_is_a_400_and_saves_nothing(rep):
    response = _page(rep).post("/customers/new/", {"name": "某某\x00有限公司", "level": "B"})
    assert response.status_code == 400
    assert not Customer.objects.exists()


def test_nul_in_a_login_form_is_a_400():
    response = Client(raise_request_exception=False).post("/login/", {"username": "rep\x00", "password": "x"})
    assert response.status_code == 400


def test_nul_in_an_api_form_post_names_the_field(rep):
    response = _api(rep).post("/api/v1/customers/", {"name": "某某\x00有限公司"}, format="multipart")
    _assert_api_error(response, field="name")
    assert not Customer.objects.exists()


def test_nul_anywhere_in_a_json_body_names_the_field(rep):
    customer = CustomerFactory(owner=rep)
    response = _api(rep).post(
        "/api/v1/contacts/", {"customer": customer.pk, "name": "王五", "notes": "a\x00b"}, format="json"
    )
    _assert_api_error(response, field="notes")
    assert not customer.contacts.exists()


def test_nul_in_a_nested_json_key_is_bad_input(rep):
    response = _api(rep).post("/api/v1/customers/", {"name": "x", "k\x00": 1}, format="json")
    _assert_api_error(response)


# --- bodies over the upload limit ---------------------------------------------------------


def test_a_json_body_over_the_upload_limit_answers_the_json_error_shape(rep, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "某" * 2000})
    response = _api(rep).post("/api/v1/customers/", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert not Customer.objects.exists()


def test_a_page_form_over_the_upload_limit_stays_an_html_page(rep, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _page(rep).post("/customers/new/", {"name": "某" * 2000})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_ordinary_input_still_works(rep):
    CustomerFactory(owner=rep, name="某某科技有限公司")
    assert _api(rep).get("/api/v1/customers/", {"q": "某某"}).json()["count"] == 1
    assert _page(rep).get("/customers/autocomplete/", {"q": "某某"}).status_code == 200


# --- URLs no route matches ----------------------------------------------------------------


def test_an_api_url_no_route_matches_answers_json_404(rep):
    response = _api(rep).post("/api/v1/customers/0.6/transfer/", {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_a_page_url_no_route_matches_stays_an_html_404(rep):
    response = _page(rep).get("/customers/abc/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
