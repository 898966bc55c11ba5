"""Demo users and team for seed_demo (idempotent: keyed by username)."""

from faker import Faker

from teams import services
from teams.models import Role, Team, User

DEMO_PASSWORD = "funnel-demo-2026"
DEMO_TEAM = "华东一组"
REP_COUNT = 8


def add_arguments(parser):
    parser.add_argument("--password", default=DEMO_PASSWORD, help="Password of every demo login.")


def _ensure_user(username, *, role, team, display_name, password):
    user = User.objects.filter(username=username).first()
    if user is None:
        return services.user_create(
            username=username,
            password=password,
            role=role,
            team=team,
            display_name=display_name,
            email=f"{username}@demo.funnel-crm.cn",
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def seed(*, stdout, options):
    fake = Faker("zh_CN")
    Faker.seed(2026)
    names = []
    while len(names) < REP_COUNT + 2:
        name = fake.name()
        if name not in names:
            names.append(name)
    password = options["password"]
    admin = _ensure_user("admin", role=Role.ADMIN, team=None, display_name="系统管理员", password=password)
    team = Team.objects.filter(name=DEMO_TEAM).first() or services.team_create(name=DEMO_TEAM)
    lead = _ensure_user("lead", role=Role.REP, team=team, display_name=names[0], password=password)
    if team.lead_id != lead.pk:
        services.team_set_lead(team=team, lead=lead)
    reps = [
        _ensure_user(f"rep{i}", role=Role.REP, team=team, display_name=names[i], password=password)
        for i in range(1, REP_COUNT + 1)
    ]
    stdout.write(f"Team {team.name}: lead {lead.name}, {len(reps)} reps; admin {admin.username}.")
    return {"team": team, "lead": lead, "reps": reps, "admin": admin, "password": password}
