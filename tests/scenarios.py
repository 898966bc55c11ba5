"""Scenarios with the personas that found the write holes of issue 7 (loaded
by the root conftest as a plugin, so every app's tests may use them).

``shared_world``: three customers, each with a department and a contact.

- ``own``: rep's customer (team A).
- ``other_reps``: other_rep's customer (team A). ``rep`` holds a project on it
  whose buying committee has the customer's contact: the *committee rep*, who
  sees the customer (limited view) and that person, and may change neither.
  other_rep also holds a project on it (a shared-customer conflict, team A).
- ``other_teams``: outsider_rep's customer (team B). rep holds a project on it
  with the customer's contact on the committee: ``lead`` sees that customer and
  person only through the team's project. outsider_rep holds a project on it
  too (a shared-customer conflict across the teams).
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db.models import Q

from projects import services as project_services
from projects.models import Conflict, Milestone, ProcurementItem, Stakeholder
from tests.factories import ContactFactory, CustomerFactory, DepartmentFactory, ProjectFactory

CUSTOMERS = ["own", "other_reps", "other_teams"]
OWNER_OF = {"own": "rep", "other_reps": "other_rep", "other_teams": "outsider_rep"}
# The customers (and their departments and people) each persona may change: their own scope.
EDITS = {
    None: set(),
    "rep": {"own"},
    "other_rep": {"other_reps"},
    "outsider_rep": {"other_teams"},
    "lead": {"own", "other_reps"},
    "other_lead": {"other_teams"},
    "admin": set(CUSTOMERS),
}
# What each persona sees on top, through a project of theirs (the limited view).
SEES_THROUGH_PROJECT = {"rep": {"other_reps", "other_teams"}, "lead": {"other_teams"}}
# rep's projects on the two other customers: rep, lead and admin may change them,
# not the customer's owner (a project is its owner's, whoever owns the customer).
PROJECTS = ["on_other_reps", "on_other_teams"]
PROJECT_EDITORS = {"rep", "lead", "admin"}
# Who sees the conflict between rep's project and the customer owner's (either side's scope).
CONFLICT_SEERS = {
    "on_other_reps": {"rep", "other_rep", "lead", "admin"},
    "on_other_teams": {"rep", "outsider_rep", "lead", "other_lead", "admin"},
}
REPS = {"rep", "other_rep", "outsider_rep"}
WRITE_PERSONAS = [None, "rep", "other_rep", "outsider_rep", "lead", "other_lead", "admin"]


def sees(persona, customer):
    return customer in EDITS[persona] | SEES_THROUGH_PROJECT.get(persona, set())


@dataclass(frozen=True)
class Write:
    """One write of the matrix. ``target`` is ``customer`` (the customer, its
    department or contact: see ``url``), ``project`` or ``conflict``.

    ``state(world, key)`` reads the stored state the write would change (from
    the database); ``roles``: ``leads`` when reps are refused 403 on what they
    reach — ``before`` the lookup (any id) or ``after`` it (ids they see)."""

    name: str
    client: str  # "api" or "page"
    method: str
    url: str  # formatted with the target world's ids
    target: str
    ok: int
    state: Callable
    body: Callable = lambda world, key: {}
    refused: int = 404
    leads_only: str | None = None  # "before" or "after" the lookup

    def ids(self, world, key):
        if self.target == "customer":
            return {
                "customer": world.customers[key].pk,
                "contact": world.contacts[key].pk,
                "department": world.departments[key].pk,
            }
        if self.target == "conflict":
            return {"conflict": world.conflicts[key].pk}
        parts = world.parts[key]
        return {
            "project": world.projects[key].pk,
            "item": parts["item"].pk,
            "stakeholder": parts["stakeholder"].pk,
            "milestone": parts["milestone"].pk,
        }

    def targets(self):
        return CUSTOMERS if self.target == "customer" else PROJECTS

    def expected(self, persona, key):
        """(status, whether the stored state changes)."""
        if persona is None:
            return (401 if self.client == "api" else 302), False
        if self.target == "customer":
            allowed, reached = key in EDITS[persona], key in EDITS[persona]
        elif self.target == "project":
            allowed = reached = persona in PROJECT_EDITORS
        else:
            reached = persona in CONFLICT_SEERS[key]
            allowed = reached and persona not in REPS
        if self.leads_only == "before" and persona in REPS:
            return 403, False
        if self.leads_only == "after" and persona in REPS:
            return (403 if reached else self.refused), False
        return (self.ok, True) if allowed else (self.refused, False)


def write_matrix(writes):
    for write in writes:
        for persona in WRITE_PERSONAS:
            for key in write.targets():
                yield pytest.param(write, persona, key, id=f"{write.name}-{persona}-{key}")


def check_write(world, client, write, persona, key):
    """Send the write as ``persona``; check the status and that the stored state
    changed exactly when the write was allowed."""
    status, changes = write.expected(persona, key)
    before = write.state(world, key)
    url = write.url.format(**write.ids(world, key))
    body = write.body(world, key)
    if write.client == "api":
        response = getattr(client, write.method)(url, body, format="json")
    else:
        response = getattr(client, write.method)(url, body)
    assert response.status_code == status, response.content[:500]
    after = write.state(world, key)
    assert (after != before) == changes, (before, after)


@dataclass
class SharedWorld:
    personas: dict
    customers: dict
    departments: dict
    contacts: dict
    projects: dict
    parts: dict
    conflicts: dict

    def reload(self, obj):
        """The stored row, or None once deleted."""
        return type(obj)._default_manager.filter(pk=obj.pk).first()


@pytest.fixture
def shared_world(personas):
    customers, departments, contacts = {}, {}, {}
    for key, owner in OWNER_OF.items():
        customer = CustomerFactory(owner=personas[owner], name=f"苏州{key}精密机械有限公司", notes="原备注")
        departments[key] = DepartmentFactory(customer=customer, name="采购部")
        contacts[key] = ContactFactory(customer=customer, department=departments[key], name=f"{key}联系人")
        customers[key] = customer
    projects, parts = {}, {}
    for key, on in (("on_other_reps", "other_reps"), ("on_other_teams", "other_teams")):
        project = ProjectFactory(customer=customers[on], owner=personas["rep"], name=f"{on}信息化项目")
        parts[key] = {
            "stakeholder": Stakeholder.objects.create(project=project, contact=contacts[on], role="key_person"),
            "item": ProcurementItem.objects.create(project=project, item="服务器", quantity=2, unit_price=9),
            "milestone": Milestone.objects.create(project=project, name="立项", due_on="2026-09-01"),
        }
        projects[key] = project
    conflicts = {}
    for key, on in (("on_other_reps", "other_reps"), ("on_other_teams", "other_teams")):
        owner = personas[OWNER_OF[on]]
        theirs = project_services.project_create(user=owner, customer=customers[on], data={"name": "年度运维服务"})
        pair = Q(project_a=theirs, project_b=projects[key]) | Q(project_a=projects[key], project_b=theirs)
        conflicts[key] = Conflict.objects.get(pair)
    return SharedWorld(personas, customers, departments, contacts, projects, parts, conflicts)
