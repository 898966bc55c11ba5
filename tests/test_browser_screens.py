"""Every page of each role, one crawl per role and language: each main page (and the pages
of both imports) at 390 × 844 and 1280 × 800, in Chinese and English: no sideways scrolling,
every form control labelled, no serious or critical axe-core violation, no
Content-Security-Policy violation (tests/browser.py). Each view is saved as
docs/screenshots/<role>-<page>-<lang>-<phone|desktop>.png, so a reviewer can look
without running anything (README.md names the folder). In Chinese at desktop size the crawl
also goes on through every page the role reaches from the menu and the coaching tabs, plus
a project's and a contact's edit forms and the API docs, for the CSP (the check itself:
tests/test_browser_csp.py).

One browser page per role and language, resized between the two viewports: six tests,
each page view a subtest named after the role, page, language and size."""

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
from tests.test_browser_accessibility import AXE, blocking_violations
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
# The pages reached from the menu and the coaching tabs (the crawl follows them).
LINKS = "() => [...document.querySelectorAll('.nav-links a, nav.sub-nav a')].map(a => a.getAttribute('href'))"
# Besides the menu's pages, checked for the CSP only: forms and the API docs (Swagger's own script).
CSP_ONLY_PAGES = ["project-edit", "contact-edit", "api-docs"]
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
    today = timezone.localdate()
    for customer in customers[1:]:
        # The second one's next contact is overdue (the start page, My day and the board mark it).
        overdue = today - datetime.timedelta(days=2) if customer == customers[1] else None
        ProjectFactory(customer=customer, name=f"{customer.name[:4]}数字化平台建设", start_on=today,
                       end_on=today + datetime.timedelta(days=90), next_contact_on=overdue)  # fmt: skip
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
        "project-edit": f"/projects/{project.pk}/edit/",
        "contact-edit": f"/contacts/{boss.pk}/edit/",
        "api-docs": "/api/docs/",
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", PAGES)
def test_every_page_of_a_role_fits_labels_its_controls_and_passes_axe_and_the_csp(
    page_for, world, subtests, role, language
):
    page = page_for(locale=LANGUAGES[language], viewport=PHONE)
    # axe-core in every page of this crawl from the start, instead of sent over with each page view.
    page.context.add_init_script(path=AXE)
    sign_in(page, role, None)
    crawled = language == "zh-hans"
    linked = {"/"}  # what the menu and the tabs of the pages seen link to
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        for name in PAGES[role] + IMPORT_PAGES:
            where = f"{role} {name} {language} {size} ({world[name]})"
            with subtests.test(msg=where):
                before = len(page_for.violations)
                # The import pages with the columns help opened: its list must fit a phone too.
                folds = "#columns details" if name in IMPORT_PAGES else None
                shot = SCREENSHOTS / f"{role}-{name}-{language}-{size}.png"
                problems = _visit(page, world[name], where, language, shot, open_details=folds,
                                  idle=crawled and size == "desktop")  # fmt: skip
                problems += page_for.violations[before:]
                if crawled and size == "desktop":
                    linked.update(page.evaluate(LINKS))
                assert not problems, "\n".join(problems)
    if crawled:
        _crawl_for_the_csp(page, page_for.violations, world, subtests, role, linked)


def _visit(page, path, where, language, shot, open_details=None, idle=False):
    """Open ``path`` (with the ``open_details`` folds opened), screenshot it to ``shot`` and say
    what is wrong with it; ``idle``: it stays until what it loads after has come (for the CSP)."""
    response = page.goto(path)
    if response.status != 200:
        return [f"{where}: status {response.status}"]
    page.wait_for_function(SETTLED)
    if open_details:
        page.eval_on_selector_all(open_details, "folds => folds.forEach(fold => { fold.open = true; })")
    problems = []
    if page.locator("html").get_attribute("lang") != language:
        problems.append(f"{where}: lang {page.locator('html').get_attribute('lang')!r}")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner:
        problems.append(f"{where}: {width}px wide in a {inner}px window")
    problems += [f"{where}: unlabelled {html}" for html in page.evaluate(UNLABELLED_CONTROLS)]
    problems += [f"{where}: axe {line}" for line in blocking_violations(page)]
    page.evaluate(UNSTICK)
    page.screenshot(path=str(shot), full_page=True)
    if idle:  # by now usually long since idle: no wait
        page.wait_for_load_state("networkidle")
    return problems


def _crawl_for_the_csp(page, violations, world, subtests, role, linked):
    """The rest of what ``role`` reaches from the menu and the tabs (breadth first from the
    links of the pages seen), then the forms and the API docs: each answers and breaks no CSP rule;
    the filter bar's selects still reload the list (no htmx filter expression, which needs 'unsafe-eval')."""
    seen = {world[name] for name in PAGES[role] + IMPORT_PAGES}
    todo = sorted(linked - seen)
    extra = [world[name] for name in CSP_ONLY_PAGES]
    while todo or extra:
        path = todo.pop(0) if todo else extra.pop(0)
        if path in seen or not path or not path.startswith("/"):
            continue
        seen.add(path)
        with subtests.test(msg=f"{role} {path} CSP"):
            before = len(violations)
            response = page.goto(path)
            page.wait_for_load_state("networkidle")
            assert response.status < 400, f"{path} answered {response.status}"
            todo += [href for href in page.evaluate(LINKS) if href and href not in seen]
            assert not violations[before:], "\n".join(violations[before:])
    assert "/board/" in seen, seen
    assert page.goto("/projects/").status == 200
    page.wait_for_load_state("networkidle")
    select = page.locator("form.filter-bar select").first
    if select.count():
        options = select.locator("option").all()
        if len(options) > 1:
            with page.expect_response(lambda response: "/projects/" in response.url):
                select.select_option(index=1)
