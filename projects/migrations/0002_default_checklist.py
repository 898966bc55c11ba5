from django.db import migrations

# (order, key, label, rule, how to get it) — labels in Chinese: admins edit them in place.
DEFAULTS = [
    (10, "scope", "需求范围已写明", "scope", "用客户自己的话写下要解决什么问题、做到什么程度。"),
    (20, "customer_lead", "客户方负责人已明确", "lead_contact", "谁在客户内部牵头这次采购？"),
    (30, "decision_maker", "决策人已识别", "decision_maker", "把拍板的人加进项目的采购决策链。"),
    (40, "key_person", "关键人已识别", "key_person", "谁在推动、谁的意见决策人最听？"),
    (50, "procurement_list", "采购清单已填写", "procurement", "客户打算买什么、买多少。"),
    (60, "timeline", "时间计划已设定", "timeline", "项目的开始和结束日期，以及关键里程碑。"),
    (70, "funding_source", "资金来源已知", "funding_source", "钱从哪里来：自有预算、专项资金还是财政拨款？"),
    (80, "budget", "预算已知", "approved_funding", "客户批下来的金额（不是我们的报价）。"),
    (90, "competitors", "竞争对手已记录", "", "外部厂商、客户内部部门、我们自己的其他团队。"),
    (100, "buying_process", "客户的采购流程已摸清", "", "立项、招标、合同法务、付款各要走哪些步骤、谁签字。"),
]


def create(apps, schema_editor):
    ChecklistItem = apps.get_model("projects", "ChecklistItem")
    for order, key, label, rule, help_text in DEFAULTS:
        ChecklistItem.objects.get_or_create(
            key=key, defaults={"label": label, "rule": rule, "order": order, "help_text": help_text}
        )


def remove(apps, schema_editor):
    apps.get_model("projects", "ChecklistItem").objects.filter(key__in=[d[1] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
