"""What the outage drills (deploy/drills/*.sh) do inside the application.

    python deploy/drills/drill.py traffic SECONDS [URL]   users working: pages, API writes, /healthz
    python deploy/drills/drill.py overdue N FILE [DAYS]    make N open projects overdue; ids into FILE
    python deploy/drills/drill.py told FILE                overdue reminders and their deliveries for them
    python deploy/drills/drill.py complete FILE            told, exiting 0 once each was told exactly once
    python deploy/drills/drill.py passes                   reminder passes started / finished

``traffic`` logs a rep in (seeded login t1_rep1, the demo password) and, once a second,
opens My day and a customer search, logs a contact through the API and asks /healthz;
it prints the answers per endpoint per ten seconds and in all. The other commands read
and write the drill's database through Django (DATABASE_URL of the drill).
"""

import collections
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = os.environ.get("DRILL_PASSWORD", "funnel-demo-2026")
USERNAME = os.environ.get("DRILL_USER", "t1_rep1")


def django_setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "funnel_crm.settings")
    import django

    django.setup()


def traffic(seconds, url="http://127.0.0.1:18090"):
    import requests

    session = requests.Session()
    setup = 90  # seconds: the first requests of a loaded machine may queue behind the workers' start
    session.get(f"{url}/login/", timeout=setup)
    session.post(
        f"{url}/login/",
        data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies.get("csrftoken")},
        timeout=setup,
    )
    token = requests.post(
        f"{url}/api/v1/auth/token/", json={"username": USERNAME, "password": PASSWORD}, timeout=setup
    ).json()["token"]
    api = {"Authorization": f"Token {token}"}
    projects = requests.get(f"{url}/api/v1/projects/?page_size=20", headers=api, timeout=setup).json()["results"]
    project = next(p for p in projects if p["tier"] not in ("won", "lost"))
    print("ready: logged in as", USERNAME, flush=True)
    totals = collections.Counter()
    window, window_start = collections.Counter(), time.monotonic()
    end = time.monotonic() + seconds

    def hit(name, call):
        try:
            response = call()
            code = str(response.status_code)
            if name == "healthz" and response.status_code != 200:
                body = response.json()
                code += " " + ",".join(k for k in ("database", "broker") if body.get(k) == "down") + " down"
            elif response.status_code == 503 and name != "healthz":
                code += " friendly" if ("database" in response.text.lower() or "数据库" in response.text) else ""
        except requests.RequestException as error:
            code = type(error).__name__
        window[(name, code)] += 1
        totals[(name, code)] += 1

    while time.monotonic() < end:
        hit("My day", lambda: session.get(f"{url}/", timeout=15))
        hit("customer search", lambda: session.get(f"{url}/customers/?q=公司", timeout=15))
        hit(
            "log contact (API)",
            lambda: requests.post(
                f"{url}/api/v1/activities/",
                json={
                    "project": project["id"],
                    "kind": "call",
                    "occurred_at": datetime.datetime.now(datetime.UTC).isoformat(),
                    "summary": "演练：电话沟通",
                    "next_contact_on": (datetime.date.today() + datetime.timedelta(days=3)).isoformat(),
                },
                headers=api,
                timeout=15,
            ),
        )
        hit("healthz", lambda: requests.get(f"{url}/healthz", timeout=15))
        if time.monotonic() - window_start >= 10:
            stamp = datetime.datetime.now(datetime.UTC).strftime("%H:%M:%S")
            print(stamp, "  ".join(f"{n} {c}×{k}" for (n, c), k in sorted(window.items())), flush=True)
            window, window_start = collections.Counter(), time.monotonic()
        time.sleep(1)
    print("in all:", "  ".join(f"{n} {c}×{k}" for (n, c), k in sorted(totals.items())), flush=True)


def overdue(count, path, days_ago=1):
    """Give up to ``count`` open projects a next contact ``days_ago`` days back or, when
    somebody was already told of that date, the first earlier day nobody was."""
    django_setup()
    from django.utils import timezone

    from projects.models import Project
    from teams.notifications.models import Notification

    today = timezone.localdate()
    days_ago = int(days_ago)
    # A due date nobody was told of yet (the drill may run again on the same database).
    while Notification.objects.filter(due_on=today - datetime.timedelta(days=days_ago)).exists():
        days_ago += 1
    due = today - datetime.timedelta(days=days_ago)
    projects = Project.objects.open().filter(owner__is_active=True)
    ids = list(projects.order_by("pk").values_list("pk", flat=True)[: int(count)])
    Project.objects.filter(pk__in=ids).update(next_contact_on=due)
    Path(path).write_text("\n".join([due.isoformat(), *map(str, ids)]))
    print(f"{len(ids)} projects made overdue (next contact {due})")


def told(path, check=False):
    django_setup()
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count

    from projects.models import Project
    from teams.notifications.models import Delivery, Notification, NotificationKind

    due, *ids = Path(path).read_text().split()
    ids = [int(i) for i in ids]
    reminders = Notification.objects.filter(
        kind=NotificationKind.OVERDUE,
        target_type=ContentType.objects.get_for_model(Project),
        target_id__in=ids,
        due_on=due,
    )
    per_project = collections.Counter(reminders.values_list("target_id", flat=True))
    deliveries = dict(
        Delivery.objects.filter(notification__in=reminders).values_list("state").annotate(n=Count("id")).order_by()
    )
    print(
        f"overdue projects {len(ids)}: reminders {reminders.count()} "
        f"(projects told {len(per_project)}, told twice {sum(1 for n in per_project.values() if n > 1)}); "
        f"deliveries {deliveries or '{}'}"
    )
    if check:  # exit status 0 once every project was told exactly once
        sys.exit(0 if reminders.count() == len(per_project) == len(ids) else 1)


def complete(path):
    told(path, check=True)


def passes():
    django_setup()
    from pipeline.reminders import PASS_NAME
    from teams.notifications.models import TaskRun

    runs = TaskRun.objects.filter(name=PASS_NAME)
    print(f"reminder passes: started {runs.count()}, finished {runs.filter(finished_at__isnull=False).count()}")


def finished():
    django_setup()
    from pipeline.reminders import PASS_NAME
    from teams.notifications.models import TaskRun

    print(TaskRun.objects.filter(name=PASS_NAME, finished_at__isnull=False).count())


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    commands = {"overdue": overdue, "told": told, "complete": complete, "passes": passes, "finished": finished}
    commands["traffic"] = lambda seconds, *rest: traffic(float(seconds), *rest)
    commands[command](*args)
