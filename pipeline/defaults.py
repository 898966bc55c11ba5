"""The pipelines and lost reasons Funnel CRM ships with (installed by migration
``pipeline.0002``). Admins change them afterwards; nothing here is read again
except to put them back into an emptied database."""

# (key, 中文, English, tier, probability %, expected days, exit checks [(requirement, severity)])
NEW_BUSINESS = [
    ("prospect", "潜客", "Prospect", "prospect", 10, 30, [("next_contact", "warn")]),
    (
        "need_confirmed",
        "需求确认",
        "Need confirmed",
        "qualified",
        25,
        30,
        [("decision_maker", "block"), ("budget", "warn"), ("competitors", "warn")],
    ),
    (
        "proposal_accepted",
        "方案正式通过",
        "Proposal formally accepted",
        "high_intent",
        50,
        30,
        [("proposal_accepted", "block")],
    ),
    ("contract_legal", "合同/法务", "Contract & legal", "high_intent", 70, 21, [("contract_review", "warn")]),
    ("payment", "付款流程", "Payment", "high_intent", 90, 30, [("payment_planned", "warn")]),
    ("won", "赢单", "Won", "won", 100, None, []),
    ("lost", "输单", "Lost", "lost", 0, None, []),
]
RENEWAL = [
    ("renewal_due", "续约提醒", "Renewal due", "prospect", 30, 30, []),
    ("renewal_confirmed", "续约意向确认", "Renewal confirmed", "qualified", 50, 30, [("decision_maker", "warn")]),
    ("renewal_quote", "续约报价", "Renewal quote", "high_intent", 70, 21, []),
    ("renewal_contract", "续约合同", "Renewal contract", "high_intent", 85, 21, [("contract_review", "warn")]),
    ("renewal_won", "续约成功", "Renewed", "won", 100, None, []),
    ("renewal_lost", "未续约", "Not renewed", "lost", 0, None, []),
]
LOST_REASONS = [
    ("budget_cancelled", "预算取消", "Budget cancelled"),
    ("chose_competitor", "选择了竞品", "Chose a competitor"),
    ("need_changed", "需求变更", "Need changed"),
    ("price", "价格", "Price"),
    ("no_sponsor", "无决策人支持", "No decision maker's support"),
    ("other", "其他", "Other"),
]


def install(*, Pipeline, Stage, ExitCheck, LostReason):
    for key, zh, en, kind, is_default, order, stages in [
        ("new_business", "新业务", "New business", "", True, 10, NEW_BUSINESS),
        ("renewal", "续约", "Renewal", "renewal", False, 20, RENEWAL),
    ]:
        pipeline = Pipeline.objects.create(
            key=key, name_zh=zh, name_en=en, kind=kind, is_default=is_default, order=order
        )
        for position, (stage_key, stage_zh, stage_en, tier, probability, days, checks) in enumerate(stages, 1):
            stage = Stage.objects.create(
                pipeline=pipeline,
                key=stage_key,
                name_zh=stage_zh,
                name_en=stage_en,
                tier=tier,
                order=position * 10,
                probability=probability,
                expected_days=days,
            )
            for requirement, severity in checks:
                ExitCheck.objects.create(stage=stage, requirement=requirement, severity=severity)
    for position, (key, zh, en) in enumerate(LOST_REASONS, 1):
        LostReason.objects.get_or_create(key=key, defaults={"name_zh": zh, "name_en": en, "order": position * 10})
