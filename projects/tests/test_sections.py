"""The project page's section hook: higher apps (pipeline) add their blocks without editing projects."""

import pytest
from django.template import Template

from projects import views
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _budget_section(request, project):
    if project.name != "ERP 升级":
        return None  # a section may have nothing to say about a project
    return {
        "template": Template('<section id="budget">{{ section.who }}：{{ section.amount }}，{{ project }}</section>'),
        "amount": f"{project.pk} 号，12 万元",
        "who": request.user.username,
    }


def _timeline_section(request, project):
    return {"template": Template('<section id="pipeline-timeline">{{ section.label }}</section>'), "label": "进度"}


@pytest.fixture
def registered_sections():
    views.PROJECT_SECTIONS.extend([_budget_section, _timeline_section])
    yield
    views.PROJECT_SECTIONS.remove(_budget_section)
    views.PROJECT_SECTIONS.remove(_timeline_section)


def test_a_registered_section_is_rendered_on_the_project_page_in_order(registered_sections, rep_client, rep):
    project = ProjectFactory(customer=CustomerFactory(owner=rep), owner=rep, name="ERP 升级")
    content = rep_client.get(project.get_absolute_url()).content.decode()
    budget = content.index(f'<section id="budget">{rep.username}：{project.pk} 号，12 万元，{project}</section>')
    timeline = content.index('<section id="pipeline-timeline">进度</section>')
    assert budget < timeline < content.index('<section id="history">')


def test_a_section_answering_none_is_left_out(registered_sections, rep_client, rep):
    project = ProjectFactory(customer=CustomerFactory(owner=rep), owner=rep, name="呼叫中心")
    content = rep_client.get(project.get_absolute_url()).content.decode()
    assert 'id="budget"' not in content
    assert '<section id="pipeline-timeline">进度</section>' in content


# --- the new-project form's extension hook ---


def _extra_fields(*, user, customer):
    from django import forms

    return {"sponsor": forms.CharField(label="发起部门", max_length=20)}


class _RecordingHook:
    def __init__(self):
        self.seen = []

    def check(self, *, data):
        pass

    def apply(self, *, user, project, data):
        self.seen.append(data.get("sponsor"))


@pytest.fixture
def form_extension():
    from projects import forms, services

    hook = _RecordingHook()
    forms.PROJECT_FORM_EXTENSIONS.append(_extra_fields)
    services.PROJECT_CREATE_HOOKS.append(hook)
    yield hook
    forms.PROJECT_FORM_EXTENSIONS.remove(_extra_fields)
    services.PROJECT_CREATE_HOOKS.remove(hook)


def test_a_form_extension_adds_fields_whose_values_reach_the_create_hooks(form_extension, rep_client, rep):
    from django.urls import reverse

    customer = CustomerFactory(owner=rep)
    url = f"{reverse('projects:project_create')}?customer={customer.pk}"
    assert 'name="sponsor"' in rep_client.get(url).content.decode()
    missing = rep_client.post(url, {"name": "ERP 升级", "kind": "new", "next_contact_on": "2030-01-01"})
    assert "sponsor" in missing.context["form"].errors and form_extension.seen == []
    rep_client.post(url, {"name": "ERP 升级", "kind": "new", "next_contact_on": "2030-01-01", "sponsor": "财务部"})
    assert form_extension.seen == ["财务部"]
