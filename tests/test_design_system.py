"""The design system on the server side (templates/README.md): list pages carry
both the table and the card markup, filters are labelled and start with an
"all" option, labels end in the language's colon, Chinese text takes
full-width punctuation, and the completeness list names next steps."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from accounts import completeness
from accounts.completeness import Person
from tests.factories import ContactFactory, CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


class _Elements(HTMLParser):
    """Start tags with their attributes, and the text inside each <label> and <dd>."""

    def __init__(self):
        super().__init__()
        self.tags, self.texts, self._open = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in ("label", "dd", "option", "a"):
            self._open.append([tag, attrs, ""])

    def handle_data(self, data):
        for entry in self._open:
            entry[2] += data

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                self.texts.append(tuple(self._open.pop(index)))
                break

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def text_of(self, tag, **attrs):
        return [text for t, a, text in self.texts if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def _parse(response):
    assert response.status_code == 200
    elements = _Elements()
    elements.feed(response.content.decode())
    return elements


def _filter_bar(response):
    html = response.content.decode()
    match = re.search(r'<form[^>]*class="filter-bar".*?</form>', html, re.S)
    assert match, "no filter bar on the page"
    elements = _Elements()
    elements.feed(match.group(0))
    return elements


# --- list: table and cards ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["accounts:customer_list", "projects:project_list"])
def test_list_pages_render_each_record_once_as_a_row_that_is_a_card_on_phones(rep_client, rep, url_name):
    customer = CustomerFactory(owner=rep, name="杭州云帆信息科技有限公司")
    project = ProjectFactory(customer=customer, name="云帆数字化平台建设")
    page = _parse(rep_client.get(reverse(url_name)))
    # One markup for both widths (static/css/app.css lays a row out as a card below 768 px).
    assert len(page.find("table", **{"class": "list-table list-rows striped"})) == 1
    assert not page.find("ul", **{"class": "list-cards"})
    assert len(page.find("tr", **{"class": "list-card"})) == 1
    title = customer.name if url_name.startswith("accounts") else project.name
    assert page.text_of("a", **{"class": "card-title"}) == [title]
    assert len(page.find("a", **{"class": "card-action"})) == 1  # one primary action per card


def test_user_and_team_lists_use_the_list_component(admin_client, rep):
    for url_name in ("teams:user_list", "teams:team_list"):
        page = _parse(admin_client.get(reverse(url_name)))
        assert page.find("table", **{"class": "list-table list-rows striped"}), url_name
        assert page.find("tr", **{"class": "list-card"}), url_name
        assert not page.find("li", **{"class": "list-card"}), url_name


def test_an_empty_list_says_what_to_do_next(rep_client, rep):
    response = rep_client.get(reverse("accounts:customer_list"), {"q": "没有这个公司"}, **EN)
    page = _parse(response)
    assert not page.find("table", **{"class": "list-table list-rows striped"})
    assert "No customers match. Change the filters, or create one." in response.content.decode()
    assert page.find("a", href=reverse("accounts:customer_create"), **{"class": "empty-action"})


def test_scores_on_lists_show_their_scale(rep_client, rep):
    CustomerFactory(owner=rep)
    html = rep_client.get(reverse("accounts:customer_list")).content.decode()
    assert re.search(r'<span class="score">\d+<span class="scale">/100</span>', html)


# --- filter bar --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_name", "url_name"),
    [("rep", "accounts:customer_list"), ("lead", "accounts:customer_list"), ("lead", "projects:project_list")],
)
def test_every_filter_select_has_a_label_and_an_all_option(client_for, client_name, url_name):
    response = client_for(client_name).get(reverse(url_name), **ZH)
    bar = _filter_bar(response)
    selects = bar.find("select")
    assert len(selects) >= 4
    labelled = {attrs["for"] for attrs in bar.find("label") if "for" in attrs}
    for select in selects:
        assert select["id"] in labelled, select["name"]
    options = bar.text_of("option", value="")
    assert len(options) == len(selects)
    assert all(text.strip() and "---" not in text for text in options), options
    assert "未知" not in response.content.decode()  # the conflict filter's default is not "Unknown"
    assert bar.find("input", type="search", name="q")  # the search box is there, before the selects


def test_conflict_filter_still_filters_projects(rep_client, rep):
    from projects.models import Conflict

    customer = CustomerFactory(owner=rep)
    clean = ProjectFactory(customer=customer, name="没有冲突的项目")
    clashing = ProjectFactory(customer=customer, name="有冲突的项目")
    other = ProjectFactory(customer=CustomerFactory(owner=rep), name="另一个项目")
    Conflict.objects.create(project_a=clashing, project_b=other, kind=Conflict._meta.get_field("kind").choices[0][0])
    with_conflict = rep_client.get(reverse("projects:project_list"), {"has_conflict": "true"}).context["object_list"]
    without = rep_client.get(reverse("projects:project_list"), {"has_conflict": "false"}).context["object_list"]
    assert clashing in with_conflict and clean not in with_conflict
    assert clean in without and clashing not in without


def test_active_filters_show_as_chips_that_remove_themselves(rep_client, rep):
    CustomerFactory(owner=rep, industry="it", level="A", province="330000", city="330100")
    response = rep_client.get(
        reverse("accounts:customer_list"), {"industry": "it", "level": "A", "province": "330000", "q": "杭州"}, **EN
    )
    page = _parse(response)
    chips = {attrs["data-filter"]: attrs["href"] for attrs in page.find("a") if "data-filter" in attrs}
    assert set(chips) == {"industry", "level", "province", "q"}
    assert "industry=" not in chips["industry"] and "level=A" in chips["industry"]
    assert "province=" not in chips["province"]
    texts = " ".join(page.text_of("a", **{"class": "chip"}))
    assert "浙江省" in texts  # the region's name, not its code
    assert "330000" not in texts


# --- forms and typography ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("headers", "suffix"), [(ZH, "："), (EN, ":")])
def test_form_labels_end_in_the_languages_colon_and_mark_required_fields(rep_client, headers, suffix):
    response = rep_client.get(reverse("accounts:customer_create"), **headers)
    page = _parse(response)
    label = page.text_of("label", **{"for": "id_name"})[0]
    assert label.rstrip().endswith(suffix) and not label.rstrip().endswith(" " + suffix)
    assert "*" in label  # the required mark (aria-hidden)
    assert page.find("span", **{"class": "required-mark", "aria-hidden": "true"})
    assert "required" in page.find("input", name="name")[0]
    assert "required" not in page.find("input", name="website")[0]
    website = page.text_of("label", **{"for": "id_website"})[0]
    assert "*" not in website
    # Help text sits below its input, tied to it for screen readers.
    html = response.content.decode()
    assert html.index('id="id_credit_code"') < html.index('id="id_credit_code_helptext"')


def test_customer_form_sections_have_real_headings(rep_client):
    html = rep_client.get(reverse("accounts:customer_create"), **EN).content.decode()
    assert "<legend><h2>Company</h2></legend>" in html
    assert re.search(r"<h3>Person <span", html)
    assert 'class="form-actions"' in html


def test_customer_page_uses_full_width_punctuation_in_chinese(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    html = rep_client.get(customer.get_absolute_url(), **ZH).content.decode()
    assert f"负责人：{rep.name}（{rep.team.name}）" in html
    assert "负责人: " not in html and f"({rep.team.name})" not in html


def test_customer_page_in_english_keeps_ascii_punctuation(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    html = rep_client.get(customer.get_absolute_url(), **EN).content.decode()
    assert f"Owner: {rep.name} ({rep.team.name})" in html


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"address": ""}, "浙江省 杭州市 西湖区"),
        ({"address": "文三路 90 号"}, "浙江省 杭州市 西湖区 文三路 90 号"),
        ({"address": "", "province": "", "city": "", "district": ""}, "—"),
    ],
)
def test_address_has_no_dangling_separator(rep_client, rep, fields, expected):
    customer = CustomerFactory(owner=rep, **fields)
    page = _parse(rep_client.get(customer.get_absolute_url()))
    assert expected in page.text_of("dd")


def test_history_quotes_the_subject_with_chinese_quotes(rep_client, rep):
    customer = CustomerFactory(owner=rep, name="杭州云帆信息科技有限公司")
    customer.name = "杭州云帆信息科技股份有限公司"
    customer.save()
    html = rep_client.get(customer.get_absolute_url()).content.decode()
    assert "“杭州云帆信息科技股份有限公司”" in html
    assert "«" not in html and "»" not in html


# --- completeness: next steps ------------------------------------------------------------------------------------


def _missing_keys(**people_kwargs):
    items = completeness.evaluate(industry="it", province="330000", city="330100", address="", **people_kwargs)
    return [check.key for check in completeness.missing(items)]


def test_reaching_decision_makers_waits_until_someone_is_named():
    assert "key_people_reachable" not in _missing_keys(people=[])
    unreachable = Person(buying_role="decision_maker", department_id=1, department_kind="finance", reachable=False)
    assert "key_people_reachable" in _missing_keys(people=[unreachable])


def test_whats_missing_is_worded_as_next_steps(rep_client, rep):
    customer = CustomerFactory(owner=rep, address="")
    html = rep_client.get(customer.get_absolute_url(), **EN).content.decode()
    section = html[html.index('id="completeness"') : html.index("</section>", html.index('id="completeness"'))]
    assert "Add the street address" in section and "Name a decision maker" in section
    assert "Address recorded" not in section and "A decision maker named" not in section
    assert "phone or WeChat" not in section  # nobody named yet: not a step of its own


def test_an_unreachable_decision_maker_is_a_next_step(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    ContactFactory(customer=customer, buying_role="decision_maker", mobile="", landline="", wechat="")
    html = rep_client.get(customer.get_absolute_url(), **EN).content.decode()
    assert "Add a phone or WeChat for every decision maker and key person" in html


def test_form_selects_show_a_dash_not_django_dashes(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    for url in (reverse("accounts:customer_create"), reverse("projects:project_create") + f"?customer={customer.pk}"):
        html = rep_client.get(url).content.decode()
        assert "---------" not in html, url
        assert '<option value="" selected>—</option>' in html, url


def test_customer_page_lists_its_projects_as_table_and_cards(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    project = ProjectFactory(customer=customer, name="云帆数字化平台建设")
    page = _parse(rep_client.get(customer.get_absolute_url()))
    assert project.name in page.text_of("a", **{"class": "card-title"})
    assert page.find("table", **{"class": "list-table striped"})


def test_new_department_kind_defaults_the_same_for_the_department_and_a_person(rep_client):
    html = rep_client.get(reverse("accounts:customer_create")).content.decode()
    department = re.search(r'<select name="department-kind".*?</select>', html, re.S).group(0)
    person = re.search(r'<select name="contacts-0-department_kind".*?</select>', html, re.S).group(0)
    selected = [re.search(r'<option value="(\w+)" selected>', select).group(1) for select in (department, person)]
    assert selected == ["procurement", "procurement"]


def test_filtered_list_with_chips_keeps_its_query_budget(lead_client, rep, other_rep, django_assert_max_num_queries):
    for owner in (rep, other_rep):
        CustomerFactory.create_batch(30, owner=owner, industry="it")
    # session, user, the owner filter's value checked, owner choices for its select,
    # count, page of customers with owners, the lead's team in the header; the chip
    # names the owner already loaded and the cards reuse the table's rows.
    with django_assert_max_num_queries(7):
        response = lead_client.get(reverse("accounts:customer_list"), {"owner": rep.pk, "industry": "it"})
    assert len(response.context["object_list"]) == 30
    assert response.content.decode().count('class="list-card"') == 30


@pytest.mark.django_db
def test_every_page_names_its_icon_and_the_icon_is_served(client):
    """Browsers ask for an icon on every first visit; without one named, Chromium logs a 404
    for /favicon.ico in the console of every session."""
    from django.contrib.staticfiles import finders

    html = client.get(reverse("login")).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert icon, "no icon link in base.html"
    found = finders.find(icon.group(1).removeprefix("/static/"))
    assert found and "<svg" in Path(found).read_text(encoding="utf-8")
