"""factory_boy factories; related rows stay consistent (a lead leads their team)."""

import factory
from factory.django import DjangoModelFactory

from teams import services
from teams.models import Role, Team, User

TEST_PASSWORD = "Funnel-test-pass-2026"


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"销售{n + 1}组")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n + 1}")
    display_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.cn")
    role = Role.REP
    team = factory.SubFactory(TeamFactory)
    password = factory.django.Password(TEST_PASSWORD)


class AdminFactory(UserFactory):
    role = Role.ADMIN
    team = None


def make_lead(*, team: Team, **kwargs) -> User:
    """A lead goes through the service so Team.lead and User.team agree."""
    user = UserFactory(team=team, **kwargs)
    services.team_set_lead(team=team, lead=user)
    user.refresh_from_db()
    return user
