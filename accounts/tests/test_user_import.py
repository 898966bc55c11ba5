"""Bulk creation of users from a spreadsheet (accounts.importing.users): the checks, the all-or-nothing and
valid-rows-only commits as a background job, invitations, audit entries, and admins-only pages."""

import pytest
from django.core import mail

from accounts import importing
from accounts.models import UserImport
from accounts.views.imports import USER_IMPORT_PAGES
from teams.audit import AuditAction, AuditEntry
from teams.models import Job, JobStatus, Role, Team, User
from tests import sheets
from tests.factories import TeamFactory
from tests.sheets import named, page_download, read_xlsx

pytestmark = pytest.mark.django_db

HEADERS = [column.header for column in importing.USERS.columns.template]


def user_row(n, **overrides) -> dict:
    return {
        "username": f"new{n}",
        "display_name": f"新人{n}",
        "email": f"new{n}@example.com",
        "mobile": f"1381234{n:04d}",
        "role": "销售",
        "team": "华东一组",
        "password": "",
        **overrides,
    }


def user_file(rows) -> bytes:
    return sheets.template_csv(importing.USERS.columns.template, rows)


def check(admin, rows):
    return importing.USERS.dry_run(user=admin, content=user_file(rows), filename="users.csv")


def upload(admin, rows) -> UserImport:
    content = user_file(rows)
    report = importing.USERS.dry_run(user=admin, content=content, filename="users.csv")
    return UserImport.objects.create(user=admin, filename="users.csv", content=content, report=report)


def errors_of(report, number) -> dict:
    return next(row for row in report["rows"] if row["row"] == number)["errors"]


def run_commit(user, stored, run_jobs, **options) -> Job:
    with run_jobs():
        job = USER_IMPORT_PAGES.commit_in_background(
            user=user, stored=stored, options={"confirm_duplicates": False, "valid_only": False, **options}
        )
    job.refresh_from_db()
    return job


# --- the check -----------------------------------------------------------------------------------------------------


def test_each_bad_row_names_the_row_field_and_problem(admin, team, lead, other_team):
    TeamFactory(name="华北三组")
    User.objects.create_user(username="Taken", password="x")
    report = check(
        admin,
        [
            user_row(1),
            user_row(2, username="new1"),  # the same as row 2
            user_row(3, username="taken"),  # exists, another case
            user_row(4, team="火星组"),
            user_row(5, role="老板"),
            user_row(6, role="组长"),  # 华东一组 has its lead
            user_row(7, role="组长", team="华北三组"),
            user_row(8, role="组长", team="华北三组"),  # a second lead in the file
            user_row(9, email="not-an-address"),
            user_row(10, mobile="1234"),
            user_row(11, email=""),  # neither an invitation address nor a password
            user_row(12, password="123"),
            user_row(13, role="组长", team=""),
        ],
    )
    assert report["counts"]["ok"] == 2 and report["counts"]["error"] == 11
    assert errors_of(report, 2) == {}
    assert "row 2" in errors_of(report, 3)["用户名"][0]
    assert errors_of(report, 4)["用户名"] == ["A user with this username already exists."]
    assert errors_of(report, 5)["团队"] == ["No team is called “火星组”."]
    assert "老板" in errors_of(report, 6)["角色"][0] and "销售、组长、管理员" in errors_of(report, 6)["角色"][0]
    assert errors_of(report, 7)["团队"] == ["This team already has a lead."]
    assert errors_of(report, 8) == {}
    assert "Row 8" in errors_of(report, 9)["团队"][0]
    assert list(errors_of(report, 10)) == ["邮箱"]
    assert list(errors_of(report, 11)) == ["手机"]
    assert list(errors_of(report, 12)) == ["邮箱"]
    assert list(errors_of(report, 13)) == ["初始密码"]
    assert list(errors_of(report, 14)) == ["团队"]
    assert not User.objects.filter(username__startswith="new").exists()


# --- the commit ----------------------------------------------------------------------------------------------------


def test_all_or_nothing_creates_every_user_with_invitations_and_audit(admin, team, lead, run_jobs):
    TeamFactory(name="华北三组")
    stored = upload(
        admin,
        [user_row(1), user_row(2, password="Kx9!mq-long-2026", email=""), user_row(3, role="组长", team="华北三组")],
    )
    job = run_commit(admin, stored, run_jobs)

    assert job.status == JobStatus.DONE and job.result["created"] == 3
    invited, with_password, new_lead = (User.objects.get(username=f"new{n}") for n in (1, 2, 3))
    assert not invited.has_usable_password() and not invited.must_change_password
    assert with_password.check_password("Kx9!mq-long-2026") and with_password.must_change_password
    assert invited.team == team and invited.mobile == "13812340001" and invited.role == Role.REP
    assert Team.objects.get(name="华北三组").lead == new_lead and new_lead.role == Role.LEAD
    # Invitations only for the users without a password, after the commit.
    assert sorted(message.to[0] for message in mail.outbox) == ["new1@example.com", "new3@example.com"]
    created = AuditEntry.objects.filter(action=AuditAction.USER_CREATED)
    assert {entry.target_id for entry in created} == {str(u.pk) for u in (invited, with_password, new_lead)}
    assert all(entry.actor == admin for entry in created)
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT, actor=admin).count() == 1


def test_one_bad_row_means_no_user_and_no_mail(admin, team, lead, run_jobs):
    stored = upload(admin, [user_row(1), user_row(2, team="火星组")])
    job = run_commit(admin, stored, run_jobs)

    assert job.status == JobStatus.FAILED and "火星组" in job.error
    assert not User.objects.filter(username__startswith="new").exists()
    assert mail.outbox == [] and not AuditEntry.objects.filter(action=AuditAction.USER_CREATED).exists()


def test_valid_rows_only_creates_the_good_ones_and_returns_the_others_as_a_file(
    admin, admin_client, team, lead, run_jobs
):
    stored = upload(admin, [user_row(1), user_row(2, mobile="1234"), user_row(3)])
    job = run_commit(admin, stored, run_jobs, valid_only=True)

    assert job.status == JobStatus.DONE
    assert set(User.objects.filter(username__startswith="new").values_list("username", flat=True)) == {
        "new1",
        "new3",
    }
    failed_url = next(link["url"] for link in job.result["links"] if "failed-rows" in link["url"])
    rows = read_xlsx(page_download(admin_client, failed_url))
    assert rows[0] == [*HEADERS, "错误", "原行号"]
    assert len(rows) == 2 and rows[1][0] == "new2" and rows[1][-1] == "3"
    assert rows[1][-2].startswith("手机: ")


# --- pages and permissions -----------------------------------------------------------------------------------------


def test_admin_uploads_checks_and_commits_on_the_pages(admin_client, admin, team, lead, run_jobs):
    page = admin_client.get("/manage/users/").content.decode()
    assert "/users/import/" in page
    template = page_download(admin_client, "/users/import/template/?format=xlsx")
    assert read_xlsx(template)[0] == HEADERS

    response = admin_client.post("/users/import/", {"file": named(user_file([user_row(1)]), "users.csv")})
    stored = UserImport.objects.get()
    assert response.status_code == 302 and response.url == f"/users/import/{stored.pk}/"
    page = admin_client.get(response.url).content.decode()
    assert "new1" in page and "/commit/" in page
    with run_jobs():
        response = admin_client.post(f"/users/import/{stored.pk}/commit/")
    job = Job.objects.get()
    assert response.url == f"/jobs/{job.pk}/"
    assert "/users/import/" in admin_client.get(response.url).content.decode()
    assert User.objects.filter(username="new1").exists()


@pytest.mark.parametrize("persona", ["rep", "lead", "other_lead"])
@pytest.mark.parametrize("page", ["start", "template", "detail", "commit", "failed-rows", "upload"])
def test_only_admins_reach_the_user_import(client_for, admin, lead, persona, page, run_jobs):
    stored = upload(admin, [user_row(1)])
    client = client_for(persona)
    urls = {
        "start": "/users/import/",
        "template": "/users/import/template/?format=csv",
        "detail": f"/users/import/{stored.pk}/",
        "failed-rows": f"/users/import/{stored.pk}/failed-rows/?format=csv",
    }
    with run_jobs():
        if page == "commit":
            response = client.post(f"/users/import/{stored.pk}/commit/")
        elif page == "upload":
            response = client.post("/users/import/", {"file": named(user_file([user_row(2)]), "u.csv")})
        else:
            response = client.get(urls[page])
    assert response.status_code == 403
    assert not User.objects.filter(username__startswith="new").exists()
    assert UserImport.objects.count() == 1 and not Job.objects.exists()
    stored.refresh_from_db()
    assert stored.status == UserImport.Status.CHECKED
