"""The project import's columns: headers (Chinese, with English names and aliases), hints, the example row."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.choices import register_choice_aliases
from accounts.importing import Column, ColumnSet
from projects.models import FundingSource, ProjectKind

COLUMNS: tuple[Column, ...] = (
    Column(
        "customer",
        "客户",
        "Customer",
        (
            "客户名称",
            "客户名",
            "公司",
            "公司名称",
            "企业名称",
            "单位名称",
            "customer name",
            "company",
            "客户或信用代码",
        ),
        required=True,
        hint=gettext_lazy(
            "Required. The customer's name or unified social credit code: one of your customers (leads and admins: "
            "of your scope). A customer that is not in the CRM yet comes in through the customer import first."
        ),
    ),
    Column(
        "name",
        "项目名称",
        "Project name",
        ("项目", "项目名", "商机", "商机名称", "project", "name", "opportunity"),
        required=True,
        hint=gettext_lazy("Required. A project of the same name on the same customer is a duplicate."),
    ),
    Column(
        "kind",
        "项目类型",
        "Kind",
        ("类型", "项目类别", "业务类型", "project kind", "type"),
        hint=gettext_lazy("新签 / 续费 / 增购; empty: from the stage's pipeline, else 新签."),
    ),
    Column(
        "stage",
        "阶段",
        "Stage",
        ("当前阶段", "销售阶段", "商机阶段", "项目阶段", "current stage"),
        hint=gettext_lazy(
            "The stage's Chinese or English name or its key, e.g. 需求确认; an open stage of the pipeline of the "
            "project's kind. Empty: the pipeline's first stage."
        ),
    ),
    Column(
        "opened_at",
        "立项日期",
        "Opened on",
        (
            "立项时间",
            "创建日期",
            "创建时间",
            "开始跟进日期",
            "进入漏斗日期",
            "opened",
            "opened at",
            "opened date",
            "created",
        ),
        hint=gettext_lazy(
            "When the project entered the funnel, e.g. 2025-03-01; today or earlier. Its history starts then, in "
            "the stage given. Empty: today."
        ),
    ),
    Column(
        "budget",
        "预算",
        "Budget",
        ("预算金额", "客户预算", "项目预算", "budget cny", "amount"),
        hint=gettext_lazy("The customer's budget in yuan: 1200000, 1,200,000, 120万 or 1.2亿."),
    ),
    Column(
        "next_contact_on",
        "下次联系日期",
        "Next contact",
        ("下次联系", "下次联系时间", "下次跟进日期", "下次跟进", "next contact date", "next contact on"),
        required=True,
        hint=gettext_lazy("Required: every open project has its next contact, today or later, e.g. 2026-05-20."),
    ),
    Column(
        "owner",
        "负责人",
        "Owner",
        ("销售", "负责销售", "项目负责人", "owner username"),
        hint=gettext_lazy(
            "Username or name. Empty: you. Reps import their own projects; leads for their team; admins name one."
        ),
    ),
    Column("funding_source", "资金来源", "Funding source", ("资金性质", "预算来源")),
    Column("scope", "需求范围", "Scope", ("项目范围", "需求", "需求描述", "范围", "项目需求")),
)


def example_row() -> dict[str, str]:
    """The template's example, its dates around the day it is downloaded (a fixed next contact would soon
    lie in the past)."""
    today = timezone.localdate()
    return {
        "customer": "杭州示例科技有限公司",
        "name": "数据中台建设",
        "kind": "新签",
        "stage": "需求确认",
        "opened_at": (today - datetime.timedelta(days=20)).isoformat(),
        "budget": "120万",
        "next_contact_on": (today + datetime.timedelta(days=7)).isoformat(),
        "owner": "",
        "funding_source": "自有预算",
        "scope": "示例行：导入前请删除",
    }


# Chinese names files show and people type; the first of each is the one files show.
register_choice_aliases(
    ProjectKind,
    {"新签": ProjectKind.NEW, "新业务": ProjectKind.NEW, "新客户": ProjectKind.NEW, "新项目": ProjectKind.NEW}
    | {"续费": ProjectKind.RENEWAL, "续约": ProjectKind.RENEWAL, "续签": ProjectKind.RENEWAL}
    | {"增购": ProjectKind.EXPANSION, "扩容": ProjectKind.EXPANSION, "加购": ProjectKind.EXPANSION},
)
register_choice_aliases(
    FundingSource,
    {
        "自有预算": FundingSource.OWN_BUDGET,
        "自有资金": FundingSource.OWN_BUDGET,
        "专项资金": FundingSource.SPECIAL_FUND,
        "专项": FundingSource.SPECIAL_FUND,
        "财政资金": FundingSource.GOVERNMENT,
        "财政": FundingSource.GOVERNMENT,
        "政府资金": FundingSource.GOVERNMENT,
        "集团拨款": FundingSource.GROUP,
        "集团": FundingSource.GROUP,
        "贷款或融资": FundingSource.FINANCING,
        "贷款": FundingSource.FINANCING,
        "融资": FundingSource.FINANCING,
        "其他": FundingSource.OTHER,
        "其它": FundingSource.OTHER,
    },
)

PROJECT_COLUMNS = ColumnSet(COLUMNS, choices={"kind": ProjectKind, "funding_source": FundingSource})
