"""Demo projects for ``seed_demo``.

Two sizes:

* the demo team: 1–3 projects per customer, with procurement lists, buying
  committees, partly filled checklists and a handful of realistic conflicts
  (new-sign vs renewal, a duplicate project, a contact asking two reps for
  quotes) made through the services, so detection runs as in real use;
* the benchmark teams that ``accounts/demo.py`` made (``--teams N``): one project
  for every customer that has none (a million for ``--teams 833``), about half
  of them worked (1–3 procurement items, 0–3 committee seats, ticked checklist
  items), a few percent closed (unless a hook decides: the pipeline's history
  closes the won and lost ones), and a small number of conflicts: the 12th
  customer of each team and every 500th after it gets a second open project of
  another rep of the team, recorded as ``project_detect_conflicts`` would record it.

Benchmark rows are written with COPY on PostgreSQL and ``bulk_create``
elsewhere, without ``save()``: derived fields follow the models' rules
(``normalize_project_name``, the team of the owner) and the stored checklist
score is computed from the generated data with the active checklist items. No
simple_history rows are written for projects. From ``BULK_LOAD_MIN_CUSTOMERS``
customers on (PostgreSQL), worker processes generate the rows and the project
tables' secondary indexes and foreign keys are dropped for the load and rebuilt
after it, as in ``accounts/demo.py``.

Neither path saves a project nor calls ``services.project_create``, so what a
later app keeps for every project (the pipeline: its stage and history) comes
from ``services.PROJECT_BULK_HOOKS``, generated with the projects and written in
the same load. A hook is an object with:

* ``models``: the models it writes rows of, in insert order (a row refers to a
  project or to rows of a model before it); ``numbered``: ``{model: most rows
  per project}`` of those whose rows others refer to (their ids are handed out
  before the rows are written); ``references``: ``{model: [(column attribute,
  row attribute)]}`` for references that are not foreign keys;
* ``checklist_rules``: ``{rule: check(project)}`` for the checklist rules the app
  registers, answered on a generated project;
* ``context(*, teams)``: what it reads once from the database (picklable);
* ``team_rows(context, *, team, projects, conflicts, now)``: ``{model: rows}`` for
  one team's generated projects (``_TeamData``; projects are ``SeedProject``s, or
  ``Project``s not yet saved for the demo team). A row refers to another by an
  attribute named as the foreign key (``row.project``); the ids are filled in
  when they are known. It may set a project's ``closed_at``, ``budget``,
  ``last_contact_at``, ``next_contact_on`` and ``updated_at``, and add committee
  seats to its ``seats`` (``SeedSeat``'s attributes; written and scored with
  the project's own).

Every benchmark team has its own seeded random generator, so the data is the
same on every run. Runs are idempotent: the demo team is skipped once it has
projects, a benchmark customer once it has one.
"""

import itertools
import multiprocessing
import os
import random
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

import django
from django.apps import apps
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone, translation

from accounts.choices import BuyingRole
from accounts.demo import BULK_LOAD_MIN_CUSTOMERS
from accounts.models import Contact, Customer
from projects import bulk_rows, services
from projects.models import (
    ChecklistItem,
    ChecklistTick,
    Conflict,
    ConflictKind,
    FundingSource,
    ProcurementItem,
    Project,
    ProjectKind,
    Stakeholder,
    Stance,
)
from projects.normalize import normalize_project_name
from teams.bulk import bulk_load
from teams.models import Role, User

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
    result = {}
    if Project.objects.filter(team=team).exists():
        stdout.write(f"Projects of {team.name}: already there, left as they are.")
    else:
        result["projects"] = _seed_demo_team(team=team, reps=reps, stdout=stdout)
    benchmark = _seed_benchmark_teams(teams=options.get("benchmark_teams") or [], stdout=stdout)
    if benchmark:
        result["benchmark_projects"] = benchmark
    return result


# --------------------------------------------------------------------------- the demo team


def _seed_demo_team(*, team, reps, stdout):
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
                budget=rng.choice([None, None, Decimal(rng.randint(10, 300) * 10_000)]),
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
    items, ticks = [], []
    manual = list(ChecklistItem.objects.filter(is_active=True, rule="").values_list("pk", flat=True))
    topics = dict(TOPICS)
    for project in projects:
        if rng.random() < 0.7:
            for name, unit, price in topics[project._topic]:
                items.append(
                    SeedItem(project, name, unit, Decimal(rng.randint(1, 40)), Decimal(price), project.opened_at)
                )
        people = contacts.get(project.customer_id, [])
        project.seats = []
        for contact in rng.sample(people, k=min(len(people), rng.randint(0, 4))):
            role = contact.buying_role if contact.buying_role != BuyingRole.OTHER else BuyingRole.INFLUENCER
            project.seats.append(SeedSeat(project, contact.pk, role, rng.choice(STANCES)))
        for item_id in manual:
            if rng.random() < 0.4:
                ticked_at = min(now, project.opened_at + timedelta(days=rng.randint(1, 30)))
                ticks.append(SeedTick(project, item_id, project.owner_id, ticked_at))
    # What later apps keep for every project (the pipeline's stage and history), before the
    # scores: their checklist rules count.
    team_data = _TeamData(
        team.name,
        [rep.pk for rep in reps],
        [
            (c.pk, c.team_id, c.owner_id, c.created_at, tuple((p.pk, p.buying_role) for p in contacts.get(c.pk, ())))
            for c in customers
        ],
    )
    extra = _hook_rows(_hook_contexts([team]), team=team_data, projects=projects, conflicts=[], now=now)
    checklist_items = list(ChecklistItem.objects.filter(is_active=True).values_list("pk", "rule"))
    listed, ticked = {id(item.project) for item in items}, {}
    for tick in ticks:
        ticked.setdefault(id(tick.project), set()).add(tick.item_id)
    for project in projects:
        project.checklist_score = _checklist_score(
            project,
            checklist_items,
            roles={seat.role for seat in project.seats},
            has_items=id(project) in listed,
            ticked=ticked.get(id(project), ()),
        )
    Project.objects.bulk_create(projects, batch_size=1000)
    stakeholders = [seat for project in projects for seat in project.seats]
    bulk_rows.store({ProcurementItem: items, Stakeholder: stakeholders, ChecklistTick: ticks, **extra})
    _conflicts(rng, customers, reps, contacts)
    # What was stored, as the lead's queue counts it: one scenario may record several
    # conflicts (same customer and same project name, or a shared contact as well).
    conflicts = Conflict.objects.unresolved().filter(Q(project_a__team=team) | Q(project_b__team=team)).count()
    stdout.write(
        f"Projects of {team.name}: {len(projects)} projects, {len(items)} procurement items, "
        f"{len(stakeholders)} committee seats, {conflicts} open conflicts in {time.monotonic() - started:.1f} s."
    )
    return len(projects)


def _conflicts(rng, customers, reps, contacts):
    """A handful of the collisions the method warns about, made through the services."""
    picks = rng.sample(customers, k=min(len(customers), 12))
    for i, customer in enumerate(picks):
        others = [rep for rep in reps if rep.pk != customer.owner_id]
        other = rng.choice(others)
        existing = Project.objects.open().filter(customer=customer).first()
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


# --------------------------------------------------------------------------- benchmark teams

# Customers per COPY / bulk_create round (whole teams: each team has its own random generator).
CHUNK = 5_000
# The 12th customer of each team and every 500th after it gets a colliding project of another rep.
FIRST_COLLISION, COLLISION_EVERY = 11, 500
CLOSED_SHARE = 0.03
SCOPES = [
    "客户希望通过{topic}提升效率，先在总部试点。",
    "{topic}：集团统一规划，分公司分批上线。",
    "替换现有系统，重点是{topic}的数据迁移和培训。",
]


def _hook_contexts(teams):
    return [hook.context(teams=teams) for hook in services.PROJECT_BULK_HOOKS]


def _hook_rows(contexts, *, team, projects, conflicts, now):
    """The hooks' rows for one team's generated projects."""
    rows = {}
    for hook, context in zip(services.PROJECT_BULK_HOOKS, contexts, strict=True):
        for model, objects in hook.team_rows(
            context, team=team, projects=projects, conflicts=conflicts, now=now
        ).items():
            rows.setdefault(model, []).extend(objects)
    return rows


def _seed_benchmark_teams(*, teams, stdout):
    """One project for each customer of ``teams`` that has none; returns how many projects were made."""
    if not teams:
        return 0
    started = time.monotonic()
    pending = dict(
        Customer.objects.filter(team__in=teams)
        .exclude(Exists(Project.objects.filter(customer=OuterRef("pk"))))
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values_list("team", "n")
    )
    todo = [team for team in teams if pending.get(team.pk)]
    customers = sum(pending.values())
    stdout.write(
        f"Projects of the benchmark teams: {len(teams) - len(todo)} of {len(teams)} teams done, "
        f"{customers:,} customers of {len(todo)} teams without a project."
    )
    if not todo:
        return 0
    # Customers with a project (on a team that was partly done) are skipped; found now, while the
    # project tables still have their indexes.
    have_projects = set(
        Project.objects.filter(customer__team__in=todo).order_by().values_list("customer_id", flat=True).distinct()
    )
    rounds, batch, size = [], [], 0
    for team in todo:
        batch.append(team)
        size += pending[team.pk]
        if size >= CHUNK:
            rounds.append(batch)
            batch, size = [], 0
    if batch:
        rounds.append(batch)
    checklist = list(ChecklistItem.objects.filter(is_active=True).order_by("order", "pk").values_list("pk", "rule"))
    now = timezone.now().replace(microsecond=0)
    contexts = _hook_contexts(todo)
    jobs = (_job_data(batch, skip=have_projects, now=now, checklist=checklist, contexts=contexts) for batch in rounds)
    progress = _Progress(stdout, total_teams=len(todo))
    if connection.vendor == "postgresql" and customers >= BULK_LOAD_MIN_CUSTOMERS:
        with bulk_load(bulk_rows.models(), stdout=stdout):
            _copy_in_workers(jobs, progress=progress)
    else:
        writer = _write_copy if connection.vendor == "postgresql" else _write_orm
        for job in jobs:
            progress.add(len(job.teams), writer(job))
    progress.report(force=True)
    stdout.write(f"Projects of the benchmark teams: done in {time.monotonic() - started:.0f} s.")
    return progress.counts[Project._meta.label]


@dataclass
class _TeamData:
    """What the generator needs of one team; plain values, so it pickles cheaply to a worker."""

    name: str
    reps: list  # user ids
    # (customer id, team id, owner id, customer created at, ((contact id, buying role), ...)) in id order.
    customers: list


@dataclass
class _Job:
    teams: list
    now: datetime
    checklist: list  # (item id, rule) of the active checklist items
    contexts: list  # of the hooks, in order
    ids: dict = None  # {model: a range of bounds()[model] ids}, handed out before a worker renders the job

    def bounds(self):
        """The most rows of each numbered model the job makes: a project per customer and the colliding
        ones, and what the hooks make of those at most."""
        projects = sum(
            len(t.customers) + len(range(FIRST_COLLISION, len(t.customers), COLLISION_EVERY)) for t in self.teams
        )
        bounds = {Project: projects}
        for hook in services.PROJECT_BULK_HOOKS:
            bounds.update((model, most * projects) for model, most in hook.numbered.items())
        return bounds


def _job_data(teams, *, skip, now, checklist, contexts):
    ids = [team.pk for team in teams]
    people = {}
    for customer_id, contact_id, role in (
        Contact.objects.filter(customer__team_id__in=ids, has_left=False)
        .order_by("customer_id", "pk")
        .values_list("customer_id", "pk", "buying_role")
    ):
        people.setdefault(customer_id, []).append((contact_id, role))
    customers = {}
    for row in (
        Customer.objects.filter(team_id__in=ids).order_by("pk").values_list("pk", "team_id", "owner_id", "created_at")
    ):
        if row[0] not in skip:
            customers.setdefault(row[1], []).append((*row, tuple(people.get(row[0], ()))))
    reps = {}
    for team_id, user_id in (
        User.objects.filter(team_id__in=ids, role=Role.REP, is_active=True).order_by("pk").values_list("team_id", "pk")
    ):
        reps.setdefault(team_id, []).append(user_id)
    return _Job(
        teams=[_TeamData(team.name, reps.get(team.pk, []), customers.get(team.pk, [])) for team in teams],
        now=now,
        checklist=checklist,
        contexts=contexts,
    )


class _Progress:
    def __init__(self, stdout, *, total_teams):
        self.stdout, self.total_teams = stdout, total_teams
        self.teams = 0
        # By model label: what a worker sends back must pickle, and auto-created models do not.
        self.counts = dict.fromkeys((model._meta.label for model in bulk_rows.models()), 0)
        self.started = self.last = time.monotonic()

    def add(self, teams, counts):
        self.teams += teams
        for label, value in counts.items():
            self.counts[label] += value
        self.report()

    def report(self, force=False):
        now = time.monotonic()
        if force or now - self.last >= 10:
            self.last = now
            elapsed = max(now - self.started, 1e-9)
            with translation.override("en"):
                done = ", ".join(
                    f"{value:,} {bulk_rows.plural(apps.get_model(label))}" for label, value in self.counts.items()
                )
            projects, rows = self.counts[Project._meta.label], sum(self.counts.values())
            self.stdout.write(
                f"  {self.teams}/{self.total_teams} teams: {done} in {elapsed:.0f} s "
                f"({projects / elapsed:,.0f} projects/s, {rows / elapsed:,.0f} rows/s)"
            )


# --------------------------------------------------------------------------- generating


@dataclass
class SeedProject:
    """One project row to be (attributes named as the model's columns)."""

    customer_id: int
    owner_id: int
    team_id: int
    name: str
    normalized_name: str
    kind: str
    opened_at: datetime
    scope: str = ""
    lead_contact_id: int | None = None
    funding_source: str = ""
    budget: Decimal | None = None
    start_on: date | None = None
    end_on: date | None = None
    closed_at: datetime | None = None
    checklist_score: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None
    items: list = field(default_factory=list)
    seats: list = field(default_factory=list)
    ticks: list = field(default_factory=list)

    def committee(self):
        """The contacts ``services.project_detect_conflicts`` compares: committee seats and the customer-side lead."""
        ids = {seat.contact_id for seat in self.seats}
        if self.lead_contact_id:
            ids.add(self.lead_contact_id)
        return ids


@dataclass
class SeedItem:
    project: SeedProject
    item: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    created_at: datetime
    project_id: int | None = None


@dataclass
class SeedSeat:
    project: SeedProject
    contact_id: int
    role: str
    stance: str
    project_id: int | None = None


@dataclass
class SeedTick:
    project: SeedProject
    item_id: int
    ticked_by_id: int
    ticked_at: datetime
    project_id: int | None = None


@dataclass
class SeedConflict:
    kind: str
    project_a: SeedProject  # the project whose creation raised it
    project_b: SeedProject
    contact_id: int | None
    created_at: datetime
    key: str = ""
    project_a_id: int | None = None
    project_b_id: int | None = None


# The derived checklist rules (projects.checklist.RULES) on rows not yet stored: (project, committee roles,
# has procurement items) -> done.
RULE_CHECKS = {
    "scope": lambda p, roles, listed: bool(p.scope and p.scope.strip()),
    "lead_contact": lambda p, roles, listed: p.lead_contact_id is not None,
    "decision_maker": lambda p, roles, listed: BuyingRole.DECISION_MAKER in roles,
    "key_person": lambda p, roles, listed: BuyingRole.KEY_PERSON in roles,
    "procurement": lambda p, roles, listed: listed,
    "timeline": lambda p, roles, listed: bool(p.start_on and p.end_on),
    "funding_source": lambda p, roles, listed: bool(p.funding_source),
    "budget": lambda p, roles, listed: p.budget is not None,
}
STANCES = [s for s, _label in Stance.choices]
FUNDING_SOURCES = [c for c, _label in FundingSource.choices]


@lru_cache(maxsize=256)
def _normalized(name):
    return normalize_project_name(name)[:200]


def _checklist_score(project, checklist, *, roles, has_items, ticked):
    """As ``checklist.score(checklist.evaluate(project))`` once the rows are stored, for the active items'
    ``(pk, rule)``. A rule another app registers is answered by that app's hook (``checklist_rules``)."""
    if not checklist:
        return 100
    done = 0
    for item_id, rule in checklist:
        if rule in RULE_CHECKS:
            done += bool(RULE_CHECKS[rule](project, roles, has_items))
        elif rule:
            checks = (hook.checklist_rules.get(rule) for hook in services.PROJECT_BULK_HOOKS)
            check = next((check for check in checks if check), None)
            done += bool(check and check(project))
        else:
            done += item_id in ticked
    return round(100 * done / len(checklist))


def _team_projects(team, *, now, checklist):
    """(projects, conflicts) of one team: the same on every run."""
    rng = random.Random(f"{SEED}:projects:{team.name}")
    random_ = rng.random
    manual = [item_id for item_id, rule in checklist if not rule]
    projects, conflicts = [], []
    for position, (customer_id, team_id, owner_id, created_at, people) in enumerate(team.customers):
        # How well the rep works this deal: drives every "is it filled in" below.
        band = random_()
        care = 0.9 if band < 0.2 else 0.55 if band < 0.7 else 0.2
        topic, catalogue = TOPICS[rng.randrange(len(TOPICS))]
        age = now - max(created_at, now - timedelta(days=180))
        opened_at = now - age * (0.02 + 0.98 * random_())
        name = f"{opened_at.year}年{topic}"
        project = SeedProject(
            customer_id=customer_id,
            owner_id=owner_id,
            team_id=team_id,
            name=name,
            normalized_name=_normalized(name),
            kind=KINDS[rng.randrange(len(KINDS))],
            opened_at=opened_at,
        )
        if random_() < care:
            project.scope = SCOPES[rng.randrange(len(SCOPES))].format(topic=topic)
        if people and random_() < care:
            project.lead_contact_id = people[rng.randrange(len(people))][0]
        if random_() < care + 0.1:
            project.start_on = (opened_at + timedelta(days=rng.randint(-30, 60))).date()
            project.end_on = project.start_on + timedelta(days=rng.choice((60, 90, 180, 365)))
        if random_() < care:
            project.funding_source = FUNDING_SOURCES[rng.randrange(len(FUNDING_SOURCES))]
        if random_() < care * 0.7:
            project.budget = Decimal(rng.randint(10, 300) * 10_000)
        # About half the projects are worked: a procurement list and part of the buying committee.
        if random_() < care:
            for item, unit, price in catalogue[: rng.randint(1, len(catalogue))]:
                project.items.append(
                    SeedItem(project, item, unit, Decimal(rng.randint(1, 40)), Decimal(price), opened_at)
                )
            for contact_id, role in rng.sample(people, k=min(len(people), rng.randint(0, 3))):
                role = role if role != BuyingRole.OTHER else BuyingRole.INFLUENCER
                project.seats.append(SeedSeat(project, contact_id, role, STANCES[rng.randrange(len(STANCES))]))
        for item_id in manual:
            if random_() < care * 0.5:
                project.ticks.append(SeedTick(project, item_id, owner_id, opened_at + (now - opened_at) * random_()))
        collision, nth = divmod(position - FIRST_COLLISION, COLLISION_EVERY)
        collides = position >= FIRST_COLLISION and nth == 0
        if not collides and random_() < CLOSED_SHARE:
            project.closed_at = opened_at + (now - opened_at) * random_()
        project.updated_at = max(opened_at + (now - opened_at) * random_() ** 0.5, project.closed_at or opened_at)
        project.created_at = opened_at
        projects.append(project)
        others = [rep for rep in team.reps if rep != owner_id]
        if collides and others:
            theirs = _collide(rng, project, owner_id=rng.choice(others), number=collision, now=now)
            projects.append(theirs)
            conflicts += _detected(theirs, project)
    return projects, conflicts


def _collide(rng, project, *, owner_id, number, now):
    """Another rep of the team opens a project on the same customer, by turns: the renewal team on a
    customer the new-sign rep works, the same project, or a quote for a person already on the first
    project's committee (the conflict follows from what is generated, see _detected)."""
    opened_at = project.opened_at + (now - project.opened_at) * rng.random()
    name, kind = [
        ("续费：年度服务续约", ProjectKind.RENEWAL),
        (project.name, project.kind),
        ("询价：备品备件采购", ProjectKind.NEW),
    ][number % 3]
    theirs = SeedProject(
        customer_id=project.customer_id,
        owner_id=owner_id,
        team_id=project.team_id,
        name=name,
        normalized_name=_normalized(name),
        kind=kind,
        opened_at=opened_at,
        created_at=opened_at,
        updated_at=opened_at,
    )
    shared = sorted(project.committee())
    if number % 3 == 2 and shared:
        theirs.seats.append(SeedSeat(theirs, rng.choice(shared), BuyingRole.KEY_PERSON, Stance.SUPPORTER))
    return theirs


def _detected(project, other):
    """The conflicts ``services.project_detect_conflicts(project=project)`` records against ``other``."""
    if services._names_alike(project.normalized_name, other.normalized_name):
        return [SeedConflict(ConflictKind.DUPLICATE_PROJECT, project, other, None, project.opened_at)]
    if project.owner_id == other.owner_id:
        return []
    shared = sorted(project.committee() & other.committee())
    if shared:
        return [SeedConflict(ConflictKind.SHARED_CONTACT, project, other, c, project.opened_at) for c in shared]
    return [SeedConflict(ConflictKind.SHARED_CUSTOMER, project, other, None, project.opened_at)]


def _generate(job):
    """(rows by model, counts by model) of the job's teams; rows refer to each other by attribute."""
    rows = {model: [] for model in bulk_rows.models()}
    for team in job.teams:
        projects, conflicts = _team_projects(team, now=job.now, checklist=job.checklist)
        extra = _hook_rows(job.contexts, team=team, projects=projects, conflicts=conflicts, now=job.now)
        for project in projects:
            project.checklist_score = _checklist_score(
                project,
                job.checklist,
                roles={seat.role for seat in project.seats},
                has_items=bool(project.items),
                ticked={tick.item_id for tick in project.ticks},
            )
            rows[ProcurementItem] += project.items
            rows[Stakeholder] += project.seats
            rows[ChecklistTick] += project.ticks
        rows[Project] += projects
        rows[Conflict] += conflicts
        for model, objects in extra.items():
            rows[model] += objects
    return rows


# --------------------------------------------------------------------------- writing


def _render_job(job):
    """The job's rows as COPY text per model label (in a worker process, or in this one), with the highest
    id used of each numbered model."""
    rows = _generate(job)
    last = {}
    for model, ids in job.ids.items():
        ids = iter(ids)
        for obj in rows[model]:
            obj.id = next(ids)
        last[model._meta.label] = max((obj.id for obj in rows[model]), default=0)
    texts = []
    for model, objects in rows.items():
        bulk_rows.link(model, objects)
        texts.append((model._meta.label, bulk_rows.copy_text(model, objects, with_pk=model in job.ids)))
    return texts, bulk_rows.counts(rows), last


def _write_copy(job):
    rows = _generate(job)
    bulk_rows.store_copy(rows)
    return bulk_rows.counts(rows)


def _write_orm(job):
    """The same rows through bulk_create (SQLite, the laptop default)."""
    rows = _generate(job)
    bulk_rows.store_orm(rows)
    return bulk_rows.counts(rows)


# --------------------------------------------------------------------------- bulk load (PostgreSQL)


def _copy_in_workers(jobs, *, progress):
    """Worker processes generate the projects and render COPY text; this process reads what they need
    and streams the text in. Ids of the numbered models (projects, and the hooks' rows others refer
    to) are handed out in ranges from the (locked) tables' sequences, which are moved past the last id
    used at the end."""
    next_ids = {}

    def numbered(jobs):
        for job in jobs:
            job.ids = {}
            for model, bound in job.bounds().items():
                if model not in next_ids:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [model._meta.db_table])
                        next_ids[model] = cursor.fetchone()[0]
                job.ids[model] = range(next_ids[model], next_ids[model] + bound)
                next_ids[model] += bound
            yield job

    jobs = numbered(jobs)
    workers = max(1, min(os.cpu_count() or 1, 8))
    last_ids = {}
    # Spawned, not forked: a forked child would share this process's database connection.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=django.setup)
    with pool, connection.cursor() as cursor:
        pending = deque((job, pool.submit(_render_job, job)) for job in itertools.islice(jobs, workers * 2))
        while pending:
            job, future = pending.popleft()
            texts, counts, last = future.result()
            following = next(jobs, None)
            if following is not None:
                pending.append((following, pool.submit(_render_job, following)))
            for label, text in texts:
                bulk_rows.copy(cursor, label, text, numbered=job.ids)
            for label, last_id in last.items():
                last_ids[label] = max(last_ids.get(label, 0), last_id)
            progress.add(len(job.teams), counts)
        for label, last_id in last_ids.items():
            if last_id:
                table = apps.get_model(label)._meta.db_table
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last_id])
