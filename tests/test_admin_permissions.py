"""The permission matrix of every admin page and endpoint (issue 12), for every
persona: (case, persona) → status. For every refused write the STORED state is
compared before and after: nothing changed.

Pages answer 403 to roles they are not for (the users and teams pages) or 404 (the
settings pages, like the pipeline settings: they do not exist for them); the API
403 (401 without credentials); an object outside the user's scope 404. Pipeline and
lost-reason settings have their own matrix in pipeline/tests/test_settings_pages.py."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import Customer
from projects.models import ChecklistItem
from teams.models import CompanySettings, Team, User
from teams.notifications.models import TeamWebhook
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["rep", "lead", "other_lead", "admin", None]
ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"


def _state():
    """Everything an admin page or endpoint may change."""
    return {
        "users": list(
            User.objects.order_by("pk").values_list(
                "pk", "username", "role", "team_id", "is_active", "password", "must_change_password", "display_name"
            )
        ),
        "teams": list(Team.objects.order_by("pk").values_list("pk", "name", "lead_id", "archived_at")),
        "settings": list(CompanySettings.objects.values_list("version", "escalation_days")),
        "checklist": list(ChecklistItem.objects.order_by("pk").values_list("pk", "label", "is_active", "version")),
        "robots": TeamWebhook.objects.count(),
        "owners": list(Customer.objects.order_by("pk").values_list("pk", "owner_id")),
        "tokens": sorted(Token.objects.values_list("key", flat=True)),
    }


# name: (method, path(world), data(world), {persona: status}); personas left out expect DEFAULT[kind]
PAGE_GETS = {
    "team list": ("teams:team_list", ()),
    "team create": ("teams:team_create", ()),
    "team edit": ("teams:team_update", ("team",)),
    "team delete": ("teams:team_delete", ("team",)),
    "team archive": ("teams:team_archive", ("team",)),
    "team restore": ("teams:team_restore", ("team",)),
    "user list": ("teams:user_list", ()),
    "user create": ("teams:user_create", ()),
    "user edit": ("teams:user_update", ("rep",)),
    "user deactivate": ("teams:user_action", ("rep", "deactivate")),
    "user reset password": ("teams:user_action", ("rep", "reset-password")),
    "user move": ("teams:user_action", ("rep", "move")),
    "user make lead": ("teams:user_action", ("rep", "make-lead")),
    "audit log": ("teams:audit_list", ()),
    "team robots": ("notifications:robots", ("team",)),
}
SETTINGS_GETS = {
    "company settings": ("settings:general", ()),
    "robot settings": ("settings:robots", ()),
    "checklist settings": ("projects:settings_checklist", ()),
    "checklist item": ("projects:settings_checklist_item", ("item",)),
}


@pytest.fixture
def world(personas, team, other_team):
    item = ChecklistItem.objects.create(key="perm_item", label="权限测试项", order=99)
    CustomerFactory.create_batch(2, owner=personas["rep"])
    return {**personas, "team": team, "other_team": other_team, "item": item}


def _url(world, name, args):
    values = [world[arg].pk if arg in world else arg for arg in args]
    return reverse(name, args=values)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(PAGE_GETS) + sorted(SETTINGS_GETS))
def test_admin_pages_are_for_admins_only(client_for, world, case, persona):
    """Users and teams pages answer 403 to other roles; settings pages do not exist for them (404)."""
    name, args = PAGE_GETS.get(case) or SETTINGS_GETS[case]
    refused = 404 if case in SETTINGS_GETS else 403
    expected = {"admin": 200, None: 302}.get(persona, refused)
    assert client_for(persona).get(_url(world, name, args)).status_code == expected


@pytest.mark.parametrize(
    ("persona", "target", "expected"),
    [
        ("admin", "team", 200),
        ("lead", "team", 200),
        ("other_lead", "team", 404),
        ("rep", "team", 403),
        (None, "team", 302),
    ],
)
def test_team_page_matrix(client_for, world, persona, target, expected):
    assert client_for(persona).get(_url(world, "teams:team_detail", (target,))).status_code == expected


@pytest.mark.parametrize(("persona", "expected"), [("rep", 403), ("lead", 200), ("admin", 200), (None, 302)])
def test_transfer_page_matrix(client_for, world, persona, expected):
    assert client_for(persona).get(reverse("projects:book_transfer")).status_code == expected


# Writes: (url name, args, data); refused for everyone but admins, with the status of the page's kind.
PAGE_WRITES = {
    "create team": ("teams:team_create", (), {"name": "新组"}),
    "rename team": ("teams:team_update", ("team",), {"name": "改名组"}),
    "delete team": ("teams:team_delete", ("other_team",), {}),
    "archive team": ("teams:team_archive", ("other_team",), {}),
    "create user": (
        "teams:user_create",
        (),
        {"username": "intruder", "password": "Xy7-long-enough-1", "role": "admin"},
    ),
    "edit user": ("teams:user_update", ("rep",), {"username": "rep", "role": "admin", "team": "", "is_active": "on"}),
    "deactivate user": ("teams:user_action", ("rep", "deactivate"), {}),
    "reset password": ("teams:user_action", ("rep", "reset-password"), {}),
    "move user": ("teams:user_action", ("rep", "move"), {"team": "@other_team"}),
    "make lead": ("teams:user_action", ("rep", "make-lead"), {}),
    "add robot": ("notifications:robots", ("team",), {"action": "add", "platform": "wecom", "url": ROBOT}),
}
SETTINGS_WRITES = {
    "company settings": (
        "settings:general",
        (),
        {"reminder_time": "08:00", "digest_time": "09:00", "escalation_days": "9", "version": "0"},
    ),
    "add checklist item": ("projects:settings_checklist", (), {"label": "偷加的项", "rule": "", "order": "1"}),
    "archive checklist item": ("projects:settings_checklist_item", ("item",), {"action": "archive", "version": "1"}),
}


def _data(world, data):
    """``"@name"`` values are the id of that persona or object."""
    return {key: world[value[1:]].pk if str(value).startswith("@") else value for key, value in data.items()}


@pytest.mark.parametrize("persona", ["rep", "lead", "other_lead", None])
@pytest.mark.parametrize("case", sorted(PAGE_WRITES) + sorted(SETTINGS_WRITES))
def test_refused_admin_writes_change_nothing(client_for, world, case, persona):
    name, args, data = PAGE_WRITES.get(case) or SETTINGS_WRITES[case]
    client = client_for(persona)
    before = _state()
    response = client.post(_url(world, name, args), _data(world, data))
    refused = 302 if persona is None else (404 if case in SETTINGS_WRITES else 403)
    assert response.status_code == refused
    if persona is None:
        assert "/login/" in response["Location"]
    assert _state() == before


@pytest.mark.parametrize("case", sorted(PAGE_WRITES) + sorted(SETTINGS_WRITES))
def test_admin_writes_are_accepted(client_for, world, case, django_capture_on_commit_callbacks):
    name, args, data = PAGE_WRITES.get(case) or SETTINGS_WRITES[case]
    client = client_for("admin")
    before = _state()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(_url(world, name, args), _data(world, data))
    if case in ("delete team", "archive team"):  # the other team still has members: refused with a reason
        assert response.status_code in (200, 400)
        assert _state() == before
    else:
        assert response.status_code == 302, response.content.decode()[:500]
        assert _state() != before


API_WRITES = [
    # method, path, data, persona, expected
    ("post", "/api/v1/users/", {"username": "x1", "password": "Xy7-long-enough-1", "role": "rep"}, "lead", 403),
    ("post", "/api/v1/users/", {"username": "x1", "password": "Xy7-long-enough-1", "role": "rep"}, "rep", 403),
    ("post", "/api/v1/users/", {"username": "x1", "password": "Xy7-long-enough-1", "role": "rep"}, None, 401),
    ("patch", "/api/v1/users/{rep}/", {"is_active": False}, "lead", 403),
    ("patch", "/api/v1/users/{rep}/", {"role": "admin"}, "rep", 403),
    ("post", "/api/v1/teams/", {"name": "新组"}, "lead", 403),
    ("patch", "/api/v1/teams/{team}/", {"lead": "{rep}"}, "lead", 403),
    ("patch", "/api/v1/teams/{team}/", {"lead": "{rep}"}, "rep", 403),
    ("delete", "/api/v1/tokens/{other_rep}/", None, "rep", 404),
    ("post", "/api/v1/transfers/", {"from_user": "{rep}", "to_users": ["{other_rep}"], "reason": "x"}, "rep", 403),
    # A lead moves books only within the own team: 400 naming to_users.
    ("post", "/api/v1/transfers/", {"from_user": "{rep}", "to_users": ["{outsider_rep}"], "reason": "x"}, "lead", 400),
    (
        "post",
        "/api/v1/transfers/",
        {"from_user": "{rep}", "to_users": ["{other_rep}"], "reason": "x"},
        "other_lead",
        404,
    ),
    ("post", "/api/v1/transfers/", {"from_user": "{rep}", "to_users": ["{other_rep}"], "reason": "x"}, None, 401),
]


def _fill(world, value):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value.count("{") == 1:
        return world[value[1:-1]].pk
    if isinstance(value, str):
        return value.format(**{key: getattr(obj, "pk", obj) for key, obj in world.items()})
    if isinstance(value, list):
        return [_fill(world, item) for item in value]
    if isinstance(value, dict):
        return {key: _fill(world, item) for key, item in value.items()}
    return value


@pytest.mark.parametrize(("method", "path", "data", "persona", "expected"), API_WRITES)
def test_refused_api_writes_change_nothing(api_for, world, method, path, data, persona, expected):
    Token.objects.create(user=world["other_rep"])
    api = api_for(persona)
    before = _state()
    response = getattr(api, method)(_fill(world, path), _fill(world, data), format="json")
    assert response.status_code == expected
    assert _state() == before


@pytest.mark.parametrize(
    ("persona", "expected"), [("rep", 403), ("lead", 403), ("other_lead", 403), ("admin", 200), (None, 401)]
)
def test_audit_api_matrix(api_for, world, persona, expected):
    assert api_for(persona).get("/api/v1/audit/").status_code == expected
