"""What seeded pipeline rows say (``pipeline/seeding.py``): notes of moves and
lost projects, activity summaries, competitors, budget reasons — in Chinese, as
reps write them."""

from pipeline.models import ActivityKind, CompetitorKind, Threat, Tier

LOST_REASONS = {  # by the tier lost from: (reason key, weight)
    "prospect": [("need_changed", 4), ("budget_cancelled", 3), ("no_sponsor", 3), ("other", 1)],
    "qualified": [("no_sponsor", 3), ("price", 2), ("chose_competitor", 3), ("budget_cancelled", 2), ("other", 1)],
    "high_intent": [("price", 4), ("chose_competitor", 4), ("budget_cancelled", 1), ("need_changed", 1)],
}
LOST_NOTES = {
    "need_changed": ["集团战略调整，需求并入总部统一项目", "客户决定先做内部流程梳理，采购推迟到明年"],
    "budget_cancelled": ["年度预算被砍，项目暂停", "财务收紧，今年不再立新项目"],
    "no_sponsor": ["分管副总调岗，新领导不支持", "找不到能拍板的人，推进不下去"],
    "price": ["最终报价比对手高约 15%，客户选了低价方案", "客户要求再降 20%，低于成本线，放弃"],
    "chose_competitor": ["客户选择了{competitor}", "招标结果：{competitor}中标"],
    "other": ["客户内部重组，项目搁置", "客户被集团收购，采购冻结"],
}
MOVE_NOTES = {
    "qualified": ["客户确认需求，预算已列入年度计划", "需求调研完成，客户认可范围", "立项申请已提交"],
    "high_intent": [
        "方案评审通过，进入商务谈判",
        "客户领导听完汇报，同意推进",
        "合同文本已发法务审核",
        "付款审批流程已启动",
    ],
    "won": ["合同已签署，首付款到账", "中标通知书已收到，合同盖章完成"],
}
BACK_NOTE = "客户重新评估需求，退回上一阶段"
REOPEN_NOTE = "客户重新启动采购，恢复跟进"
FOCUS = {
    "prospect": ["现有系统的痛点", "明年的预算安排", "上线时间", "同行的做法"],
    "qualified": ["需求范围", "预算审批进度", "决策流程", "技术路线"],
    "high_intent": ["报价细节", "合同条款", "付款节点", "实施计划", "验收标准"],
}
SUMMARIES = {
    ActivityKind.CALL: ["电话沟通项目进度，客户关注{focus}。", "电话跟进：对方确认了{focus}，约好下次再聊。"],
    ActivityKind.VISIT: ["上门拜访，和信息中心讨论{focus}。", "拜访客户，现场了解{focus}，带了案例资料。"],
    ActivityKind.MEETING: ["方案交流会，客户就{focus}提了不少问题。", "三方会议，重点过了{focus}。"],
    ActivityKind.MESSAGE: ["微信沟通{focus}，对方已读，等回复。", "微信发了资料，客户说内部先讨论{focus}。"],
    ActivityKind.EMAIL: ["邮件发送{focus}的说明材料，抄送采购中心。", "邮件确认会议纪要，附{focus}的补充说明。"],
}
# Every summary an activity may get, by the tier the project stands in then and the kind of contact.
SUMMARY_TEXTS = {
    tier: {
        kind: [text.format(focus=focus) for text in texts for focus in FOCUS.get(tier, FOCUS["high_intent"])]
        for kind, texts in SUMMARIES.items()
    }
    for tier in Tier.values
}
KINDS = [ActivityKind.CALL] * 7 + [ActivityKind.MESSAGE] * 5 + [ActivityKind.VISIT] * 3
KINDS += [ActivityKind.MEETING] * 3 + [ActivityKind.EMAIL] * 2
CLOSING_SUMMARIES = {
    "won": (ActivityKind.MEETING, "签约会议，合同双方盖章，约定下周召开实施启动会。"),
    "lost": (ActivityKind.CALL, "客户来电告知结果：{note}。"),
}
COMPETITORS = {
    CompetitorKind.EXTERNAL: (
        ["用友", "金蝶", "浪潮", "华为云", "阿里云", "腾讯云", "销售易", "纷享销客", "鼎捷软件", "东软集团"],
        ["同类产品，报价低 10%–20%", "和客户集团有框架协议", "主打本地化实施团队", "送一年免费运维"],
    ),
    CompetitorKind.CUSTOMER_INTERNAL: (
        ["零售事业部", "采购中心", "渠道部", "电商事业部", "信息中心自研团队", "财务共享中心"],
        ["想把预算用在自己的系统上", "控制采购节奏，要求集中招标", "担心新系统影响代理商利益", "主张自研"],
    ),
    CompetitorKind.OUR_OWN: (
        ["KA部", "直销部", "渠道合作部", "行业解决方案部", "华南大区"],
        ["同一客户的总部关系在他们手里", "通过代理商报了更低的价", "也在跟这个客户的另一个项目"],
    ),
}
COMPETITOR_KINDS = [CompetitorKind.EXTERNAL] * 6 + [CompetitorKind.CUSTOMER_INTERNAL] * 3 + [CompetitorKind.OUR_OWN] * 2
COMPETITOR_NOTES = ["", "", "客户私下透露对方已做过演示", "对方和客户高层关系好", "需要尽快安排技术交流拉开差距"]
THREATS = {
    CompetitorKind.EXTERNAL: [Threat.HIGH, Threat.HIGH, Threat.MEDIUM, Threat.LOW],
    CompetitorKind.CUSTOMER_INTERNAL: [Threat.HIGH, Threat.MEDIUM, Threat.MEDIUM],
    CompetitorKind.OUR_OWN: [Threat.MEDIUM, Threat.LOW, Threat.LOW],
}
DROP_REASONS = [
    "客户预算压缩，砍掉二期内容",
    "分期采购，一期范围缩小",
    "集团统一采购，部分需求划走",
    "财务审批只批了八成",
    "去掉了硬件部分，客户自己采购",
]
RISE_REASONS = ["", "", "增加两家分公司上线", "追加数据迁移需求", "客户决定一次采购三年服务"]
