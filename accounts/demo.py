"""Demo customers, departments and contacts for ``seed_demo``.

Two sizes, one generator:

* the demo team from ``teams/demo.py``: ``--customers-per-rep`` customers (150) for
  each of its reps, the book a new user clicks through;
* ``--teams N`` benchmark teams (基准测试0001组 …, a lead and eight reps each,
  usernames ``t1_lead``, ``t1_rep1`` …, the demo password) with the same number of
  customers per rep: ``--teams 833`` makes a million customers.

Rows are written with COPY on PostgreSQL and ``bulk_create`` elsewhere. Neither
calls ``save()``: the models' own ``normalize()`` runs on each generated row (it
only sets attributes), completeness is computed with ``accounts.completeness``,
and no history rows are written. From ``BULK_LOAD_MIN_CUSTOMERS`` on (PostgreSQL),
worker processes generate the rows and the accounts tables' secondary indexes
and foreign keys are dropped for the load and rebuilt after it (a million
customers: about 10 minutes on two CPUs).

Every team has its own seeded random generator, so the data is the same on every
run. Runs are idempotent: the demo team is skipped once its reps own customers, a
benchmark team once a team of its name exists.
"""

import io
import itertools
import math
import multiprocessing
import os
import random
import time
from bisect import bisect
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import accumulate

import django
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from stdnum.cn import uscc

from accounts import regions
from accounts.choices import BuyingRole, CustomerLevel, CustomerSource, DepartmentKind, Industry
from accounts.completeness import Person, evaluate, score
from accounts.models import Contact, Customer, Department
from teams.bulk import bulk_load
from teams.demo import REP_COUNT
from teams.models import Role, Team, User

SEED = 2026
DEFAULT_CUSTOMERS_PER_REP = 150
BENCHMARK_TEAM_NAME = "基准测试{:04d}组"
# Customers written per COPY / bulk_create round (and departments, contacts of them).
CHUNK = 5_000
# The first customer of the demo team's first rep: the duplicate-check example in docs and benchmarks.
SHOWCASE_CUSTOMER = "杭州云帆信息科技有限公司"


def add_arguments(parser):
    parser.add_argument(
        "--teams",
        type=int,
        default=0,
        help="Benchmark teams to add besides the demo team (a lead and 8 reps each); 833 make 1M customers.",
    )
    parser.add_argument(
        "--customers-per-rep",
        type=int,
        default=DEFAULT_CUSTOMERS_PER_REP,
        help="Customers each rep owns (demo team and benchmark teams).",
    )


def seed(*, stdout, options):
    per_rep = options.get("customers_per_rep", DEFAULT_CUSTOMERS_PER_REP)
    team, reps = options["team"], options["reps"]
    if Customer.objects.filter(owner__in=reps).exists():
        stdout.write(f"Customers of {team.name}: already there, left as they are.")
    else:
        started = time.monotonic()
        counts = _write(_team_customers(team_no=0, reps=reps, per_rep=per_rep))
        stdout.write(f"Customers of {team.name}: {_counts_text(counts)} in {time.monotonic() - started:.1f} s.")
    benchmark_teams = _seed_benchmark_teams(
        count=options.get("teams") or 0, per_rep=per_rep, password=options.get("password"), stdout=stdout
    )
    return {
        "customers": Customer.objects.filter(team=team).count(),
        "customers_per_rep": per_rep,
        "benchmark_teams": benchmark_teams,
    }


# --------------------------------------------------------------------------- benchmark teams


def _seed_benchmark_teams(*, count, per_rep, password, stdout):
    """Teams 1..count with their users and customers; teams that exist are skipped."""
    if count <= 0:
        return []
    names = {n: BENCHMARK_TEAM_NAME.format(n) for n in range(1, count + 1)}
    existing = set(Team.objects.filter(name__in=names.values()).values_list("name", flat=True))
    missing = [n for n, name in names.items() if name not in existing]
    customers = len(missing) * REP_COUNT * per_rep
    stdout.write(
        f"Benchmark teams: {count} requested, {len(existing)} already there, {len(missing)} to create "
        f"({customers:,} customers)."
    )
    if not missing:
        return list(Team.objects.filter(name__in=names.values()).order_by("name"))
    # One hash for every benchmark login (hashing 7,000 passwords would take an hour).
    password_hash = make_password(password) if password else make_password(None)
    members = {}
    for first in range(0, len(missing), 100):
        members.update(_create_benchmark_teams(missing[first : first + 100], names=names, password_hash=password_hash))
    progress = _Progress(stdout, total_teams=len(missing))
    if connection.vendor == "postgresql" and customers >= BULK_LOAD_MIN_CUSTOMERS:
        with bulk_load(BULK_TABLES, stdout=stdout):
            _copy_in_workers(members, per_rep=per_rep, progress=progress)
    else:
        teams_per_round = max(1, CHUNK // max(1, REP_COUNT * per_rep))
        for first in range(0, len(missing), teams_per_round):
            numbers = missing[first : first + teams_per_round]
            progress.add(
                len(numbers),
                _write(c for n in numbers for c in _team_customers(team_no=n, reps=members[n], per_rep=per_rep)),
            )
    progress.report(force=True)
    return list(Team.objects.filter(name__in=names.values()).order_by("name"))


def _create_benchmark_teams(numbers, *, names, password_hash):
    """Teams with a lead and REP_COUNT reps each; returns {team number: [reps]}."""
    teams = Team.objects.bulk_create([Team(name=names[n]) for n in numbers])
    users = []
    for n, team in zip(numbers, teams, strict=True):
        rng = random.Random(f"{SEED}:users:{n}")
        for k in range(REP_COUNT + 1):
            username = f"t{n}_lead" if k == 0 else f"t{n}_rep{k}"
            users.append(
                User(
                    username=username,
                    password=password_hash,
                    role=Role.LEAD if k == 0 else Role.REP,
                    team=team,
                    display_name=_person_name(rng),
                    email=f"{username}@bench.funnel-crm.cn",
                )
            )
    users = User.objects.bulk_create(users)
    members = {}
    for index, (n, team) in enumerate(zip(numbers, teams, strict=True)):
        team_users = users[index * (REP_COUNT + 1) : (index + 1) * (REP_COUNT + 1)]
        team.lead = team_users[0]
        members[n] = [_Owner(user.pk, team.pk) for user in team_users[1:]]
    Team.objects.bulk_update(teams, ["lead"])
    return members


@dataclass(frozen=True)
class _Owner:
    """What a customer needs of its owner (Customer.normalize reads ``owner.team_id``); picklable."""

    pk: int
    team_id: int


class _Progress:
    def __init__(self, stdout, *, total_teams):
        self.stdout, self.total_teams = stdout, total_teams
        self.teams = 0
        self.counts = {"customers": 0, "departments": 0, "contacts": 0}
        self.started = self.last = time.monotonic()

    def add(self, teams, counts):
        self.teams += teams
        _add(self.counts, counts)
        self.report()

    def report(self, force=False):
        now = time.monotonic()
        if force or now - self.last >= 10:
            self.last = now
            rate = self.counts["customers"] / max(now - self.started, 1e-9)
            self.stdout.write(
                f"  {self.teams}/{self.total_teams} teams: {_counts_text(self.counts)} in "
                f"{now - self.started:.0f} s ({rate:,.0f} customers/s)"
            )


# --------------------------------------------------------------------------- bulk load (PostgreSQL)

# From this many customers on, benchmark teams are loaded with the tables' secondary indexes and
# foreign keys dropped, and the COPY text is rendered by worker processes.
BULK_LOAD_MIN_CUSTOMERS = 50_000
BULK_TABLES = [Customer, Department, Contact]
# Upper bounds per customer (a customer has at most one department of each kind, 2–6 contacts):
# each worker job numbers its rows inside id ranges of this size, so jobs need not wait for each other.
MAX_DEPARTMENTS = len(DepartmentKind.choices)
MAX_CONTACTS = 6


def _copy_in_workers(members, *, per_rep, progress):
    """Worker processes generate the customers and render COPY text; this process streams it in.

    Ids come from each table's sequence in ranges handed out per job (the tables are locked);
    the sequences are moved past the last id used at the end."""
    teams_per_job = max(1, CHUNK // max(1, REP_COUNT * per_rep))
    numbers = list(members)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        next_ids = {}
        for model in BULK_TABLES:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [model._meta.db_table])
            next_ids[model] = cursor.fetchone()[0]
    jobs = []
    for first in range(0, len(numbers), teams_per_job):
        job_numbers = numbers[first : first + teams_per_job]
        customers = len(job_numbers) * REP_COUNT * per_rep
        jobs.append(
            (
                [(n, members[n]) for n in job_numbers],
                per_rep,
                (next_ids[Customer], next_ids[Department], next_ids[Contact]),
            )
        )
        next_ids[Customer] += customers
        next_ids[Department] += customers * MAX_DEPARTMENTS
        next_ids[Contact] += customers * MAX_CONTACTS
    workers = max(1, min(len(jobs), os.cpu_count() or 1, 8))
    last_ids = dict.fromkeys(BULK_TABLES, 0)
    # Spawned, not forked: a forked child would share this process's database connection. Each child
    # sets Django up itself (DJANGO_SETTINGS_MODULE is inherited) before it unpickles a job.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=django.setup)
    with pool, connection.cursor() as cursor:
        jobs = iter(jobs)
        # A bounded number of jobs in flight: rendered text waits in memory until it is copied.
        pending = deque((job, pool.submit(_render_job, job)) for job in itertools.islice(jobs, workers * 2))
        while pending:
            job, future = pending.popleft()
            texts, counts, used = future.result()
            following = next(jobs, None)
            if following is not None:
                pending.append((following, pool.submit(_render_job, following)))
            for model, text in zip(BULK_TABLES, texts, strict=True):
                if text:
                    columns = ", ".join(quote(column) for column, _attname, _default in _fields(model))
                    cursor.copy_expert(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN", io.StringIO(text))
            for model, last in zip(BULK_TABLES, used, strict=True):
                last_ids[model] = max(last_ids[model], last)
            progress.add(len(job[0]), counts)
        for model in BULK_TABLES:
            if last_ids[model]:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [model._meta.db_table, last_ids[model]]
                )


def _render_job(job):
    """In a worker: the customers of a few teams as COPY text for each table, with their ids."""
    teams, per_rep, (customer_id, department_id, contact_id) = job
    chunk = [c for n, reps in teams for c in _team_customers(team_no=n, reps=reps, per_rep=per_rep)]
    first_ids = (customer_id, department_id, contact_id)
    for customer in chunk:
        customer.id, customer_id = customer_id, customer_id + 1
        for department in customer.departments:
            department.id, department_id = department_id, department_id + 1
    departments, contacts = _link(chunk)
    for contact in contacts:
        contact.id, contact_id = contact_id, contact_id + 1
    rows = (chunk, departments, contacts)
    texts = tuple(_copy_text(model, objects) for model, objects in zip(BULK_TABLES, rows, strict=True))
    assert department_id - first_ids[1] <= len(chunk) * MAX_DEPARTMENTS
    assert contact_id - first_ids[2] <= len(chunk) * MAX_CONTACTS
    counts = {"customers": len(chunk), "departments": len(departments), "contacts": len(contacts)}
    return texts, counts, (customer_id - 1, department_id - 1, contact_id - 1)


# --------------------------------------------------------------------------- writing


def _counts_text(counts):
    return ", ".join(f"{value:,} {key}" for key, value in counts.items())


def _write(customers):
    """Write generated customers in chunks: COPY on PostgreSQL, bulk_create elsewhere."""
    writer = _write_copy if connection.vendor == "postgresql" else _write_orm
    totals = {"customers": 0, "departments": 0, "contacts": 0}
    chunk = []
    for customer in customers:
        chunk.append(customer)
        if len(chunk) >= CHUNK:
            _add(totals, writer(chunk))
            chunk = []
    if chunk:
        _add(totals, writer(chunk))
    return totals


def _add(totals, counts):
    for key, value in counts.items():
        totals[key] += value


def _fields(model):
    """(column, attribute, default) of every stored field: the rows follow the model, not a column list."""
    return [(f.column, f.attname, f.get_default()) for f in model._meta.concrete_fields]


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value):
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _copy_text_value(value):
    return "\\N" if value is None else value.translate(_COPY_ESCAPES)


def _copy_number(value):
    return "\\N" if value is None else str(value)


# Field types whose values need only the cheap conversions (rendering is a fifth of the load's CPU).
_COPY_CONVERTERS = {
    "CharField": _copy_text_value,
    "TextField": _copy_text_value,
    "EmailField": _copy_text_value,
    "URLField": _copy_text_value,
    "BigAutoField": _copy_number,
    "ForeignKey": _copy_number,
    "PositiveIntegerField": _copy_number,
    "PositiveSmallIntegerField": _copy_number,
}


def _copy_text(model, objects):
    """``objects`` (anything with the model's attributes) as COPY text for the model's table."""
    columns = [
        (attname, default, _COPY_CONVERTERS.get(field.get_internal_type(), _copy_value))
        for field, (_column, attname, default) in zip(model._meta.concrete_fields, _fields(model), strict=True)
    ]
    lines = []
    for obj in objects:
        get = obj.__dict__.get
        lines.append("\t".join([convert(get(attname, default)) for attname, default, convert in columns]))
    return "\n".join(lines) + "\n" if lines else ""


def _copy(cursor, model, objects):
    text = _copy_text(model, objects)
    if text:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column, _, _ in _fields(model))
        cursor.copy_expert(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN", io.StringIO(text))


def _reserve_ids(cursor, model, count):
    """Ids from the table's own sequence, so later inserts through the ORM do not collide."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [model._meta.db_table, count]
    )
    return [row[0] for row in cursor.fetchall()]


def _link(chunk):
    """Departments and contacts of the chunk, with their customer (and department) filled in."""
    departments, contacts = [], []
    for customer in chunk:
        for department in customer.departments:
            department.customer_id = customer.id
            departments.append(department)
        for contact in customer.contacts:
            contact.customer_id = customer.id
            contact.department_id = contact.department.id if contact.department is not None else None
            contacts.append(contact)
    return departments, contacts


def _write_copy(chunk):
    with connection.cursor() as cursor:
        for customer, pk in zip(chunk, _reserve_ids(cursor, Customer, len(chunk)), strict=True):
            customer.id = pk
        all_departments = [department for customer in chunk for department in customer.departments]
        for department, pk in zip(all_departments, _reserve_ids(cursor, Department, len(all_departments)), strict=True):
            department.id = pk
        departments, contacts = _link(chunk)
        for contact, pk in zip(contacts, _reserve_ids(cursor, Contact, len(contacts)), strict=True):
            contact.id = pk
        _copy(cursor, Customer, chunk)
        _copy(cursor, Department, departments)
        _copy(cursor, Contact, contacts)
    return {"customers": len(chunk), "departments": len(departments), "contacts": len(contacts)}


def _instances(model, objects):
    fields = [(attname, default) for _, attname, default in _fields(model) if attname != "id"]
    return [model(**{attname: getattr(obj, attname, default) for attname, default in fields}) for obj in objects]


def _write_orm(chunk):
    """The same rows through bulk_create (SQLite, the laptop default): slower, fine for the demo team."""
    customers = Customer.objects.bulk_create(_instances(Customer, chunk), batch_size=500)
    for seed_customer, customer in zip(chunk, customers, strict=True):
        seed_customer.id = customer.pk
    all_departments = [department for customer in chunk for department in customer.departments]
    for department in all_departments:
        department.customer_id = department.customer.id
    departments = Department.objects.bulk_create(_instances(Department, all_departments), batch_size=500)
    for seed_department, department in zip(all_departments, departments, strict=True):
        seed_department.id = department.pk
    _, seed_contacts = _link(chunk)
    contacts = Contact.objects.bulk_create(_instances(Contact, seed_contacts), batch_size=500)
    # bulk_create stamps auto_now(_add) fields with "now"; bulk_update writes our spread of dates back.
    for model, objects, seeds in (
        (Customer, customers, chunk),
        (Department, departments, all_departments),
        (Contact, contacts, seed_contacts),
    ):
        stamps = [
            f.attname
            for f in model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        for obj, seed_obj in zip(objects, seeds, strict=True):
            for attname in stamps:
                setattr(obj, attname, getattr(seed_obj, attname))
        model.objects.bulk_update(objects, stamps, batch_size=500)
    return {"customers": len(customers), "departments": len(departments), "contacts": len(contacts)}


# --------------------------------------------------------------------------- generating


@dataclass
class SeedDepartment:
    customer: "SeedCustomer"
    name: str
    kind: str
    created_at: datetime
    id: int | None = None
    customer_id: int | None = None


@dataclass
class SeedContact:
    name: str
    title: str
    buying_role: str
    department: SeedDepartment | None
    mobile: str = ""
    landline: str = ""
    email: str = ""
    wechat: str = ""
    has_left: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None
    customer_id: int | None = None
    department_id: int | None = None


@dataclass
class SeedCustomer:
    """One customer row to be; the model's ``normalize()`` runs on it (it only sets attributes), so the
    derived fields (normalised name, brand core, team) follow the model's rules without Model.__init__'s cost."""

    name: str
    owner: object
    owner_id: int
    credit_code: str = ""
    industry: str = ""
    level: str = CustomerLevel.B
    source: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    website: str = ""
    notes: str = ""
    completeness: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None
    departments: list = field(default_factory=list)
    contacts: list = field(default_factory=list)


def _team_customers(*, team_no, reps, per_rep):
    """``per_rep`` customers for each rep of one team; the same on every run."""
    rng = random.Random(f"{SEED}:customers:{team_no}")
    generator = _Generator(rng, team_no=team_no)
    for rep in reps:
        for _ in range(per_rep):
            yield generator.customer(owner=rep)


def _weighted(pairs):
    """(values, cumulative weights) for fast weighted picks with bisect."""
    values = [value for value, _ in pairs]
    return values, list(accumulate(weight for _, weight in pairs))


def _pick(rng, weighted):
    values, cumulative = weighted
    return values[bisect(cumulative, rng.random() * cumulative[-1])]


# fmt: off
# Word lists. Surnames roughly by frequency, and given-name characters, with pinyin for e-mail and WeChat IDs.
SURNAMES = _weighted([
    (("王", "wang"), 72), (("李", "li"), 70), (("张", "zhang"), 66), (("刘", "liu"), 53), (("陈", "chen"), 45),
    (("杨", "yang"), 32), (("黄", "huang"), 25), (("赵", "zhao"), 20), (("吴", "wu"), 20), (("周", "zhou"), 19),
    (("徐", "xu"), 15), (("孙", "sun"), 14), (("马", "ma"), 13), (("朱", "zhu"), 12), (("胡", "hu"), 12),
    (("郭", "guo"), 11), (("何", "he"), 10), (("林", "lin"), 10), (("罗", "luo"), 9), (("高", "gao"), 9),
    (("郑", "zheng"), 8), (("梁", "liang"), 8), (("谢", "xie"), 7), (("宋", "song"), 7), (("唐", "tang"), 7),
    (("许", "xu"), 6), (("韩", "han"), 6), (("冯", "feng"), 6), (("邓", "deng"), 6), (("曹", "cao"), 5),
    (("彭", "peng"), 5), (("曾", "zeng"), 5), (("肖", "xiao"), 5), (("田", "tian"), 5), (("董", "dong"), 5),
    (("潘", "pan"), 4), (("袁", "yuan"), 4), (("蔡", "cai"), 4), (("蒋", "jiang"), 4), (("余", "yu"), 4),
    (("于", "yu"), 4), (("杜", "du"), 4), (("叶", "ye"), 4), (("程", "cheng"), 4), (("魏", "wei"), 4),
    (("苏", "su"), 3), (("吕", "lv"), 3), (("丁", "ding"), 3), (("任", "ren"), 3), (("沈", "shen"), 3),
    (("姚", "yao"), 3), (("卢", "lu"), 3), (("钟", "zhong"), 3), (("姜", "jiang"), 3), (("崔", "cui"), 3),
    (("谭", "tan"), 3), (("陆", "lu"), 3), (("范", "fan"), 3), (("汪", "wang"), 3), (("廖", "liao"), 3),
    (("欧阳", "ouyang"), 1), (("司马", "sima"), 1),
])
GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"),
    ("桂", "gui"), ("英", "ying"), ("华", "hua"), ("建", "jian"), ("文", "wen"), ("红", "hong"), ("玲", "ling"),
    ("飞", "fei"), ("鹏", "peng"), ("辉", "hui"), ("波", "bo"), ("宁", "ning"), ("婷", "ting"), ("雪", "xue"),
    ("琳", "lin"), ("晨", "chen"), ("浩", "hao"), ("宇", "yu"), ("轩", "xuan"), ("欣", "xin"), ("怡", "yi"),
    ("佳", "jia"), ("子", "zi"), ("涵", "han"), ("梓", "zi"), ("睿", "rui"), ("思", "si"), ("博", "bo"),
    ("志", "zhi"), ("国", "guo"), ("海", "hai"), ("东", "dong"), ("峰", "feng"), ("斌", "bin"), ("俊", "jun"),
    ("慧", "hui"), ("颖", "ying"), ("倩", "qian"), ("晓", "xiao"), ("雯", "wen"), ("振", "zhen"), ("凯", "kai"),
    ("昊", "hao"), ("然", "ran"), ("彤", "tong"), ("瑶", "yao"), ("雨", "yu"), ("新", "xin"), ("春", "chun"),
    ("云", "yun"), ("亮", "liang"), ("成", "cheng"), ("立", "li"), ("丹", "dan"), ("萍", "ping"), ("燕", "yan"),
    ("清", "qing"), ("琪", "qi"), ("嘉", "jia"), ("欢", "huan"), ("兰", "lan"), ("永", "yong"), ("德", "de"),
]
# Characters of trade names (字号), with pinyin for web sites and e-mail domains.
BRAND = [
    ("云", "yun"), ("帆", "fan"), ("恒", "heng"), ("信", "xin"), ("华", "hua"), ("创", "chuang"), ("汇", "hui"),
    ("通", "tong"), ("鼎", "ding"), ("盛", "sheng"), ("瑞", "rui"), ("祥", "xiang"), ("泰", "tai"), ("安", "an"),
    ("博", "bo"), ("远", "yuan"), ("达", "da"), ("宏", "hong"), ("嘉", "jia"), ("和", "he"), ("兴", "xing"),
    ("隆", "long"), ("金", "jin"), ("天", "tian"), ("海", "hai"), ("智", "zhi"), ("合", "he"), ("联", "lian"),
    ("中", "zhong"), ("新", "xin"), ("昌", "chang"), ("正", "zheng"), ("德", "de"), ("凯", "kai"), ("腾", "teng"),
    ("飞", "fei"), ("星", "xing"), ("辰", "chen"), ("宇", "yu"), ("航", "hang"), ("东", "dong"), ("方", "fang"),
    ("明", "ming"), ("光", "guang"), ("启", "qi"), ("元", "yuan"), ("坤", "kun"), ("润", "run"), ("泽", "ze"),
    ("丰", "feng"), ("友", "you"), ("利", "li"), ("诚", "cheng"), ("立", "li"), ("峰", "feng"), ("越", "yue"),
    ("卓", "zhuo"), ("佳", "jia"), ("永", "yong"), ("康", "kang"), ("宁", "ning"), ("绿", "lv"), ("青", "qing"),
    ("蓝", "lan"), ("朗", "lang"), ("驰", "chi"), ("骏", "jun"), ("鸿", "hong"), ("图", "tu"), ("晟", "sheng"),
    ("睿", "rui"), ("思", "si"), ("维", "wei"), ("科", "ke"), ("讯", "xun"), ("源", "yuan"), ("升", "sheng"),
    ("融", "rong"), ("捷", "jie"), ("力", "li"), ("顺", "shun"), ("宝", "bao"), ("欣", "xin"), ("益", "yi"),
    ("同", "tong"), ("尚", "shang"), ("展", "zhan"), ("乐", "le"), ("美", "mei"), ("普", "pu"),
    ("奥", "ao"), ("百", "bai"), ("邦", "bang"), ("川", "chuan"), ("大", "da"), ("迪", "di"), ("帝", "di"),
    ("恩", "en"), ("福", "fu"), ("港", "gang"), ("冠", "guan"), ("广", "guang"), ("浩", "hao"), ("禾", "he"),
    ("弘", "hong"), ("辉", "hui"), ("佳", "jia"), ("建", "jian"), ("江", "jiang"), ("锦", "jin"), ("精", "jing"),
    ("竞", "jing"), ("聚", "ju"), ("凯", "kai"), ("蓝", "lan"), ("力", "li"), ("龙", "long"), ("路", "lu"),
    ("迈", "mai"), ("茂", "mao"), ("铭", "ming"), ("南", "nan"), ("鹏", "peng"), ("奇", "qi"), ("沁", "qin"),
    ("仁", "ren"), ("荣", "rong"), ("赛", "sai"), ("山", "shan"), ("深", "shen"), ("胜", "sheng"), ("世", "shi"),
    ("拓", "tuo"), ("万", "wan"), ("伟", "wei"), ("沃", "wo"), ("鑫", "xin"), ("旭", "xu"), ("亚", "ya"),
    ("耀", "yao"), ("逸", "yi"), ("银", "yin"), ("盈", "ying"), ("优", "you"), ("裕", "yu"), ("粤", "yue"),
    ("致", "zhi"), ("众", "zhong"), ("洲", "zhou"), ("卓", "zhuo"), ("紫", "zi"),
]
BRAND = list(dict.fromkeys(BRAND))  # the list above repeats a few characters
# What a company does, as its name says it, by industry; and the industry's weight in a book.
INDUSTRY_WORDS = {
    Industry.MANUFACTURING: (20, ["机械制造", "精密机械", "电子科技", "新材料", "汽车零部件", "电气", "化工",
                                  "纺织", "食品", "智能装备", "医疗器械", "包装材料", "五金制品", "塑胶"]),
    Industry.IT: (15, ["信息科技", "网络科技", "软件", "数据科技", "信息技术", "智能科技", "云计算", "数字科技",
                       "通信技术", "电子商务"]),
    Industry.WHOLESALE_RETAIL: (10, ["贸易", "商贸", "供应链管理", "进出口", "医药连锁", "百货", "建材", "农产品"]),
    Industry.CONSTRUCTION: (8, ["建设工程", "建筑工程", "装饰工程", "市政工程", "钢结构工程", "安装工程"]),
    Industry.HEALTH: (6, ["医院管理", "健康管理", "医疗科技", "口腔医院", "康复医院", "体检中心"]),
    Industry.EDUCATION: (6, ["教育科技", "职业技能培训学校", "教育咨询", "文化培训", "外国语学校"]),
    Industry.FINANCE: (5, ["融资租赁", "投资管理", "保险代理", "资产管理", "商业保理", "担保"]),
    Industry.TRANSPORT: (5, ["物流", "国际货运代理", "运输", "仓储服务", "冷链物流", "快递"]),
    Industry.RESEARCH: (5, ["检测技术", "工程技术研究院", "环境检测", "技术服务", "设计研究院", "生物科技"]),
    Industry.BUSINESS_SERVICES: (5, ["企业管理咨询", "人力资源", "广告", "会展服务", "知识产权代理", "设备租赁"]),
    Industry.REAL_ESTATE: (4, ["房地产开发", "置业", "物业管理", "地产"]),
    Industry.UTILITIES: (3, ["燃气", "水务", "热电", "新能源", "电力工程"]),
    Industry.PUBLIC_ADMINISTRATION: (3, []),  # public bodies, named after their city: see PUBLIC_BODIES
    Industry.CULTURE: (2, ["文化传媒", "影视", "文化创意", "体育发展"]),
    Industry.HOSPITALITY: (2, ["酒店管理", "餐饮管理", "餐饮连锁"]),
    Industry.AGRICULTURE: (2, ["农业科技", "生态农业", "农业发展", "牧业"]),
    Industry.ENVIRONMENT: (2, ["环保科技", "环境工程", "水处理", "园林绿化"]),
    Industry.MINING: (1, ["矿业", "矿产", "煤业"]),
    Industry.RESIDENT_SERVICES: (1, ["家政服务", "设备维修", "洗涤服务"]),
    Industry.OTHER: (1, ["实业", "发展"]),
}
PUBLIC_BODIES = ["数据资源管理局", "公共资源交易中心", "人民医院", "政务服务中心", "住房公积金管理中心",
                 "城市管理局", "教育局", "交通运输局", "市场监督管理局", "疾病预防控制中心"]
# Names ending like this are institutions, not companies: no 有限公司.
INSTITUTIONS = ("学校", "医院", "中心", "研究院")
LEGAL_FORMS = _weighted([("有限公司", 60), ("股份有限公司", 14), ("有限责任公司", 12), ("集团有限公司", 5)])
LEVELS = _weighted([(CustomerLevel.A, 15), (CustomerLevel.B, 55), (CustomerLevel.C, 30)])
SOURCES = _weighted([
    (CustomerSource.REFERRAL, 20), (CustomerSource.COLD_VISIT, 18), (CustomerSource.INBOUND_CALL, 15),
    (CustomerSource.EXHIBITION, 15), (CustomerSource.ONLINE, 20), (CustomerSource.OTHER, 5), ("", 7),
])
NOTES = [
    "老客户转介绍，关注数字化转型。",
    "展会上交换名片，对方主动询价。",
    "年底有预算，决策链较长。",
    "信息中心主任是关键推动人。",
    "竞争对手已在做售后服务，需找到切入点。",
    "集团统一采购，分公司有一定自主权。",
    "去年招标失利，今年重新跟进。",
]
# Department names by kind; a customer has at most one department of each kind.
DEPARTMENT_NAMES = {
    DepartmentKind.FINANCE: ["财务部", "财务中心", "计划财务部"],
    DepartmentKind.PROCUREMENT: ["采购部", "采购中心", "招标采购部", "供应链管理部"],
    DepartmentKind.TECHNICAL: ["技术部", "信息中心", "研发中心", "信息技术部"],
    DepartmentKind.BUSINESS: ["业务部", "销售部", "市场部", "运营部"],
    DepartmentKind.MANAGEMENT: ["总经办", "总经理办公室", "董事会办公室"],
    DepartmentKind.OTHER: ["行政部", "人力资源部", "综合办公室", "法务部"],
}
DEPARTMENT_KINDS = _weighted([
    (DepartmentKind.MANAGEMENT, 5), (DepartmentKind.TECHNICAL, 5), (DepartmentKind.PROCUREMENT, 4),
    (DepartmentKind.FINANCE, 3), (DepartmentKind.BUSINESS, 3), (DepartmentKind.OTHER, 1),
])
# Titles by department kind (None: no department) and seniority: (senior, middle, staff).
TITLES = {
    DepartmentKind.MANAGEMENT: (["董事长", "总经理", "副总经理", "总裁"], ["总经理助理", "行政总监"],
                                ["总经办秘书", "行政专员"]),
    DepartmentKind.FINANCE: (["财务总监", "首席财务官"], ["财务经理", "主办会计"], ["会计", "出纳"]),
    DepartmentKind.PROCUREMENT: (["采购总监", "供应链总监"], ["采购经理", "招标主管"], ["采购专员", "采购员"]),
    DepartmentKind.TECHNICAL: (["技术总监", "首席技术官", "信息中心主任"], ["技术经理", "项目经理", "架构师"],
                               ["工程师", "运维工程师", "网络管理员"]),
    DepartmentKind.BUSINESS: (["销售总监", "营销副总", "运营总监"], ["市场经理", "业务经理", "区域经理"],
                              ["业务员", "市场专员", "运营专员"]),
    DepartmentKind.OTHER: (["行政总监", "人力资源总监"], ["行政经理", "人事经理"], ["行政专员", "前台"]),
    None: (["总经理", "副总经理"], ["经理", "主管"], ["专员", "助理"]),
}
SENIORITY = {
    BuyingRole.DECISION_MAKER: 0, BuyingRole.KEY_PERSON: 0, BuyingRole.INFLUENCER: 1,
    BuyingRole.USER: 2, BuyingRole.GATEKEEPER: 2, BuyingRole.OTHER: 1,
}
OTHER_ROLES = _weighted([
    (BuyingRole.INFLUENCER, 4), (BuyingRole.USER, 4), (BuyingRole.GATEKEEPER, 2), (BuyingRole.OTHER, 2),
    (BuyingRole.KEY_PERSON, 1),
])
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "157", "158", "159", "166", "173", "177", "180", "181", "183", "185", "186", "187",
                   "188", "189", "191", "198", "199"]
MAIL_DOMAINS = ["163.com", "126.com", "qq.com", "sina.com", "aliyun.com"]
ROADS = ["人民", "解放", "中山", "建设", "文三", "滨江", "长江", "黄河", "新华", "和平", "东方", "科技", "工业",
         "学院", "环城", "滨海", "迎宾", "金桥", "世纪", "创业", "高新", "江南", "湖滨", "延安", "天府", "望江"]
ROAD_KINDS = ["路", "大道", "街", "东路", "西路", "南路", "北路"]
BUILDINGS = ["科技园", "创业园", "软件园", "产业园", "大厦", "广场", "中心", "工业园"]
# Share of customers by province (east coast heavy; 1 for the rest) and extra weight for big cities
# (3 for other provincial capitals, 1 for the rest).
PROVINCE_WEIGHTS = {
    "330000": 14, "320000": 14, "440000": 14, "310000": 10, "110000": 8, "370000": 7, "350000": 5,
    "120000": 3, "130000": 3, "340000": 3, "420000": 3, "510000": 3, "410000": 2, "430000": 2,
    "500000": 2, "610000": 2, "210000": 2,
}
CITY_WEIGHTS = {
    "330100": 8, "330200": 4, "330300": 3, "320100": 6, "320500": 6, "320200": 3, "440100": 6, "440300": 8,
    "440600": 3, "441900": 3, "370100": 3, "370200": 4, "350100": 3, "350200": 3, "420100": 6, "510100": 6,
    "610100": 6, "210100": 3, "210200": 3, "340100": 5, "410100": 5, "430100": 5,
}
# Telephone area codes: big cities, then each province's capital for the rest of the province.
AREA_CODES = {
    "110100": "010", "120100": "022", "310100": "021", "500100": "023", "440100": "020", "440300": "0755",
    "440600": "0757", "441900": "0769", "330100": "0571", "330200": "0574", "330300": "0577", "320100": "025",
    "320500": "0512", "320200": "0510", "370100": "0531", "370200": "0532", "350100": "0591", "350200": "0592",
    "420100": "027", "510100": "028", "610100": "029", "210100": "024", "210200": "0411", "340100": "0551",
    "410100": "0371", "430100": "0731", "130100": "0311",
    "110000": "010", "120000": "022", "310000": "021", "500000": "023", "130000": "0311", "140000": "0351",
    "150000": "0471", "210000": "024", "220000": "0431", "230000": "0451", "320000": "025", "330000": "0571",
    "340000": "0551", "350000": "0591", "360000": "0791", "370000": "0531", "410000": "0371", "420000": "027",
    "430000": "0731", "440000": "020", "450000": "0771", "460000": "0898", "510000": "028", "520000": "0851",
    "530000": "0871", "540000": "0891", "610000": "029", "620000": "0931", "630000": "0971", "640000": "0951",
    "650000": "0991",
}
# Autonomous regions go by their short names in company names.
PROVINCE_SHORT = {"150000": "内蒙古", "450000": "广西", "540000": "西藏", "640000": "宁夏", "650000": "新疆"}
# fmt: on
INDUSTRIES = _weighted([(industry, weight) for industry, (weight, _words) in INDUSTRY_WORDS.items()])


@dataclass(frozen=True)
class Place:
    province: str
    province_short: str
    city: str
    city_short: str
    districts: tuple


def _short(name, suffixes):
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _places():
    """Every real city (not the 省直辖 placeholders) with its weight, as (places, cumulative weights)."""
    pairs = []
    for province, province_name in regions.provinces():
        province_short = PROVINCE_SHORT.get(province) or _short(province_name, ("省", "市"))
        for index, (city, city_name) in enumerate(regions.cities(province)):
            if regions.is_placeholder(city) and city_name != province_name:
                continue
            # Prefectures (自治州, 地区, 盟) lend companies the province's name instead.
            city_short = _short(city_name, ("市",)) if city_name.endswith("市") else province_short
            districts = tuple(regions.districts(city))
            weight = PROVINCE_WEIGHTS.get(province, 1) * CITY_WEIGHTS.get(city, 3 if index == 0 else 1)
            pairs.append((Place(province, province_short, city, city_short, districts), weight))
    return _weighted(pairs)


class _Generator:
    """Realistic customers for one team, from one seeded random generator."""

    def __init__(self, rng, *, team_no):
        self.rng = rng
        self.team_no = team_no
        self.index = 0
        self.names = set()
        now = timezone.now().replace(microsecond=0)
        self.now = now
        self.places = _places()

    # -- people

    def mobile(self):
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"

    def landline(self, place):
        area = AREA_CODES.get(place.city if place else "") or AREA_CODES.get(place.province if place else "", "021")
        local = f"{self.rng.randrange(2, 9)}{self.rng.randrange(10_000_000):07d}"
        return f"{area}-{local}"

    # -- customers

    def company_name(self, industry, place):
        rng = self.rng
        place = place or _pick(rng, self.places)
        if industry == Industry.PUBLIC_ADMINISTRATION:
            return f"{place.city_short}市{rng.choice(PUBLIC_BODIES)}", ""
        chars = rng.sample(BRAND, 3 if rng.random() < 0.15 else 2)
        brand = "".join(char for char, _ in chars)
        pinyin = "".join(sound for _, sound in chars)
        word = rng.choice(INDUSTRY_WORDS[industry][1])
        form = _pick(rng, LEGAL_FORMS)
        if word.endswith(INSTITUTIONS):
            form = ""
        roll = rng.random()
        if roll < 0.03 and form:
            head_office = _pick(rng, self.places)
            name = f"{head_office.city_short}{brand}{word}{form}{place.city_short}分公司"
        elif roll < 0.70:
            name = f"{place.city_short}{brand}{word}{form}"
        elif roll < 0.80 and form:
            name = f"{brand}{word}（{place.city_short}）{form}"
        elif roll < 0.90:
            name = f"{place.province_short}{brand}{word}{form}"
        else:
            name = f"{brand}{word}{form}"
        return name, pinyin

    def credit_code(self, region):
        """Unique by construction: the team number and the customer's index make the organisation code."""
        if self.index >= 100_000:
            return ""
        value = self.team_no * 100_000 + self.index
        body = "MA"
        digits = []
        for _ in range(6):
            value, remainder = divmod(value, 31)
            digits.append(uscc._alphabet[remainder])
        body += "".join(reversed(digits))
        # GB 11714 check character of the organisation code.
        total = sum(_org_value(char) * weight for char, weight in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
        check = 11 - total % 11
        body += "X" if check == 10 else "0" if check == 11 else str(check)
        code = "91" + region + body
        return code + uscc.calc_check_digit(code)

    def customer(self, *, owner):
        rng = self.rng
        random_ = rng.random
        self.index += 1
        # How well the rep knows this customer: drives every "is it filled in" below.
        band = random_()
        care = 0.95 if band < 0.2 else 0.6 if band < 0.7 else 0.25
        industry = _pick(rng, INDUSTRIES)
        place = _pick(rng, self.places)
        if self.team_no == 0 and self.index == 1:
            name, pinyin = SHOWCASE_CUSTOMER, "yunfan"
            industry = Industry.IT
            place = next(p for p in self.places[0] if p.city == "330100")
            care = 0.95
        else:
            name, pinyin = self.company_name(industry, place)
            for _ in range(5):
                if name not in self.names:
                    break
                name, pinyin = self.company_name(industry, place)
        self.names.add(name)
        age = timedelta(days=540 * random_() ** 1.5, seconds=rng.randrange(86_400))
        customer = SeedCustomer(
            name=name,
            owner=owner,
            owner_id=owner.pk,
            level=_pick(rng, LEVELS),
            source=_pick(rng, SOURCES),
            created_at=self.now - age,
            updated_at=self.now - age * random_() ** 2,
        )
        if random_() < care + 0.2:
            customer.industry = industry
        if random_() < care + 0.25:
            customer.province, customer.city = place.province, place.city
            if place.districts and random_() < 0.85:
                customer.district = rng.choice(place.districts)[0]
            if random_() < care:
                customer.address = self.address()
        if random_() < care * 0.6:
            # Registered where the company is, whether or not the rep recorded the region.
            customer.credit_code = self.credit_code(customer.district or place.city)
        if pinyin and random_() < care * 0.4:
            customer.website = f"https://www.{pinyin}.com.cn"
        if random_() < 0.15:
            customer.notes = rng.choice(NOTES)
        self.people(customer, care, place if customer.city else None, pinyin)
        # The model's rules for the derived fields: normalised name, brand core, team from the owner.
        Customer.normalize(customer)
        customer.completeness = score(
            evaluate(
                industry=customer.industry,
                province=customer.province,
                city=customer.city,
                address=customer.address,
                people=[
                    Person(
                        buying_role=p.buying_role,
                        department_id=id(p.department) if p.department is not None else None,
                        department_kind=p.department.kind if p.department is not None else None,
                        reachable=bool(p.mobile or p.landline or p.wechat),
                    )
                    for p in customer.contacts
                    if not p.has_left
                ],
            )
        )
        return customer

    def address(self):
        rng = self.rng
        address = f"{rng.choice(ROADS)}{rng.choice(ROAD_KINDS)}{rng.randrange(1, 999)}号"
        if rng.random() < 0.6:
            address += f"{rng.choice(BRAND)[0]}{rng.choice(BUILDINGS)}{rng.randrange(1, 12)}幢{rng.randrange(1, 25)}楼"
        return address

    def people(self, customer, care, place, pinyin):
        rng = self.rng
        random_ = rng.random
        department_count = min(len(DEPARTMENT_NAMES), max(0, round(care * 4 * random_() + care * 1.5)))
        kinds = []
        while len(kinds) < department_count:
            kind = _pick(rng, DEPARTMENT_KINDS)
            if kind not in kinds:
                kinds.append(kind)
        if kinds and random_() < care * 0.5 and not {DepartmentKind.FINANCE, DepartmentKind.PROCUREMENT} & set(kinds):
            kinds[-1] = DepartmentKind.PROCUREMENT
        departments = [
            SeedDepartment(customer, rng.choice(DEPARTMENT_NAMES[kind]), kind, customer.created_at) for kind in kinds
        ]
        management = next((d for d in departments if d.kind == DepartmentKind.MANAGEMENT), None)
        roles = []
        if random_() < care:
            roles.append(BuyingRole.DECISION_MAKER)
        if random_() < care * 0.9:
            roles.append(BuyingRole.KEY_PERSON)
        count = rng.randint(2, 6)
        while len(roles) < count:
            roles.append(_pick(rng, OTHER_ROLES))
        for role in roles[:count]:
            department = None
            if departments and random_() < 0.9:
                if role == BuyingRole.DECISION_MAKER and management is not None:
                    department = management
                else:
                    department = rng.choice(departments)
            surname, given = _person(rng)
            contact = SeedContact(
                name=surname[0] + given[0],
                title=rng.choice(TITLES[department.kind if department else None][SENIORITY[role]]),
                buying_role=role,
                department=department,
                created_at=customer.created_at,
                updated_at=customer.updated_at,
            )
            key = role in (BuyingRole.DECISION_MAKER, BuyingRole.KEY_PERSON)
            if random_() < (care + 0.1 if key else 0.6):
                contact.mobile = self.mobile()
            if random_() < 0.25:
                contact.landline = self.landline(place)
            if random_() < 0.3:
                handle = f"{given[1]}{surname[1]}{rng.randrange(1, 9999)}"
                contact.wechat = handle if len(handle) >= 6 else handle + "2026"
            if random_() < 0.35:
                local = f"{surname[1]}{given[1]}" if random_() < 0.7 else f"{given[1]}.{surname[1]}"
                if pinyin and random_() < 0.6:
                    contact.email = f"{local}@{pinyin}.com.cn"
                else:
                    contact.email = f"{local}{rng.randrange(1, 99)}@{rng.choice(MAIL_DOMAINS)}"
            contact.has_left = random_() < 0.05
            Contact.normalize(contact)
            customer.contacts.append(contact)
        for department in departments:
            Department.normalize(department)
        customer.departments = departments


def _org_value(char):
    return int(char) if char.isdigit() else ord(char) - 55


def _person(rng):
    """(surname, pinyin), (given name, pinyin)."""
    surname = _pick(rng, SURNAMES)
    if rng.random() < 0.35:
        given = rng.choice(GIVEN)
    else:
        first, second = rng.choice(GIVEN), rng.choice(GIVEN)
        given = (first[0] + second[0], first[1] + second[1])
    return surname, given


def _person_name(rng):
    surname, given = _person(rng)
    return surname[0] + given[0]


def customers_needed_teams(*, customers, per_rep=DEFAULT_CUSTOMERS_PER_REP):
    """How many benchmark teams make about ``customers`` customers together with the demo team."""
    per_team = REP_COUNT * per_rep
    return max(0, math.ceil((customers - per_team) / per_team))
