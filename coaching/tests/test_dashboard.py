"""The team dashboard (/coaching/), the projects behind its numbers
(/coaching/projects/) and the rep's own view (/coaching/me/): who may open what,
the period picker, the numbers on the page against ``team_funnel``, every number's
list against its count, fixed query counts as the team's history doubles, and the
data gaps of a small hand-made team."""

import datetime
import re
from datetime import timedelta
from html import escape, unescape
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from coaching import gaps
from coaching.dashboard import count_change, rate_change
from coaching.funnel import Figures, Period, named_period, team_funnel
from coaching.period_form import PeriodForm
from pipeline import services
from pipeline.models import Competitor, ProjectState
from projects import services as project_services
from projects.models import Milestone, MilestoneChange, Project, Stakeholder
from teams.models import Team
from tests.factories import ContactFactory, CustomerFactory, TeamFactory, UserFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _project(owner, *, days_ago, stage="prospect", budget="100000", name=None):
    return project_services.project_create(
        user=owner,
        customer=CustomerFactory(owner=owner),
        data={
            "name": name or f"项目{Project.objects.count() + 1}",
            "stage": stage,
            "budget": budget,
            "opened_at": timezone.now() - timedelta(days=days_ago),
        },
    )


def _qualify(project, *, days_ago):
    services.project_move(
        user=project.owner, project=project, stage="need_confirmed", at=timezone.now() - timedelta(days=days_ago)
    )


def _history(owner, *, prospects, qualified, start_days_ago=20):
    """``prospects`` projects opened within the last weeks, the first ``qualified`` of them qualified since."""
    projects = []
    for index in range(prospects):
        project = _project(owner, days_ago=start_days_ago - index % 10)
        if index < qualified:
            _qualify(project, days_ago=start_days_ago - index % 10 - 3)
        projects.append(project)
    return projects


@pytest.fixture
def period():
    today = timezone.localdate()
    return Period(today - timedelta(days=29), today)


def _range(period):
    return {"period": "custom", "start": period.start.isoformat(), "end": period.end.isoformat()}


@pytest.fixture
def bottleneck_team(team, rep, other_rep, lead):
    """``rep`` clearly worse than ``other_rep`` on prospect → qualified (2 of 10 against 16 of 20)."""
    _history(rep, prospects=10, qualified=2)
    _history(other_rep, prospects=20, qualified=16)
    return team


# --- who may open what ---------------------------------------------------------------------------


def test_rep_is_sent_to_their_own_view(rep_client):
    response = rep_client.get("/coaching/")
    assert response.status_code == 302
    assert response["Location"] == "/coaching/me/"


def test_lead_sees_own_team_and_not_another(lead_client, client_for, team, other_team, rep):
    assert lead_client.get("/coaching/").context["team"] == team
    assert lead_client.get(f"/coaching/?team={other_team.pk}").status_code == 404
    assert lead_client.get("/coaching/?team=999999").status_code == 404
    assert lead_client.get("/coaching/?team=abc").status_code == 404
    assert client_for("other_lead").get(f"/coaching/?team={team.pk}").status_code == 404


def test_admin_picks_any_team_first_by_name_by_default(admin_client, team, other_team, rep, outsider_rep):
    TeamFactory(name="Z 组")
    response = admin_client.get("/coaching/", **EN)
    first = re.search(r'<select name="team" id="id_team"><option value="(\d+)" selected', response.content.decode())
    assert response.context["team"].pk == int(first.group(1))  # the first in the picker is the one shown
    html = response.content.decode()
    assert all(f'<option value="{choice.pk}"' in html for choice in Team.objects.all())
    assert admin_client.get(f"/coaching/?team={other_team.pk}").context["team"] == other_team


@pytest.mark.parametrize(
    ("persona", "target", "status"),
    [
        ("rep", None, 200),
        ("rep", "rep", 200),
        ("rep", "other_rep", 404),
        ("lead", "rep", 200),
        ("lead", "outsider_rep", 404),
        ("other_lead", "rep", 404),
        ("admin", "outsider_rep", 200),
        ("lead", "lead", 302),  # a lead has no funnel of their own: the dashboard
        ("lead", None, 302),
    ],
)
def test_rep_view_permissions(client_for, personas, persona, target, status):
    query = f"?rep={personas[target].pk}" if target else ""
    assert client_for(persona).get(f"/coaching/me/{query}").status_code == status


@pytest.mark.parametrize(
    ("persona", "team_of", "target", "status"),
    [
        ("lead", "rep", "rep", 200),
        ("lead", "rep", None, 200),
        ("lead", "outsider_rep", None, 404),
        ("lead", "rep", "outsider_rep", 404),
        ("other_lead", "rep", None, 404),
        ("rep", "rep", "rep", 200),
        ("rep", "rep", None, 404),  # the team's numbers are not the rep's
        ("rep", "rep", "other_rep", 404),
        ("admin", "outsider_rep", "outsider_rep", 200),
    ],
)
def test_projects_behind_permissions(client_for, personas, persona, team_of, target, status, period):
    params = {"team": personas[team_of].team_id, **_range(period), "metric": "entered", "key": "prospect_to_qualified"}
    if target:
        params["rep"] = personas[target].pk
    assert client_for(persona).get("/coaching/projects/", params).status_code == status


def test_projects_behind_unknown_metric_or_key_is_404(lead_client, team, period):
    base = {"team": team.pk, **_range(period)}
    assert lead_client.get("/coaching/projects/", {**base, "metric": "bogus", "key": "stale"}).status_code == 404
    assert lead_client.get("/coaching/projects/", {**base, "metric": "gap", "key": "bogus"}).status_code == 404
    assert lead_client.get("/coaching/projects/", {**base, "metric": "reached", "key": "lost"}).status_code == 404


# --- the period --------------------------------------------------------------------------------------


def test_named_periods_and_default():
    today = datetime.date(2026, 12, 3)  # a Thursday
    assert PeriodForm({}, today=today).selected == Period(datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
    expected = {
        "this_week": (datetime.date(2026, 11, 30), datetime.date(2026, 12, 6)),
        "last_week": (datetime.date(2026, 11, 23), datetime.date(2026, 11, 29)),
        "last_month": (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)),
        "this_quarter": (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)),
    }
    for name, (start, end) in expected.items():
        assert PeriodForm({"period": name}, today=today).selected == Period(start, end)
    custom = PeriodForm({"start": "2026-02-01", "end": "2026-02-28"}, today=today)
    assert custom.selected == Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2026-03-01", "end": "2026-02-01"}, "end", "The end date cannot be before the start date."),
        ({"start": "2025-01-01", "end": "2026-01-02"}, "end", "A range can span at most 366 days."),
        ({"end": "2026-01-02"}, "start", "Enter the first day of the range."),
        ({"start": "2026-13-01", "end": "2026-01-02"}, "start", "Enter a valid date."),
        ({"period": "fortnight"}, "period", "Select a valid choice."),
    ],
)
def test_bad_period_is_named_on_its_field(lead_client, team, params, field, message):
    response = lead_client.get("/coaching/", {"period": "custom", **params} if "period" not in params else params, **EN)
    assert response.status_code == 200
    errors = response.context["period_form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in unescape(html)
    assert "dashboard" not in response.context  # nothing computed from a bad period


def test_a_full_leap_year_is_allowed():
    form = PeriodForm({"start": "2028-01-01", "end": "2028-12-31"}, today=datetime.date(2028, 6, 1))
    assert form.selected is not None


# --- the numbers on the page are the funnel's ---------------------------------------------------------

ROW = re.compile(r'<th scope="row" class="name[^"]*">(?:<a href="[^"]*">)?([^<]+)')
CELL = re.compile(r'data-key="(\w+)" data-figure="(\w+)"[^>]*>(?:<a href="([^"]+)"[^>]*>)?([^<]+)')


def _table(html):
    """{row name: {(transition, figure): (text, url)}} from the rep × transition table (desktop)."""
    section = html[html.index('id="transitions"') : html.index('id="bottlenecks"')]
    table = section[section.index("<table") : section.index("</table>")]
    rows = {}
    for chunk in re.split(r"<tr[ >]", table)[1:]:
        name = ROW.search(chunk)
        if name:
            rows[unescape(name.group(1)).strip()] = {
                (key, figure): (text.strip(), unescape(url) if url else None)
                for key, figure, url, text in CELL.findall(chunk)
            }
    return rows


def _percent(rate):
    return "—" if rate is None else f"{rate * 100:.0f}%"


def test_page_numbers_equal_team_funnel(lead_client, bottleneck_team, rep, other_rep, period):
    html = lead_client.get("/coaching/", _range(period), **EN).content.decode()
    funnel = team_funnel(bottleneck_team, period)
    rows = _table(html)
    expected = {
        "Whole team": funnel.team_figures,
        rep.name: funnel.by_rep[rep.pk],
        other_rep.name: funnel.by_rep[other_rep.pk],
    }
    assert set(expected) <= set(rows)
    for name, figures in expected.items():
        for key, transition in figures.transitions.items():
            assert rows[name][(key, "entered")][0] == str(transition.entered)
            assert rows[name][(key, "advanced")][0] == str(transition.advanced)
            assert rows[name][(key, "rate")][0] == _percent(transition.rate)
    # Hand-counted too: 30 entered prospect → qualified, 18 advanced; rep 10 / 2.
    assert rows["Whole team"][("prospect_to_qualified", "entered")][0] == "30"
    assert rows["Whole team"][("prospect_to_qualified", "advanced")][0] == "18"
    assert rows[rep.name][("prospect_to_qualified", "rate")][0] == "20%"
    reached = re.findall(
        r'data-tier="(\w+)">\s*<th scope="row">[^<]*</th>\s*'
        r'<td><a class="figure" data-figure="reached" href="[^"]+">(\d+)',
        html,
    )
    assert dict(reached) == {tier: str(n) for tier, n in funnel.team_figures.reached.items()}


class _Cells(HTMLParser):
    """Every figure cell of the page (``data-figure`` or ``data-gap``): its link, its text and
    its change badge, in page order."""

    def __init__(self):
        super().__init__()
        self.cells, self.cell, self.depth, self.in_change = [], None, 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "td" and ("data-figure" in attrs or "data-gap" in attrs):
            self.cell = {**attrs, "href": None, "text": "", "change": "", "change_class": None}
            self.depth = 0
        elif self.cell is not None:
            if tag == "a":
                self.cell["href"] = attrs["href"]
            if tag == "span" and "change" in (attrs.get("class") or "").split():
                self.cell["change_class"] = attrs["class"]
                self.in_change = True
            self.depth += tag != "a"

    def handle_endtag(self, tag):
        if self.cell is None:
            return
        if tag == "td":
            self.cells.append(self.cell)
            self.cell = None
        elif tag == "span":
            self.depth -= 1
            if self.depth == 0:
                self.in_change = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["change" if self.in_change else "text"] += data


def _old_url(team, period, metric, key, rep=None):
    """A number's link as the dashboard built it before its cells were built in Python."""
    params = {"team": team.pk, "start": period.start.isoformat(), "end": period.end.isoformat()}
    more = {"metric": metric, "key": key, **({"rep": rep.pk} if rep else {})}
    return f"{reverse('coaching:projects')}?{urlencode(params)}&{urlencode(more)}"


def _expected_cells(team, period, funnel) -> list[tuple]:
    """(key, figure, text, link, change) of every figure cell, from the funnel and the gaps."""
    expected = []
    for rep_ in (None, *funnel.reps):
        figures = funnel.by_rep.get(rep_.pk) if rep_ else funnel.team_figures
        before = funnel.previous_by_rep.get(rep_.pk) if rep_ else funnel.previous_team
        figures, before = figures or Figures(), before or Figures()
        for key, transition in figures.transitions.items():
            previous = before.transitions[key]
            for figure in ("entered", "advanced"):
                now, then = getattr(transition, figure), getattr(previous, figure)
                url = _old_url(team, period, figure, key, rep_)
                expected.append((key, figure, str(now), url, count_change(now, then).text))
            expected.append(
                (key, "rate", _percent(transition.rate), None, rate_change(transition.rate, previous.rate).text)
            )
            days = transition.median_days
            expected.append((key, "median_days", "—" if days is None else f"{days:.1f}".removesuffix(".0"), None, ""))
    totals, by_owner = gaps.team_gaps(team=team, period=period, today=timezone.localdate(), now=timezone.now())
    for rep_ in (None, *funnel.reps):
        counts = by_owner.get(rep_.pk, {}) if rep_ else totals
        for kind in gaps.GAP_KINDS:
            url = _old_url(team, period, "gap", kind, rep_)
            expected.append((kind, "gap", str(counts.get(kind, 0)), url, ""))
    return expected


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_figure_and_link_is_the_dashboards_once(lead_client, bottleneck_team, rep, other_rep, period, language):
    """The rep × step table and the data gaps are one markup (a table, cards on a phone), their
    cells built by ``Dashboard``: each figure appears once, with the funnel's and the gaps'
    number, the link the page always gave it and the change against the previous period."""
    Project.objects.filter(pk=Project.objects.filter(owner=rep).first().pk).update(
        next_contact_on=timezone.localdate() - timedelta(days=2)
    )
    _history(other_rep, prospects=6, qualified=4, start_days_ago=45)  # the previous period: changes in rates too
    response = lead_client.get("/coaching/", _range(period), HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    dashboard = response.context["dashboard"]
    parser = _Cells()
    parser.feed(html)
    found = [
        (cell.get("data-key") or cell.get("data-gap"), cell.get("data-figure", "gap"), cell) for cell in parser.cells
    ]
    funnel = team_funnel(bottleneck_team, period)
    with translation.override(language):
        expected = _expected_cells(bottleneck_team, period, funnel)
    shown = [
        (key, figure, cell["text"].strip(), cell["href"] and unescape(cell["href"]), cell["change"].split(", ")[-1])
        for key, figure, cell in found
    ]
    assert shown == expected
    assert any("pts" in change or "百分点" in change for *_rest, change in expected)
    assert "1" in [text for _k, figure, text, *_rest in expected if figure == "gap"]
    assert len(expected) == (1 + len(funnel.reps)) * (12 + len(gaps.GAP_KINDS))
    # Each link once: no second rendering for phones.
    links = [url for *_rest, url, _change in expected if url]
    assert all(html.count(f'href="{escape(url)}"') == 1 for url in links)
    # The rep's bottleneck: the weak rate and the badge on the rep's name.
    weak = [(cell.get("data-key"), cell.get("data-figure")) for cell in parser.cells if cell.get("class") == "weak"]
    assert weak == [("prospect_to_qualified", "rate")] and funnel.bottlenecks[rep.pk].key == "prospect_to_qualified"
    assert len(dashboard.table_rows) == len(dashboard.gap_rows) == 1 + len(funnel.reps)


def test_rep_bottleneck_with_action_and_stalest_projects(lead_client, bottleneck_team, rep, other_rep, period):
    response = lead_client.get("/coaching/", _range(period), **EN)
    html = unescape(response.content.decode())
    block = html[html.index(f'id="bottleneck-{rep.pk}"') :]
    block = block[: block.index("</li>\n  \n    <li") if "</li>\n  \n    <li" in block else len(block)]
    assert "Prospect → qualified" in block
    assert "send them to training" in block
    stuck = Project.objects.filter(owner=rep).exclude(state__qualified_at__isnull=False)
    stalest = list(stuck.order_by("state__entered_at", "pk")[:5])
    names = re.findall(r'<span class="item-main"><a href="[^"]+">([^<]+)</a>', block)
    assert names[:5] == [project.name for project in stalest]
    other = html[html.index(f'id="bottleneck-{other_rep.pk}"') :]
    assert "The data does not show a bottleneck." in other[:2000]
    assert "one-sided two-proportion z-test" in html


def _links(html):
    return [unescape(url) for url in re.findall(r'href="(/coaching/projects/\?[^"]+)"', html)]


def test_every_number_links_to_as_many_projects(lead_client, bottleneck_team, rep, period):
    # Some gaps too: an overdue next contact and a project without budget.
    project = Project.objects.filter(owner=rep).first()
    Project.objects.filter(pk=project.pk).update(next_contact_on=timezone.localdate() - timedelta(days=2))
    _project(rep, days_ago=3, budget=None)
    html = lead_client.get("/coaching/", _range(period), **EN).content.decode()
    table = _table(html)
    numbers = {}
    for cells in table.values():
        for (_key, _figure), (text, url) in cells.items():
            if url:
                numbers[url] = int(text)
    for tier, count in re.findall(r'href="([^"]+metric=reached[^"]+)">(\d+)', html):
        numbers[unescape(tier)] = int(count)
    for url, count in re.findall(r'<td data-gap="\w+"><a href="([^"]+)"[^>]*>(\d+)', html):
        numbers[unescape(url)] = int(count)
    assert len(numbers) > 20
    assert any(count > 0 for url, count in numbers.items() if "metric=gap" in url)
    for url, count in numbers.items():
        response = lead_client.get(url)
        assert response.status_code == 200, url
        page = response.context["page_obj"]
        assert page.paginator.count == count, url
        assert len(page.object_list) == min(count, 50), url
    # The bottleneck's "all N" link: entered and not advanced.
    stuck = re.search(r'class="stuck-link" href="([^"]+)">All (\d+)', html)
    assert (
        lead_client.get(unescape(stuck.group(1))).context["page_obj"].paginator.count == int(stuck.group(2)) == 9
    )  # 8 of the history, the one without budget


def test_projects_behind_lists_stalest_first_with_its_columns(lead_client, bottleneck_team, rep, period):
    params = {"team": bottleneck_team.pk, **_range(period), "metric": "stuck", "key": "prospect_to_qualified"}
    response = lead_client.get("/coaching/projects/", {**params, "rep": rep.pk}, **EN)
    rows = list(response.context["page_obj"].object_list)
    entered = [ProjectState.objects.get(pk=project.pk).entered_at for project in rows]
    assert entered == sorted(entered) and len(rows) == 8
    html = response.content.decode()
    for heading in ("Customer", "Project", "Owner", "Stage", "In stage", "Budget", "Next contact"):
        assert f">{heading}</th>" in html


# --- query counts ---------------------------------------------------------------------------------


def _grow(rep, other_rep):
    _history(rep, prospects=6, qualified=3)
    _history(other_rep, prospects=8, qualified=5)


def test_dashboard_queries_stay_flat_as_history_doubles(
    lead_client, bottleneck_team, rep, other_rep, period, django_assert_max_num_queries
):
    # session, user, team, the funnel's 3 on PostgreSQL (reps; per-rep figures with the team's medians
    # by GROUP BY ROLLUP — a 4th query elsewhere —; tiers at end; both periods),
    # the targets block (targets, won, paid, and one query for the forecast now, in the quarter
    # and in the month: 4),
    # the data gaps (1), the stalest projects of every rep with a bottleneck (1, whatever the number of
    # distinct bottleneck transitions), releases and returns to the pool (1).
    for _round in range(2):
        with django_assert_max_num_queries(12 if connection.vendor == "postgresql" else 13):
            response = lead_client.get("/coaching/", _range(period))
        assert response.context["dashboard"].bottleneck_rows
        _grow(rep, other_rep)
        _grow(rep, other_rep)


def test_projects_behind_queries_stay_flat(
    lead_client, bottleneck_team, rep, other_rep, period, django_assert_max_num_queries
):
    params = {"team": bottleneck_team.pk, **_range(period), "metric": "entered", "key": "prospect_to_qualified"}
    # session, user, team, the count, the page (customer, owner, stage joined), the user's team (base layout).
    for _round in range(2):
        with django_assert_max_num_queries(6):
            response = lead_client.get("/coaching/projects/", params)
        assert response.context["page_obj"].paginator.count
        _grow(rep, other_rep)


def test_rep_view_queries_stay_flat(rep_client, bottleneck_team, rep, other_rep, period, django_assert_max_num_queries):
    # session, user, the rep's team (base layout); the team's reps and each owner's transition
    # counts for both periods (coaching.funnel.team_transitions).
    for _round in range(2):
        with django_assert_max_num_queries(5):
            rep_client.get("/coaching/me/", _range(period))
        _grow(rep, other_rep)


# --- data gaps on a hand-made team -----------------------------------------------------------------


def test_data_gaps_counted_by_hand(lead_client, team, rep, other_rep, lead, period):
    today = timezone.localdate()
    # rep: a bare open project (no budget, no decision maker, no competitors, no next contact);
    bare = _project(rep, days_ago=5, budget=None, name="空白项目")
    # a complete one: budget, decision maker, competitor, next contact next week;
    complete = _project(rep, days_ago=5, name="完整项目")
    Stakeholder.objects.create(
        project=complete, contact=ContactFactory(customer=complete.customer), role="decision_maker"
    )
    Competitor.objects.create(project=complete, kind="external", name="友商甲")
    Project.objects.filter(pk=complete.pk).update(next_contact_on=today + timedelta(days=7))
    # an overdue one, 40 days in prospect (expected 30: stale), with a competitor and a decision maker;
    late = _project(rep, days_ago=40, name="逾期项目")
    Stakeholder.objects.create(project=late, contact=ContactFactory(customer=late.customer), role="decision_maker")
    Competitor.objects.create(project=late, kind="our_own", name="兄弟事业部")
    Project.objects.filter(pk=late.pk).update(next_contact_on=today - timedelta(days=3))
    # its proposal date moved later within the period (a slip) and once earlier (not a slip);
    milestone = Milestone.objects.create(project=late, kind="proposal_accepted", due_on=today + timedelta(days=10))
    MilestoneChange.objects.create(
        milestone=milestone, old_due_on=today, new_due_on=today + timedelta(days=10), changed_by=rep
    )
    MilestoneChange.objects.create(
        milestone=milestone, old_due_on=today + timedelta(days=10), new_due_on=today + timedelta(days=5), changed_by=rep
    )
    # a slip long before the period does not count;
    old = Milestone.objects.create(project=complete, kind="payment", due_on=today + timedelta(days=60))
    MilestoneChange.objects.filter(
        pk=MilestoneChange.objects.create(
            milestone=old, old_due_on=today, new_due_on=today + timedelta(days=60), changed_by=rep
        ).pk
    ).update(changed_at=timezone.now() - timedelta(days=90))
    # a closed (won) project without budget is no gap.
    won = _project(rep, days_ago=5, budget=None, stage="payment", name="已赢项目")
    services.project_move(user=rep, project=won, stage="won")
    # other_rep: one bare project.
    _project(other_rep, days_ago=2, budget=None, name="同事项目")

    response = lead_client.get("/coaching/", _range(period), **EN)
    rows = {
        row["name"]: {cell["kind"]: cell["count"] for cell in row["cells"]}
        for row in response.context["dashboard"].gap_rows
    }
    assert rows[rep.name] == {
        "no_budget": 1,  # bare
        "no_decision_maker": 1,  # bare
        "no_competitors": 1,  # bare
        "no_next_contact": 1,  # bare
        "overdue": 1,  # late
        "stale": 1,  # late
        "slipped": 1,  # late
    }
    assert rows[other_rep.name] == {
        "no_budget": 1, "no_decision_maker": 1, "no_competitors": 1, "no_next_contact": 1,
        "overdue": 0, "stale": 0, "slipped": 0,
    }  # fmt: skip
    assert rows["Whole team"]["no_budget"] == 2 and rows["Whole team"]["slipped"] == 1
    listed = lead_client.get(
        "/coaching/projects/", {"team": team.pk, **_range(period), "metric": "gap", "key": "stale", "rep": rep.pk}
    )
    assert [project.name for project in listed.context["page_obj"].object_list] == ["逾期项目"]
    assert bare.pk in {
        project.pk
        for project in lead_client.get(
            "/coaching/projects/", {"team": team.pk, **_range(period), "metric": "gap", "key": "no_budget"}
        )
        .context["page_obj"]
        .object_list
    }


# --- the rep's own view ---------------------------------------------------------------------------------


def test_rep_view_shows_team_median_and_what_to_practise_without_names(
    rep_client, bottleneck_team, rep, other_rep, lead, period
):
    third = UserFactory(username="third_rep", display_name="赵敏", team=bottleneck_team)
    _history(third, prospects=10, qualified=6)
    response = rep_client.get("/coaching/me/", _range(period), **EN)
    html = unescape(response.content.decode())
    steps = {step["key"]: step for step in response.context["view"].steps}
    # The reps' rates on prospect → qualified: 20 %, 80 %, 60 %: the median is 60 %.
    assert steps["prospect_to_qualified"]["rate"] == "20%"
    assert steps["prospect_to_qualified"]["team_median"] == "60%"
    assert 'data-figure="team_median">60%' in html
    assert "Your step to work on: Prospect → qualified" in html
    assert "Qualifying: in each first conversation" in html
    assert other_rep.name not in html and third.name not in html


def test_lead_opens_a_reps_view(lead_client, bottleneck_team, rep, period):
    html = unescape(lead_client.get("/coaching/me/", {"rep": rep.pk, **_range(period)}, **EN).content.decode())
    assert f"{rep.name}'s funnel" in html
    assert "The step to work on: Prospect → qualified" in html


def test_rep_start_page_has_own_funnel_and_lead_start_page_not(rep_client, lead_client, bottleneck_team):
    assert 'id="my-funnel"' in rep_client.get("/").content.decode()
    assert 'id="my-funnel"' not in lead_client.get("/").content.decode()


def test_named_period_matches_funnel_module():
    today = datetime.date(2026, 5, 15)
    assert PeriodForm({"period": "this_quarter"}, today=today).selected == named_period("this_quarter", today)
