import pytest

from teams import services
from teams.errors import DomainError
from teams.models import Role, Team, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_setting_a_lead_promotes_the_user_and_moves_them_into_the_team(team, other_team):
    user = UserFactory(team=other_team)
    services.team_set_lead(team=team, lead=user)
    user.refresh_from_db()
    assert (user.role, user.team_id, Team.objects.get(pk=team.pk).lead_id) == (Role.LEAD, team.pk, user.pk)


def test_replacing_a_lead_keeps_the_previous_lead_as_a_rep(team, lead, rep):
    services.team_set_lead(team=team, lead=rep)
    lead.refresh_from_db()
    assert lead.role == Role.REP
    assert lead.team_id == team.pk
    assert Team.objects.get(pk=team.pk).lead == User.objects.get(pk=rep.pk)


def test_a_lead_cannot_lead_two_teams(team, other_team, lead):
    with pytest.raises(DomainError) as error:
        services.team_set_lead(team=other_team, lead=lead)
    assert "lead" in error.value.message_dict
    assert Team.objects.get(pk=other_team.pk).lead is None


def test_an_admin_cannot_lead_a_team(team, admin):
    with pytest.raises(DomainError) as error:
        services.team_set_lead(team=team, lead=admin)
    assert "lead" in error.value.message_dict


def test_creating_a_lead_without_a_team_names_the_team_field(db):
    with pytest.raises(DomainError) as error:
        services.user_create(username="boss", password="Long-enough-9", role=Role.LEAD)
    assert "team" in error.value.message_dict
    assert not User.objects.filter(username="boss").exists()


def test_creating_a_lead_for_a_team_that_has_one_is_refused(team, lead):
    with pytest.raises(DomainError) as error:
        services.user_create(username="boss2", password="Long-enough-9", role=Role.LEAD, team=team)
    assert "team" in error.value.message_dict


def test_creating_a_lead_for_a_team_without_one_makes_them_its_lead(other_team):
    user = services.user_create(username="boss3", password="Long-enough-9", role=Role.LEAD, team=other_team)
    assert Team.objects.get(pk=other_team.pk).lead_id == user.pk


def test_demoting_a_lead_leaves_the_team_without_lead(team, lead):
    services.user_update(user=lead, role=Role.REP)
    assert Team.objects.get(pk=team.pk).lead_id is None


def test_weak_password_is_refused_with_the_password_field(team):
    with pytest.raises(DomainError) as error:
        services.user_create(username="weak", password="123", team=team)
    assert "password" in error.value.message_dict


def test_the_admin_role_and_only_it_opens_django_admin(team, admin):  # admin: not the last one
    user = services.user_create(username="ops", password="Long-enough-9", role=Role.ADMIN)
    assert user.is_staff and user.is_superuser
    services.user_update(user=user, role=Role.REP, team=team)
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser


def test_a_team_with_members_cannot_be_deleted(team, rep):
    with pytest.raises(DomainError):
        services.team_delete(team=team)
    assert Team.objects.filter(pk=team.pk).exists()
