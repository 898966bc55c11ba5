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


class CustomerFactory(DjangoModelFactory):
    """A customer owned by a rep; its team follows the owner (Customer.normalize)."""

    class Meta:
        model = "accounts.Customer"

    name = factory.Sequence(lambda n: f"杭州测试{n:05d}科技有限公司")
    owner = factory.SubFactory(UserFactory)
    industry = "it"
    level = "B"
    province = "330000"
    city = "330100"
    district = "330106"
    address = factory.Faker("street_address", locale="zh_CN")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = "accounts.Department"

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"部门{n}")
    kind = "procurement"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = "accounts.Contact"

    customer = factory.SubFactory(CustomerFactory)
    department = factory.LazyAttribute(lambda contact: DepartmentFactory(customer=contact.customer))
    name = factory.Faker("name", locale="zh_CN")
    title = "采购经理"
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    buying_role = "key_person"


class ProjectFactory(DjangoModelFactory):
    """A project whose owner owns the customer, unless told otherwise."""

    class Meta:
        model = "projects.Project"

    customer = factory.SubFactory(CustomerFactory)
    owner = factory.LazyAttribute(lambda project: project.customer.owner)
    name = factory.Sequence(lambda n: f"第{n}期数字化平台建设")
    scope = "统一客户数据，打通销售与财务流程。"
    kind = "new"
