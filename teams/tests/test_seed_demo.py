import pytest
from django.core.management import call_command

from teams.models import Role, Team, User

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_an_admin_and_a_team_of_a_lead_and_eight_reps_once():
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    team = Team.objects.get()
    assert team.lead.role == Role.LEAD
    assert team.members.filter(role=Role.REP).count() == 8
    assert User.objects.filter(role=Role.ADMIN).count() == 1
    names = list(User.objects.filter(role=Role.REP).values_list("display_name", flat=True))
    # Chinese names: every character in the CJK block.
    assert all(name and all("\u4e00" <= ch <= "\u9fff" for ch in name) for name in names)
    assert User.objects.get(username="rep1").check_password("funnel-demo-2026")
