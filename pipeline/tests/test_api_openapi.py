"""The OpenAPI schema documents the pipeline's endpoints: grouped by resource,
errors in the error shape (409 where a version is checked), the project's new
fields read-only where they are, and the history paginated."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(
    ("path", "tag"),
    [
        ("/api/v1/projects/{id}/move/", "projects"),
        ("/api/v1/projects/{id}/history/", "projects"),
        ("/api/v1/stages/{key}/", "stages"),
        ("/api/v1/pipelines/", "pipelines"),
        ("/api/v1/lost-reasons/{key}/", "lost-reasons"),
        ("/api/v1/competitors/", "competitors"),
        ("/api/v1/activities/", "activities"),
        ("/api/v1/board/", "board"),
    ],
)
def test_operations_are_grouped_by_resource(schema, path, tag):
    for operation in schema["paths"][path].values():
        assert operation["tags"] == [tag]


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/v1/projects/{id}/move/", "post", {"400", "401", "403", "404", "409"}),
        ("/api/v1/projects/{id}/history/", "get", {"401", "404"}),
        ("/api/v1/competitors/{id}/", "patch", {"400", "404", "409"}),
        ("/api/v1/stages/{key}/", "delete", {"401", "403", "404"}),
        ("/api/v1/board/", "get", {"400", "401"}),
        # The project named in the body: one the requester may not change answers 404.
        ("/api/v1/competitors/", "post", {"400", "404"}),
        ("/api/v1/activities/", "post", {"400", "404"}),
    ],
)
def test_error_responses_are_documented(schema, path, method, codes):
    responses = schema["paths"][path][method]["responses"]
    assert codes <= set(responses)
    for code in codes:
        ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ConflictError" if code == "409" else "/Error")


def test_a_create_does_not_claim_a_409_for_its_version(schema):
    assert "409" not in schema["paths"]["/api/v1/competitors/"]["post"]["responses"]


def test_the_projects_pipeline_fields(schema):
    read = schema["components"]["schemas"]["Project"]["properties"]
    write = schema["components"]["schemas"]["PatchedProjectRequest"]["properties"]
    for field in ("tier", "tier_name", "stage_name", "lost_reason", "lost_reason_name", "paid_on", "last_contact_at"):
        assert read[field]["readOnly"] is True, field
        assert field not in write, field
    for field in ("stage", "budget", "budget_reason", "budget_effective_on", "next_contact_on", "version"):
        assert field in write, field
    assert "budget_reason" not in read


def test_the_history_is_a_page_of_entries(schema):
    response = schema["paths"]["/api/v1/projects/{id}/history/"]["get"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"]["$ref"].endswith("/HistoryPage")
    names = {parameter["name"] for parameter in schema["paths"]["/api/v1/projects/{id}/history/"]["get"]["parameters"]}
    assert {"page", "page_size"} <= names
    assert "q" not in names  # the project list's filters are not the history's


def test_the_board_documents_its_parameters(schema):
    names = {parameter["name"] for parameter in schema["paths"]["/api/v1/board/"]["get"]["parameters"]}
    assert names == {"owner", "team", "pipeline", "q", "expand"}
