"""Pipelines, stages and lost reasons through the API: everyone reads, admins
write; what is in use is archived or deactivated, never deleted; history is
never rewritten; bad input is named."""

import pytest
from django.utils import translation

from pipeline import services
from pipeline.models import ExitCheck, LostReason, Pipeline, ProjectState, SettingsChange, Stage, StageChange
from pipeline.selectors.settings import history_entries, settings_changes
from projects import services as project_services
from projects.models import ChecklistItem
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _create_project(user, **data):
    return project_services.project_create(
        user=user, customer=CustomerFactory(owner=user), data={"name": "智慧园区一期", **data}
    )


def _stage_state(key):
    stage = Stage.objects.filter(key=key).first()
    if stage is None:
        return None
    checks = sorted(stage.exit_checks.values_list("requirement", "checklist_item__key", "severity"), key=str)
    return (stage.name_zh, stage.name_en, stage.tier, stage.probability, stage.is_archived, checks)


# --- reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["rep", "outsider_rep", "lead", "admin"])
def test_everyone_signed_in_reads_the_stages_with_their_checklist(api_for, persona):
    response = api_for(persona).get("/api/v1/stages/", {"pipeline": "new_business"}, **EN)
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()["results"]}
    assert list(rows) == ["prospect", "need_confirmed", "proposal_accepted", "contract_legal", "payment", "won", "lost"]
    need = rows["need_confirmed"]
    assert (need["name"], need["name_zh"], need["pipeline"], need["tier"], need["tier_name"]) == (
        "Need confirmed",
        "需求确认",
        "new_business",
        "qualified",
        "Qualified",
    )
    assert (need["order"], need["probability"], need["expected_days"], need["is_archived"]) == (20, 25, 30, False)
    assert need["checklist"][0] == {
        "requirement": "decision_maker",
        "requirement_name": "A decision maker is on the buying committee",
        "checklist_item": None,
        "label": "A decision maker is on the buying committee",
        "severity": "block",
        "severity_name": "Block",
    }


def test_anonymous_reads_nothing(api_for):
    assert api_for(None).get("/api/v1/stages/").status_code == 401
    assert api_for(None).get("/api/v1/lost-reasons/").status_code == 401


def test_pipelines_list_their_stages_and_the_default(rep_api):
    body = rep_api.get("/api/v1/pipelines/", **EN).json()["results"]
    assert [(row["key"], row["is_default"], row["kind"]) for row in body] == [
        ("new_business", True, ""),
        ("renewal", False, "renewal"),
    ]
    assert body[1]["stages"][0] == "renewal_due"
    assert body[1]["kind_name"] == "Renewal"


def test_lost_reasons_filter_the_active_ones(rep_api):
    LostReason.objects.filter(key="other").update(is_active=False)
    keys = [row["key"] for row in rep_api.get("/api/v1/lost-reasons/", {"is_active": "true"}).json()["results"]]
    assert "other" not in keys and "price" in keys


def test_settings_lists_cost_fixed_queries(admin_api, django_assert_max_num_queries):
    for n in range(20):
        stage = Stage.objects.create(
            pipeline=Pipeline.objects.get(key="renewal"),
            key=f"extra_{n}",
            name_zh="额外",
            name_en="Extra",
            tier="qualified",
        )
        ExitCheck.objects.create(stage=stage, checklist_item=ChecklistItem.objects.first())
    # 1 count, 2 the stages with their pipeline, 3 their exit checks with the checklist items.
    with django_assert_max_num_queries(3):
        assert admin_api.get("/api/v1/stages/", {"page_size": 200}).json()["count"] == 33
    # 1 count, 2 the pipelines, 3 their stages.
    with django_assert_max_num_queries(3):
        assert admin_api.get("/api/v1/pipelines/").json()["count"] == 2
    # 1 count, 2 the reasons.
    with django_assert_max_num_queries(2):
        assert admin_api.get("/api/v1/lost-reasons/").json()["count"] == 6


# --- writing stages -----------------------------------------------------------------------------


def test_an_admin_adds_a_stage_with_its_checklist(admin_api):
    item = ChecklistItem.objects.first()
    response = admin_api.post(
        "/api/v1/stages/",
        {
            "key": "tender",
            "pipeline": "new_business",
            "name_zh": "招投标",
            "name_en": "Tender",
            "tier": "high_intent",
            "order": 45,
            "probability": 60,
            "expected_days": 20,
            "checklist": [
                {"requirement": "procurement", "severity": "block"},
                {"checklist_item": item.key},
            ],
        },
        format="json",
        **EN,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Tender"
    assert [(c["requirement"], c["checklist_item"], c["severity"]) for c in body["checklist"]] == [
        ("procurement", None, "block"),
        ("", item.key, "warn"),
    ]
    assert body["checklist"][1]["label"] == item.label


def test_renaming_and_retiering_a_stage_leaves_history_and_the_projects_standing_in_it(admin_api, rep):
    """The settings pages' rule: a new tier applies to moves from then on; a project in
    the stage keeps the tier it entered with until it moves."""
    project = _create_project(rep)
    services.project_move(user=rep, project=project, stage="need_confirmed")
    response = admin_api.patch(
        "/api/v1/stages/need_confirmed/",
        {"name_zh": "需求已确认", "tier": "high_intent", "probability": 40},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["name_zh"], response.json()["tier"]) == ("需求已确认", "high_intent")
    assert ProjectState.objects.get(pk=project.pk).tier == "qualified"
    change = StageChange.objects.get(project=project, to_stage__key="need_confirmed")
    assert (change.to_tier, change.from_tier) == ("qualified", "prospect")


def test_api_writes_land_in_the_settings_change_log(admin_api, admin):
    assert admin_api.patch("/api/v1/stages/need_confirmed/", {"probability": 40}, format="json").status_code == 200
    assert (
        admin_api.post(
            "/api/v1/lost-reasons/", {"key": "timing", "name_zh": "时机不对", "name_en": "Bad timing"}, format="json"
        ).status_code
        == 201
    )
    assert admin_api.delete("/api/v1/pipelines/renewal/").status_code == 204
    with translation.override("en"):
        entries = history_entries(settings_changes())
        rows = [(e.user, str(e.kind), str(e.action), e.subject) for e in entries[:3]]
    assert rows == [
        (admin, "pipeline", "deleted", "Renewal"),
        (admin, "lost reason", "created", "Bad timing"),
        (admin, "stage", "changed", "Need confirmed"),
    ]
    assert [(c.label, c.old, c.new) for c in entries[2].changes] == [("win probability (%)", "25", "40")]


def test_a_refused_api_write_logs_nothing(admin_api):
    response = admin_api.patch("/api/v1/stages/need_confirmed/", {"probability": 40, "checklist": [{}]}, format="json")
    assert response.status_code == 400
    assert not SettingsChange.objects.exists()
    assert Stage.objects.get(key="need_confirmed").probability == 25


def test_the_order_sent_places_the_stage_and_the_stages_are_renumbered(admin_api):
    response = admin_api.patch("/api/v1/stages/payment/", {"order": 15}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["order"] == 20
    keys = list(Stage.objects.filter(pipeline__key="new_business").values_list("key", "order"))
    assert keys == [
        ("prospect", 10),
        ("payment", 20),
        ("need_confirmed", 30),
        ("proposal_accepted", 40),
        ("contract_legal", 50),
        ("won", 60),
        ("lost", 70),
    ]
    assert SettingsChange.objects.get().action == "reordered"


def test_an_archived_stage_takes_no_order_until_restored(admin_api):
    assert admin_api.patch("/api/v1/stages/renewal_quote/", {"is_archived": True}, format="json").status_code == 200
    response = admin_api.patch("/api/v1/stages/renewal_quote/", {"order": 5}, format="json")
    assert response.status_code == 400
    assert "order" in response.json()["errors"]
    response = admin_api.patch("/api/v1/stages/renewal_quote/", {"is_archived": False, "order": 5}, format="json")
    assert response.status_code == 200, response.json()
    assert Stage.objects.filter(pipeline__key="renewal").values_list("key", flat=True)[0] == "renewal_quote"


def test_the_checklist_sent_replaces_the_stages_checks(admin_api):
    response = admin_api.patch(
        "/api/v1/stages/need_confirmed/", {"checklist": [{"requirement": "budget", "severity": "warn"}]}, format="json"
    )
    assert response.status_code == 200
    assert list(Stage.objects.get(key="need_confirmed").exit_checks.values_list("requirement", "severity")) == [
        ("budget", "warn")
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"probability": 101}, "probability"),
        ({"probability": -1}, "probability"),
        ({"expected_days": 0}, "expected_days"),
        ({"expected_days": 4000}, "expected_days"),
        ({"tier": "nonsense"}, "tier"),
        ({"name_zh": ""}, "name_zh"),
        ({"key": "renamed"}, "key"),
        ({"key": "prospect"}, "key"),
        ({"pipeline": "renewal"}, "pipeline"),
        ({"pipeline": "no-such-pipeline"}, "pipeline"),
        ({"checklist": [{"requirement": "telepathy"}]}, "checklist"),
        ({"checklist": [{"requirement": "budget", "checklist_item": "scope"}]}, "checklist.0"),
        ({"checklist": [{}]}, "checklist.0"),
        ({"checklist": [{"requirement": "budget", "severity": "maybe"}]}, "checklist"),
        ({"checklist": [{"checklist_item": "no-such-item"}]}, "checklist"),
    ],
)
def test_bad_stage_changes_are_named_and_nothing_changes(admin_api, body, field):
    before = _stage_state("need_confirmed")
    response = admin_api.patch("/api/v1/stages/need_confirmed/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert _stage_state("need_confirmed") == before


def test_a_stage_with_projects_keeps_its_outcome(admin_api, rep):
    _create_project(rep, stage="need_confirmed")
    before = _stage_state("need_confirmed")
    response = admin_api.patch("/api/v1/stages/need_confirmed/", {"tier": "won"}, format="json")
    assert response.status_code == 400
    assert "tier" in response.json()["errors"]
    assert _stage_state("need_confirmed") == before


def test_a_stage_in_use_is_archived_not_deleted(admin_api, rep):
    project = _create_project(rep)
    response = admin_api.delete("/api/v1/stages/prospect/", **EN)
    assert response.status_code == 400
    assert "archive" in response.json()["detail"]
    assert Stage.objects.filter(key="prospect").exists()
    # Not while an open project stands in it: it is moved on first.
    response = admin_api.patch("/api/v1/stages/prospect/", {"is_archived": True}, format="json", **EN)
    assert response.status_code == 400
    assert "1 open project is in this stage" in response.json()["errors"]["is_archived"][0]
    assert not Stage.objects.get(key="prospect").is_archived
    services.project_move(user=rep, project=project, stage="need_confirmed")
    assert admin_api.patch("/api/v1/stages/prospect/", {"is_archived": True}, format="json").status_code == 200
    assert Stage.objects.get(key="prospect").is_archived


def test_a_stage_a_project_only_passed_through_is_in_use_too(admin_api, rep):
    project = _create_project(rep)
    services.project_move(user=rep, project=project, stage="need_confirmed")
    services.project_move(user=rep, project=project, stage="prospect")
    assert admin_api.delete("/api/v1/stages/need_confirmed/").status_code == 400
    assert Stage.objects.filter(key="need_confirmed").exists()


def test_an_unused_stage_is_deleted(admin_api):
    assert admin_api.delete("/api/v1/stages/renewal_quote/").status_code == 204
    assert not Stage.objects.filter(key="renewal_quote").exists()


@pytest.mark.parametrize("key", ["lost", "won"])
def test_a_pipeline_keeps_a_won_and_a_lost_stage(admin_api, key):
    response = admin_api.patch(f"/api/v1/stages/{key}/", {"is_archived": True}, format="json")
    assert response.status_code == 400
    assert "is_archived" in response.json()["errors"]
    assert not Stage.objects.get(key=key).is_archived
    assert admin_api.delete(f"/api/v1/stages/{key}/").status_code == 400
    assert Stage.objects.filter(key=key).exists()


def test_a_pipeline_keeps_an_open_stage(admin_api):
    keys = ["renewal_due", "renewal_confirmed", "renewal_quote"]
    for key in keys:
        assert admin_api.patch(f"/api/v1/stages/{key}/", {"is_archived": True}, format="json").status_code == 200
    response = admin_api.patch("/api/v1/stages/renewal_contract/", {"is_archived": True}, format="json")
    assert response.status_code == 400
    assert not Stage.objects.get(key="renewal_contract").is_archived


# --- writing pipelines and lost reasons ---------------------------------------------------------


def test_an_admin_creates_a_pipeline_and_makes_it_the_default(admin_api):
    response = admin_api.post(
        "/api/v1/pipelines/",
        {"key": "expansion", "name_zh": "增购", "name_en": "Expansion", "kind": "expansion", "is_default": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    # Usable at once, as on the settings pages: an open, a won and a lost stage.
    assert response.json()["stages"] == ["expansion_prospect", "expansion_won", "expansion_lost"]
    assert list(Pipeline.objects.filter(is_default=True).values_list("key", flat=True)) == ["expansion"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"is_default": False}, "is_default"),
        ({"is_archived": True}, "is_archived"),
        ({"kind": "nonsense"}, "kind"),
        ({"key": "other"}, "key"),
        ({"name_en": ""}, "name_en"),
    ],
)
def test_bad_pipeline_changes_are_named(admin_api, body, field):
    response = admin_api.patch("/api/v1/pipelines/new_business/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    pipeline = Pipeline.objects.get(key="new_business")
    assert (pipeline.is_default, pipeline.is_archived, pipeline.kind) == (True, False, "")


def test_a_pipeline_in_use_or_the_default_is_not_deleted(admin_api, rep):
    _create_project(rep, kind="renewal")
    assert admin_api.delete("/api/v1/pipelines/new_business/").status_code == 400
    assert admin_api.delete("/api/v1/pipelines/renewal/").status_code == 400
    assert Pipeline.objects.count() == 2


def test_an_unused_pipeline_goes_with_its_stages(admin_api):
    assert admin_api.delete("/api/v1/pipelines/renewal/").status_code == 204
    assert not Stage.objects.filter(key__startswith="renewal").exists()


def test_lost_reasons_are_added_deactivated_and_kept_once_used(admin_api, rep):
    response = admin_api.post(
        "/api/v1/lost-reasons/", {"key": "timing", "name_zh": "时机不对", "name_en": "Bad timing"}, format="json"
    )
    assert response.status_code == 201
    project = _create_project(rep)
    services.project_move(user=rep, project=project, stage="lost", lost_reason="timing")
    assert admin_api.delete("/api/v1/lost-reasons/timing/").status_code == 400
    assert admin_api.patch("/api/v1/lost-reasons/timing/", {"is_active": False}, format="json").status_code == 200
    assert not LostReason.objects.get(key="timing").is_active
    assert admin_api.delete("/api/v1/lost-reasons/other/").status_code == 204
    response = admin_api.post("/api/v1/lost-reasons/", {"key": "price", "name_zh": "价", "name_en": "P"}, format="json")
    assert response.status_code == 400
    assert "key" in response.json()["errors"]


# --- who may write ------------------------------------------------------------------------------

WRITES = [
    (
        "post",
        "/api/v1/stages/",
        {"key": "x1", "pipeline": "new_business", "name_zh": "甲", "name_en": "A", "tier": "qualified"},
    ),
    ("patch", "/api/v1/stages/prospect/", {"probability": 55}),
    ("delete", "/api/v1/stages/renewal_quote/", None),
    ("post", "/api/v1/pipelines/", {"key": "x2", "name_zh": "乙", "name_en": "B"}),
    ("patch", "/api/v1/pipelines/renewal/", {"name_en": "Renewals"}),
    ("delete", "/api/v1/pipelines/renewal/", None),
    ("post", "/api/v1/lost-reasons/", {"key": "x3", "name_zh": "丙", "name_en": "C"}),
    ("patch", "/api/v1/lost-reasons/price/", {"name_en": "Too expensive"}),
    ("delete", "/api/v1/lost-reasons/other/", None),
]


def _settings_state():
    return (
        sorted(Stage.objects.values_list("key", "probability", "name_en")),
        sorted(Pipeline.objects.values_list("key", "name_en")),
        sorted(LostReason.objects.values_list("key", "name_en")),
    )


@pytest.mark.parametrize("persona", [None, "rep", "other_rep", "outsider_rep", "lead", "other_lead", "admin"])
@pytest.mark.parametrize(("method", "url", "body"), WRITES, ids=[f"{m} {u}" for m, u, _b in WRITES])
def test_only_admins_write_settings(api_for, persona, method, url, body):
    before = _settings_state()
    response = getattr(api_for(persona), method)(url, body, format="json")
    expected = {None: 401, "admin": {"post": 201, "patch": 200, "delete": 204}[method]}.get(persona, 403)
    assert response.status_code == expected, response.content
    assert (_settings_state() != before) == (persona == "admin")
