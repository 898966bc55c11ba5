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
