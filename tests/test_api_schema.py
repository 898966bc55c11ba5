"""The OpenAPI schema says what the API really answers: nullable fields, error responses in the error shape."""

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Contact
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _props(schema, component):
    return schema["components"]["schemas"][component]["properties"]


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_limited_view_fields_are_nullable_in_responses_only(schema):
    for field in ("credit_code", "address", "website", "notes", "completeness"):
        assert _props(schema, "Customer")[field].get("nullable") is True, field
    for component in ("CustomerRequest", "PatchedCustomerRequest"):
        for field in ("credit_code", "address", "notes"):
            assert not _props(schema, component)[field].get("nullable"), (component, field)


def test_contact_department_fields_are_nullable(schema):
    assert _props(schema, "Contact")["department"]["nullable"] is True
    assert _props(schema, "Contact")["department_kind"]["nullable"] is True


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/v1/auth/token/", "post", {"400", "429"}),
        ("/api/v1/customers/", "get", {"400", "401", "403"}),
        ("/api/v1/customers/", "post", {"400", "401", "403", "409"}),
        ("/api/v1/customers/{id}/", "get", {"400", "401", "403", "404"}),
        ("/api/v1/customers/{id}/", "patch", {"400", "401", "403", "404", "409"}),
        ("/api/v1/projects/{id}/", "patch", {"409"}),
        ("/api/v1/contacts/{id}/", "delete", {"401", "403", "404"}),
    ],
)
def test_error_responses_are_documented_with_the_error_shape(schema, path, method, codes):
    responses = schema["paths"][path][method]["responses"]
    assert codes <= set(responses)
    for code in codes:
        ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ConflictError" if code == "409" else "/Error")
    assert "401" not in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "Retry-After" in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]["429"]["headers"]


def test_limited_view_answers_null_as_documented(rep_api, rep, outsider_rep):
    customer = CustomerFactory(owner=outsider_rep, notes="内部备注")
    ProjectFactory(customer=customer, owner=rep)
    body = rep_api.get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["notes"] is None and body["completeness"] is None


def test_null_cannot_be_written_where_the_model_has_no_null(rep_api, rep):
    customer = CustomerFactory(owner=rep, notes="原备注")
    response = rep_api.patch(f"/api/v1/customers/{customer.pk}/", {"notes": None}, format="json")
    assert response.status_code == 400
    assert "notes" in response.json()["errors"]
    customer.refresh_from_db()
    assert customer.notes == "原备注"


def test_a_null_department_writes_a_contact_without_one(rep_api, rep):
    customer = CustomerFactory(owner=rep)
    response = rep_api.post(
        "/api/v1/contacts/",
        {"customer": customer.pk, "name": "王五", "department": None, "department_kind": None},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["department"] is None
    assert Contact.objects.get(pk=response.json()["id"]).department_id is None
