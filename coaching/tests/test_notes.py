"""Coaching notes: who may write, change and read them (pages, API, project timeline),
@mentions notified exactly once, the reps with no recent 1:1 note, the weeks with a
note for the trend chart, bad input naming the field, and query budgets that hold
as notes pile up."""

import datetime
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching import notes
from coaching.models import CoachingNote, NoteKind
from pipeline import services as pipeline_services
from pipeline.selectors.timeline import project_timeline
from pipeline.tests.project_helpers import create_project
from projects import services as project_services
from teams.errors import DomainError
from teams.notifications.models import Notification, NotificationKind
from teams.notifications.selectors import notifications_prepare
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOTES_API = "/api/v1/coaching/notes/"


@pytest.fixture
def project(rep):
    return create_project(rep, CustomerFactory(owner=rep), name="智慧园区一期")


def _mentions(user):
    return Notification.objects.filter(user=user, kind=NotificationKind.MENTION)


def _write(lead, **kwargs):
    kwargs.setdefault("body", "本周复盘：先把预算问清楚。")
    return notes.note_write(author=lead, **kwargs)


# --- mentions -----------------------------------------------------------------------------------


def test_mentions_match_usernames_and_display_names_longest_first(rep, other_rep):
    long_name = UserFactory(username="zw2", display_name="张伟华", team=rep.team)
    body = "@张伟华 和 @张伟请跟进，抄送 ＠OTHER_REP；@rep2 不是谁，a@rep.com 也不是，@王五 不认识"
    found = [(body[start:end], person) for start, end, person in notes.mention_spans(body, [rep, other_rep, long_name])]
    assert found == [("@张伟华", long_name), ("@张伟", rep), ("＠OTHER_REP", other_rep)]


def test_a_note_mentioning_people_tells_each_once_and_the_rep_always(lead, rep, other_rep, outsider_rep, admin):
    note = _write(lead, rep=rep, body="@张伟 @张伟 记得约 @李娜 一起拜访；@刘洋 @王主管 @管理员 @不存在")

    # The rep (named twice) and the colleague once each; the author never; another team's
    # rep and the admin are no members of either team, so their names stay plain text.
    assert set(note.mentions.all()) == {rep, other_rep, lead}
    assert _mentions(rep).count() == 1 and _mentions(other_rep).count() == 1
    assert not _mentions(lead).exists() and not _mentions(outsider_rep).exists() and not _mentions(admin).exists()
    told = _mentions(other_rep).get()
    assert told.target == note and told.data["author"] == "王主管"


def test_the_rep_is_told_even_when_not_mentioned(lead, rep):
    note = _write(lead, rep=rep, body="这周的拜访计划不错。")
    assert note.kind == NoteKind.ONE_ON_ONE and note.team_id == rep.team_id
    assert list(note.mentions.all()) == []
    assert _mentions(rep).count() == 1


def _title(user, *, language):
    from django.utils import translation

    from teams.notifications.texts import render

    with translation.override(language):
        return render(_mentions(user).get())[0]


def test_a_one_on_one_note_without_a_mention_says_it_was_written_to_the_rep(lead, rep):
    _write(lead, rep=rep, body="这周的拜访计划不错。")
    assert _mentions(rep).get().data["title"] == "wrote"
    assert _title(rep, language="en") == "王主管 wrote you a coaching note"


def test_a_note_mentioning_the_rep_says_it_mentioned_them(lead, rep, other_rep):
    _write(lead, rep=rep, body="@张伟 先跟进，@李娜 协助。")
    assert _title(rep, language="en") == "王主管 mentioned you in a coaching note"
    assert _title(other_rep, language="en") == "王主管 mentioned you in a coaching note"


def test_a_rep_not_mentioned_in_a_note_on_their_project_is_told_it_was_written(lead, rep, other_rep, project):
    _write(lead, project=project, body="@李娜 帮忙看看竞品。")
    assert _mentions(rep).get().data["title"] == "wrote"
    assert _mentions(other_rep).get().data["title"] == "mentioned"


def test_an_edit_tells_only_the_newly_mentioned(lead, rep, other_rep):
    note = _write(lead, rep=rep, body="@张伟 先跟进。")
    notes.note_edit(user=lead, note=note, body="@张伟 先跟进，@李娜 协助。", version=note.version)
    notes.note_edit(user=lead, note=CoachingNote.objects.get(pk=note.pk), body="@张伟 @李娜 一起。")
    assert _mentions(rep).count() == 1 and _mentions(other_rep).count() == 1
    note.refresh_from_db()
    assert note.version == 3 and note.edited_at is not None


def test_a_mentioned_colleague_sees_the_note_and_its_link(lead, rep, other_rep, client_for):
    project = create_project(rep, CustomerFactory(owner=rep))
    note = _write(lead, project=project, body="@李娜 帮张伟看看竞品。")
    [told] = notifications_prepare(user=other_rep, notifications=_mentions(other_rep))
    assert not told.gone and told.url == reverse("coaching:note_open", args=[note.pk])
    # The colleague cannot open the project: the link leads to My coaching, which shows the note.
    client = client_for("other_rep")
    response = client.get(told.url)
    assert response.status_code == 302 and response.url == reverse("coaching:note_mine") + f"#note-{note.pk}"
    assert "帮张伟看看竞品" in client.get(response.url).content.decode()
    # The rep opens the project's timeline at the note.
    response = client_for("rep").get(told.url)
    assert response.url == project.get_absolute_url() + f"#note-{note.pk}"


# --- who may write ------------------------------------------------------------------------------


def test_a_rep_cannot_write_on_a_colleague(rep, other_rep, client_for, api_for):
    with pytest.raises(PermissionDenied):
        notes.note_write(author=rep, rep=other_rep, body="你该多拜访客户。")
    assert api_for("rep").post(NOTES_API, {"rep": other_rep.pk, "body": "你该多拜访客户。"}).status_code == 403
    page = client_for("rep")
    assert page.get(reverse("coaching:note_new") + f"?rep={other_rep.pk}").status_code == 403
    assert page.post(reverse("coaching:note_new") + f"?rep={other_rep.pk}", {"body": "x"}).status_code == 403
    assert not CoachingNote.objects.exists() and not Notification.objects.exists()


def test_the_lead_of_another_team_gets_404_and_nothing_is_stored(rep, project, other_lead, client_for, api_for):
    api = api_for("other_lead")
    assert api.post(NOTES_API, {"rep": rep.pk, "body": "越权"}).status_code == 404
    assert api.post(NOTES_API, {"project": project.pk, "body": "越权"}).status_code == 404
    page = client_for("other_lead")
    assert page.get(reverse("coaching:note_new") + f"?rep={rep.pk}").status_code == 404
    assert page.post(reverse("coaching:note_new") + f"?project={project.pk}", {"body": "越权"}).status_code == 404
    with pytest.raises(PermissionDenied):
        notes.note_write(author=other_lead, project=project, body="越权")
    assert not CoachingNote.objects.exists() and not Notification.objects.exists()


def test_a_project_note_is_about_the_owner_unless_told(lead, rep, other_rep, project, lead_api):
    response = lead_api.post(NOTES_API, {"project": project.pk, "body": "客户预算要再确认。"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rep"] == rep.pk and body["kind"] == "project" and body["author"] == lead.pk and body["version"] == 1
    activity = pipeline_services.activity_log(
        user=rep,
        kind="visit",
        occurred_at=timezone.now(),
        summary="拜访",
        project=project,
        next_contact_on=timezone.localdate() + timedelta(days=3),
    )
    response = lead_api.post(NOTES_API, {"activity": activity.pk, "body": "拜访要带方案。"}, format="json")
    assert response.status_code == 201 and response.json()["kind"] == "activity"
    assert response.json()["project"] == project.pk
    response = lead_api.post(NOTES_API, {"project": project.pk, "rep": other_rep.pk, "body": "李娜来协助"})
    assert response.status_code == 201 and response.json()["rep"] == other_rep.pk


def test_an_admin_writes_on_any_team(admin, outsider_rep, admin_api):
    response = admin_api.post(NOTES_API, {"rep": outsider_rep.pk, "body": "季度复盘。"})
    assert response.status_code == 201
    assert CoachingNote.objects.get().team_id == outsider_rep.team_id


# --- who may change -----------------------------------------------------------------------------


def test_seeing_a_note_does_not_allow_changing_it(lead, rep, project, api_for):
    note = _write(lead, project=project, body="原文")
    url = f"{NOTES_API}{note.pk}/"
    assert api_for("rep").get(url).status_code == 200  # the rep owns the project and reads the note
    for persona in ("rep", "other_rep", "other_lead", "outsider_rep"):
        api = api_for(persona)
        assert api.patch(url, {"body": "改掉", "version": 1}).status_code == 404
        assert api.delete(url).status_code == 404
    note.refresh_from_db()
    assert note.body == "原文" and note.version == 1
    with pytest.raises(PermissionDenied):
        notes.note_edit(user=rep, note=note, body="改掉")


def test_the_author_edits_with_the_version_and_a_stale_one_answers_409(lead, rep, lead_api):
    note = _write(lead, rep=rep, body="第一版")
    url = f"{NOTES_API}{note.pk}/"
    response = lead_api.patch(url, {"body": "第二版", "version": 1})
    assert response.status_code == 200 and response.json()["version"] == 2
    response = lead_api.patch(url, {"body": "第三版", "version": 1})
    assert response.status_code == 409 and response.json()["version"] == 2
    assert CoachingNote.objects.get(pk=note.pk).body == "第二版"
    assert lead_api.patch(url, {"rep": lead.pk, "body": "换人"}).status_code == 400
    assert CoachingNote.objects.get(pk=note.pk).rep == rep


def test_the_author_or_an_admin_deletes(lead, rep, lead_api, admin_api):
    first, second = _write(lead, rep=rep), _write(lead, rep=rep)
    assert lead_api.delete(f"{NOTES_API}{first.pk}/").status_code == 204
    assert admin_api.delete(f"{NOTES_API}{second.pk}/").status_code == 204
    assert not CoachingNote.objects.exists()


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   ", "长" * 5001])
def test_an_empty_or_too_long_note_names_the_body_and_stores_nothing(rep, lead_api, lead_client, body):
    response = lead_api.post(NOTES_API, {"rep": rep.pk, "body": body}, **EN)
    assert response.status_code == 400
    assert "body" in response.json()["errors"], response.json()
    page = lead_client.post(reverse("coaching:note_new") + f"?rep={rep.pk}", {"body": body}, **EN)
    assert page.status_code == 400
    assert 'id="id_body_error"' in page.content.decode()
    assert not CoachingNote.objects.exists() and not Notification.objects.exists()


def test_the_service_names_the_body_in_words(lead, rep):
    with pytest.raises(DomainError) as refused:
        notes.note_write(author=lead, rep=rep, body=" ")
    assert refused.value.message_dict == {"body": ["Write the note: it is empty."]}
    with pytest.raises(DomainError) as refused:
        notes.note_write(author=lead, rep=rep, body="x" * 5001)
    assert "5000" in refused.value.message_dict["body"][0]


def test_a_note_needs_a_rep(lead):
    with pytest.raises(DomainError) as refused:
        notes.note_write(author=lead, body="给谁？")
    assert list(refused.value.message_dict) == ["rep"]


# --- the project timeline -----------------------------------------------------------------------


def test_the_note_shows_on_the_timeline_for_the_owner_and_the_lead_not_another_rep(
    lead, rep, other_rep, project, client_for, api_for
):
    note = _write(lead, project=project, body="@张伟 下周带 @李娜 去见采购 <b>不是HTML</b>")
    for persona in ("rep", "lead", "admin"):
        html = client_for(persona).get(project.get_absolute_url(), **EN).content.decode()
        assert f'id="note-{note.pk}"' in html, persona
        assert '<mark class="mention">@张伟</mark>' in html and '<mark class="mention">@李娜</mark>' in html
        assert "&lt;b&gt;不是HTML&lt;/b&gt;" in html
    assert client_for("other_rep").get(project.get_absolute_url()).status_code == 404
    # other_rep is mentioned: the API shows them the note, not its project.
    assert [row["id"] for row in api_for("other_rep").get(NOTES_API).json()["results"]] == [note.pk]
    assert api_for("outsider_rep").get(NOTES_API).json()["count"] == 0


def test_notes_sort_into_the_timeline_and_its_pages(lead, rep, project):
    base = timezone.now() - timedelta(days=1)
    written = []
    for i in range(5):
        note = _write(lead, project=project, body=f"第{i}条")
        CoachingNote.objects.filter(pk=note.pk).update(created_at=base + timedelta(minutes=i))
        written.append(note.pk)
    seen, before = [], None
    while True:
        timeline = project_timeline(project, before=before, limit=2)
        seen += [event.id for event in timeline.events if event.kind == notes.TIMELINE_KIND]
        if timeline.next_before is None:
            break
        before = timeline.next_before
    assert seen == written[::-1]


def test_the_note_form_is_loaded_when_opened(lead, rep, project, client_for):
    lead_client = client_for("lead")
    page = lead_client.get(project.get_absolute_url()).content.decode()
    section = re.search(r'<section id="coaching-note".*?</section>', page, re.S).group(0)
    url = reverse("coaching:note_new") + f"?project={project.pk}"
    assert "<textarea" not in section and f'hx-get="{url}"' in section.replace("&amp;", "&")
    opened = lead_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert opened.lstrip().startswith('<section id="coaching-note"')
    assert '<details class="section-form" open>' in opened and 'name="body"' in opened
    plain = lead_client.get(url)  # without JavaScript: the form's own page
    assert plain.status_code == 200 and 'name="body"' in plain.content.decode()
    assert "<html" in plain.content.decode()
    assert client_for("rep").get(url, HTTP_HX_REQUEST="true").status_code == 403
    assert not CoachingNote.objects.exists()


def test_the_project_page_offers_the_note_form_to_the_lead_only(lead, rep, project, client_for):
    assert 'id="coaching-note"' in client_for("lead").get(project.get_absolute_url()).content.decode()
    assert 'id="coaching-note"' in client_for("admin").get(project.get_absolute_url()).content.decode()
    assert 'id="coaching-note"' not in client_for("rep").get(project.get_absolute_url()).content.decode()
    response = client_for("lead").post(reverse("coaching:note_new") + f"?project={project.pk}", {"body": "好"})
    note = CoachingNote.objects.get()
    assert response.status_code == 302 and response.url == project.get_absolute_url() + f"#note-{note.pk}"
    assert note.rep == rep and note.kind == NoteKind.PROJECT


def test_notes_follow_a_merged_project(lead, rep):
    customer = CustomerFactory(owner=rep)
    kept, gone = create_project(rep, customer, name="保留"), create_project(rep, customer, name="合并掉")
    note = _write(lead, project=gone)
    project_services.project_merge(user=lead, target=kept, source=gone, reason="重复")
    note.refresh_from_db()
    assert note.project_id == kept.pk


# --- the lists ----------------------------------------------------------------------------------


def test_the_team_list_filters_by_rep_and_kind_and_names_reps_without_a_recent_one_on_one(
    lead, rep, other_rep, project, lead_client, settings
):
    settings.COACHING_ONE_ON_ONE_WEEKS = 2
    _write(lead, rep=rep, body="一对一：张伟")
    old = _write(lead, rep=other_rep, body="一对一：李娜")
    CoachingNote.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(weeks=3))
    _write(lead, project=project, body="项目：张伟")
    url = reverse("coaching:note_list")

    html = lead_client.get(url, **EN).content.decode()
    block = html.split('id="no-one-on-one"')[1].split("</section>")[0]
    assert "No 1:1 note in the last 2 weeks" in block
    assert "李娜" in block and "张伟" not in block and f"?rep={other_rep.pk}" in block
    # Four weeks back, the old note counts.
    block = lead_client.get(url + "?weeks=4", **EN).content.decode().split('id="no-one-on-one"')[1]
    assert "Every rep had a 1:1 note" in block.split("</section>")[0]

    html = lead_client.get(url + f"?rep={rep.pk}&kind=one_on_one", **EN).content.decode()
    assert "一对一：张伟" in html and "一对一：李娜" not in html and "项目：张伟" not in html


def test_a_rep_has_my_coaching_and_no_team_list(lead, rep, other_rep, rep_client):
    _write(lead, rep=rep, body="给张伟")
    _write(lead, rep=other_rep, body="给李娜")
    assert rep_client.get(reverse("coaching:note_list")).url == reverse("coaching:note_mine")
    html = rep_client.get(reverse("coaching:note_mine"), **EN).content.decode()
    assert "给张伟" in html and "给李娜" not in html


def test_the_api_lists_by_visibility_and_filters(lead, rep, other_rep, project, api_for):
    mine = _write(lead, rep=rep, body="一对一")
    on_project = _write(lead, project=project, body="项目")
    theirs = _write(lead, rep=other_rep, body="李娜")

    def ids(persona, query=""):
        return [row["id"] for row in api_for(persona).get(NOTES_API + query).json()["results"]]

    assert ids("rep") == [on_project.pk, mine.pk]
    assert ids("lead") == [theirs.pk, on_project.pk, mine.pk]
    assert ids("lead", f"?rep={other_rep.pk}") == [theirs.pk]
    assert ids("lead", "?kind=project") == [on_project.pk]
    assert ids("lead", f"?project={project.pk}") == [on_project.pk]
    assert api_for("other_lead").get(NOTES_API + f"?rep={rep.pk}").status_code == 400  # not a choice they see


# --- query budgets ------------------------------------------------------------------------------


def _notes_for(lead, rep, other_rep, project, count):
    for i in range(count):
        if i % 2:
            _write(lead, project=project, body=f"@张伟 @李娜 项目第{i}条")
        else:
            _write(lead, rep=rep if i % 4 else other_rep, body=f"@李娜 一对一第{i}条")


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "persona,url",
    [
        ("rep", "/coaching/notes/mine/"),
        ("lead", "/coaching/notes/"),
        ("lead", "/coaching/notes/?kind=one_on_one"),
        ("admin", "/coaching/notes/"),
        ("rep", NOTES_API),
        ("lead", NOTES_API + "?page_size=200"),
    ],
)
def test_the_note_lists_cost_the_same_as_notes_pile_up(
    lead, rep, other_rep, project, client_for, api_for, persona, url, django_assert_max_num_queries
):
    # Pages: session + user, the count, the page of notes, their mentions (one query), the team
    # (admins: the team choices), the reps for the filter, the reps without a 1:1, the bell.
    # API: the count, the page, the mentions.
    client = api_for(persona) if url.startswith("/api/") else client_for(persona)
    _notes_for(lead, rep, other_rep, project, 3)
    few = _queries(client, url)
    _notes_for(lead, rep, other_rep, project, 30)
    with django_assert_max_num_queries(few):
        assert client.get(url).status_code == 200


def test_the_project_page_costs_the_same_with_many_notes(lead, rep, other_rep, project, client_for):
    # The timeline's notes are one query, plus one for their mentioned people.
    client = client_for("lead")
    _notes_for(lead, rep, other_rep, project, 2)
    few = _queries(client, project.get_absolute_url())
    _notes_for(lead, rep, other_rep, project, 60)
    assert _queries(client, project.get_absolute_url()) <= few


# --- the trend chart's weeks --------------------------------------------------------------------


def test_weeks_with_notes_marks_each_reps_weeks_in_company_time(lead, rep, other_rep, django_assert_num_queries):
    shanghai = timezone.get_default_timezone()
    today = datetime.date(2026, 11, 25)  # a Wednesday
    moments = {
        # Sunday 23:30 in Shanghai (15:30 UTC) belongs to the week of Monday 16 November.
        datetime.datetime(2026, 11, 22, 23, 30, tzinfo=shanghai): datetime.date(2026, 11, 16),
        datetime.datetime(2026, 11, 23, 0, 10, tzinfo=shanghai): datetime.date(2026, 11, 23),
        datetime.datetime(2026, 11, 24, 9, 0, tzinfo=shanghai): datetime.date(2026, 11, 23),
        # Outside the last 3 weeks.
        datetime.datetime(2026, 11, 8, 12, 0, tzinfo=shanghai): None,
    }
    for moment in moments:
        note = _write(lead, rep=rep)
        CoachingNote.objects.filter(pk=note.pk).update(created_at=moment)
    with django_assert_num_queries(1):
        weeks = notes.weeks_with_notes(rep.team, [rep, other_rep], 3, today=today)
    assert weeks == {rep.pk: {datetime.date(2026, 11, 16), datetime.date(2026, 11, 23)}, other_rep.pk: set()}


def test_reps_without_a_one_on_one_come_longest_waiting_first(lead, rep, other_rep):
    third = UserFactory(username="third", display_name="赵六", team=rep.team)
    now = timezone.now()
    for who, weeks_ago in ((rep, 5), (other_rep, 1)):
        note = _write(lead, rep=who)
        CoachingNote.objects.filter(pk=note.pk).update(created_at=now - timedelta(weeks=weeks_ago))
    lagging = notes.reps_without_one_on_one(team_id=rep.team_id, weeks=2, now=now)
    assert [person.pk for person in lagging] == [third.pk, rep.pk]
    assert lagging[0].last_one_on_one is None


# --- edit and delete on the pages ---------------------------------------------------------------


def _edit_url(note):
    return reverse("coaching:note_edit", args=[note.pk])


def _delete_url(note):
    return reverse("coaching:note_delete", args=[note.pk])


def test_the_author_edits_a_note_on_its_page_carrying_the_version(lead, rep, project, client_for):
    note = _write(lead, project=project, body="先问预算。")
    client = client_for("lead")
    page = client.get(_edit_url(note), **EN)
    assert page.status_code == 200 and "先问预算。" in page.content.decode()
    response = client.post(_edit_url(note), {"body": "先问预算，再约决策人。", "version": note.version})
    assert response.status_code == 302 and response.url == project.get_absolute_url() + f"#note-{note.pk}"
    note.refresh_from_db()
    assert (note.body, note.version) == ("先问预算，再约决策人。", 2) and note.edited_at is not None


def test_an_edit_over_a_newer_version_shows_both_and_changes_nothing(lead, rep, project, client_for):
    note = _write(lead, project=project, body="先问预算。")
    notes.note_edit(user=lead, note=note, body="另一个窗口里改过。", version=note.version)
    response = client_for("lead").post(_edit_url(note), {"body": "我的旧版本。", "version": 1}, **EN)
    assert response.status_code == 409
    html = response.content.decode()
    assert "另一个窗口里改过。" in html and "我的旧版本。" in html and 'name="version" value="2"' in html
    note.refresh_from_db()
    assert (note.body, note.version) == ("另一个窗口里改过。", 2)


def test_an_empty_edit_names_the_field_and_keeps_the_note(lead, rep, project, client_for):
    note = _write(lead, project=project, body="先问预算。")
    response = client_for("lead").post(_edit_url(note), {"body": "  ", "version": note.version}, **EN)
    assert response.status_code == 400 and "body" in response.context["form"].errors
    note.refresh_from_db()
    assert (note.body, note.version) == ("先问预算。", 1)


def test_delete_asks_to_confirm_then_deletes(lead, rep, project, client_for):
    note = _write(lead, project=project, body="先问预算。")
    client = client_for("lead")
    confirm = client.get(_delete_url(note), **EN)
    assert confirm.status_code == 200 and "Delete this coaching note?" in confirm.content.decode()
    assert CoachingNote.objects.filter(pk=note.pk).exists()  # asking changes nothing
    response = client.post(_delete_url(note))
    assert response.status_code == 302 and response.url == project.get_absolute_url() + "#timeline"
    assert not CoachingNote.objects.filter(pk=note.pk).exists()


def test_an_admin_deletes_a_leads_note(lead, rep, admin, client_for):
    note = _write(lead, rep=rep)
    assert client_for("admin").post(_delete_url(note)).status_code == 302
    assert not CoachingNote.objects.exists()


@pytest.mark.parametrize("persona", ["rep", "other_rep", "other_lead", "outsider_rep"])
def test_nobody_but_the_author_or_an_admin_edits_or_deletes_a_note(persona, lead, rep, project, client_for):
    note = _write(lead, project=project, body="先问预算。")
    client = client_for(persona)
    assert client.get(_edit_url(note)).status_code == 404
    assert client.post(_edit_url(note), {"body": "改掉", "version": note.version}).status_code == 404
    assert client.get(_delete_url(note)).status_code == 404
    assert client.post(_delete_url(note)).status_code == 404
    stored = CoachingNote.objects.get(pk=note.pk)
    assert (stored.body, stored.version, stored.edited_at) == ("先问预算。", 1, None)


def test_edit_and_delete_buttons_show_to_the_author_only(lead, rep, project, client_for):
    note = _write(lead, project=project, body="@张伟 先问预算。")
    edit = f'href="{_edit_url(note)}"'
    delete = f'href="{_delete_url(note)}"'
    lead_client = client_for("lead")
    for path in (project.get_absolute_url(), reverse("coaching:note_list")):
        html = lead_client.get(path, **EN).content.decode()
        assert edit in html and delete in html, path
    rep_client = client_for("rep")
    for path in (project.get_absolute_url(), reverse("coaching:note_mine")):
        html = rep_client.get(path, **EN).content.decode()
        assert "先问预算" in html and edit not in html and delete not in html, path


def test_the_note_section_of_a_project_without_a_team_is_not_found(client_for, admin, rep):
    """The page shows no note section where no one may write one (an admin, a project of no
    team): opening its form by hand answers 404, not an empty section."""
    project = create_project(rep)
    type(project).objects.filter(pk=project.pk).update(team=None)
    client = client_for("admin")
    assert 'id="coaching-note"' not in client.get(project.get_absolute_url()).content.decode()
    url = reverse("coaching:note_new") + f"?project={project.pk}"
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404
