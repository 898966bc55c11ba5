"""The settings pages: admins only (everyone else gets 404 and changes nothing),
forms that show the rules' errors beside the field, buttons that explain a
refusal, the recent changes, and flat query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline import services, settings_services
from pipeline.models import (
    ExitCheck,
    LostReason,
    Pipeline,
    SettingsChange,
    Stage,
    StageChange,
    TeamPipeline,
)
from projects import services as project_services
from teams.models import Team
from tests.factories import CustomerFactory, TeamFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _stage(key):
    return Stage.objects.get(key=key)


def _snapshot():
    """Everything the settings pages may change."""
    return (
        list(Pipeline.objects.order_by("pk").values()),
        list(Stage.objects.order_by("pk").values()),
        list(ExitCheck.objects.order_by("pk").values()),
        list(LostReason.objects.order_by("pk").values()),
        list(TeamPipeline.objects.order_by("pk").values()),
        SettingsChange.objects.count(),
    )


def _ids():
    check = ExitCheck.objects.filter(stage__key="need_confirmed").order_by("pk").first()
    return {
        "pipeline": Pipeline.objects.get(key="new_business").pk,
        "renewal": Pipeline.objects.get(key="renewal").pk,
        "stage": _stage("payment").pk,
        "check": check.pk,
        "reason": LostReason.objects.get(key="other").pk,
    }


STAGE = {"name_zh": "付款", "name_en": "Paying", "tier": "high_intent", "probability": 95, "expected_days": 20}
# (route name, id to pass, method, data): every page and button of the settings.
ROUTES = [
    ("pipeline:settings", None, "get", None),
    ("pipeline:settings_pipeline_create", None, "get", None),
    ("pipeline:settings_pipeline", "pipeline", "get", None),
    ("pipeline:settings_stage_create", "pipeline", "get", None),
    ("pipeline:settings_stage", "stage", "get", None),
    ("pipeline:settings_lost_reasons", None, "get", None),
    ("pipeline:settings_lost_reason", "reason", "get", None),
    ("pipeline:settings_changes", None, "get", None),
    ("pipeline:settings", None, "post", {"team_{team}": "{renewal}"}),
    ("pipeline:settings_pipeline_create", None, "post", {"key": "gov", "name_zh": "政府", "name_en": "Gov"}),
    ("pipeline:settings_pipeline", "pipeline", "post", {"name_zh": "新签", "name_en": "New", "is_default": "on"}),
    ("pipeline:settings_pipeline_archive", "renewal", "post", {}),
    ("pipeline:settings_pipeline_restore", "renewal", "post", {}),
    ("pipeline:settings_stage_create", "pipeline", "post", {**STAGE, "key": "tender"}),
    ("pipeline:settings_stage", "stage", "post", STAGE),
    ("pipeline:settings_stage_shift", "stage", "post", {"direction": "up"}),
    ("pipeline:settings_stage_archive", "stage", "post", {}),
    ("pipeline:settings_stage_restore", "stage", "post", {}),
    ("pipeline:settings_stage_delete", "stage", "post", {}),
    ("pipeline:settings_check_add", "stage", "post", {"subject": "requirement:budget", "severity": "block"}),
    ("pipeline:settings_check_severity", "check", "post", {"severity": "warn"}),
    ("pipeline:settings_check_delete", "check", "post", {}),
    ("pipeline:settings_lost_reasons", None, "post", {"key": "timing", "name_zh": "时机", "name_en": "Timing"}),
    ("pipeline:settings_lost_reason", "reason", "post", {"name_zh": "别的", "name_en": "Else"}),
    ("pipeline:settings_lost_reason_shift", "reason", "post", {"direction": "up"}),
    ("pipeline:settings_lost_reason_active", "reason", "post", {"active": "0"}),
    ("pipeline:settings_lost_reason_delete", "reason", "post", {}),
]


def _request(client, route, target, method, data, team):
    ids = _ids()
    url = reverse(route, args=[ids[target]] if target else [])
    if method == "get":
        return client.get(url, **EN)
    values = {"renewal": ids["renewal"], "team": team.pk}
    data = {key.format(**values): str(value).format(**values) for key, value in data.items()}
    return client.post(url, data, **EN)


@pytest.mark.parametrize("persona", [None, "rep", "lead", "other_lead"])
@pytest.mark.parametrize(("route", "target", "method", "data"), ROUTES)
def test_only_admins_reach_the_settings_and_others_change_nothing(
    client_for, personas, team, persona, route, target, method, data
):
    before = _snapshot()
    response = _request(client_for(persona), route, target, method, data, team)
    if persona is None:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize(("route", "target", "method", "data"), ROUTES)
def test_admins_reach_every_page_and_button(client_for, personas, team, route, target, method, data):
    if route == "pipeline:settings_pipeline_restore":
        settings_services.pipeline_archive(user=personas["admin"], pipeline=Pipeline.objects.get(key="renewal"))
    if route == "pipeline:settings_stage_restore":
        settings_services.stage_archive(user=personas["admin"], stage=_stage("payment"))
    before = _snapshot()
    response = _request(client_for("admin"), route, target, method, data, team)
    assert response.status_code == (200 if method == "get" else 302)
    if method == "post":
        assert _snapshot() != before  # each button did its one thing, and logged it
        assert not [m for m in response.wsgi_request._messages if m.level_tag == "error"]


def test_the_admin_finds_the_settings_in_the_menu_and_on_the_start_page(client_for, personas):
    url = reverse("pipeline:settings")
    for persona, shown in [("admin", True), ("lead", False), ("rep", False)]:
        home = client_for(persona).get("/", **EN).content.decode()
        assert (f'href="{url}"' in home) is shown, persona


def test_the_list_shows_each_pipeline_with_its_teams_and_the_recent_changes(admin_client, admin, team, other_team):
    renewal = Pipeline.objects.get(key="renewal")
    settings_services.pipeline_update(user=admin, pipeline=renewal, data={"kind": ""})
    settings_services.team_defaults_set(user=admin, defaults={team: renewal, other_team: renewal})
    page = admin_client.get(reverse("pipeline:settings"), **EN)
    content = page.content.decode()
    assert "新业务" in content and "New business" in content and "Company default" in content
    assert "华东一组, 华南二组" in content
    assert "Recent changes" in content and "changed default pipeline of team “华东一组”" in content
    assert page.context["team_form"][f"team_{team.pk}"].value() == str(renewal.pk)


def test_team_defaults_are_saved_from_the_list(admin_client, team):
    renewal = Pipeline.objects.get(key="renewal")
    response = admin_client.post(reverse("pipeline:settings"), {f"team_{team.pk}": renewal.pk})
    assert response.status_code == 302
    assert TeamPipeline.objects.get(team=team).pipeline == renewal
    response = admin_client.post(reverse("pipeline:settings"), {f"team_{team.pk}": ""})
    assert not TeamPipeline.objects.exists()


def test_a_new_pipeline_opens_on_its_stages(admin_client):
    response = admin_client.post(
        reverse("pipeline:settings_pipeline_create"),
        {"key": "gov", "name_zh": "政府项目", "name_en": "Government", "kind": "expansion"},
    )
    pipeline = Pipeline.objects.get(key="gov")
    assert response["Location"] == reverse("pipeline:settings_pipeline", args=[pipeline.pk])
    page = admin_client.get(response["Location"], **EN).content.decode()
    assert "gov_prospect" in page and "gov_won" in page and "gov_lost" in page


def test_a_bad_stage_shows_its_errors_beside_the_fields_and_keeps_the_input(admin_client):
    stage = _stage("payment")
    response = admin_client.post(
        reverse("pipeline:settings_stage", args=[stage.pk]),
        {"name_zh": "付款流程", "name_en": "Payment", "tier": "high_intent", "probability": 101, "expected_days": 0},
        **EN,
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"probability", "expected_days"}
    assert 'id="stage_probability_error"' in response.content.decode()
    assert _stage("payment").probability == 90


def test_a_tier_change_that_would_leave_no_won_stage_is_explained_beside_the_tier(admin_client):
    stage = _stage("won")
    data = {"name_zh": "赢单", "name_en": "Won", "tier": "high_intent", "probability": 100}
    response = admin_client.post(reverse("pipeline:settings_stage", args=[stage.pk]), data, **EN)
    assert "needs an active won stage" in response.context["form"].errors["tier"][0]
    assert _stage("won").tier == "won"


def test_the_arrows_reorder_and_come_back_to_the_stage(admin_client):
    stage = _stage("payment")
    response = admin_client.post(reverse("pipeline:settings_stage_shift", args=[stage.pk]), {"direction": "up"})
    assert response["Location"].endswith(f"#stage-{stage.pk}")
    keys = list(Stage.objects.filter(pipeline=stage.pipeline).order_by("order").values_list("key", flat=True))
    assert keys[3:5] == ["payment", "contract_legal"]
    page = admin_client.get(reverse("pipeline:settings_pipeline", args=[stage.pipeline_id]), **EN).content.decode()
    assert "Move Prospect up" in page and "Move Payment down" in page


def _used(rep, key):
    customer = CustomerFactory(owner=rep)
    project = project_services.project_create(
        user=rep, customer=customer, data={"name": "园区", "opened_at": timezone.now() - timedelta(days=3)}
    )
    services.project_move(user=rep, project=project, stage=key)
    return project


def test_the_delete_button_of_a_stage_in_use_is_off_and_says_why(admin_client, rep):
    project = _used(rep, "need_confirmed")
    project.refresh_from_db()
    services.project_move(user=rep, project=project, stage="prospect")
    page = admin_client.get(reverse("pipeline:settings_stage", args=[_stage("need_confirmed").pk]), **EN)
    content = page.content.decode()
    assert "it can be archived, not deleted" in content
    assert 'disabled aria-describedby="delete-help">Delete the stage' in content
    # Posting anyway is refused with the same reason, and the stage stays.
    response = admin_client.post(reverse("pipeline:settings_stage_delete", args=[_stage("need_confirmed").pk]), **EN)
    assert response["Location"] == reverse("pipeline:settings_stage", args=[_stage("need_confirmed").pk])
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "archived, not deleted" in messages[0]
    unused = admin_client.get(reverse("pipeline:settings_stage", args=[_stage("payment").pk]), **EN)
    assert "so it can be deleted" in unused.content.decode()


def test_archiving_a_stage_with_open_projects_is_refused_with_the_count(admin_client, rep):
    _used(rep, "need_confirmed")
    stage = _stage("need_confirmed")
    response = admin_client.post(reverse("pipeline:settings_stage_archive", args=[stage.pk]), follow=True, **EN)
    assert "1 open project is in this stage" in response.content.decode()
    assert not _stage("need_confirmed").is_archived


def test_exit_checks_are_added_beside_their_errors_switched_and_removed(admin_client):
    stage = _stage("need_confirmed")
    url = reverse("pipeline:settings_check_add", args=[stage.pk])
    page = admin_client.get(reverse("pipeline:settings_stage", args=[stage.pk]), **EN).content.decode()
    assert 'value="requirement:decision_maker"' not in page  # the stage has it already
    assert 'value="requirement:key_person"' in page
    response = admin_client.post(url, {"subject": "requirement:key_person", "severity": "block"})
    assert response.status_code == 302
    check = ExitCheck.objects.get(stage=stage, requirement="key_person")
    assert check.severity == "block"
    response = admin_client.post(url, {"subject": "requirement:key_person", "severity": "warn"}, **EN)
    assert response.status_code == 200 and "subject" in response.context["check_form"].errors
    admin_client.post(reverse("pipeline:settings_check_severity", args=[check.pk]), {"severity": "warn"})
    assert ExitCheck.objects.get(pk=check.pk).severity == "warn"
    admin_client.post(reverse("pipeline:settings_check_delete", args=[check.pk]))
    assert not ExitCheck.objects.filter(pk=check.pk).exists()


def test_lost_reasons_are_added_renamed_and_deactivated_from_their_pages(admin_client):
    url = reverse("pipeline:settings_lost_reasons")
    response = admin_client.post(url, {"key": "Bad key", "name_zh": "", "name_en": "x"}, **EN)
    assert set(response.context["form"].errors) == {"key", "name_zh"}
    admin_client.post(url, {"key": "timing", "name_zh": "时机不对", "name_en": "Bad timing"})
    timing = LostReason.objects.get(key="timing")
    admin_client.post(
        reverse("pipeline:settings_lost_reason", args=[timing.pk]), {"name_zh": "时机", "name_en": "Timing"}
    )
    admin_client.post(reverse("pipeline:settings_lost_reason_active", args=[timing.pk]), {"active": "0"})
    timing.refresh_from_db()
    assert (timing.name_zh, timing.is_active) == ("时机", False)
    page = admin_client.get(url, **EN).content.decode()
    assert "Deactivated" in page and "created lost reason “Bad timing”" in page


def test_the_list_page_queries_stay_flat(admin_client, admin, django_assert_max_num_queries):
    for number in range(20):
        team = TeamFactory(name=f"测试{number}组")
        pipeline = settings_services.pipeline_create(
            user=admin, data={"key": f"line{number}", "name_zh": f"产品线{number}", "name_en": f"Line {number}"}
        )
        settings_services.team_defaults_set(user=admin, defaults={team: pipeline})
    assert Team.objects.count() == 22  # and the personas' two
    # session, user, pipelines with their active stage counts, teams' defaults (for the column),
    # teams, their defaults (for the form), the latest changes with who made them, and the
    # names of the pipelines those changes point at.
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("pipeline:settings"))
    assert len(response.context["pipelines"]) == 22


def test_the_stages_page_queries_stay_flat(admin_client, admin, rep, django_assert_max_num_queries):
    pipeline = Pipeline.objects.get(key="new_business")
    for number in range(20):
        data = {"key": f"step{number}", "name_zh": f"步骤{number}", "name_en": f"Step {number}", "tier": "qualified"}
        stage = settings_services.stage_create(user=admin, pipeline=pipeline, data={**data, "probability": 30})
        settings_services.exit_check_add(user=admin, stage=stage, requirement="budget")
    for _number in range(5):
        _used(rep, "step3")
    # session, user, pipeline, stages with their projects and history use, their exit checks
    # with checklist items, the latest changes with who made them.
    with django_assert_max_num_queries(7):
        response = admin_client.get(reverse("pipeline:settings_pipeline", args=[pipeline.pk]))
    assert len(response.context["stages"]) == 27
    assert next(stage for stage in response.context["stages"] if stage.key == "step3").standing == 5


def test_the_lost_reasons_and_changes_pages_queries_stay_flat(admin_client, admin, django_assert_max_num_queries):
    for number in range(30):
        settings_services.lost_reason_create(
            user=admin, data={"key": f"r{number}", "name_zh": f"原因{number}", "name_en": f"Reason {number}"}
        )
    settings_services.lost_reasons_reorder(
        user=admin, reason_ids=list(LostReason.objects.order_by("-pk").values_list("pk", flat=True))
    )
    # session, user, reasons with their use, the latest changes with who made them, the
    # names of the reasons an order lists.
    with django_assert_max_num_queries(5):
        response = admin_client.get(reverse("pipeline:settings_lost_reasons"))
    assert len(response.context["reasons"]) == 36
    # session, user, count, a page of changes with who made them, the names an order lists.
    with django_assert_max_num_queries(5):
        response = admin_client.get(reverse("pipeline:settings_changes"))
    assert len(response.context["changes"]) == 31


def test_history_of_the_stage_changes_keeps_its_tiers_after_the_settings_change(admin_client, rep):
    project = _used(rep, "need_confirmed")
    stage = _stage("need_confirmed")
    admin_client.post(
        reverse("pipeline:settings_stage", args=[stage.pk]),
        {"name_zh": "需求确认", "name_en": "Need confirmed", "tier": "high_intent", "probability": 25},
    )
    assert _stage("need_confirmed").tier == "high_intent"
    assert StageChange.objects.filter(project=project, to_stage=stage).get().to_tier == "qualified"


def test_an_arrow_refused_under_htmx_reloads_the_page_to_show_why(admin_client, admin):
    stage = _stage("payment")
    settings_services.stage_archive(user=admin, stage=stage)
    response = admin_client.post(
        reverse("pipeline:settings_stage_shift", args=[stage.pk]), {"direction": "up"}, HTTP_HX_REQUEST="true", **EN
    )
    assert response.status_code == 200
    assert (
        response["HX-Redirect"] == f"{reverse('pipeline:settings_pipeline', args=[stage.pipeline_id])}#stage-{stage.pk}"
    )
    page = admin_client.get(response["HX-Redirect"], **EN).content.decode()
    assert "An archived stage has no place in the order" in page
