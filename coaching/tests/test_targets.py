"""Targets (业绩目标): hand-computed actuals, roll-ups, who may set them, versions,
bad input, and query budgets that hold as reps and projects double.

The world (team A: lead, rep, other_rep; team B: other_lead, outsider_rep), all in 2025:

| project | owner      | budget  | what happened (Asia/Shanghai)                               |
| ------- | ---------- | ------- | ----------------------------------------------------------- |
| march   | rep        | 1000000 | won 2025-03-31 23:30 (March); paid 2025-03-31               |
| april   | rep        |  500000 | won 2025-04-01 00:10 (April); paid 2025-04-01               |
| reopen  | rep        |  300000 | won 2025-03-10, re-opened 2025-03-20 (not won: open, 25 %)  |
| handed  | other_rep  |  200000 | won 2025-02-14, handed to rep 2025-05-01 (rep's, February)  |
| feb     | other_rep  |   80000 | paid 2025-02-28 (still open, prospect 10 %)                 |
| outside | outsider   |  999000 | won 2025-03-15 (team B)                                     |
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching import targets
from coaching.models import Target
from coaching.tests.translations import zh_messages  # noqa: F401  (a fixture)
from pipeline import services
from pipeline.tests.project_helpers import create_project
from projects import services as project_services
from projects.models import Milestone, MilestoneKind
from tests.factories import UserFactory

SH = ZoneInfo("Asia/Shanghai")
OPENED = datetime.datetime(2025, 1, 2, 9, 0, tzinfo=SH)
API = "/api/v1/coaching/targets/"
GRID = "/coaching/targets/"
SET = "/coaching/targets/set/"


def at(*parts):
    return datetime.datetime(*parts, tzinfo=SH)


def project_of(owner, *, budget, won=None, paid=None, by=None, opened=OPENED, name="项目"):
    project = create_project(owner, opened_at=opened, name=name)
    services.budget_change(user=owner, project=project, amount=budget, effective_on=opened.date())
    if won is not None:
        services.project_move(user=by or owner, project=project, stage="won", at=won)
    if paid is not None:
        Milestone.objects.create(project=project, kind=MilestoneKind.PAYMENT, due_on=paid, done_on=paid)
    project.refresh_from_db()
    return project


@pytest.fixture
def world(rep, other_rep, outsider_rep, lead, other_lead):
    projects = {
        "march": project_of(rep, budget=1_000_000, won=at(2025, 3, 31, 23, 30), paid=datetime.date(2025, 3, 31)),
        "april": project_of(rep, budget=500_000, won=at(2025, 4, 1, 0, 10), paid=datetime.date(2025, 4, 1)),
        "reopen": project_of(rep, budget=300_000, won=at(2025, 3, 10, 10, 0)),
        "handed": project_of(other_rep, budget=200_000, won=at(2025, 2, 14, 15, 0)),
        "feb": project_of(other_rep, budget=80_000, paid=datetime.date(2025, 2, 28)),
        "outside": project_of(outsider_rep, budget=999_000, won=at(2025, 3, 15, 11, 0)),
    }
    services.project_move(user=rep, project=projects["reopen"], stage="need_confirmed", at=at(2025, 3, 20, 9, 0))
    project_services.project_transfer(user=lead, project=projects["handed"], to_user=rep, reason="调岗交接")
    return projects


def grid_rows(team, year=2025):
    return {row.rep.username if row.rep else "team": row for row in targets.target_grid(team=team, year=year)}


# --- actuals, hand-computed -----------------------------------------------------------------------


def test_won_counts_in_the_shanghai_month_of_first_reaching_won_for_the_current_owner(world, team):
    rows = grid_rows(team)
    rep_won = [cell.won for cell in rows["rep"].months]
    # February: the handed-over project (won by other_rep, now rep's); March: 23:30 on the 31st;
    # April: 00:10 on the 1st; the re-opened project counts nowhere; team B's not at all.
    assert rep_won[1:4] == [Decimal("200000"), Decimal("1000000"), Decimal("500000")]
    assert sum(rep_won) == Decimal("1700000")
    assert sum(cell.won for cell in rows["other_rep"].months) == 0
    assert [cell.won for cell in rows["team"].months][1:4] == [Decimal("200000"), Decimal("1000000"), Decimal("500000")]


def test_payment_counts_the_budget_of_projects_paid_in_the_month_boundaries_included(world, team):
    rows = grid_rows(team)
    assert [cell.payment for cell in rows["rep"].months][1:4] == [0, Decimal("1000000"), Decimal("500000")]
    assert [cell.payment for cell in rows["other_rep"].months][1:4] == [Decimal("80000"), 0, 0]
    assert rows["team"].months[1].payment == Decimal("80000")


def test_quarters_and_year_sum_months_and_targets(world, team, lead, rep):
    for month, won, paid in [("2025-01", 100_000, 0), ("2025-03", 900_000, 800_000), ("2025-04", 1_000_000, 0)]:
        targets.target_set(user=lead, team=team, rep=rep, month=month, won_amount=won, payment_amount=paid)
    row = grid_rows(team)["rep"]
    q1, q2 = row.quarters[0], row.quarters[1]
    assert (q1.won_target, q1.won, q1.won_percent) == (Decimal("1000000"), Decimal("1200000"), 120)
    assert (q1.payment_target, q1.payment, q1.payment_percent) == (Decimal("800000"), Decimal("1000000"), 125)
    assert (q2.won_target, q2.won, q2.won_percent) == (Decimal("1000000"), Decimal("500000"), 50)
    assert row.quarters[2].won_target is None and row.quarters[2].won_percent is None
    assert (row.year.won_target, row.year.won, row.year.won_percent) == (
        Decimal("2000000"),
        Decimal("1700000"),
        85,
    )
    # The grid's cells: three months, their quarter, ..., the year.
    kinds = [kind for kind, _ in row.columns]
    assert kinds[:4] == ["month", "month", "month", "quarter"] and kinds[-1] == "year" and len(kinds) == 17


def test_weighted_forecast_sums_open_budget_times_stage_probability(world, team, rep, other_rep):
    # Open: "reopen" (need_confirmed 25 % of 300000) for rep, "feb" (prospect 10 % of 80000) for other_rep.
    Milestone.objects.create(project=world["reopen"], kind=MilestoneKind.PAYMENT, due_on=datetime.date(2025, 6, 5))
    summary = targets.period_summary(user=team.lead, team=team, period="quarter", on=datetime.date(2025, 5, 9))
    by_rep = {row.rep.username: row for row in summary["reps"]}
    assert by_rep["rep"].forecast == Decimal("75000.00")
    assert by_rep["other_rep"].forecast == Decimal("8000.00")
    assert summary["team_row"].forecast == Decimal("83000.00")
    # Planned to be paid in Q2: only "reopen".
    assert by_rep["rep"].forecast_in_period == Decimal("75000.00")
    assert summary["team_row"].forecast_in_period == Decimal("75000.00")
    assert (summary["start"], summary["end"]) == (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30))


def test_targets_summary_reads_the_forecast_now_in_the_month_and_the_quarter_in_one_query(world, lead):
    # "reopen" (25 % of 300000): payment planned in March; "feb" (10 % of 80000): planned, not done, in February.
    Milestone.objects.create(project=world["reopen"], kind=MilestoneKind.PAYMENT, due_on=datetime.date(2025, 3, 20))
    Milestone.objects.filter(project=world["feb"]).update(done_on=None, due_on=datetime.date(2025, 2, 20))
    with CaptureQueriesContext(connection) as queries:
        summary = targets.targets_summary(lead, today=datetime.date(2025, 3, 12))
    forecasts = [query for query in queries.captured_queries if '"probability"' in query["sql"]]
    assert len(forecasts) == 1
    month, quarter = summary["periods"]
    assert summary["forecast"] == Decimal("83000.00")
    assert month["forecast_in_period"] == Decimal("75000.00")
    assert quarter["forecast_in_period"] == Decimal("83000.00")


def test_a_reps_summary_reads_only_the_reps_own_projects(world, rep):
    """The rep's start page: the forecast, won and paid queries are narrowed to the rep (not the team's)."""
    Milestone.objects.create(project=world["reopen"], kind=MilestoneKind.PAYMENT, due_on=datetime.date(2025, 3, 20))
    Milestone.objects.filter(project=world["feb"]).update(done_on=None, due_on=datetime.date(2025, 3, 25))
    with CaptureQueriesContext(connection) as queries:
        summary = targets.targets_summary(rep, today=datetime.date(2025, 3, 12))
    month, quarter = summary["periods"]
    assert summary["forecast"] == Decimal("75000.00")  # "feb" is other_rep's
    assert month["forecast_in_period"] == quarter["forecast_in_period"] == Decimal("75000.00")
    figures = [q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"]]
    assert len(figures) == 3 and all(f'"owner_id" = {rep.pk}' in sql for sql in figures)


def test_targets_summary_is_a_reps_own_and_a_leads_teams(world, team, lead, rep, admin):
    targets.target_set(user=lead, team=team, rep=rep, month="2025-03", won_amount=500_000, payment_amount=0)
    targets.target_set(user=lead, team=team, month="2025-03", won_amount=4_000_000, payment_amount=0)
    mine = targets.targets_summary(rep, today=datetime.date(2025, 3, 12))
    month, quarter = mine["periods"]
    assert mine["own"] and (month["figures"].won_target, month["figures"].won) == (
        Decimal("500000"),
        Decimal("1000000"),
    )
    assert month["figures"].won_percent == 200 and quarter["figures"].won == Decimal("1200000")
    teams = targets.targets_summary(lead, today=datetime.date(2025, 3, 12))
    assert teams["periods"][0]["figures"].won_target == Decimal("4000000")
    assert teams["periods"][0]["figures"].won_percent == 25
    assert targets.targets_summary(admin) is None


# --- setting targets: who, versions, bad input --------------------------------------------------


def stored(team, rep=None, month=datetime.date(2025, 3, 1)):
    return list(Target.objects.filter(team=team, user=rep, month=month).values_list("won_amount", "version"))


def test_lead_sets_and_changes_a_target_with_history(team, lead, rep):
    target = targets.target_set(
        user=lead, team=team, rep=rep, month="2025-03", won_amount="1,200,000", payment_amount=0
    )
    targets.target_set(
        user=lead, team=team, rep=rep, month=datetime.date(2025, 3, 1), won_amount=900_000, payment_amount=10, version=1
    )
    target.refresh_from_db()
    assert (target.won_amount, target.payment_amount, target.version, target.set_by) == (
        Decimal("900000"),
        Decimal("10"),
        2,
        lead,
    )
    assert [(h.history_type, h.won_amount, h.history_user) for h in target.history.order_by("history_id")] == [
        ("+", Decimal("1200000"), lead),
        ("~", Decimal("900000"), lead),
    ]


def test_stale_version_is_refused_and_nothing_changes(team, lead, admin, rep):
    targets.target_set(user=lead, team=team, rep=rep, month="2025-03", won_amount=1, payment_amount=0)
    targets.target_set(user=admin, team=team, rep=rep, month="2025-03", won_amount=2, payment_amount=0, version=1)
    with pytest.raises(targets.ConflictError) as refused:
        targets.target_set(user=lead, team=team, rep=rep, month="2025-03", won_amount=3, payment_amount=0, version=1)
    assert refused.value.data["version"] == 2 and refused.value.data["current"]["won_amount"] == "2.00"
    # "0": the caller saw no target yet; someone created one meanwhile.
    with pytest.raises(targets.ConflictError):
        targets.target_set(user=lead, team=team, rep=rep, month="2025-03", won_amount=4, payment_amount=0, version=0)
    assert stored(team, rep) == [(Decimal("2"), 2)]


def test_rep_must_be_an_active_rep_of_the_team(team, lead, outsider_rep):
    with pytest.raises(targets.DomainError) as refused:
        targets.target_set(user=lead, team=team, rep=outsider_rep, month="2025-03", won_amount=1, payment_amount=1)
    assert list(refused.value.message_dict) == ["user"]
    assert not Target.objects.exists()


# Every bad field is named, in the user's language (``zh_messages``: this branch's Chinese).
BAD = [
    ({"won_amount": "-1"}, "won_amount", "A target cannot be negative.", "目标不能为负数。"),
    ({"payment_amount": "1000000000000.01"}, "payment_amount", "A target cannot exceed", "目标不能超过"),
    ({"won_amount": "十万"}, "won_amount", "Enter the amount in yuan", "请以元填写金额"),
    ({"month": "2025-13"}, "month", "Enter a month, e.g. 2026-03", "请填写月份"),
    ({"month": "2025-03-15"}, "month", "Enter a month, e.g. 2026-03", "请填写月份"),
]


@pytest.mark.usefixtures("zh_messages")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(("change", "field", "english", "chinese"), BAD)
def test_bad_input_names_the_field_in_the_users_language(
    lead_api, team, rep, change, field, english, chinese, language
):
    body = {"team": team.pk, "user": rep.pk, "month": "2025-03", "won_amount": "100", "payment_amount": "0", **change}
    response = lead_api.post(API, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert (english if language == "en" else chinese) in response.json()["errors"][field][0]
    assert not Target.objects.exists()


def test_every_bad_field_at_once(lead_api, team, rep):
    body = {"team": team.pk, "user": rep.pk, "month": "x", "won_amount": "-1", "payment_amount": "abc"}
    response = lead_api.post(API, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"month", "won_amount", "payment_amount"}


# --- API: permissions, versions ---------------------------------------------------------------


def body_for(team, rep=None, **extra):
    return {"team": team.pk, "user": rep.pk if rep else None, "month": "2025-03", "won_amount": "100000", **extra} | {
        "payment_amount": extra.get("payment_amount", "50000")
    }


@pytest.mark.parametrize(
    ("persona", "which_team", "status"),
    [
        ("lead", "team", 201),
        ("admin", "team", 201),
        ("admin", "other_team", 201),
        ("rep", "team", 403),
        ("other_rep", "team", 403),
        ("rep", "other_team", 404),
        ("other_lead", "team", 404),
        (None, "team", 401),
    ],
)
def test_who_may_set_a_target(api_for, personas, team, other_team, persona, which_team, status):
    chosen = {"team": team, "other_team": other_team}[which_team]
    response = api_for(persona).post(API, body_for(chosen), format="json")
    assert response.status_code == status, response.content
    assert Target.objects.filter(team=chosen).count() == (1 if status == 201 else 0)


def test_rep_and_other_lead_cannot_patch_and_nothing_changes(api_for, lead, team, rep):
    target = targets.target_set(user=lead, team=team, rep=rep, month="2025-03", won_amount=1, payment_amount=1)
    url = f"{API}{target.pk}/"
    assert api_for("rep").patch(url, {"won_amount": "9", "version": 1}, format="json").status_code == 403
    assert api_for("other_lead").patch(url, {"won_amount": "9", "version": 1}, format="json").status_code == 404
    assert api_for("outsider_rep").get(url).status_code == 404
    assert api_for("rep").get(url).status_code == 200  # a rep sees their own target
    assert stored(team, rep) == [(Decimal("1"), 1)]


def test_patch_with_stale_version_answers_409_and_keeps_the_stored_target(lead_api, admin_api, lead, team, rep):
    target = targets.target_set(user=lead, team=team, rep=rep, month="2025-03", won_amount=1, payment_amount=1)
    url = f"{API}{target.pk}/"
    ok = admin_api.patch(url, {"won_amount": "2", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.json()["payment_amount"] == "1.00"
    stale = lead_api.patch(url, {"won_amount": "3", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["version"] == 2
    assert stored(team, rep) == [(Decimal("2"), 2)]
    # Creating what exists is a conflict too (the client saw none: version 0).
    again = lead_api.post(API, body_for(team, rep), format="json")
    assert again.status_code == 409 and stored(team, rep) == [(Decimal("2"), 2)]
    moved = lead_api.patch(url, {"month": "2025-04", "version": 2}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert moved.status_code == 400 and list(moved.json()["errors"]) == ["month"]


def test_list_filters_and_scope(api_for, lead, other_lead, admin, team, other_team, rep, other_rep, outsider_rep):
    targets.target_set(user=lead, team=team, rep=rep, month="2025-03", won_amount=1, payment_amount=1)
    targets.target_set(user=lead, team=team, rep=other_rep, month="2025-03", won_amount=1, payment_amount=1)
    targets.target_set(user=lead, team=team, month="2025-04", won_amount=1, payment_amount=1)
    targets.target_set(
        user=other_lead, team=other_team, rep=outsider_rep, month="2025-03", won_amount=1, payment_amount=1
    )

    def ids(persona, query=""):
        rows = api_for(persona).get(f"{API}{query}").json()["results"]
        return sorted(((row["user"], row["month"]) for row in rows), key=str)

    assert ids("rep") == [(rep.pk, "2025-03-01")]
    assert len(ids("lead")) == 3 and len(ids("admin")) == 4
    assert ids("lead", "?month=4") == [(None, "2025-04-01")]
    assert ids("lead", "?team_only=true") == [(None, "2025-04-01")]
    assert ids("admin", f"?team={other_team.pk}&year=2025") == [(outsider_rep.pk, "2025-03-01")]
    assert api_for("lead").get(f"{API}?team={other_team.pk}").status_code == 400


def test_summary_api_per_rep_and_team(world, api_for, lead, team, other_team, rep):
    targets.target_set(user=lead, team=team, rep=rep, month="2025-03", won_amount=2_000_000, payment_amount=0)
    data = api_for("lead").get(f"{API}summary/?period=quarter&date=2025-02-10").json()
    reps = {row["display_name"]: row for row in data["reps"]}
    assert (data["start"], data["end"]) == ("2025-01-01", "2025-03-31")
    assert reps[rep.name]["figures"]["won"] == "1200000.00"
    assert reps[rep.name]["figures"]["won_target"] == "2000000.00"
    assert reps[rep.name]["figures"]["won_percent"] == 60
    assert data["team_figures"]["figures"]["payment"] == "1080000.00"
    assert data["team_figures"]["forecast"] == "83000.00"
    own = api_for("rep").get(f"{API}summary/?period=year&date=2025-07-01").json()
    assert [row["user"] for row in own["reps"]] == [rep.pk] and own["team_figures"] is None
    assert own["reps"][0]["figures"]["won"] == "1700000.00"
    assert api_for("lead").get(f"{API}summary/?team={other_team.pk}").status_code == 404
    assert (
        api_for("admin")
        .get(f"{API}summary/?team={other_team.pk}&period=year&date=2025-03-01")
        .json()["team_figures"]["figures"]["won"]
        == "999000.00"
    )


# --- pages ------------------------------------------------------------------------------------


def test_grid_shows_targets_actuals_and_share(world, lead_client, lead, team, rep):
    targets.target_set(user=lead, team=team, rep=rep, month="2025-03", won_amount=2_000_000, payment_amount=0)
    page = lead_client.get(f"{GRID}?year=2025", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="target-{rep.pk}"' in html and "50%" in html
    assert "budget of the projects paid in the period" in html


@pytest.mark.parametrize(
    ("persona", "which", "status"),
    [("rep", "team", 403), ("other_lead", "team", 404), ("admin", "other_team", 200), ("lead", "team", 200)],
)
def test_grid_and_set_pages_answer_by_role(client_for, team, other_team, rep, persona, which, status):
    chosen = {"team": team, "other_team": other_team}[which]
    client = client_for(persona)
    assert client.get(f"{GRID}?team={chosen.pk}").status_code == status
    assert client.get(f"{SET}?team={chosen.pk}&month=2025-03").status_code == status
    posted = client.post(SET, {"team": chosen.pk, "month": "2025-03", "won_amount": "1", "payment_amount": "1"})
    assert posted.status_code == (302 if status == 200 else status)
    assert Target.objects.filter(team=chosen).exists() == (status == 200)


def test_set_page_saves_and_shows_a_conflict(lead_client, lead, admin, team, rep):
    form = lead_client.get(f"{SET}?team={team.pk}&user={rep.pk}&month=2025-03")
    assert 'name="version" value="0"' in form.content.decode()
    saved = lead_client.post(
        SET,
        {
            "team": team.pk,
            "user": rep.pk,
            "month": "2025-03",
            "won_amount": "300000",
            "payment_amount": "0",
            "version": "0",
        },
    )
    assert saved.status_code == 302 and saved["Location"].startswith(f"{GRID}?team={team.pk}&year=2025")
    targets.target_set(user=admin, team=team, rep=rep, month="2025-03", won_amount=1, payment_amount=0, version=1)
    stale = lead_client.post(
        SET,
        {"team": team.pk, "user": rep.pk, "month": "2025-03", "won_amount": "5", "payment_amount": "0", "version": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert stale.status_code == 409 and 'id="version-conflict"' in stale.content.decode()
    assert stored(team, rep) == [(Decimal("1"), 2)]
    bad = lead_client.post(
        SET,
        {
            "team": team.pk,
            "user": rep.pk,
            "month": "2025-03",
            "won_amount": "-5",
            "payment_amount": "0",
            "version": "2",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400 and "A target cannot be negative." in bad.content.decode()
    assert stored(team, rep) == [(Decimal("1"), 2)]


def test_start_page_shows_the_targets_block(world, client_for, lead, team, rep):
    this_month = timezone.localdate().replace(day=1)
    targets.target_set(user=lead, team=team, rep=rep, month=this_month, won_amount=100, payment_amount=0)
    rep_page = client_for("rep").get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="targets-summary"' in rep_page and "My targets" in rep_page
    lead_page = client_for("lead").get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Targets of team" in lead_page and "Set targets" in lead_page
    assert 'id="targets-summary"' not in client_for("admin").get("/").content.decode()


# --- query budgets: the same whatever the number of reps and projects -----------------------------


def grow(team, lead, reps, projects_each, start):
    """``reps`` more reps of the team, each with targets and won and paid projects."""
    for index in range(reps):
        user = UserFactory(username=f"grow{start + index}", team=team)
        targets.target_set(user=lead, team=team, rep=user, month="2025-03", won_amount=1, payment_amount=1)
        for number in range(projects_each):
            project_of(user, budget=1000 + number, won=at(2025, 3, 2 + number, 10, 0), paid=datetime.date(2025, 3, 5))


@pytest.mark.parametrize("reps", [2, 4])
def test_grid_page_queries_do_not_grow_with_reps_or_projects(
    django_assert_max_num_queries, lead_client, lead, team, reps
):
    grow(team, lead, reps, projects_each=reps, start=0)
    # session, user, team, reps, targets, won, paid (+ messages/savepoints of the page): flat.
    with django_assert_max_num_queries(9):
        assert lead_client.get(f"{GRID}?year=2025").status_code == 200


@pytest.mark.parametrize("reps", [2, 4])
def test_api_list_and_summary_queries_do_not_grow(django_assert_max_num_queries, lead_api, lead, team, reps):
    grow(team, lead, reps, projects_each=reps, start=0)
    for month in range(4, 4 + reps):
        targets.target_set(user=lead, team=team, month=f"2025-{month:02d}", won_amount=1, payment_amount=1)
    # count, the page of targets with their reps.
    with django_assert_max_num_queries(3):
        assert lead_api.get(f"{API}?page_size=200").status_code == 200
    # team, reps, targets, won, paid, the forecast (now and in the period: one query).
    with django_assert_max_num_queries(7):
        assert lead_api.get(f"{API}summary/?period=year&date=2025-03-01").status_code == 200
