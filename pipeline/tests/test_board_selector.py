"""The board selector (``pipeline.selectors.board``): scope per role, columns and
their sums, cards, stale marks, closed and archived columns, and its query budget."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.models import Stage
from pipeline.selectors.board import CLOSED_DAYS, board
from pipeline.tests.api_support import create_project
from teams.errors import DomainError

pytestmark = pytest.mark.django_db

NEW_BUSINESS = ["prospect", "need_confirmed", "proposal_accepted", "contract_legal", "payment", "won", "lost"]


def _columns(result):
    return {column["stage"]: column for column in result["columns"]}


def _card_ids(result):
    return {card["id"] for column in result["columns"] for card in column["cards"]}


@pytest.fixture
def deals(rep, other_rep, outsider_rep):
    """rep: two prospects and one deal at proposal_accepted; other_rep: one
    need_confirmed deal; outsider_rep (other team): one prospect."""
    return {
        "rep_small": create_project(rep, "小项目", budget="100000"),
        "rep_plain": create_project(rep, "无预算项目"),
        "rep_big": create_project(rep, "大项目", stage="proposal_accepted", budget="2000000"),
        "other": create_project(other_rep, "同组项目", stage="need_confirmed", budget="500000"),
        "outsider": create_project(outsider_rep, "外组项目", budget="300000"),
    }


def test_a_rep_sees_their_own_projects_by_stage_with_sums(rep, deals):
    result = board(user=rep)
    assert result["pipeline"]["key"] == "new_business"
    assert [column["stage"] for column in result["columns"]] == NEW_BUSINESS
    columns = _columns(result)
    assert _card_ids(result) == {deals["rep_small"].pk, deals["rep_plain"].pk, deals["rep_big"].pk}
    prospect = columns["prospect"]
    # 10 % probability: 100,000 → 10,000; a project without a budget counts, adds nothing.
    assert (prospect["count"], prospect["budget_sum"], prospect["weighted_sum"]) == (
        2,
        Decimal("100000"),
        Decimal("10000"),
    )
    proposal = columns["proposal_accepted"]
    assert (proposal["count"], proposal["budget_sum"], proposal["weighted_sum"]) == (
        1,
        Decimal("2000000"),
        Decimal("1000000"),
    )
    assert (columns["won"]["count"], columns["won"]["budget_sum"], columns["won"]["cards"]) == (0, Decimal("0"), [])
    assert columns["won"]["is_closed"] and not prospect["is_closed"]
    card = proposal["cards"][0]
    assert card == {
        "id": deals["rep_big"].pk,
        "name": "大项目",
        "customer_name": deals["rep_big"].customer.name,
        "owner": rep.pk,
        "owner_name": rep.name,
        "stage": "proposal_accepted",
        "budget": Decimal("2000000"),
        "next_contact_on": None,
        "entered_at": card["entered_at"],
        "days_in_stage": 0,
        "is_stale": False,
        "version": deals["rep_big"].version,
    }


def test_a_lead_sees_the_team_and_filters_by_rep(lead, rep, other_rep, deals):
    team_board = board(user=lead)
    assert _card_ids(team_board) == {deals[key].pk for key in ("rep_small", "rep_plain", "rep_big", "other")}
    only_other = board(user=lead, owner=other_rep)
    assert _card_ids(only_other) == {deals["other"].pk}
    assert only_other["owner"] == other_rep.pk
    assert _columns(only_other)["need_confirmed"]["count"] == 1
    assert _columns(only_other)["prospect"]["count"] == 0


def test_an_owner_or_team_outside_the_scope_shows_nothing(rep, other_rep, other_lead, outsider_rep, deals):
    assert _card_ids(board(user=rep, owner=other_rep)) == set()
    assert _card_ids(board(user=other_lead, team=rep.team)) == set()
    assert _card_ids(board(user=other_lead)) == {deals["outsider"].pk}


def test_an_admin_names_a_team_or_a_rep(admin, rep, outsider_rep, deals):
    with pytest.raises(DomainError) as error:
        board(user=admin)
    assert "team" in error.value.message_dict
    assert _card_ids(board(user=admin, team=outsider_rep.team)) == {deals["outsider"].pk}
    assert _card_ids(board(user=admin, owner=rep)) == {deals[key].pk for key in ("rep_small", "rep_plain", "rep_big")}


def test_cards_long_in_their_stage_are_stale_and_come_first(rep):
    old = create_project(rep, "老项目", opened_at=timezone.now() - timedelta(days=45))
    fresh = create_project(rep, "新项目", opened_at=timezone.now() - timedelta(days=3))
    cards = _columns(board(user=rep))["prospect"]["cards"]
    assert [card["id"] for card in cards] == [old.pk, fresh.pk]
    # prospect expects 30 days.
    assert [(card["days_in_stage"], card["is_stale"]) for card in cards] == [(45, True), (3, False)]


def test_closed_columns_show_only_recent_closings(rep):
    long_ago = create_project(rep, "早已赢单", opened_at=timezone.now() - timedelta(days=200))
    services.project_move(user=rep, project=long_ago, stage="won", at=timezone.now() - timedelta(days=CLOSED_DAYS + 1))
    recent = create_project(rep, "刚输单", budget="400000")
    services.project_move(user=rep, project=recent, stage="lost", lost_reason="price")
    columns = _columns(board(user=rep))
    assert [card["id"] for card in columns["lost"]["cards"]] == [recent.pk]
    assert columns["lost"]["budget_sum"] == Decimal("400000")
    assert columns["lost"]["weighted_sum"] == Decimal("0")
    assert (columns["won"]["count"], columns["won"]["cards"]) == (0, [])


def test_an_archived_stage_shows_only_while_projects_sit_in_it(rep):
    project = create_project(rep, stage="need_confirmed")
    Stage.objects.filter(key__in=["need_confirmed", "payment"]).update(is_archived=True)
    columns = _columns(board(user=rep))
    assert "payment" not in columns
    assert columns["need_confirmed"]["is_archived"]
    assert [card["id"] for card in columns["need_confirmed"]["cards"]] == [project.pk]


def test_another_pipeline_by_key_and_an_unknown_key(rep):
    renewal = create_project(rep, "续约项目", kind="renewal")
    create_project(rep, "新业务项目")
    result = board(user=rep, pipeline="renewal")
    assert result["pipeline"]["key"] == "renewal"
    assert _card_ids(result) == {renewal.pk}
    assert {p["key"] for p in result["pipelines"]} == {"new_business", "renewal"}
    with pytest.raises(DomainError) as error:
        board(user=rep, pipeline="no-such-pipeline")
    assert "pipeline" in error.value.message_dict


def test_the_board_costs_the_same_queries_for_few_or_many_projects(lead, rep, other_rep, django_assert_max_num_queries):
    def count_queries():
        # 1 the team's default pipeline, 2 the company default, 3 the pipelines,
        # 4 the stages, 5 the per-stage aggregates, 6 the cards (customer, owner and state joined).
        with django_assert_max_num_queries(6) as captured:
            result = board(user=lead)
        return len(captured.captured_queries), result

    for n in range(3):
        create_project(rep if n % 2 else other_rep, f"项目{n}", budget="1000")
    few, result = count_queries()
    assert sum(column["count"] for column in result["columns"]) == 3
    for n in range(3, 40):
        create_project(rep if n % 2 else other_rep, f"项目{n}", budget="1000", stage="need_confirmed")
    many, result = count_queries()
    assert sum(column["count"] for column in result["columns"]) == 40
    assert few == many
