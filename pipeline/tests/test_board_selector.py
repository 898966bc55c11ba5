"""The board selector (``pipeline.selectors.board``, read by the page and the API):
scope per role, columns and their sums, cards, stale marks, closed and archived
columns, and its query budget."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.models import Stage
from pipeline.selectors.board import CLOSED_DAYS, board
from projects import services as project_services
from projects.models import Project
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NEW_BUSINESS = ["prospect", "need_confirmed", "proposal_accepted", "contract_legal", "payment", "won", "lost"]


def _create(user, name="智慧园区一期", **data):
    return project_services.project_create(user=user, customer=CustomerFactory(owner=user), data={"name": name, **data})


def _columns(result):
    return {column.stage.key: column for column in result.columns}


def _card_ids(result):
    return {card.pk for column in result.columns for card in column.cards}


@pytest.fixture
def deals(rep, other_rep, outsider_rep):
    """rep: two prospects and one deal at proposal_accepted; other_rep: one
    need_confirmed deal; outsider_rep (other team): one prospect."""
    return {
        "rep_small": _create(rep, "小项目", budget="100000"),
        "rep_plain": _create(rep, "无预算项目"),
        "rep_big": _create(rep, "大项目", stage="proposal_accepted", budget="2000000"),
        "other": _create(other_rep, "同组项目", stage="need_confirmed", budget="500000"),
        "outsider": _create(outsider_rep, "外组项目", budget="300000"),
    }


def test_a_rep_sees_their_own_projects_by_stage_with_sums(rep, deals):
    result = board(user=rep)
    assert result.pipeline.key == "new_business"
    assert [column.stage.key for column in result.columns] == NEW_BUSINESS
    columns = _columns(result)
    assert _card_ids(result) == {deals["rep_small"].pk, deals["rep_plain"].pk, deals["rep_big"].pk}
    prospect = columns["prospect"]
    # 10 % probability: 100,000 → 10,000; a project without a budget counts, adds nothing.
    assert (prospect.count, prospect.budget, prospect.weighted) == (2, Decimal("100000"), Decimal("10000"))
    proposal = columns["proposal_accepted"]
    assert (proposal.count, proposal.budget, proposal.weighted) == (1, Decimal("2000000"), Decimal("1000000"))
    assert (columns["won"].count, columns["won"].budget, columns["won"].cards) == (0, Decimal("0"), [])
    assert columns["won"].is_closed and not prospect.is_closed
    (card,) = proposal.cards
    assert (card.pk, card.name, card.customer_name, card.owner_id, card.owner_name, card.budget) == (
        deals["rep_big"].pk,
        "大项目",
        deals["rep_big"].customer.name,
        rep.pk,
        rep.name,
        Decimal("2000000"),
    )
    assert (card.stage.key, card.next_contact_on, card.days_in_stage, card.is_stale, card.is_overdue) == (
        "proposal_accepted",
        None,
        0,
        False,
        False,
    )
    assert card.version == deals["rep_big"].version


def test_the_weighted_sum_is_in_fen(rep):
    _create(rep, "零头项目", stage="need_confirmed", budget="1000.02")
    # 25 % of 1,000.02 is 250.005: rounded half up, as money is.
    assert _columns(board(user=rep))["need_confirmed"].weighted == Decimal("250.01")


def test_a_lead_sees_the_team_and_filters_by_rep(lead, rep, other_rep, deals):
    team_board = board(user=lead)
    assert _card_ids(team_board) == {deals[key].pk for key in ("rep_small", "rep_plain", "rep_big", "other")}
    only_other = board(user=lead, owner=other_rep)
    assert _card_ids(only_other) == {deals["other"].pk}
    assert only_other.owner == other_rep
    assert _columns(only_other)["need_confirmed"].count == 1
    assert _columns(only_other)["prospect"].count == 0


def test_an_owner_or_team_outside_the_scope_shows_nothing(rep, other_rep, other_lead, outsider_rep, deals):
    assert _card_ids(board(user=rep, owner=other_rep)) == set()
    assert _card_ids(board(user=other_lead, team=rep.team)) == set()
    assert _card_ids(board(user=other_lead)) == {deals["outsider"].pk}


def test_an_admin_sees_a_team_or_a_rep(admin, rep, outsider_rep, deals):
    assert _card_ids(board(user=admin, team=outsider_rep.team)) == {deals["outsider"].pk}
    assert _card_ids(board(user=admin, owner=rep)) == {deals[key].pk for key in ("rep_small", "rep_plain", "rep_big")}
    first_team = board(user=admin)
    assert first_team.team is not None
    assert _card_ids(first_team) == {p.pk for p in deals.values() if p.team_id == first_team.team.pk}


def test_cards_long_in_their_stage_are_stale_and_come_first(rep):
    old = _create(rep, "老项目", opened_at=timezone.now() - timedelta(days=45))
    fresh = _create(rep, "新项目", opened_at=timezone.now() - timedelta(days=3))
    cards = _columns(board(user=rep))["prospect"].cards
    assert [card.pk for card in cards] == [old.pk, fresh.pk]
    # prospect expects 30 days.
    assert [(card.days_in_stage, card.is_stale) for card in cards] == [(45, True), (3, False)]


def test_cards_without_a_next_contact_or_overdue_come_before_the_planned_ones(rep):
    today = timezone.localdate()
    planned = _create(rep, "已约", next_contact_on=today + timedelta(days=2))
    unplanned = _create(rep, "未约")
    overdue = _create(rep, "逾期", next_contact_on=today + timedelta(days=1))
    Project.objects.filter(pk=overdue.pk).update(next_contact_on=today - timedelta(days=2))
    cards = _columns(board(user=rep))["prospect"].cards
    assert [(card.pk, card.is_overdue) for card in cards] == [
        (unplanned.pk, False),
        (overdue.pk, True),
        (planned.pk, False),
    ]


def test_closed_columns_show_only_recent_closings(rep):
    long_ago = _create(rep, "早已赢单", opened_at=timezone.now() - timedelta(days=200))
    services.project_move(user=rep, project=long_ago, stage="won", at=timezone.now() - timedelta(days=CLOSED_DAYS + 1))
    recent = _create(rep, "刚输单", budget="400000")
    services.project_move(user=rep, project=recent, stage="lost", lost_reason="price")
    columns = _columns(board(user=rep))
    assert [card.pk for card in columns["lost"].cards] == [recent.pk]
    assert not columns["lost"].cards[0].is_overdue
    assert columns["lost"].budget == Decimal("400000")
    assert columns["lost"].weighted == Decimal("0")
    assert (columns["won"].count, columns["won"].cards) == (0, [])


def test_an_archived_stage_shows_only_while_projects_sit_in_it(rep):
    project = _create(rep, stage="need_confirmed")
    Stage.objects.filter(key__in=["need_confirmed", "payment"]).update(is_archived=True)
    columns = _columns(board(user=rep))
    assert "payment" not in columns
    assert columns["need_confirmed"].stage.is_archived
    assert [card.pk for card in columns["need_confirmed"].cards] == [project.pk]


def test_another_pipeline_by_key_and_an_unknown_key(rep):
    renewal = _create(rep, "续约项目", kind="renewal")
    plain = _create(rep, "新业务项目")
    result = board(user=rep, pipeline="renewal")
    assert result.pipeline.key == "renewal"
    assert _card_ids(result) == {renewal.pk}
    assert {p.key for p in result.pipelines} == {"new_business", "renewal"}
    assert {p.key for p in result.pipelines_in_use} == {"new_business", "renewal"}
    # An unknown key shows the default pipeline, the one the projects are in.
    assert _card_ids(board(user=rep, pipeline="no-such-pipeline")) == {plain.pk}


def test_without_projects_in_the_default_pipeline_the_board_opens_on_one_that_has_some(rep):
    renewal = _create(rep, "续约项目", kind="renewal")
    result = board(user=rep)
    assert (result.pipeline.key, _card_ids(result)) == ("renewal", {renewal.pk})


def test_the_board_costs_the_same_queries_for_few_or_many_projects(lead, rep, other_rep, django_assert_max_num_queries):
    def count_queries():
        # 1 the lead's team, 2 the scope's projects ranked per stage with each stage's count
        # and budget sum, 3 the cards (customer, owner and state joined) by primary key. The
        # pipelines, stages and teams' defaults are configuration a process keeps.
        with django_assert_max_num_queries(3) as captured:
            result = board(user=lead)
        return len(captured.captured_queries), result

    board(user=lead)  # a warm process: the configuration is kept (teams.config_cache)
    for n in range(3):
        _create(rep if n % 2 else other_rep, f"项目{n}", budget="1000")
    few, result = count_queries()
    assert result.total == 3
    for n in range(3, 40):
        _create(rep if n % 2 else other_rep, f"项目{n}", budget="1000", stage="need_confirmed")
    many, result = count_queries()
    assert result.total == 40
    assert few == many


def test_a_project_gone_between_the_two_queries_is_left_out(rep, monkeypatch):
    from pipeline.selectors import board as board_module

    kept = _create(rep, "保留的项目")
    ranked = board_module._ranked

    def ranked_with_a_vanished_project(*args, **kwargs):
        rows = list(ranked(*args, **kwargs))
        # The first query saw a project the second no longer finds (deleted meanwhile).
        return [*rows, (10**9, rows[0][1], rows[0][2], rows[0][3])]

    monkeypatch.setattr(board_module, "_ranked", ranked_with_a_vanished_project)
    assert _card_ids(board(user=rep)) == {kept.pk}


def test_a_project_handed_over_between_the_two_queries_is_left_out(rep, other_rep, monkeypatch):
    """The cards are read within the board's scope again: a project the rep handed over
    after the ranking saw it is not drawn (with its new owner's name) on the rep's board."""
    from pipeline.selectors import board as board_module

    kept = _create(rep, "保留的项目")
    handed = _create(rep, "交出的项目")
    ranked = board_module._ranked

    def ranked_then_handed_over(*args, **kwargs):
        rows = list(ranked(*args, **kwargs))
        Project.objects.filter(pk=handed.pk).update(owner=other_rep)
        return rows

    monkeypatch.setattr(board_module, "_ranked", ranked_then_handed_over)
    assert _card_ids(board(user=rep)) == {kept.pk}
