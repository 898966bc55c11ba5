"""API details a client developer trips on (issue 8): display names beside choice codes,
owner names, one error shape for every status, messages naming fields in the
requester's language, operations grouped by resource in the schema."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.text import capfirst
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.test import APIClient

from accounts.choices import BuyingRole, CustomerLevel, DepartmentKind, Industry
from accounts.models import Contact, Customer
from accounts.serializers import ContactSerializer, CustomerSerializer
from funnel_crm.api import error_body
from pipeline.serializers import (
    ActivitySerializer,
    BoardColumnSerializer,
    CompetitorSerializer,
    HistoryEntrySerializer,
    KeyDateChangeEntrySerializer,
    PipelineProjectSerializer,
    StageChangeEntrySerializer,
)
from pipeline.stage_serializers import ExitCheckSerializer, PipelineSerializer, StageSerializer
from projects.models import ProjectKind, Stakeholder, Stance
from projects.serializers import (
    ConflictSerializer,
    ProjectConflictSerializer,
    ProjectSerializer,
    StakeholderSerializer,
)
from teams.models import Role
from teams.serializers import UserSerializer
from tests.factories import TEST_PASSWORD, ContactFactory, CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "en"]


def _label(choice, language):
    with translation.override(language):
        return str(choice.label)


# --- display names beside choice codes ---------------------------------------------------------


@pytest.mark.parametrize(
    "serializer_class",
    [
        UserSerializer,
        CustomerSerializer,
        ContactSerializer,
        ProjectSerializer,
        ProjectConflictSerializer,
        StakeholderSerializer,
        ConflictSerializer,
        PipelineProjectSerializer,
        HistoryEntrySerializer,
        StageChangeEntrySerializer,
        KeyDateChangeEntrySerializer,
        CompetitorSerializer,
        ActivitySerializer,
        BoardColumnSerializer,
        StageSerializer,
        ExitCheckSerializer,
        PipelineSerializer,
    ],
)
def test_every_choice_field_has_a_read_only_name_beside_it(serializer_class):
    fields = serializer_class().fields
    choice_fields = [name for name, field in fields.items() if isinstance(field, serializers.ChoiceField)]
    assert choice_fields
    names = list(fields)
    for name in choice_fields:
        assert fields[f"{name}_name"].read_only, name
        assert names.index(f"{name}_name") == names.index(name) + 1, name


@pytest.mark.parametrize("language", LANGUAGES)
def test_customer_contact_project_and_user_answer_choice_names_in_the_language(rep, rep_api, language):
    customer = CustomerFactory(owner=rep, level="A", industry="manufacturing", source="")
    contact = ContactFactory(customer=customer, buying_role="decision_maker")
    project = ProjectFactory(customer=customer, kind="renewal")
    Stakeholder.objects.create(project=project, contact=contact, role="influencer", stance="supporter")
    header = {"HTTP_ACCEPT_LANGUAGE": language}

    body = rep_api.get(f"/api/v1/customers/{customer.pk}/", **header).json()
    assert body["level"] == "A"
    assert body["level_name"] == _label(CustomerLevel.A, language)
    assert body["industry_name"] == _label(Industry.MANUFACTURING, language)
    assert body["source_name"] is None  # no source chosen

    body = rep_api.get(f"/api/v1/contacts/{contact.pk}/", **header).json()
    assert body["buying_role_name"] == _label(BuyingRole.DECISION_MAKER, language)
    assert body["department_kind_name"] == _label(DepartmentKind.PROCUREMENT, language)

    body = rep_api.get(f"/api/v1/projects/{project.pk}/", **header).json()
    assert body["kind_name"] == _label(ProjectKind.RENEWAL, language)

    body = rep_api.get("/api/v1/stakeholders/", {"project": project.pk}, **header).json()
    row = body["results"][0] if "results" in body else body[0]
    assert row["role_name"] == _label(BuyingRole.INFLUENCER, language)
    assert row["stance_name"] == _label(Stance.SUPPORTER, language)

    body = rep_api.get(f"/api/v1/users/{rep.pk}/", **header).json()
    assert body["role_name"] == _label(Role.REP, language)

    if language == "zh-hans":
        assert body["role_name"] != _label(Role.REP, "en")  # really translated


def test_contact_without_department_has_null_department_kind_name(rep, rep_api):
    contact = ContactFactory(customer=CustomerFactory(owner=rep), department=None)
    body = rep_api.get(f"/api/v1/contacts/{contact.pk}/").json()
    assert body["department_kind"] is None
    assert body["department_kind_name"] is None


# --- owner names -------------------------------------------------------------------------------


def test_customers_and_projects_carry_the_owner_display_name(rep, lead_api):
    ProjectFactory(customer=CustomerFactory(owner=rep), owner=rep)
    assert rep.display_name and rep.display_name != rep.username
    rows = lead_api.get("/api/v1/customers/").json()["results"]
    assert [row["owner_name"] for row in rows] == [rep.display_name]
    rows = lead_api.get("/api/v1/projects/").json()["results"]
    assert [row["owner_name"] for row in rows] == [rep.display_name]


@pytest.mark.parametrize("path", ["/api/v1/customers/", "/api/v1/projects/"])
def test_owner_names_cost_no_query_per_row(rep, other_rep, lead_api, path):
    """Rows of different owners: a page of three costs what a page of one costs."""
    for owner in (rep, other_rep, rep):
        ProjectFactory(customer=CustomerFactory(owner=owner), owner=owner)
    lead_api.get(path)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as one:
        lead_api.get(path, {"page_size": 1})
    with CaptureQueriesContext(connection) as three:
        rows = lead_api.get(path, {"page_size": 3}).json()["results"]
    assert {row["owner_name"] for row in rows} == {rep.display_name, other_rep.display_name}
    assert len(three) == len(one)


# --- one error shape for every status ----------------------------------------------------------


def _assert_error_shape(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"detail", "errors"}, body
    assert body["detail"]
    assert isinstance(body["errors"], dict)
    return body


def test_401_without_credentials_and_with_a_bad_token():
    _assert_error_shape(APIClient().get("/api/v1/customers/"), 401)
    _assert_error_shape(APIClient().get("/api/v1/customers/", HTTP_AUTHORIZATION="Token nonsense"), 401)


def test_403_for_a_write_the_role_may_not_make(rep, rep_api):
    body = _assert_error_shape(rep_api.post("/api/v1/teams/", {"name": "新组"}, format="json"), 403)
    assert body["errors"] == {}


def test_404_for_an_unknown_id_and_an_unknown_url(rep_api):
    _assert_error_shape(rep_api.get("/api/v1/customers/999999/"), 404)
    _assert_error_shape(Client().get("/api/v1/no-such-thing/"), 404)


def test_405_for_a_method_the_endpoint_does_not_take(rep_api):
    _assert_error_shape(rep_api.get("/api/v1/auth/token/"), 405)


def test_429_when_the_login_is_locked(rep, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post("/api/v1/auth/token/", {"username": "rep", "password": "bad"}, format="json")
    response = APIClient().post("/api/v1/auth/token/", {"username": "rep", "password": TEST_PASSWORD}, format="json")
    _assert_error_shape(response, 429)


def test_409_without_fields_still_has_errors(rep, rep_api):
    customer = CustomerFactory(owner=rep)
    response = rep_api.post(
        "/api/v1/customers/", {"name": customer.name, "level": "B"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    _assert_error_shape(response, 409)


# --- messages name fields in the requester's language ------------------------------------------


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "密码："), ("en", "Password: ")])
def test_failed_token_request_names_the_field_in_the_language(rep, language, expected):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "rep", "password": "bad"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    body = response.json()
    assert response.status_code == 400
    assert "password" in body["errors"]  # the map keeps the field's key
    assert body["detail"].startswith(expected), body["detail"]
    assert body["detail"] == expected + body["errors"]["password"][0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_model_field_error_is_named_by_its_verbose_name(rep_api, language):
    response = rep_api.post("/api/v1/customers/", {"level": "B"}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    with translation.override(language):
        label = str(Customer._meta.get_field("name").verbose_name)
        colon = "：" if language == "zh-hans" else ": "
    assert response.json()["detail"].lower().startswith(f"{label}{colon}".lower())
    assert not response.json()["detail"].startswith("name")
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_nested_field_error_is_named_by_the_nested_label(rep, rep_api, language):
    project = ProjectFactory(customer=CustomerFactory(owner=rep), owner=rep)
    response = rep_api.post(
        "/api/v1/stakeholders/",
        {"project": project.pk, "role": "user", "new_contact": {"name": ""}},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    body = response.json()
    assert "new_contact" in body["errors"]
    with translation.override(language):
        label = capfirst(Contact._meta.get_field("name").verbose_name)
        colon = "：" if language == "zh-hans" else ": "
    assert body["detail"].startswith(f"{label}{colon}"), body["detail"]
    assert Stakeholder.objects.count() == 0


def test_non_field_errors_have_no_prefix():
    with translation.override("zh-hans"):
        assert error_body({"non_field_errors": ["出错了。"]})["detail"] == "出错了。"
        assert error_body({"__all__": ["出错了。"]})["detail"] == "出错了。"
        assert error_body(["出错了。"])["detail"] == "出错了。"


# --- operations tagged by resource -------------------------------------------------------------


def test_schema_groups_operations_by_resource():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    tags = {
        path: {tag for operation in item.values() if isinstance(operation, dict) for tag in operation.get("tags", [])}
        for path, item in schema["paths"].items()
    }
    assert tags["/api/v1/customers/"] == {"customers"}
    assert tags["/api/v1/customers/{id}/transfer/"] == {"customers"}
    assert tags["/api/v1/contacts/{id}/"] == {"contacts"}
    assert tags["/api/v1/projects/"] == {"projects"}
    assert tags["/api/v1/users/"] == {"users"}
    assert tags["/api/v1/auth/token/"] == {"auth"}
    every = set().union(*tags.values())
    assert "v1" not in every
    assert len(every) >= 6


def test_schema_describes_completeness_as_the_checklist_score_and_documents_names():
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    project = schema["components"]["schemas"]["Project"]["properties"]
    assert project["completeness"]["description"] == "Checklist completeness (0–100)."
    assert project["completeness"]["readOnly"] is True
    assert project["owner_name"]["readOnly"] is True
    assert project["kind_name"]["readOnly"] is True
    customer = schema["components"]["schemas"]["Customer"]["properties"]
    assert {"level_name", "industry_name", "source_name", "owner_name"} <= set(customer)
    assert "level_name" not in schema["components"]["schemas"]["CustomerRequest"]["properties"]
