"""Schemathesis against the real app: every operation of /api/schema/, as each
persona, with generated valid and invalid input. No answer may be a 5xx, every
status code and body must be one the schema documents.

Bounded so the whole file runs in a few minutes on two cores: a few examples per
operation, no shrinking, derandomized (the same cases on every run). Run it
alone with ``pytest -m schema_fuzz``.

Nothing is skipped: each persona's run has its own database transaction, so a
case that deletes or deactivates (DELETE a contact, PATCH a user inactive) only
affects the later cases of the same persona, whose answers (404, 401) are
documented too. Path ids are swapped for ids of real rows half of the time, so
detail routes reach real objects and not only 404.
"""

import json
from datetime import date
from decimal import Decimal

import pytest
import schemathesis
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Department
from pipeline.models import Activity, Competitor
from projects.models import Conflict, Milestone, ProcurementItem, Stakeholder
from tests.factories import ContactFactory, CustomerFactory, ProjectFactory

pytestmark = [pytest.mark.schema_fuzz, pytest.mark.django_db]

EXAMPLES_PER_OPERATION = 5

# Responses are checked against the schema; the request-side checks (does the
# API refuse every schema-invalid input, accept every valid one) are out of scope.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def world(rep, other_rep, outsider_rep, lead, other_lead, admin):
    """A small book per team: own customers, a customer seen only through a project,
    people with and without a department, and each kind of project row."""
    own = CustomerFactory(owner=rep, credit_code="91330106MA2H3RUX4T", notes="备注")
    teammates = CustomerFactory(owner=other_rep)
    elsewhere = CustomerFactory(owner=outsider_rep)
    department = Department.objects.create(customer=own, name="采购部", kind="procurement")
    person = ContactFactory(customer=own, department=department)
    ContactFactory(customer=own, department=None)
    ContactFactory(customer=elsewhere)
    project = ProjectFactory(customer=own)
    through_project = ProjectFactory(customer=elsewhere, owner=rep)  # the limited view
    theirs = ProjectFactory(customer=elsewhere)
    ProcurementItem.objects.create(project=project, item="服务器", quantity=Decimal(2), unit_price=Decimal(1000))
    Milestone.objects.create(project=project, name="招标", due_on=date(2026, 6, 1))
    Stakeholder.objects.create(project=project, contact=person, role="decision_maker")
    Conflict.objects.create(
        kind="shared_customer",
        key=f"shared_customer:{through_project.pk}:{theirs.pk}",
        project_a=through_project,
        project_b=theirs,
    )
    Competitor.objects.create(project=project, kind="external", name="某厂商")
    Activity.objects.create(
        project=project, customer=own, kind="call", occurred_at=timezone.now(), summary="电话", by=rep
    )
    return {"own": own, "teammates": teammates}


def _real_ids():
    """Ids of stored rows per first path segment (customers, contacts, ...)."""
    from django.apps import apps

    models = {
        "users": "teams.User",
        "teams": "teams.Team",
        "customers": "accounts.Customer",
        "contacts": "accounts.Contact",
        "projects": "projects.Project",
        "procurement-items": "projects.ProcurementItem",
        "stakeholders": "projects.Stakeholder",
        "milestones": "projects.Milestone",
        "conflicts": "projects.Conflict",
        "competitors": "pipeline.Competitor",
        "activities": "pipeline.Activity",
    }
    return {
        segment: sorted(apps.get_model(label).objects.values_list("pk", flat=True)) for segment, label in models.items()
    }


def _real_keys():
    """Keys of the stored settings rows per first path segment (stages, pipelines, lost-reasons)."""
    from django.apps import apps

    models = {"stages": "pipeline.Stage", "pipelines": "pipeline.Pipeline", "lost-reasons": "pipeline.LostReason"}
    return {
        segment: sorted(apps.get_model(label).objects.values_list("key", flat=True))
        for segment, label in models.items()
    }


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, which closes the database connection
    after each one; keep the test's (and its transaction), as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["rep", "lead", "admin"])
def persona(request, personas, world):
    return personas[request.param]


def _load_schema():
    """The schema the app serves, called in-process through the WSGI app."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, cls=DjangoJSONEncoder)))
    loaded.app = get_wsgi_application()
    loaded.config.generation.update(
        max_examples=EXAMPLES_PER_OPERATION, deterministic=True, no_shrink=True, database="none"
    )
    loaded.config.phases.update(phases=["examples", "fuzzing"])
    return loaded


schema = _load_schema()


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_api_answers_as_documented(case, persona):
    token, _created = Token.objects.get_or_create(user=persona)
    _use_real_ids(case)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=CHECKS)


def _use_real_ids(case):
    """Half of the generated ids become ids of stored rows (chosen by the generated value);
    generated keys of settings rows become stored keys half of the time too."""
    key = (case.path_parameters or {}).get("key")
    if isinstance(key, str) and len(key) % 2 == 0:
        keys = _real_keys().get(case.operation.path.removeprefix("/api/v1/").split("/")[0])
        if keys:
            case.path_parameters["key"] = keys[len(key) // 2 % len(keys)]
    generated = (case.path_parameters or {}).get("id")
    if not isinstance(generated, int) or generated % 2:
        return
    segment = case.operation.path.removeprefix("/api/v1/").split("/")[0]
    ids = _real_ids().get(segment)
    if ids:
        case.path_parameters["id"] = ids[(generated // 2) % len(ids)]
