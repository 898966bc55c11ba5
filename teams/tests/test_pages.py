import pytest
from django.test import Client
from django.urls import reverse

from teams.models import Role, Team, User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_wrong_password_says_so_in_chinese_by_default(rep):
    response = _login(Client(), "rep", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_wrong_password_says_so_in_english_for_english_browsers(rep):
    response = _login(Client(), "rep", "wrong-password", HTTP_ACCEPT_LANGUAGE="en")
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_lands_on_the_role_home_page(rep):
    client = Client()
    response = _login(client, "rep", TEST_PASSWORD)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "张伟" in page.content.decode()
    assert "teams/home_rep.html" in [t.name for t in page.templates]


def test_repeated_failures_lock_that_username_from_that_address_only(rep, other_rep, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "rep", "bad", REMOTE_ADDR="10.0.0.1")
    locked = _login(Client(), "rep", TEST_PASSWORD, REMOTE_ADDR="10.0.0.1")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # A colleague behind the same address still gets in...
    assert _login(Client(), "other_rep", TEST_PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 302
    # ...and so does the same user from another address.
    assert _login(Client(), "rep", TEST_PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_api_token_endpoint_is_throttled_too(rep, settings):
    from rest_framework.test import APIClient

    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post("/api/v1/auth/token/", {"username": "rep", "password": "bad"}, format="json")
    response = APIClient().post("/api/v1/auth/token/", {"username": "rep", "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("persona", "present", "absent"),
    [
        ("rep", ["我的一天"], ["团队", "用户"]),
        ("lead", ["我的团队"], ["用户"]),
        ("admin", ["总览", "团队", "用户"], ["我的一天"]),
    ],
)
def test_navigation_differs_by_role(client_for, personas, persona, present, absent):
    response = client_for(persona).get("/")
    labels = [item["label"] for item in response.context["navigation"]]
    for label in present:
        assert label in labels
    for label in absent:
        assert label not in labels


@pytest.mark.parametrize(
    ("persona", "entry", "tabs"),
    [
        ("rep", "/coaching/me/", ["My funnel", "My trend", "My coaching"]),
        ("lead", "/coaching/", ["Team dashboard", "Trend", "Weekly review", "Targets", "Coaching notes"]),
        ("admin", "/coaching/", ["Team dashboard", "Trend", "Weekly review", "Targets", "Coaching notes"]),
    ],
)
def test_the_coaching_pages_are_one_entry_with_tabs(client_for, personas, persona, entry, tabs):
    client = client_for(persona)
    navigation = client.get("/", HTTP_ACCEPT_LANGUAGE="en").context["navigation"]
    coaching = [item for item in navigation if item["url"].startswith("/coaching/")]
    assert [(item["url"], str(item["label"])) for item in coaching] == [(entry, "Coaching")]
    if persona == "lead":
        # One entry per area (the public pool added the eighth); sub-pages live in tab bars.
        assert len(navigation) <= 8, [str(item["label"]) for item in navigation]
    assert "coaching_tabs" not in client.get("/").context  # the tabs belong to the coaching pages
    response = client.get(entry, HTTP_ACCEPT_LANGUAGE="en")
    assert [str(tab["label"]) for tab in response.context["coaching_tabs"]] == tabs
    current = [item["url"] for item in response.context["navigation"] if item["active"]]
    assert current == [entry]  # the main navigation still says "Coaching"
    assert '<nav class="sub-nav no-print"' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "path", "active"),
    [
        ("lead", "/coaching/", "Team dashboard"),
        ("lead", "/coaching/trend/", "Trend"),
        ("lead", "/coaching/notes/", "Coaching notes"),
        ("lead", "/coaching/targets/", "Targets"),
        ("rep", "/coaching/notes/mine/", "My coaching"),
        ("rep", "/coaching/trend/", "My trend"),
    ],
)
def test_one_coaching_tab_is_current(client_for, personas, persona, path, active):
    response = client_for(persona).get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert [str(tab["label"]) for tab in response.context["coaching_tabs"] if tab["active"]] == [active]


def test_language_switch_changes_the_page_language(rep_client):
    assert "我的一天" in rep_client.get("/").content.decode()
    rep_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "My day" in rep_client.get("/").content.decode()


def test_lead_home_lists_the_team(lead_client, rep, other_rep):
    content = lead_client.get("/").content.decode()
    assert "张伟" in content and "李娜" in content


def test_admin_creates_a_team_with_a_lead_from_the_page(admin_client, rep):
    response = admin_client.post(reverse("teams:team_create"), {"name": "西南组", "lead": rep.pk})
    assert response.status_code == 302
    team = Team.objects.get(name="西南组")
    rep.refresh_from_db()
    assert (team.lead_id, rep.role, rep.team_id) == (rep.pk, Role.LEAD, team.pk)


def test_team_form_shows_errors_beside_the_field(admin_client, team, other_team, lead):
    response = admin_client.post(reverse("teams:team_update", args=[other_team.pk]), {"name": "", "lead": lead.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]


def test_team_form_refuses_a_lead_of_another_team(admin_client, other_team, lead):
    url = reverse("teams:team_update", args=[other_team.pk])
    response = admin_client.post(url, {"name": other_team.name, "lead": lead.pk})
    assert response.status_code == 200
    assert "lead" in response.context["form"].errors


def test_admin_creates_a_user_from_the_page(admin_client, team):
    response = admin_client.post(
        reverse("teams:user_create"),
        {
            "username": "wangfang",
            "display_name": "王芳",
            "email": "wf@example.cn",
            "role": "rep",
            "team": team.pk,
            "is_active": "on",
            "password": "Sales-Star-88x",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert User.objects.get(username="wangfang").team == team


def test_user_form_names_a_duplicate_username(admin_client, team, rep):
    response = admin_client.post(
        reverse("teams:user_create"),
        {"username": "rep", "role": "rep", "team": team.pk, "is_active": "on", "password": "Sales-Star-88x"},
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors


def test_user_list_search_returns_only_the_table_for_htmx(admin_client, rep, other_rep):
    response = admin_client.get(reverse("teams:user_list"), {"q": "张伟"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="user-table"' in content
    assert "张伟" in content and "李娜" not in content


def test_user_list_page_queries_stay_flat(admin_client, team, django_assert_max_num_queries):
    UserFactory.create_batch(60, team=team)
    # session, user, count, page of users (with team), teams for the filter.
    with django_assert_max_num_queries(5):
        response = admin_client.get(reverse("teams:user_list"))
    assert len(response.context["object_list"]) == 50


def test_team_list_page_queries_stay_flat(admin_client, django_assert_max_num_queries):
    from tests.factories import TeamFactory

    for team in TeamFactory.create_batch(20):
        UserFactory.create_batch(3, team=team)
    # session, user, teams annotated with member counts and joined lead.
    with django_assert_max_num_queries(3):
        response = admin_client.get(reverse("teams:team_list"))
    assert len(response.context["object_list"]) == Team.objects.count()


def test_home_pages_queries_stay_flat(client_for, personas, team, django_assert_max_num_queries):
    from tests.factories import CustomerFactory, ProjectFactory

    UserFactory.create_batch(10, team=team)
    for owner in (personas["rep"], personas["other_rep"]):
        for customer in CustomerFactory.create_batch(12, owner=owner):
            ProjectFactory(customer=customer)
    for persona in ["rep", "lead", "admin"]:
        client = client_for(persona)
        # session, user, team, teammates; customers: to complete + count (rep) or per-rep summary (lead);
        # projects: open conflicts count, conflicted projects, projects to complete; admin: counts;
        # my day (pipeline): its four sections, one query each (rep), or the count per rep (lead);
        # the lead's escalated next contacts (one query); the rep's own funnel (coaching: team_funnel's 4 —
        # the reps, each rep's figures for this month and the last, the team's medians, the tiers at the end);
        # targets (coaching: targets, won, paid, the weighted forecasts).
        with django_assert_max_num_queries(24):
            assert client.get("/").status_code == 200


def test_html_in_names_is_escaped(admin_client, team):
    UserFactory(team=team, display_name="<script>alert(1)</script>")
    content = admin_client.get(reverse("teams:user_list")).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content
