"""The Board page (/board/) and its move endpoint: who sees which projects, the
column figures, the card marks, and every way a move is refused with nothing
stored (out of scope, stale version, lost without a reason, a blocking exit
check)."""

import html
import re
from datetime import timedelta
from urllib.parse import quote, unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pipeline import services
from pipeline.models import ExitCheck, LostReason, Pipeline, ProjectState, Stage, StageChange
from pipeline.selectors.board import board
from projects import services as project_services
from projects.models import Project
from tests.factories import ContactFactory, CustomerFactory

BOARD = reverse("pipeline:board")
JSON = {"HTTP_ACCEPT": "application/json"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _project(owner, name="智慧园区一期", **data):
    data.setdefault("next_contact_on", timezone.localdate() + timedelta(days=3))
    return project_services.project_create(
        user=owner, customer=CustomerFactory(owner=owner), data={"name": name, **data}
    )


def _move_url(project):
    return reverse("pipeline:board_move", args=[project.pk])


def _stage(project):
    return ProjectState.objects.get(pk=project.pk).stage.key


def _stored(project):
    """What a refused move must leave untouched."""
    stored = Project.objects.get(pk=project.pk)
    return (_stage(project), stored.version, stored.closed_at, StageChange.objects.filter(project=project).count())


def _text(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _column(response, key):
    """The text of one column of the board."""
    html = response.content.decode()
    start = html.index(f'id="column-{key}"')
    end = html.find("</section>", start)
    return " ".join(re.sub(r"<[^>]+>", " ", html[start:end]).split())


def _card(response, project):
    return re.search(rf'<li class="board-card[^"]*" id="card-{project.pk}".*?</li>', response.content.decode(), re.S)[0]


def _decision_maker(user, project):
    contact = ContactFactory(customer=project.customer, buying_role="decision_maker")
    project_services.stakeholder_save(
        user=user, project=project, contact=contact, role="decision_maker", stance="supporter"
    )


# --- what the board shows ----------------------------------------------------------------------


def test_a_rep_sees_their_own_projects_in_their_stages(rep_client, rep, other_rep):
    _project(rep, "我的潜客项目")
    _project(rep, "我的需求项目", stage="need_confirmed")
    _project(other_rep, "同事的项目")
    response = rep_client.get(BOARD, **EN)
    assert response.status_code == 200
    assert "我的潜客项目" in _column(response, "prospect")
    assert "我的需求项目" in _column(response, "need_confirmed")
    assert "同事的项目" not in _text(response)
    # A rep's board is their own: no team or owner picker.
    assert 'name="owner"' not in response.content.decode()
    assert 'name="team"' not in response.content.decode()


def test_a_lead_sees_the_team_and_may_narrow_it_to_one_rep(lead_client, rep, other_rep, outsider_rep):
    _project(rep, "张伟的项目")
    _project(other_rep, "李娜的项目")
    _project(outsider_rep, "别组的项目")
    text = _text(lead_client.get(BOARD, **EN))
    assert "张伟的项目" in text and "李娜的项目" in text and "别组的项目" not in text
    text = _text(lead_client.get(BOARD, {"owner": other_rep.pk}, **EN))
    assert "李娜的项目" in text and "张伟的项目" not in text
    # Someone of another team is no choice: the board stays the team's, never theirs.
    text = _text(lead_client.get(BOARD, {"owner": outsider_rep.pk}, **EN))
    assert "别组的项目" not in text and "张伟的项目" in text


def test_an_admin_picks_the_team(admin_client, rep, outsider_rep, team, other_team):
    _project(rep, "华东的项目")
    _project(outsider_rep, "华南的项目")
    text = _text(admin_client.get(BOARD, {"team": other_team.pk}, **EN))
    assert "华南的项目" in text and "华东的项目" not in text
    text = _text(admin_client.get(BOARD, {"team": team.pk, "owner": rep.pk}, **EN))
    assert "华东的项目" in text and "华南的项目" not in text


def test_reps_cannot_widen_their_board_with_parameters(rep_client, rep, other_rep, other_team):
    _project(other_rep, "同事的项目")
    for params in ({"owner": other_rep.pk}, {"team": other_team.pk}, {"column": "prospect"}):
        assert "同事的项目" not in _text(rep_client.get(BOARD, params, **EN))


def test_columns_carry_count_budget_and_weighted_sum(rep_client, rep):
    _project(rep, "一号", stage="need_confirmed", budget="1000000")
    _project(rep, "二号", stage="need_confirmed", budget="200000.50")
    _project(rep, "三号", stage="need_confirmed")  # no budget yet: counted, adds nothing
    column = _column(rep_client.get(BOARD, **EN), "need_confirmed")
    # need_confirmed wins 25 %: 1,200,000.50 × 0.25 = 300,000.125 → ¥300,000.13 (|money: cents when not whole)
    assert "3 projects" in column
    assert "Budget: ¥1,200,000.50" in column
    assert "Weighted: ¥300,000.13" in column
    assert "¥1,000,000" in column and "¥200,000.50" in column


def test_won_and_lost_show_only_projects_closed_in_the_last_30_days(rep_client, rep):
    long_ago, lately = (_project(rep, name, opened_at=timezone.now() - timedelta(days=90)) for name in ("早输", "近赢"))
    services.project_move(
        user=rep, project=long_ago, stage="lost", lost_reason="price", at=timezone.now() - timedelta(days=40)
    )
    _decision_maker(rep, lately)
    services.project_move(user=rep, project=lately, stage="won", at=timezone.now() - timedelta(days=5))
    response = rep_client.get(BOARD, **EN)
    assert "近赢" in _column(response, "won")
    assert "早输" not in _text(response)
    assert "1 project" in _column(response, "won") and "0 projects" in _column(response, "lost")
    # Folded by default; unfolded with its button.
    assert re.search(r'class="board-column closed collapsed"\s+id="column-won"', response.content.decode())


def test_cards_show_overdue_next_contact_days_in_stage_and_stale(rep_client, rep):
    project = _project(rep, "停滞的项目", opened_at=timezone.now() - timedelta(days=45))
    # The next contact passed (written as the data stood, not through the log's checks).
    Project.objects.filter(pk=project.pk).update(next_contact_on=timezone.localdate() - timedelta(days=2))
    fresh = _project(rep, "新项目")
    response = rep_client.get(BOARD, **EN)
    stale_card = _card(response, project)
    assert "board-card stale" in stale_card and ">stale<" in stale_card
    assert 'class="overdue"' in stale_card and "overdue" in _text(response)
    assert "45 days" in stale_card
    fresh_card = _card(response, fresh)
    assert "stale" not in fresh_card and "overdue" not in fresh_card


def test_the_pipeline_picker_shows_when_several_pipelines_hold_projects(rep_client, rep):
    _project(rep, "新签项目")
    response = rep_client.get(BOARD, **EN)
    assert 'name="pipeline"' not in response.content.decode()
    _project(rep, "续费项目", kind="renewal")
    response = rep_client.get(BOARD, **EN)
    assert 'name="pipeline"' in response.content.decode()
    assert "新签项目" in _text(response) and "续费项目" not in _text(response)
    response = rep_client.get(BOARD, {"pipeline": "renewal"}, **EN)
    assert "续费项目" in _column(response, "renewal_due") and "新签项目" not in _text(response)


def test_htmx_asks_for_the_columns_only(rep_client, rep):
    _project(rep, "局部刷新")
    response = rep_client.get(BOARD, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board-columns")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board-columns"') and "局部刷新" in html
    assert "<html" not in html


def _board_queries(client, **params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(BOARD, params).status_code == 200
    return len(queries)


# session, user (with the team), the scope's projects ranked per stage with each stage's
# count and budget sum (one window query), the cards by primary key; a lead's owner picker
# adds the team's members. An admin's board adds the picked team (looked up for the owner
# choices, then validated), the team picker's teams (read twice: for its required attribute,
# then its options) and the team's members. The pipelines, stages, teams' default pipelines
# and lost reasons are configuration a process keeps (teams.config_cache): counted warm.
BOARD_QUERIES = {"rep": 4, "lead": 5, "admin": 9}


@pytest.mark.parametrize("persona", ["rep", "lead", "admin"])
def test_board_queries_do_not_grow_with_the_projects(
    client_for, rep, other_rep, persona, django_assert_max_num_queries
):
    client = client_for(persona)
    for index in range(5):
        _project(rep if index % 2 else other_rep, f"项目{index}", budget=str(1000 * index))
    _board_queries(client, team=rep.team_id)  # a warm process: the configuration is kept
    few = _board_queries(client, team=rep.team_id)
    for index in range(75):
        _project(rep if index % 2 else other_rep, f"大项目{index}", stage="need_confirmed", budget="50000")
    with django_assert_max_num_queries(BOARD_QUERIES[persona]):
        response = client.get(BOARD, {"team": rep.team_id})
    assert _board_queries(client, team=rep.team_id) == few
    cards = sum(len(column.cards) for column in response.context["board"].columns)
    # A column shows CARDS_PER_COLUMN (25) cards: the rep's 2 + 25 of 37, the team's 5 + 25 of 75.
    assert cards == (27 if persona == "rep" else 30)
    # The capped column's figures count every project of it, not the cards shown.
    need = next(column for column in response.context["board"].columns if column.stage.key == "need_confirmed")
    mine = 37 if persona == "rep" else 75
    assert (need.count, need.budget, len(need.cards), need.hidden) == (mine, 50000 * mine, 25, mine - 25)
    assert f"共 {mine} 个项目" in _column(response, "need_confirmed")
    # Every card opens the same shared "move to" form: one form on the page, however many cards.
    page = response.content.decode()
    assert page.count('<template id="move-to-form">') == 1 and page.count('name="stage"') == 1
    assert page.count('class="move-to-page"') == cards
    # "Show more" under the capped column brings a column's worth more, for the same queries.
    with django_assert_max_num_queries(BOARD_QUERIES[persona]):
        more = client.get(BOARD, {"team": rep.team_id, "column": "need_confirmed", "cards": "50"})
    need = next(column for column in more.context["board"].columns if column.stage.key == "need_confirmed")
    assert (len(need.cards), need.hidden) == ((37, 0) if persona == "rep" else (50, 25))


def test_the_board_shows_configuration_changes_at_once(rep_client, rep):
    # The pipelines, stages, teams' defaults and lost reasons are kept per process
    # (pipeline.selectors.configuration): a change shows on the next request.
    _project(rep, "配置项目")
    assert rep_client.get(BOARD).status_code == 200
    stage = Stage.objects.get(key="prospect")
    stage.name_zh = "线索阶段"
    stage.save()
    LostReason.objects.create(key="merged_away", name_zh="并入其他项目", name_en="Merged away", order=999)
    page = rep_client.get(BOARD).content.decode()
    assert "线索阶段" in page and 'value="merged_away"' in page


def test_the_selector_caps_a_column_and_expands_it_on_demand(rep, monkeypatch):
    monkeypatch.setattr("pipeline.selectors.board.CARDS_PER_COLUMN", 3)
    for index in range(5):
        _project(rep, f"项目{index}")
    column = board(user=rep).columns[0]
    assert (column.count, len(column.cards), column.hidden) == (5, 3, 2)
    assert len(board(user=rep, expand="prospect").columns[0].cards) == 5
    assert len(board(user=rep, expand="prospect", expand_cards=4).columns[0].cards) == 4


def test_the_no_javascript_menu_links_to_the_move_page_and_back(rep_client, reps_project):
    page = rep_client.get(BOARD, {"q": "张伟"}, **EN).content.decode()
    link = re.search(r'class="move-to-page" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    back = f"{BOARD}?q={quote('张伟')}"  # the board's own URL, as the browser sent it
    assert link == f"{_move_url(reps_project)}?next={quote(back, safe='')}"
    form = rep_client.get(link, **EN).content.decode()
    assert html.unescape(re.search(r'name="next" value="([^"]*)"', form).group(1)) == back


def test_the_api_answers_what_the_page_shows(lead_client, lead_api, rep, other_rep, monkeypatch):
    monkeypatch.setattr("pipeline.selectors.board.CARDS_PER_COLUMN", 2)
    for index in range(4):
        _project(rep if index % 2 else other_rep, f"项目{index}", budget=f"{1000 * (index + 1)}.05")
    overdue = _project(rep, "逾期项目", stage="need_confirmed")
    Project.objects.filter(pk=overdue.pk).update(next_contact_on=timezone.localdate() - timedelta(days=1))
    shown = lead_client.get(BOARD).context["board"]
    body = lead_api.get("/api/v1/board/").json()

    def figures(column):
        return (column.stage.key, column.count, f"{column.budget:.2f}", f"{column.weighted:.2f}", column.hidden)

    def cards(column):
        return [(card.pk, card.is_stale, card.is_overdue, card.days_in_stage) for card in column.cards]

    assert [(c["stage"], c["count"], c["budget_sum"], c["weighted_sum"], c["hidden"]) for c in body["columns"]] == [
        figures(column) for column in shown.columns
    ]
    assert [
        [(card["id"], card["is_stale"], card["is_overdue"], card["days_in_stage"]) for card in c["cards"]]
        for c in body["columns"]
    ] == [cards(column) for column in shown.columns]
    prospect, need = body["columns"][:2]
    assert (prospect["count"], prospect["hidden"], len(prospect["cards"])) == (4, 2, 2)
    assert (need["cards"][0]["id"], need["cards"][0]["is_overdue"]) == (overdue.pk, True)
    # "Show more" on the page is ?column=<stage>; in the API, expand=<stage>.
    expanded = lead_api.get("/api/v1/board/", {"expand": "prospect"}).json()["columns"][0]
    assert (len(expanded["cards"]), expanded["hidden"]) == (4, 0)
    searched = lead_api.get("/api/v1/board/", {"q": "逾期"}).json()
    assert [card["id"] for column in searched["columns"] for card in column["cards"]] == [overdue.pk]


# --- moves -------------------------------------------------------------------------------------


@pytest.fixture
def reps_project(rep):
    return _project(rep, "张伟的项目", budget="300000")


MOVERS = {"rep", "lead", "admin"}


@pytest.mark.parametrize("persona", [None, "rep", "other_rep", "outsider_rep", "lead", "other_lead", "admin"])
def test_who_may_move_a_reps_project(client_for, reps_project, persona):
    client = client_for(persona)
    before = _stored(reps_project)
    response = client.post(
        _move_url(reps_project), {"stage": "need_confirmed", "version": reps_project.version}, **JSON
    )
    if persona is None:
        assert response.status_code == 302
    elif persona in MOVERS:
        assert response.status_code == 200 and response.json()["moved"]
    else:
        assert response.status_code == 404  # as for an id that does not exist
    assert (_stored(reps_project) != before) == (persona in MOVERS)
    if persona is not None:
        assert client.get(BOARD).status_code == 200


def test_an_unknown_project_answers_404(rep_client):
    assert (
        rep_client.post(reverse("pipeline:board_move", args=[999999]), {"stage": "won", "version": 1}).status_code
        == 404
    )


def test_a_move_answers_with_the_new_version_and_is_in_the_history(rep_client, rep, reps_project):
    response = rep_client.post(
        _move_url(reps_project), {"stage": "need_confirmed", "version": reps_project.version}, **JSON, **EN
    )
    body = response.json()
    assert body["stage"] == "need_confirmed" and body["version"] == reps_project.version + 1
    assert "“张伟的项目” moved to “Need confirmed”." in body["detail"]
    change = StageChange.objects.filter(project=reps_project).first()
    assert (change.from_stage.key, change.to_stage.key, change.by) == ("prospect", "need_confirmed", rep)


def test_a_stale_version_answers_409_and_nothing_moves(rep_client, lead, reps_project):
    seen = reps_project.version
    services.project_move(user=lead, project=reps_project, stage="need_confirmed", version=seen)
    before = _stored(reps_project)
    response = rep_client.post(
        _move_url(reps_project), {"stage": "lost", "lost_reason": "price", "version": seen}, **JSON, **EN
    )
    assert response.status_code == 409
    body = response.json()
    assert "Someone else changed “张伟的项目”" in body["detail"] and "“Need confirmed”" in body["detail"]
    assert (body["stage"], body["version"]) == ("need_confirmed", seen + 1)
    assert _stored(reps_project) == before


def test_a_stale_version_in_the_page_shows_both_versions_and_keeps_the_move(rep_client, lead, reps_project):
    seen = reps_project.version
    services.project_move(user=lead, project=reps_project, stage="need_confirmed", version=seen)
    before = _stored(reps_project)
    response = rep_client.post(
        _move_url(reps_project),
        {"stage": "lost", "lost_reason": "price", "lost_note": "对方压价", "version": seen},
        **EN,
    )
    assert response.status_code == 409
    text = _text(response)
    assert "Someone else changed “张伟的项目”" in text
    assert "Their saved version Your version (kept in the form below) Stage Need confirmed Lost" in text
    html = response.content.decode()
    assert f'name="version" value="{seen + 1}"' in html and "对方压价" in html
    assert _stored(reps_project) == before


def test_lost_without_a_reason_is_refused(rep_client, reps_project):
    before = _stored(reps_project)
    response = rep_client.post(
        _move_url(reps_project), {"stage": "lost", "version": reps_project.version}, **JSON, **EN
    )
    assert response.status_code == 400
    assert response.json()["errors"]["lost_reason"] == ["Say why the project was lost."]
    # Without JavaScript the page asks for the reason, then refuses an empty one beside the field.
    response = rep_client.post(_move_url(reps_project), {"stage": "lost", "version": reps_project.version}, **EN)
    assert response.status_code == 200 and 'name="lost_reason"' in response.content.decode()
    response = rep_client.post(
        _move_url(reps_project), {"stage": "lost", "version": reps_project.version, "confirm": "on"}, **EN
    )
    assert response.status_code == 400 and "Say why the project was lost." in _text(response)
    assert _stored(reps_project) == before


def test_lost_with_a_reason_closes_the_project(rep_client, reps_project):
    response = rep_client.post(
        _move_url(reps_project),
        {"stage": "lost", "lost_reason": "chose_competitor", "lost_note": "选了友商", "version": reps_project.version},
        **JSON,
    )
    assert response.status_code == 200
    state = ProjectState.objects.select_related("lost_reason").get(pk=reps_project.pk)
    assert (state.stage.key, state.lost_reason.key, state.lost_note) == ("lost", "chose_competitor", "选了友商")
    assert Project.objects.get(pk=reps_project.pk).closed_at is not None


def test_a_blocking_exit_check_refuses_the_move_and_names_what_is_missing(rep_client, rep):
    project = _project(rep, "待确认项目", stage="need_confirmed")
    before = _stored(project)
    response = rep_client.post(
        _move_url(project), {"stage": "proposal_accepted", "version": project.version, "confirm": "1"}, **JSON, **EN
    )
    assert response.status_code == 400
    assert "A decision maker is on the buying committee" in response.json()["errors"]["stage"][0]
    assert _stored(project) == before
    # The page says the same beside the stage.
    response = rep_client.post(_move_url(project), {"stage": "proposal_accepted", "version": project.version}, **EN)
    assert response.status_code == 400 and "A decision maker is on the buying committee" in _text(response)
    assert _stored(project) == before


def test_warnings_are_confirmed_before_the_move(rep_client, rep):
    project = _project(rep, "无预算项目", stage="need_confirmed")
    _decision_maker(rep, project)
    project.refresh_from_db()
    before = _stored(project)
    data = {"stage": "proposal_accepted", "version": project.version}
    body = rep_client.post(_move_url(project), data, **JSON, **EN).json()
    assert body["confirm"] is True
    assert body["warnings"] == ["The budget is known", "Competitors are recorded"]
    assert _stored(project) == before
    # The page asks the same, with "Move anyway".
    response = rep_client.post(_move_url(project), data, **EN)
    assert response.status_code == 200 and "Move anyway" in _text(response) and "The budget is known" in _text(response)
    assert _stored(project) == before
    body = rep_client.post(_move_url(project), {**data, "confirm": "1"}, **JSON, **EN).json()
    assert body["moved"] and body["warnings"] == ["The budget is known", "Competitors are recorded"]
    assert _stage(project) == "proposal_accepted"


def test_moving_back_needs_no_confirmation(rep_client, rep):
    project = _project(rep, "回退项目", stage="need_confirmed")
    body = rep_client.post(_move_url(project), {"stage": "prospect", "version": project.version}, **JSON).json()
    assert body["moved"] and _stage(project) == "prospect"


def test_a_stage_of_another_pipeline_is_refused(rep_client, reps_project):
    before = _stored(reps_project)
    response = rep_client.post(
        _move_url(reps_project), {"stage": "renewal_won", "version": reps_project.version}, **JSON, **EN
    )
    assert response.status_code == 400 and "stage" in response.json()["errors"]
    assert _stored(reps_project) == before


def test_the_menu_without_javascript_moves_and_goes_back_to_the_board(rep_client, reps_project):
    back = f"{BOARD}?q=张伟"
    response = rep_client.post(
        _move_url(reps_project), {"stage": "need_confirmed", "version": reps_project.version, "next": back}, **EN
    )
    assert response.status_code == 302 and unquote(response.url) == back
    assert _stage(reps_project) == "need_confirmed"
    page = rep_client.get(back, **EN)
    assert "“张伟的项目” moved to “Need confirmed”." in _text(page)


def test_the_menu_never_sends_the_user_to_another_site(rep_client, reps_project):
    response = rep_client.post(
        _move_url(reps_project),
        {"stage": "need_confirmed", "version": reps_project.version, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response.url == BOARD


def test_the_move_page_opens_with_the_stage_chosen(rep_client, reps_project, client_for):
    response = rep_client.get(_move_url(reps_project), {"stage": "lost"}, **EN)
    assert response.status_code == 200
    assert '<option value="lost" selected data-lost="">' in response.content.decode()
    assert client_for("outsider_rep").get(_move_url(reps_project)).status_code == 404


def test_the_board_the_project_page_and_the_log_form_offer_the_same_stages(rep, reps_project):
    """One function builds every "move to" list: the pipeline's other active stages in
    order, name and tier, lost ones marked (so their reason fields show)."""
    from pipeline.forms import ActivityForm
    from pipeline.project_forms import MoveForm
    from pipeline.selectors.project import project_stage_standing
    from pipeline.views.board import BoardMoveForm

    Stage.objects.filter(key="payment").update(is_archived=True)
    project = Project.objects.select_related("state__stage", "customer").get(pk=reps_project.pk)
    board_field = BoardMoveForm(project=project).fields["stage"]
    page_field = MoveForm(standing=project_stage_standing(project=project)).fields["stage"]
    log_field = ActivityForm(user=rep, customer=project.customer, project=project).fields["move_to"]
    expected = list(
        Stage.objects.active()
        .filter(pipeline=project.state.stage.pipeline)
        .exclude(pk=project.state.stage_id)
        .order_by("order", "id")
        .values_list("key", flat=True)
    )
    assert "payment" not in expected and project.state.stage.key not in expected
    offered = [[key for key, _label in field.choices if key] for field in (board_field, page_field, log_field)]
    assert offered == [expected, expected, expected]
    labels = {dict(field.choices)["lost"] for field in (board_field, page_field, log_field)}
    assert len(labels) == 1
    assert all(field.widget.option_attrs["lost"] == {"data-lost": ""} for field in (board_field, page_field, log_field))


def test_a_flushed_database_gets_its_pipelines_back_for_a_starting_stage(rep):
    # A flush (transactional browser tests, a reset demo) empties the shipped pipelines;
    # a project starting in a named stage must not fail on that.
    ExitCheck.objects.all().delete()
    Stage.objects.all().delete()
    Pipeline.objects.all().delete()
    project = _project(rep, "清空后的项目", stage="need_confirmed")
    assert _stage(project) == "need_confirmed"
