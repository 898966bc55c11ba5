"""The admin's buttons on users and teams (issue 12): deactivate, reactivate, reset
password, move a rep, make a lead; the team page with book sizes; archiving a team;
no API token for a password that must be changed."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Customer
from projects.models import Project
from teams import services
from teams.audit import AuditAction, AuditEntry
from teams.models import Role, Team, User
from tests.factories import CustomerFactory, ProjectFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Right-Passw0rd-1"


def _action(client, user, action, data=None):
    return client.post(reverse("teams:user_action", args=[user.pk, action]), data or {}, HTTP_ACCEPT_LANGUAGE="en")


def _logged_in(user):
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_deactivate_ends_sessions_and_token_and_keeps_records(client_for, rep):
    customer = CustomerFactory(owner=rep)
    Token.objects.create(user=rep)
    reps_browser = _logged_in(rep)
    admin = client_for("admin")
    assert admin.get(reverse("teams:user_action", args=[rep.pk, "deactivate"])).status_code == 200
    response = _action(admin, rep, "deactivate")
    assert response.status_code == 302
    rep.refresh_from_db()
    assert not rep.is_active
    assert not Token.objects.filter(user=rep).exists()
    assert reps_browser.get(reverse("home")).status_code == 302  # sent to the login page
    assert Customer.objects.get(pk=customer.pk).owner == rep  # the book stays until it is transferred
    assert AuditEntry.objects.filter(action=AuditAction.USER_DEACTIVATED, target_id=str(rep.pk)).exists()

    assert _action(admin, rep, "reactivate").status_code == 302
    rep.refresh_from_db()
    assert rep.is_active


def test_the_last_admin_cannot_deactivate_themselves(client_for, admin):
    response = _action(client_for("admin"), admin, "deactivate")
    assert response.status_code == 400
    assert "last active admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_reset_password_without_email_gives_a_temporary_password_once(client_for, rep):
    rep.email = ""
    rep.save()
    Token.objects.create(user=rep)
    reps_browser = _logged_in(rep)
    response = _action(client_for("admin"), rep, "reset-password")
    assert response.status_code == 302
    message = str(next(iter(response.wsgi_request._messages)))
    temporary = message.rsplit(": ", 1)[1]
    rep.refresh_from_db()
    assert rep.check_password(temporary) and not rep.check_password(PASSWORD)
    assert rep.must_change_password
    assert not Token.objects.filter(user=rep).exists()
    assert reps_browser.get(reverse("home")).status_code == 302  # the other session ended
    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD_RESET, target_id=str(rep.pk))
    assert entry.detail == {"by": "temporary_password"} and entry.ip == "127.0.0.1"


def test_reset_password_with_email_mails_a_one_time_link(client_for, rep):
    rep.email = "rep@example.cn"
    rep.save()
    assert _action(client_for("admin"), rep, "reset-password").status_code == 302
    rep.refresh_from_db()
    assert not rep.has_usable_password()
    assert mail.outbox[-1].to == ["rep@example.cn"] and "/invite/" in mail.outbox[-1].body


def test_a_user_who_must_change_the_password_gets_no_api_token(admin, team):
    user = services.user_create(username="fresh", password=PASSWORD, team=team, actor=admin)
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "fresh", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert "Change the password" in response.json()["detail"]
    chinese = APIClient().post("/api/v1/auth/token/", {"username": "fresh", "password": PASSWORD})
    assert chinese.status_code == 403 and "修改" in chinese.json()["detail"]
    assert not Token.objects.filter(user=user).exists()
    services.password_change_record(user=user)
    assert APIClient().post("/api/v1/auth/token/", {"username": "fresh", "password": PASSWORD}).status_code == 200


def test_move_a_rep_to_another_team_takes_the_book_along(client_for, rep, other_team):
    project = ProjectFactory(customer=CustomerFactory(owner=rep))
    response = _action(client_for("admin"), rep, "move", {"team": other_team.pk})
    assert response.status_code == 302
    assert Customer.objects.get(pk=project.customer_id).team_id == other_team.pk
    assert Project.objects.get(pk=project.pk).team_id == other_team.pk
    assert AuditEntry.objects.filter(action=AuditAction.TEAM_CHANGED, target_id=str(rep.pk)).exists()


def test_move_to_an_archived_team_is_refused(client_for, rep):
    archived = TeamFactory(name="已解散组", archived_at=timezone.now())
    response = _action(client_for("admin"), rep, "move", {"team": archived.pk})
    assert response.status_code == 400
    rep.refresh_from_db()
    assert rep.team.name == "华东一组"


def test_make_lead_replaces_the_lead_who_stays_as_rep(client_for, rep, lead, team):
    assert _action(client_for("admin"), rep, "make-lead").status_code == 302
    team.refresh_from_db()
    lead.refresh_from_db()
    assert team.lead_id == rep.pk and lead.role == Role.REP and lead.team_id == team.pk


def test_unknown_action_and_an_action_that_no_longer_applies(client_for, rep, lead):
    admin = client_for("admin")
    assert admin.get(reverse("teams:user_action", args=[rep.pk, "promote"])).status_code == 404
    assert _action(admin, lead, "make-lead").status_code == 400  # already the lead
    assert _action(admin, rep, "reactivate").status_code == 400  # already active


def test_one_lead_per_team_is_enforced_by_the_database(team, rep):
    from django.db import IntegrityError, transaction

    other = TeamFactory(name="第二组")
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.filter(pk=other.pk).update(lead=team.lead)  # Team.lead is one-to-one


# --- team page ------------------------------------------------------------------------------


def _books(team, members):
    today = timezone.localdate()
    reps = [UserFactory(team=team) for _ in range(members)]
    for rep in reps:
        customer = CustomerFactory(owner=rep)
        CustomerFactory(owner=rep)
        ProjectFactory(customer=customer, next_contact_on=today - datetime.timedelta(days=2))
        ProjectFactory(customer=customer, next_contact_on=today + datetime.timedelta(days=2))
    return reps


def test_team_page_shows_each_members_book_sizes(client_for, team, rep):
    reps = _books(team, 2)
    page = client_for("admin").get(reverse("teams:team_detail", args=[team.pk]))
    members = {user.pk: user for user in page.context["members"]}
    assert (members[reps[0].pk].customer_count, members[reps[0].pk].project_count) == (2, 2)
    assert members[reps[0].pk].overdue_count == 1
    assert members[rep.pk].customer_count == 0


@pytest.mark.parametrize("members", [3, 15])
def test_team_page_queries_do_not_grow_with_members(client_for, team, members, django_assert_max_num_queries):
    _books(team, members)
    admin = client_for("admin")
    # session, user, team, members with their three book figures (one query), the robots link needs none
    with django_assert_max_num_queries(6):
        assert admin.get(reverse("teams:team_detail", args=[team.pk])).status_code == 200


@pytest.mark.parametrize(
    ("persona", "target", "expected"),
    [
        ("admin", "team", 200),
        ("admin", "other_team", 200),
        ("lead", "team", 200),
        ("lead", "other_team", 404),
        ("rep", "team", 403),
        (None, "team", 302),
    ],
)
def test_team_page_access(client_for, personas, team, other_team, persona, target, expected):
    obj = {"team": team, "other_team": other_team}[target]
    response = client_for(persona).get(reverse("teams:team_detail", args=[obj.pk]))
    assert response.status_code == expected
    if persona == "lead" and expected == 200:
        assert response.context["can_manage"] is False
        assert reverse("teams:team_archive", args=[obj.pk]) not in response.content.decode()


def test_archive_is_refused_while_the_team_has_members_or_records(client_for, team, rep):
    admin = client_for("admin")
    response = admin.post(reverse("teams:team_archive", args=[team.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Move them to other teams first" in response.content.decode()
    team.refresh_from_db()
    assert team.archived_at is None


def test_archive_is_refused_while_records_still_carry_the_team(client_for, rep):
    empty = TeamFactory(name="空组")
    CustomerFactory(owner=rep, team=empty)  # a record left behind by an old move
    Customer.objects.filter(owner=rep).update(team=empty)
    response = client_for("admin").post(reverse("teams:team_archive", args=[empty.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "transfer them first" in response.content.decode()


def test_archive_and_restore_an_empty_team(client_for):
    empty = TeamFactory(name="空组")
    admin = client_for("admin")
    assert admin.post(reverse("teams:team_archive", args=[empty.pk])).status_code == 302
    empty.refresh_from_db()
    assert empty.archived_at is not None
    assert empty not in admin.get(reverse("teams:user_create")).context["form"].fields["team"].queryset
    assert admin.post(reverse("teams:team_restore", args=[empty.pk])).status_code == 302
    empty.refresh_from_db()
    assert empty.archived_at is None
    assert AuditEntry.objects.filter(action=AuditAction.TEAM_UPDATED, target_id=str(empty.pk)).count() == 2


def test_deactivated_user_shows_inactive_on_the_team_page(client_for, team, rep):
    User.objects.filter(pk=rep.pk).update(is_active=False)
    page = client_for("admin").get(reverse("teams:team_detail", args=[team.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Inactive" in page.content.decode()
