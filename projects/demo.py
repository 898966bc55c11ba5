"""Demo projects for ``seed_demo``: 1–3 per demo customer, with procurement
lists, buying committees, partly filled checklists and a handful of realistic
conflicts (new-sign vs renewal, a duplicate project, a contact asking two reps
for quotes). Idempotent: skipped once the demo team has projects.

Bulk rows skip ``save()``: derived fields are set here with the models' own
``normalize()``; the conflicts go through the services so detection runs as in
real use.
"""

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.choices import BuyingRole
from accounts.models import Contact, Customer
from projects import services
from projects.models import (
    ChecklistItem,
    ChecklistTick,
    FundingSource,
    ProcurementItem,
    Project,
    ProjectKind,
    Stakeholder,
    Stance,
)

SEED = 2026
TOPICS = [
    ("数字化营销平台", [("营销云订阅", "套", 120_000), ("实施服务", "人天", 2_800)]),
    ("ERP 财务模块升级", [("财务模块许可", "用户", 3_600), ("数据迁移服务", "项", 80_000)]),
    ("CRM 系统建设", [("CRM 许可", "用户", 2_400), ("定制开发", "人天", 3_000)]),
    ("数据中台建设", [("服务器", "台", 52_000), ("数据治理咨询", "人天", 4_500)]),
    ("智能客服呼叫中心", [("坐席许可", "席", 6_800), ("语音线路", "条", 1_200)]),
    ("办公网络改造", [("交换机", "台", 18_000), ("无线 AP", "个", 2_300), ("布线施工", "项", 60_000)]),
    ("供应链协同平台", [("SaaS 订阅", "年", 260_000)]),
    ("安全等保测评", [("等保测评服务", "项", 150_000), ("防火墙", "台", 45_000)]),
    ("年度运维服务", [("驻场运维", "人月", 18_000)]),
    ("视频会议系统", [("会议终端", "台", 26_000), ("MCU 授权", "方", 3_500)]),
]
KINDS = [ProjectKind.NEW] * 6 + [ProjectKind.RENEWAL] * 2 + [ProjectKind.EXPANSION] * 2
FUNDING = [c for c, _label in FundingSource.choices] + [""] * 3


def seed(*, stdout, options):
    team, reps = options["team"], options["reps"]
    if Project.objects.filter(team=team).exists():
        stdout.write(f"Projects of {team.name}: already there, left as they are.")
        return {}
    started = time.monotonic()
    rng = random.Random(SEED)
    now = timezone.now()
    customers = list(Customer.objects.filter(team=team).select_related("owner").order_by("pk"))
    contacts = {}
    for contact in Contact.objects.filter(customer__team=team, has_left=False).order_by("pk"):
        contacts.setdefault(contact.customer_id, []).append(contact)
    projects = []
    for customer in customers:
        for _n in range(rng.choice([1, 1, 1, 2, 2, 3])):
            topic, _items = rng.choice(TOPICS)
            start = (now - timedelta(days=rng.randint(0, 170))).date()
            project = Project(
                customer=customer,
                owner=customer.owner,
                name=f"{now.year}年{topic}",
                kind=rng.choice(KINDS),
                scope=rng.choice(["", f"客户希望通过{topic}提升效率，先在总部试点。"]),
                funding_source=rng.choice(FUNDING),
                approved_funding=rng.choice([None, None, Decimal(rng.randint(10, 300) * 10_000)]),
                start_on=rng.choice([None, start]),
                end_on=None,
                opened_at=now - timedelta(days=rng.randint(1, 180), hours=rng.randint(0, 23)),
            )
            if project.start_on:
                project.end_on = project.start_on + timedelta(days=rng.choice([60, 90, 180, 365]))
            people = contacts.get(customer.pk, [])
            if people and rng.random() < 0.6:
                project.lead_contact = rng.choice(people)
            project.normalize()
            project._topic = topic
            projects.append(project)
    # Names must not collide by accident on one customer: number repeats ("二期").
    seen = {}
    for project in projects:
        key = (project.customer_id, project.name)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            project.name = f"{project.name}（{seen[key]}期）"
            project.normalize()
    Project.objects.bulk_create(projects, batch_size=1000)

    items, stakeholders, ticks = [], [], []
    manual = list(ChecklistItem.objects.filter(is_active=True, rule=""))
    topics = dict(TOPICS)
    for project in projects:
        if rng.random() < 0.7:
            for name, unit, price in topics[project._topic]:
                items.append(
                    ProcurementItem(
                        project=project,
                        item=name,
                        unit=unit,
                        quantity=Decimal(rng.randint(1, 40)),
                        unit_price=Decimal(price),
                    )
                )
        people = contacts.get(project.customer_id, [])
        for contact in rng.sample(people, k=min(len(people), rng.randint(0, 4))):
            role = contact.buying_role if contact.buying_role != BuyingRole.OTHER else BuyingRole.INFLUENCER
            stakeholders.append(
                Stakeholder(
                    project=project, contact=contact, role=role, stance=rng.choice([s for s, _l in Stance.choices])
                )
            )
        for item in manual:
            if rng.random() < 0.4:
                ticks.append(
                    ChecklistTick(
                        project=project,
                        item=item,
                        ticked_by=project.owner,
                        ticked_at=project.opened_at + timedelta(days=rng.randint(1, 30)),
                    )
                )
    ProcurementItem.objects.bulk_create(items, batch_size=2000)
    Stakeholder.objects.bulk_create(stakeholders, batch_size=2000)
    ChecklistTick.objects.bulk_create(ticks, batch_size=2000)
    conflicts = _conflicts(rng, customers, reps, contacts)
    services.refresh_all_checklists(projects=Project.objects.filter(team=team))
    stdout.write(
        f"Projects of {team.name}: {len(projects)} projects, {len(items)} procurement items, "
        f"{len(stakeholders)} committee seats, {conflicts} conflicts in {time.monotonic() - started:.1f} s."
    )
    return {"projects": len(projects)}


def _conflicts(rng, customers, reps, contacts):
    """A handful of the collisions the method warns about, made through the services."""
    picks = rng.sample(customers, k=min(len(customers), 12))
    made = 0
    for i, customer in enumerate(picks):
        others = [rep for rep in reps if rep.pk != customer.owner_id]
        other = rng.choice(others)
        existing = Project.objects.filter(customer=customer).first()
        if i < 5:  # the renewal team works a customer the new-sign rep is on
            services.project_create(
                user=other, customer=customer, data={"name": "续费：年度服务续约", "kind": "renewal"}
            )
        elif i < 8 and existing:  # two reps following the same project
            services.project_create(user=other, customer=customer, data={"name": existing.name})
        elif existing and contacts.get(customer.pk):  # one contact asking two reps for quotes
            contact = contacts[customer.pk][0]
            theirs = services.project_create(user=other, customer=customer, data={"name": "询价：备品备件采购"})
            if not Stakeholder.objects.filter(project=existing, contact=contact).exists():
                services.stakeholder_save(
                    user=existing.owner,
                    project=existing,
                    contact=contact,
                    role=BuyingRole.KEY_PERSON,
                    stance=Stance.NEUTRAL,
                )
            services.stakeholder_save(
                user=other, project=theirs, contact=contact, role=BuyingRole.KEY_PERSON, stance=Stance.SUPPORTER
            )
        else:
            continue
        made += 1
    return made
