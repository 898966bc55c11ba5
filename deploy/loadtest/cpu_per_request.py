"""CPU per request of the load test's endpoints, without the queueing: Django's test
client in one process, 7 runs after 2 warm-ups: the median CPU time of this process,
the mean CPU time of its PostgreSQL backend (read from /proc: the database on this
machine; /proc counts in 10 ms ticks) and the number of queries.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/funnel_load DEBUG=0 \
  .venv/bin/python deploy/loadtest/cpu_per_request.py          # t1_rep1's and t1_lead's pages
"""

import os
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "funnel_crm.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from projects.models import Project  # noqa: E402
from teams.models import User  # noqa: E402


def backend_cpu_ms() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(client, name, url):
    for _ in range(2):
        client.get(url)
    cpu, db = [], []
    for _ in range(7):
        db_start = backend_cpu_ms()
        start = time.process_time()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        cpu.append((time.process_time() - start) * 1000)
        db.append(backend_cpu_ms() - db_start)
    print(
        f"{name:32} {response.status_code:>4} {statistics.median(cpu):7.1f} ms CPU (Python)"
        f" {statistics.mean(db):6.1f} ms CPU (PostgreSQL, mean: 10 ms ticks) {len(queries):4} queries"
    )


def signed_in(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def main():
    rep = signed_in("t1_rep1")
    project = Project.objects.filter(owner__username="t1_rep1").values_list("pk", flat=True).first()
    measure(Client(), "login page (anonymous)", "/login/")
    measure(rep, "rep: My day", "/")
    measure(rep, "rep: customer search", "/customers/?q=科技")
    measure(rep, "rep: project page", f"/projects/{project}/")
    measure(rep, "rep: /api/v1/projects/{id}/", f"/api/v1/projects/{project}/")
    measure(rep, "rep: /api/v1/projects/ (mine)", "/api/v1/projects/?page_size=100")
    lead = signed_in("t1_lead")
    measure(lead, "lead: My team", "/")
    measure(lead, "lead: coaching dashboard", "/coaching/")
    measure(lead, "lead: board", "/board/")


if __name__ == "__main__":
    main()
