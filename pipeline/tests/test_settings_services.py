"""The rules of the pipeline settings, service by service: pipelines and the
company default, team defaults, stages (order, tier, archive, delete), exit
checks, lost reasons, and the change log. History is never rewritten."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection
from django.utils import timezone

from pipeline import defaults, services, settings_services
from pipeline.models import (
    ExitCheck,
    LostReason,
    Pipeline,
    ProjectState,
    SettingsAction,
    SettingsChange,
    SettingsKind,
    Severity,
    Stage,
    StageChange,
    TeamPipeline,
)
from pipeline.selectors.settings import history_entries, settings_changes
from projects import services as project_services
from projects.models import ChecklistItem
from teams.errors import DomainError
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _errors(call):
    with pytest.raises(DomainError) as error:
        call()
    return error.value.message_dict


def _project(user, **data):
    customer = CustomerFactory(owner=user)
    data = {"name": "智慧园区一期", "opened_at": timezone.now() - timedelta(days=30), **data}
    return project_services.project_create(user=user, customer=customer, data=data)


def _keys(pipeline, archived=False):
    return list(pipeline.stages.filter(is_archived=archived).order_by("order", "id").values_list("key", flat=True))


def _stage(key):
    return Stage.objects.select_related("pipeline").get(key=key)


def _new_business():
    return Pipeline.objects.get(key="new_business")


NEW_BUSINESS = ["prospect", "need_confirmed", "proposal_accepted", "contract_legal", "payment", "won", "lost"]


# --- pipelines ---------------------------------------------------------------------------------


def test_a_new_pipeline_starts_with_an_open_a_won_and_a_lost_stage(admin):
    pipeline = settings_services.pipeline_create(
        user=admin, data={"key": "projects_gov", "name_zh": "政府项目", "name_en": "Government", "kind": "expansion"}
    )
    stages = list(pipeline.stages.order_by("order"))
    assert [(s.key, s.tier) for s in stages] == [
        ("projects_gov_prospect", "prospect"),
        ("projects_gov_won", "won"),
        ("projects_gov_lost", "lost"),
    ]
    assert services.first_stage(pipeline).key == "projects_gov_prospect"
    logged = SettingsChange.objects.filter(pipeline=pipeline).order_by("id")
    assert [(row.kind, row.action, row.by) for row in logged] == [
        ("pipeline", "created", admin),
        ("stage", "created", admin),
        ("stage", "created", admin),
        ("stage", "created", admin),
    ]


def test_pipeline_keys_are_unique_slugs_and_every_bad_field_is_named(admin):
    errors = _errors(
        lambda: settings_services.pipeline_create(
            user=admin, data={"key": "新 业务", "name_zh": "", "name_en": "x" * 101, "kind": "nonsense"}
        )
    )
    assert {"key", "name_zh", "name_en", "kind"} <= set(errors)
    assert "key" in _errors(
        lambda: settings_services.pipeline_create(
            user=admin, data={"key": "new_business", "name_zh": "重复", "name_en": "Again"}
        )
    )
    assert Pipeline.objects.count() == 2 and not SettingsChange.objects.exists()


def test_a_new_pipeline_whose_stage_keys_are_taken_is_refused(admin):
    Stage.objects.filter(key="renewal_due").update(key="gov_prospect")
    errors = _errors(
        lambda: settings_services.pipeline_create(user=admin, data={"key": "gov", "name_zh": "政府", "name_en": "Gov"})
    )
    assert "gov_prospect" in errors["key"][0]
    assert not Pipeline.objects.filter(key="gov").exists()


def test_there_is_one_company_default_and_moving_it_is_logged_on_both(admin):
    renewal = Pipeline.objects.get(key="renewal")
    settings_services.pipeline_update(user=admin, pipeline=renewal, data={"is_default": True})
    assert list(Pipeline.objects.filter(is_default=True).values_list("key", flat=True)) == ["renewal"]
    changes = {row.object_id: row.changes for row in SettingsChange.objects.filter(kind=SettingsKind.PIPELINE)}
    assert changes == {_new_business().pk: [["is_default", True, False]], renewal.pk: [["is_default", False, True]]}


def test_the_company_default_cannot_just_be_switched_off(admin):
    errors = _errors(
        lambda: settings_services.pipeline_update(user=admin, pipeline=_new_business(), data={"is_default": False})
    )
    assert "is_default" in errors
    assert _new_business().is_default


def test_a_kind_of_project_has_one_active_pipeline(admin):
    errors = _errors(
        lambda: settings_services.pipeline_create(
            user=admin, data={"key": "renewal2", "name_zh": "续约二", "name_en": "Renewal 2", "kind": "renewal"}
        )
    )
    assert "“Renewal”" in errors["kind"][0]


def test_renaming_a_pipeline_logs_each_field_and_a_save_without_change_logs_nothing(admin):
    pipeline = _new_business()
    settings_services.pipeline_update(
        user=admin, pipeline=pipeline, data={"name_zh": "新签业务", "name_en": "New business"}
    )
    settings_services.pipeline_update(user=admin, pipeline=pipeline, data={"name_zh": "新签业务"})
    (row,) = SettingsChange.objects.all()
    assert (row.action, row.changes, row.name_zh) == ("changed", [["name_zh", "新业务", "新签业务"]], "新签业务")


def test_archiving_a_pipeline_in_use_is_refused_with_each_reason(admin, rep, team):
    pipeline = _new_business()
    TeamPipeline.objects.create(team=team, pipeline=pipeline)
    _project(rep)
    problems = _errors(lambda: settings_services.pipeline_archive(user=admin, pipeline=pipeline))[NON_FIELD_ERRORS]
    assert len(problems) == 3
    assert "company default" in problems[0] and "华东一组" in problems[1] and "1 open project" in problems[2]
    assert not _new_business().is_archived


def test_an_unused_pipeline_is_archived_and_no_project_starts_in_it_any_more(admin, rep):
    renewal = Pipeline.objects.get(key="renewal")
    settings_services.pipeline_archive(user=admin, pipeline=renewal)
    assert _project(rep, kind="renewal").state.stage.key == "prospect"
    settings_services.pipeline_restore(user=admin, pipeline=renewal)
    assert _project(rep, kind="renewal").state.stage.key == "renewal_due"
    actions = list(SettingsChange.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["archived", "restored"]


def test_deleting_a_pipeline_in_use_is_refused_with_each_reason(admin, rep, team):
    pipeline = _new_business()
    TeamPipeline.objects.create(team=team, pipeline=pipeline)
    _project(rep)
    problems = _errors(lambda: settings_services.pipeline_delete(user=admin, pipeline=pipeline))[NON_FIELD_ERRORS]
    assert len(problems) == 3
    assert "company default" in problems[0] and "华东一组" in problems[1] and "archived, not deleted" in problems[2]
    assert Stage.objects.filter(pipeline=pipeline).count() == len(NEW_BUSINESS)
    assert not SettingsChange.objects.exists()


def test_an_unused_pipeline_is_deleted_with_its_stages_and_the_log_keeps_its_name(admin):
    renewal = Pipeline.objects.get(key="renewal")
    settings_services.pipeline_delete(user=admin, pipeline=renewal)
    assert not Stage.objects.filter(key__startswith="renewal").exists()
    assert list(Pipeline.objects.values_list("key", "order")) == [("new_business", 10)]
    (row,) = SettingsChange.objects.all()
    assert (row.kind, row.action, row.name_en, row.pipeline, row.changes) == (
        "pipeline",
        "deleted",
        "Renewal",
        None,
        [["key", "renewal", None]],
    )


def test_an_order_number_places_a_pipeline_and_the_reorder_is_logged(admin):
    renewal = Pipeline.objects.get(key="renewal")
    assert settings_services.pipeline_place(user=admin, pipeline=renewal, order=5)
    assert list(Pipeline.objects.order_by("order").values_list("key", "order")) == [
        ("renewal", 10),
        ("new_business", 20),
    ]
    assert not settings_services.pipeline_place(user=admin, pipeline=renewal, order=1)
    (entry,) = history_entries(settings_changes())
    assert (entry.action, entry.kind) == ("reordered", "pipelines")
    assert entry.changes[0].new == "Renewal › New business"


def test_team_defaults_are_set_changed_and_cleared(admin, rep, team, other_team):
    renewal = Pipeline.objects.get(key="renewal")
    settings_services.pipeline_update(user=admin, pipeline=renewal, data={"kind": ""})
    assert settings_services.team_defaults_set(user=admin, defaults={team: renewal, other_team: None}) == 1
    assert services.pipeline_for(owner=rep).key == "renewal"
    assert settings_services.team_defaults_set(user=admin, defaults={team: renewal}) == 0
    assert settings_services.team_defaults_set(user=admin, defaults={team: None}) == 1
    assert not TeamPipeline.objects.exists()
    logged = list(SettingsChange.objects.filter(kind=SettingsKind.TEAM_DEFAULT).order_by("id"))
    assert [row.changes for row in logged] == [[["pipeline", None, renewal.pk]], [["pipeline", renewal.pk, None]]]
    assert logged[0].name_zh == "华东一组"


def test_an_archived_pipeline_cannot_be_a_teams_default(admin, team):
    renewal = Pipeline.objects.get(key="renewal")
    settings_services.pipeline_archive(user=admin, pipeline=renewal)
    renewal.refresh_from_db()
    errors = _errors(lambda: settings_services.team_defaults_set(user=admin, defaults={team: renewal}))
    assert f"team_{team.pk}" in errors
    assert not TeamPipeline.objects.exists()


# --- stages: add, change --------------------------------------------------------------------------


def test_an_open_stage_is_added_after_the_last_open_one_and_a_closed_one_at_the_end(admin):
    pipeline = _new_business()
    data = {"key": "tender", "name_zh": "招投标", "name_en": "Tender", "tier": "high_intent", "probability": 80}
    settings_services.stage_create(user=admin, pipeline=pipeline, data=data)
    data = {"key": "lost_no_budget", "name_zh": "无预算", "name_en": "No budget", "tier": "lost", "probability": 0}
    settings_services.stage_create(user=admin, pipeline=pipeline, data=data)
    assert _keys(pipeline) == [*NEW_BUSINESS[:5], "tender", "won", "lost", "lost_no_budget"]
    assert list(pipeline.stages.order_by("order").values_list("order", flat=True)) == list(range(10, 100, 10))


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"key": "Need Confirmed!", "probability": 101, "expected_days": 0}, {"key", "probability", "expected_days"}),
        ({"key": "prospect", "probability": -1, "expected_days": 3651}, {"key", "probability", "expected_days"}),
        ({"key": "x", "tier": "maybe", "name_zh": ""}, {"tier", "name_zh"}),
    ],
)
def test_bad_stage_fields_are_all_named_and_nothing_is_added(admin, data, fields):
    pipeline = _new_business()
    full = {"key": "tender", "name_zh": "招投标", "name_en": "Tender", "tier": "qualified", "probability": 30, **data}
    assert fields <= set(_errors(lambda: settings_services.stage_create(user=admin, pipeline=pipeline, data=full)))
    assert _keys(pipeline) == NEW_BUSINESS and not SettingsChange.objects.exists()


def test_expected_days_may_be_empty_and_run_from_1_to_3650(admin):
    stage = _stage("prospect")
    for days in (None, 1, 3650):
        settings_services.stage_update(user=admin, stage=stage, data={"expected_days": days})
        assert _stage("prospect").expected_days == days


def test_a_stage_change_is_logged_field_by_field_and_reads_in_the_ui_language(admin):
    stage = _stage("need_confirmed")
    settings_services.stage_update(
        user=admin, stage=stage, data={"name_en": "Need agreed", "probability": 30, "expected_days": None}
    )
    (entry,) = history_entries(settings_changes())
    assert (entry.user, entry.action, entry.kind, entry.subject) == (admin, "changed", "stage", "Need agreed")
    assert [(c.label, c.old, c.new) for c in entry.changes] == [
        ("name (English)", "Need confirmed", "Need agreed"),
        ("win probability (%)", "25", "30"),
        ("expected days in stage", "30", "—"),
    ]


def test_changing_a_stage_never_rewrites_history(admin, rep):
    """A tier change counts from then on: past stage changes keep their tiers, and a
    project standing in the stage keeps the tier it entered with until it moves."""
    project = _project(rep)
    services.project_move(user=rep, project=project, stage="need_confirmed")
    before = list(StageChange.objects.order_by("id").values_list("from_tier", "to_tier"))
    assert before == [("", "prospect"), ("prospect", "qualified")]

    stage = _stage("need_confirmed")
    settings_services.stage_update(
        user=admin, stage=stage, data={"tier": "high_intent", "name_zh": "需求已确认", "probability": 40}
    )
    assert list(StageChange.objects.order_by("id").values_list("from_tier", "to_tier")) == before
    assert ProjectState.objects.get(pk=project.pk).tier == "qualified"

    project.refresh_from_db()
    services.project_move(user=rep, project=project, stage="prospect")
    project.refresh_from_db()
    services.project_move(user=rep, project=project, stage="need_confirmed")
    assert list(StageChange.objects.order_by("id").values_list("from_tier", "to_tier")) == [
        *before,
        ("qualified", "prospect"),  # left with the tier it stood in
        ("prospect", "high_intent"),  # entered with the stage's new tier
    ]


def test_a_stage_projects_stand_in_cannot_switch_between_open_won_and_lost(admin, rep):
    _project(rep)
    errors = _errors(lambda: settings_services.stage_update(user=admin, stage=_stage("prospect"), data={"tier": "won"}))
    assert "1 project stands in this stage" in errors["tier"][0]
    assert _stage("prospect").tier == "prospect"
    # Within the open tiers it may change, and an unused stage may become won.
    settings_services.stage_update(user=admin, stage=_stage("prospect"), data={"tier": "qualified"})
    settings_services.stage_update(user=admin, stage=_stage("payment"), data={"tier": "won"})
    assert (_stage("prospect").tier, _stage("payment").tier) == ("qualified", "won")


def test_a_pipeline_keeps_an_open_a_won_and_a_lost_stage(admin):
    renewal = Pipeline.objects.get(key="renewal")
    errors = _errors(lambda: settings_services.stage_archive(user=admin, stage=_stage("renewal_won")))
    assert "needs an active won stage" in errors[NON_FIELD_ERRORS][0]
    errors = _errors(lambda: settings_services.stage_delete(user=admin, stage=_stage("renewal_lost")))
    assert "needs an active lost stage" in errors[NON_FIELD_ERRORS][0]
    for key in ("renewal_due", "renewal_confirmed", "renewal_quote"):
        settings_services.stage_archive(user=admin, stage=_stage(key))
    errors = _errors(
        lambda: settings_services.stage_update(user=admin, stage=_stage("renewal_contract"), data={"tier": "won"})
    )
    assert "at least one active open stage" in errors["tier"][0]
    assert _keys(renewal) == ["renewal_contract", "renewal_won", "renewal_lost"]
    # A second won stage makes the first one archivable.
    data = {"key": "renewal_upsold", "name_zh": "续约并增购", "name_en": "Renewed and grown", "tier": "won"}
    settings_services.stage_create(user=admin, pipeline=renewal, data={**data, "probability": 100})
    settings_services.stage_archive(user=admin, stage=_stage("renewal_won"))
    assert _keys(renewal) == ["renewal_contract", "renewal_lost", "renewal_upsold"]


# --- stages: archive, restore, delete ----------------------------------------------------------------


def test_a_stage_with_open_projects_cannot_be_archived(admin, rep):
    _project(rep)
    errors = _errors(lambda: settings_services.stage_archive(user=admin, stage=_stage("prospect")))
    assert "1 open project is in this stage" in errors[NON_FIELD_ERRORS][0]
    assert not _stage("prospect").is_archived


def test_an_archived_stage_takes_no_moves_keeps_its_history_and_comes_back_last(admin, rep):
    project = _project(rep)
    services.project_move(user=rep, project=project, stage="need_confirmed")
    project.refresh_from_db()
    services.project_move(user=rep, project=project, stage="prospect")
    settings_services.stage_archive(user=admin, stage=_stage("need_confirmed"))
    project.refresh_from_db()
    errors = _errors(lambda: services.project_move(user=rep, project=project, stage="need_confirmed"))
    assert "archived" in errors["stage"][0]
    assert StageChange.objects.filter(to_stage__key="need_confirmed").count() == 1
    assert "need_confirmed" not in _keys(_new_business())
    settings_services.stage_restore(user=admin, stage=_stage("need_confirmed"))
    assert _keys(_new_business())[-1] == "need_confirmed"


def test_a_stage_in_use_is_archived_never_deleted_an_unused_one_is_deleted(admin, rep):
    project = _project(rep)
    services.project_move(user=rep, project=project, stage="need_confirmed")
    project.refresh_from_db()
    services.project_move(user=rep, project=project, stage="prospect")
    # Nobody stands in need_confirmed now, but the history passed through it.
    errors = _errors(lambda: settings_services.stage_delete(user=admin, stage=_stage("need_confirmed")))
    assert "archived, not deleted" in errors[NON_FIELD_ERRORS][0]
    assert Stage.objects.filter(key="need_confirmed").exists()

    stage = _stage("contract_legal")
    settings_services.stage_delete(user=admin, stage=stage)
    assert not Stage.objects.filter(key="contract_legal").exists()
    assert not ExitCheck.objects.filter(stage_id=stage.pk).exists()
    row = SettingsChange.objects.get(action=SettingsAction.DELETED)
    assert (row.name_zh, row.changes) == ("合同/法务", [["key", "contract_legal", None]])


# --- order ------------------------------------------------------------------------------------


def test_arrows_move_a_stage_among_the_active_ones(admin):
    pipeline = _new_business()
    assert settings_services.stage_shift(user=admin, stage=_stage("payment"), by=-1)
    assert _keys(pipeline)[3:5] == ["payment", "contract_legal"]
    assert settings_services.stage_shift(user=admin, stage=_stage("payment"), by=1)
    assert _keys(pipeline) == NEW_BUSINESS
    assert not settings_services.stage_shift(user=admin, stage=_stage("prospect"), by=-1)  # already first
    assert not settings_services.stage_shift(user=admin, stage=_stage("lost"), by=1)  # already last
    assert SettingsChange.objects.filter(action=SettingsAction.REORDERED).count() == 2


def test_an_archived_stage_has_no_place_to_move_to(admin):
    settings_services.stage_archive(user=admin, stage=_stage("payment"))
    errors = _errors(lambda: settings_services.stage_shift(user=admin, stage=_stage("payment"), by=-1))
    assert "order" in errors


def test_a_reorder_names_every_active_stage_once_or_changes_nothing(admin):
    pipeline = _new_business()
    ids = {key: pk for pk, key in pipeline.stages.values_list("pk", "key")}
    wanted = ["need_confirmed", "prospect", *NEW_BUSINESS[2:]]
    for bad in ([ids[key] for key in wanted[:-1]], [ids[key] for key in [*wanted[:-1], "won"]], ["x"]):
        assert "order" in _errors(
            lambda bad=bad: settings_services.stages_reorder(user=admin, pipeline=pipeline, stage_ids=bad)
        )
        assert _keys(pipeline) == NEW_BUSINESS
    settings_services.stages_reorder(user=admin, pipeline=pipeline, stage_ids=[ids[key] for key in wanted])
    assert _keys(pipeline) == wanted
    (entry,) = history_entries(settings_changes(pipeline=pipeline))
    assert (entry.action, entry.kind, entry.subject) == ("reordered", "stages of pipeline", "New business")
    assert entry.changes[0].new.startswith("Need confirmed › Prospect › Proposal formally accepted")


# --- exit checks ------------------------------------------------------------------------------


def test_exit_checks_are_added_changed_and_removed_and_each_is_logged(admin, rep):
    stage = _stage("prospect")
    item = ChecklistItem.objects.filter(is_active=True).first()
    check = settings_services.exit_check_add(user=admin, stage=stage, requirement="budget", severity=Severity.BLOCK)
    settings_services.exit_check_add(user=admin, stage=stage, checklist_item=item)
    project = _project(rep)
    errors = _errors(lambda: services.project_move(user=rep, project=project, stage="need_confirmed"))
    assert "The budget is known" in errors["stage"][0]

    settings_services.exit_check_set_severity(user=admin, check=check, severity=Severity.WARN)
    result = services.project_move(user=rep, project=project, stage="need_confirmed")
    assert "The budget is known" in result.warnings
    settings_services.exit_check_remove(user=admin, check=check)
    assert list(stage.exit_checks.values_list("requirement", flat=True)) == ["next_contact", ""]

    entries = history_entries(settings_changes(kind=SettingsKind.EXIT_CHECK))
    assert [(e.action, e.subject) for e in entries] == [("deleted", "Prospect")] + [("changed", "Prospect")] + [
        ("created", "Prospect")
    ] * 2
    assert [(c.label, c.old, c.new) for c in entries[0].changes] == [("requirement", "The budget is known", "")]
    assert [(c.label, c.old, c.new) for c in entries[1].changes] == [("if missing", "Block", "Warn")]
    assert [(c.label, c.new) for c in entries[2].changes] == [("checklist item", item.label), ("if missing", "Warn")]


def test_a_replaced_checklist_keeps_adds_and_removes_checks_each_logged(admin):
    stage = _stage("need_confirmed")
    item = ChecklistItem.objects.filter(is_active=True).first()
    kept = stage.exit_checks.get(requirement="decision_maker")
    checks = settings_services.exit_checks_replace(
        user=admin,
        stage=stage,
        checks=[{"requirement": "decision_maker", "severity": "warn"}, {"checklist_item": item}],
    )
    assert [(c.pk == kept.pk, c.requirement, c.checklist_item, c.severity) for c in checks] == [
        (True, "decision_maker", None, "warn"),
        (False, "", item, "warn"),
    ]
    actions = SettingsChange.objects.filter(kind=SettingsKind.EXIT_CHECK).values_list("action", flat=True)
    assert sorted(actions) == ["changed", "created", "deleted", "deleted"]


def test_every_bad_check_of_a_replaced_checklist_is_named_and_nothing_changes(admin):
    stage = _stage("need_confirmed")
    before = list(stage.exit_checks.values_list("pk", "requirement", "severity"))
    errors = _errors(
        lambda: settings_services.exit_checks_replace(
            user=admin,
            stage=stage,
            checks=[{"requirement": "budget"}, {}, {"requirement": "a_wish"}, {"requirement": "budget"}],
            prefix="checklist.",
        )
    )
    assert set(errors) == {"checklist.1", "checklist.2.requirement", "checklist.3.requirement"}
    assert list(stage.exit_checks.values_list("pk", "requirement", "severity")) == before
    assert not SettingsChange.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"requirement": "next_contact"}, "requirement"),  # the stage has it already
        ({"requirement": "a_wish"}, "requirement"),
        ({}, NON_FIELD_ERRORS),
        ({"severity": "maybe", "requirement": "budget"}, "severity"),
    ],
)
def test_bad_exit_checks_are_refused(admin, kwargs, field):
    stage = _stage("prospect")
    assert field in _errors(lambda: settings_services.exit_check_add(user=admin, stage=stage, **kwargs))
    assert stage.exit_checks.count() == 1


def test_a_check_names_a_requirement_or_a_checklist_item_not_both(admin):
    item = ChecklistItem.objects.filter(is_active=True).first()
    stage = _stage("prospect")
    errors = _errors(
        lambda: settings_services.exit_check_add(user=admin, stage=stage, requirement="budget", checklist_item=item)
    )
    assert NON_FIELD_ERRORS in errors


# --- lost reasons -----------------------------------------------------------------------------


def _reasons():
    return list(LostReason.objects.order_by("order", "id").values_list("key", flat=True))


LOST_REASONS = ["budget_cancelled", "chose_competitor", "need_changed", "price", "no_sponsor", "other"]


def test_lost_reasons_are_added_last_renamed_and_reordered(admin):
    reason = settings_services.lost_reason_create(
        user=admin, data={"key": "timing", "name_zh": "时机不对", "name_en": "Bad timing"}
    )
    assert _reasons() == [*LOST_REASONS, "timing"]
    settings_services.lost_reason_update(user=admin, reason=reason, data={"name_zh": "时机不成熟"})
    settings_services.lost_reason_shift(user=admin, reason=reason, by=-1)
    assert _reasons()[-2:] == ["timing", "other"]
    ids = dict(LostReason.objects.values_list("key", "pk"))
    settings_services.lost_reasons_reorder(user=admin, reason_ids=[ids[key] for key in reversed(_reasons())])
    assert _reasons()[0] == "other"
    actions = list(SettingsChange.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["created", "changed", "reordered", "reordered"]
    assert "key" in _errors(
        lambda: settings_services.lost_reason_create(user=admin, data={"key": "price", "name_zh": "价", "name_en": "P"})
    )


def test_a_lost_reason_in_use_is_deactivated_not_deleted(admin, rep):
    project = _project(rep)
    services.project_move(user=rep, project=project, stage="lost", lost_reason="price")
    price = LostReason.objects.get(key="price")
    errors = _errors(lambda: settings_services.lost_reason_delete(user=admin, reason=price))
    assert "deactivate it instead" in errors[NON_FIELD_ERRORS][0]
    settings_services.lost_reason_set_active(user=admin, reason=price, active=False)
    assert ProjectState.objects.get(pk=project.pk).lost_reason == price
    assert "lost_reason" in _errors(
        lambda: services.project_move(user=rep, project=_project(rep), stage="lost", lost_reason="price")
    )
    settings_services.lost_reason_delete(user=admin, reason=LostReason.objects.get(key="other"))
    assert _reasons() == ["budget_cancelled", "chose_competitor", "need_changed", "price", "no_sponsor"]


def test_the_last_active_lost_reason_stays(admin):
    *others, last = LostReason.objects.order_by("order")
    for reason in others:
        settings_services.lost_reason_set_active(user=admin, reason=reason, active=False)
    errors = _errors(lambda: settings_services.lost_reason_set_active(user=admin, reason=last, active=False))
    assert "keep at least one reason active" in errors[NON_FIELD_ERRORS][0]
    assert (
        "keep at least one reason active"
        in _errors(lambda: settings_services.lost_reason_delete(user=admin, reason=last))[NON_FIELD_ERRORS][0]
    )
    assert LostReason.objects.get(pk=last.pk).is_active


@pytest.mark.django_db(transaction=True)
def test_two_admins_archiving_the_two_won_stages_at_once_leave_one(admin):
    """Each archive sees the other's: the pipeline's row is held while its stages change."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    if not Pipeline.objects.exists():  # a transactional test before this one flushed the shipped rows
        defaults.install(Pipeline=Pipeline, Stage=Stage, ExitCheck=ExitCheck, LostReason=LostReason)
    renewal = Pipeline.objects.get(key="renewal")
    data = {"key": "renewal_upsold", "name_zh": "续约并增购", "name_en": "Renewed and grown", "tier": "won"}
    settings_services.stage_create(user=admin, pipeline=renewal, data={**data, "probability": 100})
    barrier = threading.Barrier(2)
    outcomes = []

    def archive(key):
        try:
            barrier.wait()
            settings_services.stage_archive(user=admin, stage=_stage(key))
            outcomes.append("archived")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=archive, args=(key,)) for key in ("renewal_won", "renewal_upsold")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["archived", "refused"]
    assert renewal.stages.filter(tier="won", is_archived=False).count() == 1
