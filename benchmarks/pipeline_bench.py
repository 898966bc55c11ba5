"""The pipeline (My day, the board, moves, the contact log, a project's timeline)
and the reminders (the reminder pass, deliveries, the bell) at a million projects.

    .venv/bin/python benchmarks/pipeline_bench.py --keep              # funnel_crm_bench: seeds once, then measures
    .venv/bin/python benchmarks/pipeline_bench.py --keep --teams 100  # about 121,000 projects
    .venv/bin/python benchmarks/pipeline_bench.py --teams 5 --db funnel_crm_bench_small --bell-rows 200000   # quick

Uses the database helpers of ``accounts_bench.py`` (``--db``, default
``funnel_crm_bench``, same ``--keep`` / ``--fresh`` rules): runs ``seed_demo
--teams N`` until the benchmark teams exist with their projects and six months
of pipeline history (833 teams: about a million projects, ten million stage
changes and activities), prints the seeding time and the rows per table, and
measures in-process (test client, services, ``CaptureQueriesContext``): My day,
the start page and the board for a rep, a rep with 20 open projects and the
lead; a move and a logged contact (rolled back); a project with 500 events
(its page, its timeline page, its API history); the API board; EXPLAIN of My
day's overdue query; the reminder pass over 10,000 overdue projects not yet
told, the second pass, the deliveries sweep with the locmem mail backend, and
the bell's unread count among ten million notifications. See benchmarks/README.md.
"""

import argparse
import contextlib
import datetime
import os
import statistics
import sys
import time

from accounts_bench import (
    HEADERS,
    INDEX_RE,
    SLOW_QUERY,
    Measurement,
    Timing,
    database_urls,
    drop_database,
    measure_get,
    prepare,
    schema_is_current,
    shorten_sql,
    table,
)

# The brief's budgets (ms); a figure above its budget is marked in the summary.
TARGETS = {
    "my_day_rep": 50,
    "my_day_lead": 120,
    "move": 20,
    "activity": 20,
    "timeline": 60,
    "unread": 5,
}
MARK = "基准测试：五百条记录"  # the note on the stage changes the 500-event project was given
REP20 = "bench_rep20"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=833, help="Benchmark teams (default 833: about 1M projects).")
    parser.add_argument("--db", default="funnel_crm_bench", help="Database name (default funnel_crm_bench).")
    parser.add_argument("--keep", action="store_true", help="Keep the database for the next run (default: drop it).")
    parser.add_argument("--fresh", action="store_true", help="Drop and recreate the database before seeding.")
    parser.add_argument("--repeat", type=int, default=20, help="Timed calls per measurement (default 20).")
    parser.add_argument("--overdue", type=int, default=10_000, help="Overdue projects not yet told (default 10,000).")
    parser.add_argument(
        "--bell-rows", type=int, default=10_000_000, help="Notifications for the bell's count (default 10,000,000)."
    )
    parser.add_argument("--bell-users", type=int, default=3_000, help="Users they belong to (default 3,000).")
    parser.add_argument(
        "--deliver",
        type=int,
        default=0,
        help="Deliveries the sweep sends for the throughput figure (default 0: all the pass created).",
    )
    args = parser.parse_args()
    # accounts_bench.prepare speaks in customers: the demo team's 1,200 plus 1,200 per benchmark team.
    args.customers, args.customers_per_rep = (args.teams + 1) * 1_200, 150
    return args


# --------------------------------------------------------------------------- seeding

TABLES = (
    "teams_user",
    "accounts_customer",
    "accounts_contact",
    "projects_project",
    "pipeline_projectstate",
    "pipeline_stagechange",
    "pipeline_activity",
    "pipeline_activity_contacts",
    "pipeline_budgetchange",
    "pipeline_competitor",
    "pipeline_historicalcompetitor",
    "projects_milestone",
    "projects_milestonechange",
    "teams_notification",
    "teams_delivery",
)


def seed(*, customers, per_rep):
    """seed_demo until every benchmark team is there with its projects' history; the seconds it took, or None."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.demo import BENCHMARK_TEAM_NAME, customers_needed_teams
    from pipeline.models import StageChange
    from projects.models import Project
    from teams.models import Team

    teams = customers_needed_teams(customers=customers, per_rep=per_rep)
    last = BENCHMARK_TEAM_NAME.format(teams)
    complete = (
        Team.objects.filter(name__startswith="基准测试").count() >= teams
        and Project.objects.filter(team__name=last).exists()
        and StageChange.objects.filter(project__team__name=last).exists()
    )
    if complete:
        print(f"Reusing the database: {teams} benchmark teams with their projects and history.")
        return None
    print(f"Seeding: seed_demo --teams {teams} (what is there is kept).")
    started = time.monotonic()
    call_command("seed_demo", teams=teams, customers_per_rep=per_rep, stdout=sys.stdout)
    seeded = time.monotonic() - started
    started = time.monotonic()
    with connection.cursor() as cursor:
        # COPY leaves no statistics and an empty visibility map (index-only scans need a VACUUM).
        cursor.execute("VACUUM ANALYZE")
    print(f"Seeding took {seeded:.0f} s; VACUUM ANALYZE {time.monotonic() - started:.0f} s.")
    return seeded


def row_counts():
    """Exact rows per table (the big ones too: a count of ten million rows takes seconds, not minutes)."""
    from django.db import connection

    counts = []
    with connection.cursor() as cursor:
        for name in TABLES:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            if not cursor.fetchone()[0]:
                continue
            cursor.execute(f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{name}')) FROM {name}")  # noqa: S608
            n, size = cursor.fetchone()
            counts.append((name, n, size))
        cursor.execute(
            "SELECT version(), current_setting('shared_buffers'), pg_size_pretty(pg_database_size(current_database()))"
        )
        version, shared_buffers, size = cursor.fetchone()
    return counts, version.split(" on ")[0], shared_buffers, size


# --------------------------------------------------------------------------- personas and fixtures


def rep20(*, n=20):
    """A rep with exactly ``n`` open projects: a user of the first benchmark team given
    ``n`` open projects of a teammate (kept between runs)."""
    from django.contrib.auth.hashers import make_password

    from projects.models import Project
    from teams.models import Role, Team, User

    team = Team.objects.filter(name__startswith="基准测试").order_by("pk").first()
    user, _created = User.objects.get_or_create(
        username=REP20,
        defaults={"team": team, "role": Role.REP, "display_name": "基准二十", "password": make_password(None)},
    )
    have = Project.objects.open().filter(owner=user).count()
    if have < n:
        donor = User.objects.filter(team=team, role=Role.REP).exclude(pk=user.pk).order_by("pk").first()
        ids = list(Project.objects.open().filter(owner=donor).order_by("pk").values_list("pk", flat=True)[: n - have])
        Project.objects.filter(pk__in=ids).update(owner=user, team=team)
    return user


def personas():
    from django.test import Client

    from projects.models import Project
    from teams.models import User

    users = {"rep": User.objects.get(username="rep1"), "rep20": rep20(), "lead": User.objects.get(username="lead")}
    clients, open_counts = {}, {}
    for persona, user in users.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        clients[persona] = client
        scope = Project.objects.visible_to(user).open()
        open_counts[persona] = scope.count()
    return users, clients, open_counts


def rows_of_my_day(response):
    context = response.context
    day = context.get("day") if context is not None else None
    if day is None:
        sections = context.get("sections") if context is not None else None
    else:
        sections = getattr(day, "sections", None)
    if not sections:
        return "?"
    parts = []
    for s in sections:
        key = s["key"] if isinstance(s, dict) else getattr(s, "key", "?")
        rows = s["rows"] if isinstance(s, dict) else getattr(s, "rows", [])
        total = s.get("total", len(rows)) if isinstance(s, dict) else getattr(s, "total", len(rows))
        parts.append(f"{key} {len(rows)}/{total}")
    return ", ".join(parts)


def rows_of_board(response):
    context = response.context
    board = context.get("board") if context is not None else None
    columns = getattr(board, "columns", None) if board is not None else None
    if columns is None and isinstance(board, dict):
        columns = board.get("columns")
    if not columns:
        return "?"
    counts = [getattr(c, "count", None) if not isinstance(c, dict) else c.get("count") for c in columns]
    return f"{len(columns)} columns, {sum(c or 0 for c in counts):,} projects"


def rows_of_api_board(response):
    data = response.json()
    columns = data.get("columns") or data.get("stages") or []
    return f"{len(columns)} columns, {sum(c.get('count', 0) for c in columns):,} projects"


def rows_of_history(response):
    data = response.json()
    return f"{len(data['results'])} of {data['count']:,}" if "results" in data else "?"


# --------------------------------------------------------------------------- the 500-event project


def showcase_project(rep):
    """rep1's first open project, given 500 events once (150 stage changes, 100 budget
    changes, 150 activities, 100 competitor history rows) over the last six months."""
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from pipeline import services
    from pipeline.models import OPEN_TIERS, Activity, BudgetChange, Competitor, Stage, StageChange
    from projects.models import Project

    project = Project.objects.open().filter(owner=rep).select_related("state__stage").order_by("pk").first()
    if StageChange.objects.filter(project=project, note=MARK).exists():
        return project
    current = project.state.stage
    other = (
        Stage.objects.filter(pipeline_id=current.pipeline_id, tier__in=OPEN_TIERS, is_archived=False)
        .exclude(pk=current.pk)
        .order_by("order")
        .first()
    )
    now = timezone.now()
    start = now - datetime.timedelta(days=180)
    step = datetime.timedelta(days=180) / 520
    with transaction.atomic():
        # Back and forth between two open stages, ending where the project stands.
        changes = []
        for i in range(150):
            to_stage = current if i % 2 == 1 else other
            from_stage = other if to_stage == current else current
            changes.append(
                StageChange(
                    project=project,
                    from_stage=from_stage,
                    to_stage=to_stage,
                    from_tier=from_stage.tier,
                    to_tier=to_stage.tier,
                    at=start + step * (i * 3),
                    by=rep,
                    note=MARK,
                )
            )
        StageChange.objects.bulk_create(changes)
        amount = Decimal("500000")
        budgets = []
        for i in range(100):
            new = amount + Decimal(10_000 * ((i % 7) - 3) or 5_000)
            budgets.append(
                BudgetChange(
                    project=project,
                    old=amount,
                    new=new,
                    effective_on=(start + step * (i * 5 + 1)).date(),
                    by=rep,
                    reason="基准测试：预算调整" if new < amount else "",
                )
            )
            amount = new
        BudgetChange.objects.bulk_create(budgets)
        Project.objects.filter(pk=project.pk).update(budget=amount)
        Activity.objects.bulk_create(
            Activity(
                customer_id=project.customer_id,
                project=project,
                kind=("call", "visit", "meeting", "message", "email")[i % 5],
                occurred_at=start + step * (i * 3 + 1),
                summary=f"基准测试：第{i + 1}次联系",
                by=rep,
            )
            for i in range(150)
        )
        competitors = [
            services.competitor_save(
                user=rep,
                project=project,
                data={"kind": "external", "name": f"基准竞争对手{i + 1}", "threat": "medium"},
            )
            for i in range(5)
        ]
        threats = ("low", "medium", "high")
        for i in range(95):
            competitor = Competitor.objects.get(pk=competitors[i % 5].pk)
            services.competitor_save(
                user=rep,
                project=project,
                competitor=competitor,
                data={"threat": threats[(i // 5 + 1) % 3], "offering": f"报价第{i + 1}版"},
                version=competitor.version,
            )
    return project


def event_counts(project):
    from pipeline.models import Activity, BudgetChange, Competitor, StageChange

    history = Competitor.history.model
    return {
        "stage changes": StageChange.objects.filter(project=project).count(),
        "budget changes": BudgetChange.objects.filter(project=project).count(),
        "activities": Activity.objects.filter(project=project).count(),
        "competitor changes": history.objects.filter(project_id=project.pk).count(),
    }


# --------------------------------------------------------------------------- measuring: pages and services


def with_cpu(measurement, call, repeat):
    """Add this process's CPU time per call (median) to the note: on a shared machine the wall time
    includes waiting for a CPU; this is the application's own work (the database's is in db ms)."""
    if measurement.timing is None:
        return measurement
    times = []
    for _ in range(max(3, repeat // 3)):
        started = time.process_time()
        call()
        times.append(time.process_time() - started)
    measurement.note = f"app CPU {statistics.median(times) * 1000:.0f} ms"
    return measurement


@contextlib.contextmanager
def production_templates():
    """Templates rendered as in production: the test environment (on for ``response.context``)
    copies the whole context for every template and partial rendered (Django's
    ``template_rendered`` signal), about 0.1 ms each, which on template-heavy pages (My day,
    the board, the project page) doubled this process's CPU time. Queries are still captured."""
    from django.template import Template
    from django.test.utils import _TestState

    instrumented = Template._render
    Template._render = _TestState.saved_data.template_render
    try:
        yield
    finally:
        Template._render = instrumented


def get(client, label, url, repeat, rows):
    """One instrumented request for the rows column, then the timed ones (and the CPU
    ones) rendered as in production."""
    response = client.get(url)
    if response.status_code != 200:
        return Measurement(label, status=response.status_code)
    rows_text = rows(response)
    with production_templates():
        measurement = measure_get(client, label, url, repeat, lambda _response: rows_text)
        return with_cpu(measurement, lambda: client.get(url), repeat)


def measure_pages(clients, repeat):
    results = []
    for persona in ("rep", "rep20", "lead"):
        results.append(get(clients[persona], f"{persona}: /my-day/", "/my-day/", repeat, rows_of_my_day))
        results.append(get(clients[persona], f"{persona}: / (start page)", "/", repeat, lambda r: ""))
    for persona in ("rep", "rep20", "lead"):
        results.append(get(clients[persona], f"{persona}: /board/", "/board/", repeat, rows_of_board))
    for persona in ("rep", "rep20", "lead"):
        results.append(get(clients[persona], f"{persona}: /api/v1/board/", "/api/v1/board/", repeat, rows_of_api_board))
    return results


def measure_timeline(clients, project, repeat):
    counts = event_counts(project)
    events = f"{sum(counts.values())} events"
    cases = [
        (f"/projects/{project.pk}/", lambda r: events),
        (f"/projects/{project.pk}/pipeline/changes/", lambda r: events),
        (f"/api/v1/projects/{project.pk}/history/", rows_of_history),
        (f"/api/v1/projects/{project.pk}/history/?page_size=200", rows_of_history),
    ]
    return [get(clients["rep"], f"rep: {url}", url, repeat, rows) for url, rows in cases], counts


class Rollback(Exception):
    pass


def rolled_back(call):
    """``call()`` in a transaction that is undone afterwards (its answer kept)."""
    from django.db import transaction

    result = None
    try:
        with transaction.atomic():
            result = call()
            raise Rollback
    except Rollback:
        pass
    return result


def move_case(rep, exclude):
    """One of the rep's open projects and a later open stage a move to passes the exit checks for."""
    from pipeline import services
    from pipeline.models import OPEN_TIERS, Stage
    from projects.models import Project
    from teams.errors import DomainError

    for project in Project.objects.open().filter(owner=rep).exclude(pk=exclude).select_related("state__stage")[:50]:
        current = project.state.stage
        later = Stage.objects.filter(
            pipeline_id=current.pipeline_id, order__gt=current.order, tier__in=OPEN_TIERS, is_archived=False
        ).order_by("order")
        for stage in later[:3]:
            try:
                rolled_back(lambda p=project, s=stage: services.project_move(user=rep, project=p, stage=s))
            except DomainError:
                continue
            return project, stage
    return None, None


def measure_services(users, exclude, repeat):
    from django.utils import timezone

    from pipeline import services
    from projects.models import Project

    rep = users["rep"]
    results = []
    project, stage = move_case(rep, exclude)
    if project is None:
        results.append(Measurement("project_move", status="no case", note="no open project a move passes"))
    else:

        def move():
            fresh = Project.objects.get(pk=project.pk)
            return rolled_back(lambda: services.project_move(user=rep, project=fresh, stage=stage))

        label = f"project_move {project.state.stage.key} → {stage.key}"
        results.append(Measurement(label, status="ok", timing=Timing(move, repeat), rows=f"project {project.pk}"))
        project = Project.objects.select_related("customer").get(pk=project.pk)
        contact = project.customer.contacts.order_by("pk").first()

        def log():
            fresh = Project.objects.get(pk=project.pk)
            return rolled_back(
                lambda: services.activity_log(
                    user=rep,
                    kind="call",
                    occurred_at=timezone.now(),
                    summary="基准测试：电话沟通",
                    project=fresh,
                    contacts=[contact] if contact else [],
                    next_contact_on=services.today() + datetime.timedelta(days=7),
                )
            )

        rows = f"project {project.pk}, {1 if contact else 0} contact"
        timing = Timing(log, repeat)
        results.append(Measurement("activity_log (call, 1 contact)", status="ok", timing=timing, rows=rows))
    return results


# --------------------------------------------------------------------------- EXPLAIN


def explain_sql(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def plan_facts(plan):
    used = sorted({match for line in plan for match in INDEX_RE.findall(line)})
    scans = sorted({line.split("Seq Scan on ")[1].split()[0] for line in plan if "Seq Scan on " in line})
    return used, scans


def captured_sql(call, predicate):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return [q["sql"] for q in captured.captured_queries if predicate(q["sql"])]


def explain_my_day(users):
    """My day's overdue section (rows and total in one query) for the rep and the lead."""
    from django.utils import timezone

    from pipeline import services
    from pipeline.selectors import my_day

    plans = []
    for persona in ("rep", "lead"):
        user = users[persona]
        today, now = services.today(), timezone.now()

        def overdue(user=user, today=today, now=now):
            return my_day.section(my_day.open_projects(user=user), "overdue", today=today, now=now)

        sqls = captured_sql(overdue, lambda sql: "projects_project" in sql)
        for sql in sqls:
            plans.append((f"My day overdue, {persona} ({user.username})", sql, explain_sql(sql)))
    return plans


# --------------------------------------------------------------------------- the reminders


def reminder_moments():
    """The pass runs at 07:30 company time today (before DIGEST_TIME: the digests are
    measured on their own); the sweep at 10:00 (no quiet hours by default) or, later in
    the day, now — ``sweep_moment`` takes it again after the pass."""
    from django.utils import timezone

    local = timezone.localtime()
    pass_at = local.replace(hour=7, minute=30, second=0, microsecond=0)
    sweep_at = sweep_moment()
    digest_at = local.replace(hour=8, minute=30, second=0, microsecond=0)
    return pass_at, sweep_at, digest_at


def sweep_moment():
    """When the sweep runs: 10:00 company time today, or now when that has passed.

    Taken after the pass: the pass is told it runs at 07:30, but its deliveries are
    due when they were created (``Delivery.next_attempt_at`` defaults to the clock's
    now, as it must in production). A sweep moment taken before the pass was earlier
    than every delivery whenever the benchmark ran after 10:00 Shanghai time (02:00
    UTC): the sweep found none due and measured "0 sent" (3 December)."""
    from django.utils import timezone

    local = timezone.localtime()
    return max(local, local.replace(hour=10, minute=0, second=0, microsecond=0))


REMINDER_KINDS = ("overdue", "escalation", "digest", "team_digest")


def reminders_prepare(*, today, overdue):
    """Everything overdue is told already except ``overdue`` projects spread over the
    table: what is left from the last run is removed, then the rest is pre-told in SQL."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from projects.models import Project
    from teams.company_settings import company_settings

    project_type = ContentType.objects.get_for_model(Project).pk
    escalate_before = today - datetime.timedelta(days=company_settings().escalation_days)
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM teams_delivery WHERE notification_id IN "
            "(SELECT id FROM teams_notification WHERE kind = ANY(%s))",
            [list(REMINDER_KINDS)],
        )
        cursor.execute("DELETE FROM teams_notification WHERE kind = ANY(%s)", [list(REMINDER_KINDS)])
        cursor.execute(
            """
            SELECT count(*) FROM projects_project p JOIN teams_user u ON u.id = p.owner_id
            WHERE p.closed_at IS NULL AND p.next_contact_on < %s AND u.is_active
            """,
            [today],
        )
        total = cursor.fetchone()[0]
        every = max(1, total // max(overdue, 1))
        # The untold: every ``every``-th overdue project by id, ``overdue`` of them.
        cursor.execute("DROP TABLE IF EXISTS bench_untold")
        cursor.execute(
            """
            CREATE TEMP TABLE bench_untold AS
            SELECT id FROM (
                SELECT p.id, row_number() OVER (ORDER BY p.id) AS n
                FROM projects_project p JOIN teams_user u ON u.id = p.owner_id
                WHERE p.closed_at IS NULL AND p.next_contact_on < %s AND u.is_active
            ) numbered WHERE n %% %s = 0 LIMIT %s
            """,
            [today, every, overdue],
        )
        cursor.execute("SELECT count(*) FROM bench_untold")
        untold = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO teams_notification (user_id, kind, target_type_id, target_id, due_on, data, created_at, read_at)
            SELECT p.owner_id, 'overdue', %s, p.id, p.next_contact_on, '{}', now() - interval '1 day', now()
            FROM projects_project p JOIN teams_user u ON u.id = p.owner_id
            WHERE p.closed_at IS NULL AND p.next_contact_on < %s AND u.is_active
              AND p.id NOT IN (SELECT id FROM bench_untold)
            """,
            [project_type, today],
        )
        told = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO teams_notification (user_id, kind, target_type_id, target_id, due_on, data, created_at, read_at)
            SELECT t.lead_id, 'escalation', %s, p.id, p.next_contact_on, '{}', now() - interval '1 day', now()
            FROM projects_project p JOIN teams_team t ON t.id = p.team_id JOIN teams_user l ON l.id = t.lead_id
            WHERE p.closed_at IS NULL AND p.next_contact_on < %s AND l.is_active
              AND p.id NOT IN (SELECT id FROM bench_untold)
            """,
            [project_type, escalate_before],
        )
        escalated = cursor.rowcount
        cursor.execute("VACUUM ANALYZE teams_notification")
        cursor.execute("VACUUM ANALYZE teams_delivery")
    return {
        "overdue": total,
        "untold": untold,
        "pre-told reminders": told,
        "pre-told escalations": escalated,
        "seconds": time.monotonic() - started,
    }


def purge_queue():
    """The pass queued one Celery message per delivery (Redis db of REDIS_URL); the sweep sent them."""
    from funnel_crm.celery import app

    try:
        return app.control.purge()
    except Exception as error:  # a broker that is down: nothing was queued
        return f"not purged ({type(error).__name__})"


@contextlib.contextmanager
def enqueue_timer():
    """How long queueing the deliveries' Celery messages takes (``deliver_notification.apply_async``)."""
    from teams.tasks import deliver_notification

    spent = {"messages": 0, "seconds": 0.0}
    original = deliver_notification.apply_async

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent["messages"] += 1
            spent["seconds"] += time.perf_counter() - started

    deliver_notification.apply_async = timed
    try:
        yield spent
    finally:
        deliver_notification.apply_async = original


def counted(call):
    """(answer, seconds, queries, seconds in queries, the first 20,000 queries) of ``call()``: counted
    with an execute wrapper, as CaptureQueriesContext stops counting at 9,000 queries."""
    from django.db import connection

    seen = {"n": 0, "db": 0.0, "sql": []}

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen["n"] += 1
            seen["db"] += time.perf_counter() - started
            if len(seen["sql"]) < 20_000:
                seen["sql"].append({"sql": sql})

    with connection.execute_wrapper(wrapper):
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return result, seconds, seen["n"], seen["db"], seen["sql"]


def measure_reminders(args):
    from django.core import mail
    from django.utils import timezone

    from pipeline import reminders
    from teams.notifications.delivery import deliveries_sweep
    from teams.notifications.models import Delivery, DeliveryState, Notification

    pass_at, _sweep_at, digest_at = reminder_moments()
    today = timezone.localdate(pass_at)
    setup = reminders_prepare(today=today, overdue=args.overdue)
    plans = []
    sqls = captured_sql(lambda: list(reminders.overdue_untold(today=today)[: reminders.CHUNK]), lambda s: True)
    plans.append(("overdue_untold, before the pass (10,000 untold)", sqls[0], explain_sql(sqls[0])))
    results = []
    before = Notification.objects.count()
    with enqueue_timer() as enqueued:
        summary, seconds, n, db, queries = counted(lambda: reminders.reminder_pass(now=pass_at))
    created = Notification.objects.count() - before
    deliveries = Delivery.objects.filter(state=DeliveryState.PENDING).count()
    results.append(
        (
            "reminder_pass, first",
            seconds,
            n,
            db,
            f"{summary['reminders']:,} reminders, {summary['escalations']:,} escalations, "
            f"{created:,} notifications, {deliveries:,} deliveries; "
            f"{enqueued['messages']:,} Celery messages queued in {enqueued['seconds']:.2f} s",
        )
    )
    first_queries = queries
    summary, seconds, n, db, _queries = counted(lambda: reminders.reminder_pass(now=pass_at))
    results.append(
        (
            "reminder_pass, second (nothing new)",
            seconds,
            n,
            db,
            f"{summary['reminders']} reminders, {summary['escalations']} escalations",
        )
    )
    sqls = captured_sql(lambda: list(reminders.overdue_untold(today=today)[: reminders.CHUNK]), lambda s: True)
    plans.append(("overdue_untold, after the pass (none untold)", sqls[0], explain_sql(sqls[0])))
    # Deliveries: the sweep in this process (one worker), the locmem mail backend of the test environment.
    mail.outbox = []
    pending = Delivery.objects.filter(state=DeliveryState.PENDING).count()

    wanted = args.deliver or pending
    sweep_at = sweep_moment()
    due = Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=sweep_at).count()

    def sweep_all():
        sent = rounds = 0
        while sent < wanted:
            done = deliveries_sweep(now=sweep_at, limit=min(500, wanted - sent))
            rounds += 1
            sent += done["sent"]
            if not done["sent"] and not done["failed"]:
                break
        return sent, rounds

    (sent, rounds), seconds, n, db, _queries = counted(sweep_all)
    results.append(
        (
            f"deliveries_sweep, {wanted:,} of {pending:,} pending ({due:,} due)",
            seconds,
            n,
            db,
            f"{sent:,} sent in {rounds} sweeps, {len(mail.outbox):,} e-mails; {sent / seconds:,.0f}/s per worker"
            if seconds
            else "",
        )
    )
    mail.outbox = []
    # The morning digests, measured apart from the pass: one per rep with something to do, one per lead.
    sent, seconds, n, db, _queries = counted(lambda: reminders.digests_send(now=digest_at))
    results.append(("digests_send (08:30)", seconds, n, db, f"{sent:,} digests"))
    queued = purge_queue()
    return setup, results, plans, first_queries, queued


def bell_prepare(rows, users):
    """``rows`` read-or-unread notifications (kind mention, no due date) spread over
    ``users`` users, once: INSERT … SELECT generate_series. One in twenty is unread."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM teams_notification WHERE kind = 'mention'")
        have = cursor.fetchone()[0]
        if have >= rows:
            # Inserted by an earlier run (or by hand): the count's index-only scan needs a vacuumed table.
            cursor.execute("VACUUM ANALYZE teams_notification")
            return have, None
        started = time.monotonic()
        cursor.execute(
            """
            INSERT INTO teams_notification (user_id, kind, data, created_at, read_at)
            SELECT ids.a[1 + (g %% array_length(ids.a, 1))], 'mention', '{}',
                   now() - make_interval(secs => g),
                   CASE WHEN g %% 20 = 0 THEN NULL ELSE now() END
            FROM (SELECT array_agg(id ORDER BY id) AS a FROM
                    (SELECT id FROM teams_user WHERE is_active ORDER BY id LIMIT %s) u) ids,
                 generate_series(%s, %s) g
            """,
            [users, have + 1, rows],
        )
        cursor.execute("VACUUM ANALYZE teams_notification")
        return rows, time.monotonic() - started


def measure_bell(args):
    from django.db.models import Count, Q

    from teams.models import User
    from teams.notifications.models import Notification
    from teams.notifications.selectors import unread_count

    total, seconds = bell_prepare(args.bell_rows, args.bell_users)
    busiest = (
        Notification.objects.filter(kind="mention")
        .values("user")
        .annotate(n=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True)))
        .order_by("-unread")
        .first()
    )
    user = User.objects.get(pk=busiest["user"])
    timing = Timing(lambda: unread_count(user=user), args.repeat)
    label = f"unread_count(user={user.username})"
    rows = f"{timing.result:,} unread of {busiest['n']:,} (table {Notification.objects.count():,})"
    measurement = Measurement(label, status="ok", timing=timing, rows=rows)
    sqls = captured_sql(lambda: unread_count(user=user), lambda s: True)
    plan = ("unread_count", sqls[0], explain_sql(sqls[0]))
    return measurement, plan, total, seconds


# --------------------------------------------------------------------------- report


def print_plans(title, plans):
    print(f"\n{title}")
    for label, sql, plan in plans:
        used, scans = plan_facts(plan)
        print(f"\n== {label}")
        print(f"   {shorten_sql(sql)}")
        print(f"   indexes used: {', '.join(used) or 'none'}; sequential scans: {', '.join(scans) or 'none'}")
        for line in plan:
            print("   " + line)


def median_ms(measurement):
    return statistics.median(measurement.timing.times) * 1000 if measurement.timing else None


def query_counts(measurement):
    return sorted(set(measurement.timing.counts)) if measurement.timing else []


def main():
    args = parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    _url, server_url = database_urls(args.db)
    seeded = prepare(
        args,
        seed=seed,
        schema_is_current=lambda: schema_is_current(("accounts", "projects", "pipeline")),
    )
    try:
        counts, version, shared_buffers, size = row_counts()
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"\n{version}, shared_buffers {shared_buffers}, {os.cpu_count()} CPUs (load {load}); database {size}")
        if seeded is not None:
            print(f"Seeding took {seeded:.0f} s.")
        table("Rows per table", ["table", "rows", "size with indexes"], [(t, f"{n:,}", s) for t, n, s in counts])
        users, clients, open_counts = personas()
        who = [f"{p} = {users[p].username} ({open_counts[p]:,} open projects)" for p in ("rep", "rep20", "lead")]
        print("\nPersonas: " + ", ".join(who))
        project = showcase_project(users["rep"])
        pages = measure_pages(clients, args.repeat)
        table(f"My day, start page, board (median of {args.repeat})", HEADERS, [m.cells() for m in pages])
        timeline, events = measure_timeline(clients, project, args.repeat)
        events_text = ", ".join(f"{n} {k}" for k, n in events.items())
        title = f"Project {project.pk} with {events_text} (median of {args.repeat})"
        table(title, HEADERS, [m.cells() for m in timeline])
        services_ = measure_services(users, project.pk, args.repeat)
        table(f"Services, rolled back each time (median of {args.repeat})", HEADERS, [m.cells() for m in services_])
        slow = [m for m in pages + timeline if m.timing and m.timing.slowest and m.timing.slowest[0] >= SLOW_QUERY]
        if slow:
            print(f"\nSlowest query of each request above with one of {SLOW_QUERY * 1000:.0f} ms or more")
            for m in slow:
                seconds, sql = m.timing.slowest
                print(f"\n-- {m.label} ({seconds * 1000:.0f} ms)\n   {shorten_sql(sql)}")
        print_plans("EXPLAIN (ANALYZE, BUFFERS) of My day's overdue section", explain_my_day(users))

        bell, bell_plan, bell_rows, bell_seconds = measure_bell(args)
        if bell_seconds is not None:
            print(f"\nInserted {bell_rows:,} notifications for the bell in {bell_seconds:.0f} s (with VACUUM ANALYZE).")
        setup, reminder_rows, reminder_plans, first_queries, queued = measure_reminders(args)
        print(
            f"\nReminders: {setup['overdue']:,} open projects overdue; {setup['untold']:,} left untold, "
            f"{setup['pre-told reminders']:,} reminders and {setup['pre-told escalations']:,} escalations "
            f"written as told ({setup['seconds']:.0f} s). Celery queue purged: {queued}."
        )
        table(
            "The reminder pass and the deliveries (one run each)",
            ["measurement", "wall s", "queries", "db s", "rows"],
            [(label, f"{s:.2f}", f"{n:,}", f"{db:.2f}", rows) for label, s, n, db, rows in reminder_rows],
        )
        kinds = {}
        for q in first_queries:
            sql = q["sql"].lstrip()
            key = sql[:60].split(" WHERE")[0]
            kinds[key] = kinds.get(key, 0) + 1
        print("\nQueries of the first pass by their beginning (the most frequent first):")
        for key, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:8]:
            print(f"  {n:6,}  {key}")
        print_plans("EXPLAIN (ANALYZE, BUFFERS) of overdue_untold (one chunk)", reminder_plans)
        table(f"The bell (median of {args.repeat})", HEADERS, [bell.cells()])
        print_plans("EXPLAIN (ANALYZE, BUFFERS) of the bell's count", [bell_plan])

        summary(pages, timeline, services_, reminder_rows, bell, open_counts)
        print(f"  Load average at the end: {', '.join(f'{n:.1f}' for n in os.getloadavg())} ({os.cpu_count()} CPUs).")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(server_url, args.db)
            print(f"\nDropped database {args.db} (use --keep to reuse it).")


def summary(pages, timeline, services_, reminder_rows, bell, open_counts):
    by_label = {m.label: m for m in pages + timeline + services_}
    rows = []

    def add(label, measurement, target):
        if measurement is None:
            return
        ms = median_ms(measurement)
        verdict = "" if target is None or ms is None else ("ok" if ms <= target else "MISSED")
        q = query_counts(measurement)
        rows.append(
            (
                label,
                "-" if ms is None else f"{ms:.1f}",
                "-" if not q else "/".join(map(str, q)),
                "-" if target is None else f"≤ {target}",
                verdict,
                measurement.note.removeprefix("app CPU ").removesuffix(" ms"),
            )
        )

    for persona, target in (("rep", "my_day_rep"), ("rep20", "my_day_rep"), ("lead", "my_day_lead")):
        n = open_counts[persona]
        add(f"My day, {persona} ({n:,} open)", by_label.get(f"{persona}: /my-day/"), TARGETS[target])
        add(f"start page, {persona}", by_label.get(f"{persona}: / (start page)"), TARGETS[target])
        add(f"board, {persona}", by_label.get(f"{persona}: /board/"), None)
        add(f"API board, {persona}", by_label.get(f"{persona}: /api/v1/board/"), None)
    for m in services_:
        add(m.label, m, TARGETS["move"] if m.label.startswith("project_move") else TARGETS["activity"])
    for m in timeline:
        add(m.label.replace("rep: ", "500 events: "), m, TARGETS["timeline"] if "changes" in m.label else None)
    add("bell unread_count", bell, TARGETS["unread"])
    headers = ["figure", "ms", "queries", "target", "", "app CPU ms"]
    table("Summary (median wall ms; queries; this process's CPU ms per call)", headers, rows)
    for label, seconds, n, _db, what in reminder_rows:
        print(f"  {label}: {seconds:.2f} s, {n:,} queries; {what}")
    same = all(
        query_counts(by_label[f"rep: {page}"]) == query_counts(by_label[f"rep20: {page}"])
        for page in ("/my-day/", "/ (start page)", "/board/", "/api/v1/board/")
        if f"rep: {page}" in by_label and f"rep20: {page}" in by_label
    )
    verdict = "yes" if same else "NO"
    print(f"  Same query counts for {open_counts['rep20']} and {open_counts['rep']} open projects: {verdict}")


if __name__ == "__main__":
    main()
