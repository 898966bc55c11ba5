"""The weekly review (周会): the page's figures and lists, the Excel export checked
cell by cell against ``team_funnel``, who may open them, bad periods, query budgets."""

import datetime
import io
import re
from urllib.parse import unquote

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from coaching.funnel import TRANSITION_KEYS, TRANSITION_LABELS, Period, team_funnel
from coaching.review import default_period
from coaching.tests.trend_data import at, bulk_history, monday, open_project
from projects.models import Project
from tests.factories import UserFactory

REVIEW_URL = "/coaching/review/"
EXPORT_URL = "/coaching/review/export.xlsx"


def _week_query(team, start):
    return f"team={team.pk}&start={start.isoformat()}&end={(start + datetime.timedelta(days=6)).isoformat()}"


def _rates(html, section_id):
    section = html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
    found = re.findall(r'data-transition="(\w+)">.*?data-rate="([\d.]*)"', section, re.S)
    return {key: (float(rate) if rate else None) for key, rate in found}


def test_default_period_is_last_week():
    assert default_period(datetime.date(2026, 12, 2)) == Period(
        datetime.date(2026, 11, 23), datetime.date(2026, 11, 29)
    )


def test_review_page_shows_team_and_each_rep_against_team_funnel(history, lead_client, team, rep, other_rep):
    response = lead_client.get(f"{REVIEW_URL}?{_week_query(team, history)}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    funnel = team_funnel(team, Period(history, history + datetime.timedelta(days=6)))
    assert _rates(html, "review-team") == {key: funnel.team_figures.transitions[key].rate for key in TRANSITION_KEYS}
    for member in (rep, other_rep):
        assert _rates(html, f"review-rep-{member.pk}") == {
            key: funnel.by_rep[member.pk].transitions[key].rate for key in TRANSITION_KEYS
        }
    # By hand: week W, prospect → qualified, rep 1 of 2, the team 1 of 3.
    assert _rates(html, f"review-rep-{rep.pk}")["prospect_to_qualified"] == 0.5
    assert _rates(html, "review-team")["prospect_to_qualified"] == pytest.approx(1 / 3)
    assert html.count('class="review-page review-rep"') == 2
    assert html.count('class="sparkline"') == 2 * 3


def test_review_lists_stalest_and_overdue_projects_per_rep(lead_client, team, rep, other_rep):
    old = open_project(rep, at(monday(8)), name="最久未动项目")
    newer = open_project(rep, at(monday(1)), name="新项目")
    Project.objects.filter(pk=old.pk).update(next_contact_on=timezone.localdate() - datetime.timedelta(days=4))
    Project.objects.filter(pk=newer.pk).update(next_contact_on=timezone.localdate() + datetime.timedelta(days=4))
    open_project(other_rep, at(monday(2)), name="别人的项目")
    html = lead_client.get(f"{REVIEW_URL}?team={team.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    mine = html.split(f'id="review-rep-{rep.pk}"', 1)[1].split("</section>", 1)[0]
    stalest, overdue = mine.split("Overdue next contacts", 1)
    assert stalest.index("最久未动项目") < stalest.index("新项目")
    assert "最久未动项目" in overdue and "新项目" not in overdue and "4 days late" in overdue
    assert "别人的项目" not in mine


def _sheet_rows(sheet):
    return {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}


def test_excel_export_holds_the_team_funnel_figures(history, lead_client, team, rep, other_rep):
    response = lead_client.get(f"{EXPORT_URL}?{_week_query(team, history)}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    end = history + datetime.timedelta(days=6)
    expected_name = f"{team.name}-weekly review-{history:%Y%m%d}-{end:%Y%m%d}.xlsx"
    assert expected_name in unquote(response["Content-Disposition"])
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Team", rep.name, other_rep.name] or book.sheetnames == [
        "Team",
        other_rep.name,
        rep.name,
    ]
    funnel = team_funnel(team, Period(history, end))
    team_rows = _sheet_rows(book["Team"])
    assert team_rows["Transition"][:4] == ("Transition", "Entered", "Advanced", "Rate")
    for key in TRANSITION_KEYS:
        figures = funnel.team_figures.transitions[key]
        row = team_rows[str(TRANSITION_LABELS[key])]
        assert (row[1], row[2]) == (figures.entered, figures.advanced)
        assert row[3] == (None if figures.rate is None else pytest.approx(figures.rate))
    for member in (rep, other_rep):
        rows = _sheet_rows(book[member.name])
        for key in TRANSITION_KEYS:
            figures = funnel.by_rep[member.pk].transitions[key]
            row = rows[str(TRANSITION_LABELS[key])]
            assert (row[1], row[2]) == (figures.entered, figures.advanced)
            team_rate = funnel.team_figures.transitions[key].rate
            assert row[5] == (None if team_rate is None else pytest.approx(team_rate))
    rate_cell = next(
        row[3] for row in book["Team"].iter_rows() if row[0].value == str(TRANSITION_LABELS["prospect_to_qualified"])
    )
    assert rate_cell.value == pytest.approx(1 / 3) and rate_cell.number_format == "0.0%"


def test_excel_headers_follow_the_users_language(history, lead_client, team):
    response = lead_client.get(f"{EXPORT_URL}?{_week_query(team, history)}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "团队"


@pytest.mark.parametrize("url", [REVIEW_URL, EXPORT_URL])
@pytest.mark.parametrize(
    ("persona", "target", "status"),
    [
        ("lead", "team", 200),
        ("lead", "other_team", 404),
        ("other_lead", "team", 404),
        ("rep", "team", 404),
        ("admin", "other_team", 200),
        (None, "team", 302),
    ],
)
def test_review_permissions(url, client_for, personas, team, other_team, persona, target, status):
    chosen = {"team": team, "other_team": other_team}[target]
    response = client_for(persona).get(f"{url}?team={chosen.pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    if status == 404 and personas[persona].team_id != chosen.pk:  # one's own team is in the user menu
        assert chosen.name.encode() not in response.content


def test_an_end_before_the_start_is_refused_naming_the_field(lead_client, team):
    query = f"team={team.pk}&start=2026-11-20&end=2026-11-10"
    response = lead_client.get(f"{REVIEW_URL}?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.context["form"].errors == {"end": ["The end date comes before the start date."]}
    export = lead_client.get(f"{EXPORT_URL}?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert export.status_code == 400 and "To:" in export.content.decode()
    assert lead_client.get(f"{REVIEW_URL}?team={team.pk}&start=not-a-date").status_code == 400


def _grow(team, *, reps: int, projects: int):
    for _i in range(reps):
        member = UserFactory(team=team)
        created = bulk_history(member, count=projects, start=monday(11))
        Project.objects.filter(pk__in=[p.pk for p in created[::2]]).update(
            next_contact_on=timezone.localdate() - datetime.timedelta(days=3)
        )


@pytest.mark.parametrize("url", [REVIEW_URL, EXPORT_URL])
def test_query_count_holds_when_reps_and_history_double(url, lead_client, team, django_assert_max_num_queries):
    # session + user, the team, the reps, this and the previous period's figures (3 each),
    # the trend's weekly counts and note weeks, the stalest and the overdue projects (window queries).
    bound = 16
    _grow(team, reps=2, projects=6)
    with django_assert_max_num_queries(bound) as small:
        assert lead_client.get(f"{url}?team={team.pk}&start={monday(11)}&end={monday(0)}").status_code == 200
    _grow(team, reps=2, projects=12)
    with django_assert_max_num_queries(bound) as large:
        assert lead_client.get(f"{url}?team={team.pk}&start={monday(11)}&end={monday(0)}").status_code == 200
    assert len(small) == len(large)
