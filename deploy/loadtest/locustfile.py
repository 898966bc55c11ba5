"""Load test of Funnel CRM (issue 15, point 5): a sales floor at peak.

Users log in as the seeded benchmark logins (``seed_demo --teams 100``: tN_rep1..8 and
tN_lead, the demo password), eight reps for each lead, and work like this:

- a rep opens My day, searches customers, opens a project, logs a contact on it
  (POST /api/v1/activities/, the same service the page's form uses) and edits it
  (PATCH /api/v1/projects/{id}/ with the version it read);
- a lead opens My team, the coaching dashboard and the board.

Each person thinks WAIT_MIN..WAIT_MAX seconds between clicks (default 5–15 s; plan.py).
The server runs with the production settings behind a stand-in for the HTTPS proxy: every
request carries the headers nginx adds (X-Forwarded-Proto: https, X-Forwarded-For) and the
browser's Referer, and the secure cookies are sent over the loopback's plain HTTP.

Run through ``deploy/loadtest/run.sh USERS DURATION`` or ``run.sh step START STOP STEP
DURATION`` (loopback only, headless, bounded). With LOADTEST_RECORD=PREFIX every request
is written to PREFIX-requests.csv (end time, name, ms, failed) and the moments the number
of users changes to PREFIX-marks.csv: summarise.py's step table reads them.
"""

import csv
import datetime
import itertools
import os
import random
import time

from locust import HttpUser, LoadTestShape, between, events, task
from plan import Steps, think_time
from requests.cookies import RequestsCookieJar

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "funnel-demo-2026")
TEAMS = int(os.environ.get("LOADTEST_TEAMS", "100"))
SEARCHES = ["科技", "有限公司", "华", "信息", "电子", "上海", "医疗", "13"]
# One login per simulated user, spread over the teams: rep k of team n is tn_repk.
_reps = itertools.count()
_leads = itertools.count()
_addresses = itertools.count()
WAIT_MIN, WAIT_MAX = think_time(os.environ)
# Step mode (run.sh step START STOP STEP DURATION): the StepLoad shape at the end.
STEP_USERS = os.environ.get("STEP_USERS", "")


class Recorder:
    """Every request and every change in the number of users, with the time (LOADTEST_RECORD)."""

    def __init__(self, prefix):
        self.requests = self.marks = None
        if prefix:
            self.requests_file = open(f"{prefix}-requests.csv", "w", newline="")  # noqa: SIM115
            self.requests = csv.writer(self.requests_file)
            self.requests.writerow(["t", "type", "name", "ms", "failed"])
            self.marks_file = open(f"{prefix}-marks.csv", "w", newline="")  # noqa: SIM115
            self.marks = csv.writer(self.marks_file)
            self.marks.writerow(["t", "users"])

    def request(self, request_type, name, response_time, exception=None, **_):
        if self.requests:
            self.requests.writerow(
                [f"{time.time():.3f}", request_type, name, f"{response_time:.0f}", int(bool(exception))]
            )

    def mark(self, users):
        if self.marks:
            self.marks.writerow([f"{time.time():.3f}", users])
            self.marks_file.flush()

    def close(self):
        if self.requests:
            self.marks_file.close()
            self.requests_file.close()


RECORD = Recorder(os.environ.get("LOADTEST_RECORD"))
events.request.add_listener(RECORD.request)


@events.spawning_complete.add_listener
def _all_users_started(user_count, **_):
    if not STEP_USERS:  # fixed mode: the figures start once every user has logged in
        RECORD.mark(user_count)


@events.test_stop.add_listener
def _stopped(**_):
    RECORD.mark(0)


@events.quitting.add_listener
def _quitting(**_):
    RECORD.close()


class BehindTheProxyJar(RequestsCookieJar):
    """The session and CSRF cookies are Secure; the browser gets them over HTTPS and the proxy
    passes them on over plain HTTP: keep them, and send them over the loopback's HTTP (requests
    copies the jar for every request, so a cookie policy on it would not last)."""

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class FunnelUser(HttpUser):
    abstract = True
    wait_time = between(WAIT_MIN, WAIT_MAX)  # seconds a person reads or types before the next click

    def on_start(self):
        # What nginx adds in production (SECURE_PROXY_SSL_HEADER, PROXY_COUNT=1): the request
        # came over HTTPS from this person's own address. Django then checks the Referer of
        # every POST against https://host, as a browser's would be.
        n = next(_addresses)
        origin = "https://" + self.host.split("://", 1)[1].rstrip("/")
        self.client.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": f"10.{n // 62500 % 250}.{n // 250 % 250}.{n % 250 + 1}",
                "Referer": origin + "/",
            }
        )
        self.client.cookies = BehindTheProxyJar()

    def log_in(self, username):
        self.client.get("/login/", name="login page")
        token = self.client.cookies.get("csrftoken")
        with self.client.post(
            "/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="log in",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {username} answered {response.status_code}")
        self.csrf = self.client.cookies.get("csrftoken")

    def api_headers(self):
        return {"X-CSRFToken": self.csrf}


class Rep(FunnelUser):
    weight = 8

    def on_start(self):
        super().on_start()
        n = next(_reps)
        self.log_in(f"t{n // 8 % TEAMS + 1}_rep{n % 8 + 1}")
        response = self.client.get("/api/v1/projects/?page_size=100", name="/api/v1/projects/ (mine)")
        self.projects = [p["id"] for p in response.json().get("results", [])] if response.ok else []

    @task(5)
    def my_day(self):
        self.client.get("/", name="My day")

    @task(3)
    def search_customers(self):
        self.client.get(f"/customers/?q={random.choice(SEARCHES)}", name="/customers/?q=…")

    @task(3)
    def open_project(self):
        if self.projects:
            self.client.get(f"/projects/{random.choice(self.projects)}/", name="/projects/{id}/")

    @task(2)
    def log_contact(self):
        if not self.projects:
            return
        today = datetime.date.today()
        self.client.post(
            "/api/v1/activities/",
            json={
                "project": random.choice(self.projects),
                "kind": "call",
                "occurred_at": datetime.datetime.now(datetime.UTC).isoformat(),
                "summary": "电话沟通，客户确认了需求范围。",
                "next_contact_on": (today + datetime.timedelta(days=7)).isoformat(),
            },
            headers=self.api_headers(),
            name="log contact (POST /api/v1/activities/)",
        )

    @task(1)
    def edit_project(self):
        if not self.projects:
            return
        pk = random.choice(self.projects)
        current = self.client.get(f"/api/v1/projects/{pk}/", name="/api/v1/projects/{id}/")
        if not current.ok:
            return
        with self.client.patch(
            f"/api/v1/projects/{pk}/",
            json={"scope": f"范围更新 {random.randint(1, 10**6)}", "version": current.json()["version"]},
            headers=self.api_headers(),
            name="edit project (PATCH /api/v1/projects/{id}/)",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                response.success()  # another session of the same rep changed it first: the version check at work


class Lead(FunnelUser):
    weight = 1

    def on_start(self):
        super().on_start()
        self.log_in(f"t{next(_leads) % TEAMS + 1}_lead")

    @task(2)
    def my_team(self):
        self.client.get("/", name="My team")

    @task(3)
    def dashboard(self):
        self.client.get("/coaching/", name="coaching dashboard")

    @task(3)
    def board(self):
        self.client.get("/board/", name="board")


# Step mode (run.sh step START STOP STEP DURATION sets STEP_USERS): Locust uses this shape
# instead of -u/-t. Defined only then: a shape class in the file always wins.
if STEP_USERS:
    STEPS = Steps.parse(STEP_USERS, os.environ.get("SPAWN_RATE", ""), os.environ.get("SETTLE", ""))

    class StepLoad(LoadTestShape):
        """START users, then START+STEP, ... up to STOP, each for the step's duration."""

        current = None

        def tick(self):
            users = STEPS.users_at(self.get_run_time())
            if users != self.current:
                self.current = users
                if users is not None:
                    RECORD.mark(users)
            return None if users is None else (users, STEPS.spawn_rate)
