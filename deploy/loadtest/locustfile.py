"""Load test of Funnel CRM (issue 15, point 5): a sales floor at peak.

Users log in as the seeded benchmark logins (``seed_demo --teams 100``: tN_rep1..8 and
tN_lead, the demo password), eight reps for each lead, and work like this:

- a rep opens My day, searches customers, opens a project, logs a contact on it
  (POST /api/v1/activities/, the same service the page's form uses) and edits it
  (PATCH /api/v1/projects/{id}/ with the version it read);
- a lead opens My team, the coaching dashboard and the board.

Run through ``deploy/loadtest/run.sh USERS DURATION`` (loopback only, headless, bounded).
"""

import datetime
import itertools
import os
import random

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "funnel-demo-2026")
TEAMS = int(os.environ.get("LOADTEST_TEAMS", "100"))
SEARCHES = ["科技", "有限公司", "华", "信息", "电子", "上海", "医疗", "13"]
# One login per simulated user, spread over the teams: rep k of team n is tn_repk.
_reps = itertools.count()
_leads = itertools.count()


class FunnelUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)  # seconds a person reads before the next click

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
        return {"X-CSRFToken": self.csrf, "Referer": self.host + "/"}


class Rep(FunnelUser):
    weight = 8

    def on_start(self):
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
