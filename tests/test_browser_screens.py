"""Every main page as each role that may open it, at 390 × 844 and 1280 × 800, in
Chinese and English: no sideways scrolling, every form control labelled, no
serious or critical axe-core violation. Each view is saved as
docs/screenshots/<role>-<page>-<lang>-<phone|desktop>.png, so a reviewer can look
without running anything (README.md names the folder).

One browser page per role and language, resized between the two viewports: six tests
for the main pages and six for the pages of both imports, about 150 page views."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from accounts import importing
from accounts.models import CustomerImport
from pipeline.importing import PROJECT_COLUMNS, PROJECTS
from pipeline.models import ProjectImport
from projects import services
from projects.models import Milestone, ProcurementItem, Stakeholder
from tests.browser import sign_in
from tests.factories import ContactFactory, CustomerFactory, DepartmentFactory, ProjectFactory
from tests.sheets import template_csv
from tests.test_browser_accessibility import blocking_violations
from tests.test_browser_layout import COMPANIES, DESKTOP, PHONE, SCREENSHOTS, UNLABELLED_CONTROLS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = {"zh-hans": "zh-CN", "en": "en-US"}  # UI language → the browser's locale (Accept-Language)
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
# The pages each role can open; admins also manage teams and users.
PAGES = {
    "rep": ["home", "customers", "customer", "customer-new", "projects", "project"],
    "lead": ["home", "customers", "customer", "customer-new", "projects", "project", "conflicts", "merge"],
    "admin": [
        "home",
        "customers",
        "customer",
        "customer-new",
        "projects",
        "project",
        "conflicts",
        "teams",
        "team",
        "team-page",
        "users",
        "user",
        "settings",
        "checklist-settings",
    ],
}
# Both imports (one set of templates, imports/start.html and imports/detail.html): the upload page, and the
# rep's reports, which the rep may import (commit form, duplicate choices) and the others only read.
IMPORT_PAGES = ["import", "import-report", "project-import", "project-import-report"]
SETTLED = "() => !document.querySelector('input[data-picker]:not(.flatpickr-input)')"  # date pickers in place
# A full-page capture draws a sticky save bar where the first screen ends, over the form:
# the screenshots show it where it belongs, at the end of the form.
# (Set through the CSSOM: a <style> tag, as screenshot(style=...) adds, is refused by the CSP.)
UNSTICK = (
    "document.querySelectorAll('.form-actions')"
    ".forEach(bar => bar.style.setProperty('position', 'static', 'important'))"
)


def _import_file():
    """A checked import with a good row, a row with errors and one that looks like an existing customer."""
    rows = [
        {"name": "温州瓯江电气有限公司", "industry": "制造业", "level": "重点", "region": "浙江省-温州市-鹿城区",
         "contact_name": "周敏", "department": "采购部", "department_kind": "采购", "mobile": "13957700001",
         "buying_role": "决策者"},
        {"name": "", "contact_name": "吴刚", "mobile": "123"},
        {"name": COMPANIES[0][0], "contact_name": "郑丽", "mobile": "13957700003"},
    ]  # fmt: skip
    return template_csv(importing.TEMPLATE_COLUMNS, rows)


def _project_import_file(customer, existing):
    """A checked project import with a good row, a row with errors and a project that exists already."""
    next_contact = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    rows = [
        {"customer": customer, "name": "云帆数据中台", "stage": "需求确认", "budget": "120万",
         "next_contact_on": next_contact},
        {"customer": customer, "name": "云帆移动办公", "budget": "很多", "next_contact_on": "昨天"},
        {"customer": customer, "name": existing, "next_contact_on": next_contact},
    ]  # fmt: skip
    return template_csv(PROJECT_COLUMNS.template, rows)


@pytest.fixture
def world(rep, other_rep, lead, admin):
    """The rep's customers (the first with its organisation, people and a project that
    collides with a colleague's), a checked import, and the team's other rep."""
    # A transactional test starts from an empty database: put back the checklist the migration seeds.
    importlib.import_module("projects.migrations.0002_default_checklist").create(apps, None)
    customers = [
        CustomerFactory(owner=rep, name=name, level=level, province=province, city=city, district=district,
                        completeness=(85, 60, 35, 20, 70)[index])
        for index, (name, level, province, city, district) in enumerate(COMPANIES)
    ]  # fmt: skip
    first = customers[0]
    purchasing = DepartmentFactory(customer=first, name="采购部", kind="procurement")
    it = DepartmentFactory(customer=first, name="信息中心", kind="technical")
    boss = ContactFactory(
        customer=first,
        department=purchasing,
        name="刘建国",
        title="采购总监",
        buying_role="decision_maker",
        email="liu.jianguo@yunfan.example.cn",
        wechat="liujg_hz",
    )
    engineer = ContactFactory(customer=first, department=it, name="陈晓燕", title="信息中心主任",
                              buying_role="user")  # fmt: skip
    project = services.project_create(
        user=rep,
        customer=first,
        data={"name": "云帆数字化平台建设 第一期", "scope": "统一客户数据，打通销售与财务流程。",
              "funding_source": "own_budget", "budget": Decimal("3800000"),
              "start_on": datetime.date(2026, 12, 2), "end_on": datetime.date(2027, 6, 30)},
    )  # fmt: skip
    for item, quantity, unit, price in [
        ("服务器", 4, "台", "86500"),
        ("CRM 软件许可", 200, "用户", "1280"),
        ("实施与培训服务", 1, "项", "1250000"),
    ]:
        ProcurementItem.objects.create(project=project, item=item, quantity=quantity, unit=unit, unit_price=price)
    Milestone.objects.create(project=project, name="需求调研", due_on=datetime.date(2026, 12, 15),
                             done_on=datetime.date(2026, 12, 12))  # fmt: skip
    Milestone.objects.create(project=project, name="方案评审", due_on=datetime.date(2027, 1, 20))
    Stakeholder.objects.create(project=project, contact=boss, role="decision_maker", stance="supporter")
    Stakeholder.objects.create(project=project, contact=engineer, role="user", stance="neutral")
    services.project_create(user=other_rep, customer=first, data={"name": "云帆呼叫中心升级", "kind": "expansion"})
    for customer in customers[1:]:
        ProjectFactory(customer=customer, name=f"{customer.name[:4]}数字化平台建设")
    content = _import_file()
    report = importing.dry_run(user=rep, content=content, filename="客户名单.csv")
    upload = CustomerImport.objects.create(user=rep, filename="客户名单.csv", content=content, report=report)
    content = _project_import_file(first.name, project.name)
    report = PROJECTS.dry_run(user=rep, content=content, filename="商机清单.csv")
    project_upload = ProjectImport.objects.create(user=rep, filename="商机清单.csv", content=content, report=report)
    return {
        "home": "/",
        "customers": "/customers/",
        "customer": first.get_absolute_url(),
        "customer-new": "/customers/new/",
        "projects": "/projects/",
        "project": project.get_absolute_url(),
        "conflicts": "/conflicts/",
        "import": "/customers/import/",
        "import-report": f"/customers/import/{upload.pk}/",
        "project-import": "/projects/import/",
        "project-import-report": f"/projects/import/{project_upload.pk}/",
        "merge": f"/customers/merge/?target={first.pk}&source={customers[1].pk}",
        "teams": "/manage/teams/",
        "team": f"/manage/teams/{rep.team_id}/edit/",
        "team-page": f"/manage/teams/{rep.team_id}/",
        "settings": "/settings/",
        "checklist-settings": "/settings/checklist/",
        "users": "/manage/users/",
        "user": f"/manage/users/{rep.pk}/edit/",
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", PAGES)
def test_main_pages_fit_label_their_controls_and_pass_axe(page_for, world, role, language):
    problems = _visit(page_for, world, role, language, PAGES[role])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", PAGES)
def test_import_pages_fit_label_their_controls_and_pass_axe(page_for, world, role, language):
    # The columns help opened: its list must fit a phone too.
    problems = _visit(page_for, world, role, language, IMPORT_PAGES, open_details="#columns details")
    assert not problems, "\n".join(problems)


def _visit(page_for, world, role, language, names, open_details=None):
    """Open each page as ``role`` at both sizes (with the ``open_details`` folds opened), screenshot it,
    and say what is wrong with it."""
    page = page_for(locale=LANGUAGES[language], viewport=PHONE)
    sign_in(page, role, None)
    problems = []
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        for name in names:
            path = world[name]
            where = f"{role} {name} {language} {size} ({path})"
            response = page.goto(path)
            if response.status != 200:
                problems.append(f"{where}: status {response.status}")
                continue
            page.wait_for_function(SETTLED)
            if open_details:
                page.eval_on_selector_all(open_details, "folds => folds.forEach(fold => { fold.open = true; })")
            assert page.locator("html").get_attribute("lang") == language, where
            width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if width > inner:
                problems.append(f"{where}: {width}px wide in a {inner}px window")
            problems += [f"{where}: unlabelled {html}" for html in page.evaluate(UNLABELLED_CONTROLS)]
            problems += [f"{where}: axe {line}" for line in blocking_violations(page)]
            page.evaluate(UNSTICK)
            page.screenshot(path=str(SCREENSHOTS / f"{role}-{name}-{language}-{size}.png"), full_page=True)
    return problems
