import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts import services as account_services
from projects import services
from projects.models import ChecklistItem, Conflict, Project, Resolution
from tests.factories import ContactFactory, CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db
# Every open project needs a planned next contact (the new-project form asks for it).
SOON = (date.today() + timedelta(days=3)).isoformat()


def test_new_project_from_the_customer_page_has_the_customer_preselected(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    page = rep_client.get(customer.get_absolute_url())
    url = f"{reverse('projects:project_create')}?customer={customer.pk}"
    assert url in page.content.decode()
    response = rep_client.post(
        url, {"customer": customer.pk, "name": "ERP 升级", "kind": "new", "scope": "财务模块", "next_contact_on": SOON}
    )
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    assert (project.customer, project.owner) == (customer, rep)


def test_end_before_start_shows_beside_the_field(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    response = rep_client.post(
        f"{reverse('projects:project_create')}?customer={customer.pk}",
        {"name": "ERP", "kind": "new", "start_on": "2027-02-01", "end_on": "2027-01-01"},
    )
    assert response.status_code == 200
    assert "end_on" in response.context["form"].errors
    assert not Project.objects.exists()


def test_customer_outside_scope_is_404_unless_a_duplicate_warning_disclosed_it(rep_client, rep, outsider_rep):
    theirs = CustomerFactory(owner=outsider_rep, name="杭州云帆信息科技有限公司")
    url = f"{reverse('projects:project_create')}?customer={theirs.pk}"
    assert (
        rep_client.post(url, {"customer": theirs.pk, "name": "x", "kind": "new", "next_contact_on": SOON}).status_code
        == 404
    )
    with pytest.raises(account_services.DuplicateCustomer):
        account_services.customer_create(user=rep, data={"name": "杭州云帆信息科技"})
    form = rep_client.get(url)
    assert form.status_code == 200 and not form.context["customer_visible"]
    response = rep_client.post(
        url, {"customer": theirs.pk, "name": "续费：年度维保", "kind": "renewal", "next_contact_on": SOON}
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.owner == rep and project.customer == theirs


def test_limited_view_of_a_customer_shows_the_company_not_its_people(rep_client, rep, other_rep):
    customer = CustomerFactory(owner=other_rep, notes="内部备注：老板很难搞")
    ContactFactory(customer=customer, name="秘密联系人")
    ProjectFactory(customer=customer, owner=other_rep, name="他的项目")
    ProjectFactory(customer=customer, owner=rep, name="我的项目")
    response = rep_client.get(customer.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert customer.name in content and "我的项目" in content
    assert "秘密联系人" not in content and "老板很难搞" not in content and "他的项目" not in content
    assert other_rep.name in content  # who owns the other open project: name only
    assert rep_client.get(reverse("accounts:customer_update", args=[customer.pk])).status_code == 404


def test_rep_cannot_open_another_reps_project(rep_client, other_rep):
    project = ProjectFactory(customer=CustomerFactory(owner=other_rep))
    assert rep_client.get(project.get_absolute_url()).status_code == 404
    assert rep_client.post(reverse("projects:procurement_create", args=[project.pk]), {}).status_code == 404


def test_procurement_list_is_edited_inline(rep_client, rep):
    project = ProjectFactory(customer=CustomerFactory(owner=rep))
    url = reverse("projects:procurement_create", args=[project.pk])
    response = rep_client.post(
        url,
        {"item": "服务器", "quantity": "4", "unit": "台", "unit_price": "52000", "notes": ""},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content and "208,000.00" in content
    bad = rep_client.post(url, {"item": "交换机", "quantity": "-1", "unit_price": "-3"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert {"quantity", "unit_price"} <= set(bad.context["item_form"].errors)
    assert project.procurement_items.count() == 1


def test_committee_shows_the_decision_chain_and_new_people(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    boss = ContactFactory(customer=customer, name="赵总")
    project = ProjectFactory(customer=customer)
    url = reverse("projects:stakeholder_create", args=[project.pk])
    rep_client.post(url, {"contact": boss.pk, "role": "decision_maker", "stance": "supporter"}, HTTP_HX_REQUEST="true")
    response = rep_client.post(
        url,
        {"new_name": "钱工", "new_title": "IT 经理", "role": "influencer", "stance": "opposed"},
        HTTP_HX_REQUEST="true",
    )
    chain = response.context["chain"]
    assert [level["role"] for level in chain] == ["decision_maker", "influencer"]
    assert customer.contacts.filter(name="钱工").exists()


def test_hand_ticked_checklist_item(rep_client, rep):
    project = ProjectFactory(customer=CustomerFactory(owner=rep))
    item = ChecklistItem.objects.get(key="competitors")
    response = rep_client.post(
        reverse("projects:checklist_tick", args=[project.pk, item.pk]), {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    line = next(line for line in response.context["lines"] if line.item == item)
    assert line.done and line.tick.ticked_by == rep


def test_conflict_warning_names_the_other_owner_only(rep_client, rep, other_rep):
    customer = CustomerFactory(owner=rep)
    mine = services.project_create(user=rep, customer=customer, data={"name": "CRM 系统"})
    services.project_create(user=other_rep, customer=customer, data={"name": "保密的呼叫中心项目"})
    content = rep_client.get(mine.get_absolute_url()).content.decode()
    assert other_rep.name in content and "保密的呼叫中心项目" not in content


def test_lead_resolves_a_conflict_in_the_queue(lead_client, rep_client, rep, other_rep, lead):
    customer = CustomerFactory(owner=rep)
    services.project_create(user=rep, customer=customer, data={"name": "CRM 系统"})
    services.project_create(user=other_rep, customer=customer, data={"name": "呼叫中心"})
    conflict = Conflict.objects.get()
    assert rep_client.get(reverse("projects:conflict_list")).status_code == 403
    queue = lead_client.get(reverse("projects:conflict_list"))
    assert list(queue.context["object_list"]) == [conflict]
    response = lead_client.post(
        reverse("projects:conflict_resolve", args=[conflict.pk]), {"resolution": "separate", "note": "预算独立"}
    )
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert (conflict.resolution, conflict.resolved_by, conflict.resolution_note) == (
        Resolution.SEPARATE,
        lead,
        "预算独立",
    )
    assert list(lead_client.get(reverse("projects:conflict_list")).context["object_list"]) == []


def test_other_teams_lead_cannot_resolve(client_for, rep, other_rep, other_lead):
    customer = CustomerFactory(owner=rep)
    services.project_create(user=rep, customer=customer, data={"name": "CRM 系统"})
    services.project_create(user=other_rep, customer=customer, data={"name": "呼叫中心"})
    conflict = Conflict.objects.get()
    response = client_for("other_lead").post(
        reverse("projects:conflict_resolve", args=[conflict.pk]), {"resolution": "separate"}
    )
    assert response.status_code == 404
    assert not Conflict.objects.get().is_resolved


def test_stale_version_on_the_page_shows_both_versions(rep_client, lead_client, rep):
    project = ProjectFactory(customer=CustomerFactory(owner=rep), scope="原始")
    url = reverse("projects:project_update", args=[project.pk])
    form = {"name": project.name, "kind": "new", "version": "1"}
    assert lead_client.post(url, {**form, "scope": "主管版本"}).status_code == 302
    response = rep_client.post(url, {**form, "scope": "销售版本"})
    content = response.content.decode()
    assert "主管版本" in content and "销售版本" in content
    assert Project.objects.get(pk=project.pk).scope == "主管版本"


def test_lead_hands_over_a_project_with_a_reason(lead_client, rep, other_rep):
    project = ProjectFactory(customer=CustomerFactory(owner=rep))
    response = lead_client.post(
        reverse("projects:project_transfer", args=[project.pk]), {"to_user": other_rep.pk, "reason": "张伟调岗"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.owner == other_rep
    assert project.owner_changes.get().reason == "张伟调岗"


def test_project_list_filters(lead_client, rep, other_rep):
    customer = CustomerFactory(owner=rep)
    services.project_create(user=rep, customer=customer, data={"name": "CRM 系统"})
    services.project_create(user=other_rep, customer=customer, data={"name": "呼叫中心", "kind": "renewal"})
    ProjectFactory(customer=CustomerFactory(owner=rep), name="无冲突项目")

    def names(**params):
        return sorted(p.name for p in lead_client.get(reverse("projects:project_list"), params).context["object_list"])

    assert names(has_conflict="true") == ["CRM 系统", "呼叫中心"]
    assert names(kind="renewal") == ["呼叫中心"]
    assert names(owner=other_rep.pk) == ["呼叫中心"]
    assert names(q="无冲突") == ["无冲突项目"]


def test_project_list_queries_stay_flat(lead_client, rep, other_rep, django_assert_max_num_queries):
    for owner in (rep, other_rep):
        for customer in CustomerFactory.create_batch(30, owner=owner):
            ProjectFactory(customer=customer)
    # session, user, owner choices, count, page of projects with customer, owner and has-conflict.
    with django_assert_max_num_queries(6):
        response = lead_client.get(reverse("projects:project_list"))
    assert len(response.context["object_list"]) == 50


def test_project_detail_queries_stay_flat(rep_client, rep, django_assert_max_num_queries):
    customer = CustomerFactory(owner=rep)
    project = ProjectFactory(customer=customer)
    for contact in ContactFactory.create_batch(6, customer=customer):
        services.stakeholder_save(user=rep, project=project, contact=contact, role="influencer", stance="neutral")
    for i in range(8):
        services.procurement_item_save(
            user=rep, project=project, data={"item": f"物品{i}", "quantity": 1, "unit_price": 100}
        )
    # The project's own sections, and the pipeline's, whose timeline includes the coaching notes:
    # tests/test_page_query_budgets.py (PROJECT_PAGE) names each query.
    with django_assert_max_num_queries(21):
        assert rep_client.get(project.get_absolute_url()).status_code == 200


def test_conflict_queue_queries_stay_flat(lead_client, rep, other_rep, django_assert_max_num_queries):
    for _i in range(12):
        customer = CustomerFactory(owner=rep)
        services.project_create(user=rep, customer=customer, data={"name": "CRM 系统"})
        services.project_create(user=other_rep, customer=customer, data={"name": "呼叫中心"})
    # session, user, the user's team (header), the ids of the team's conflicts, count, page of
    # conflicts joined with both projects, their owners, the customer and the contact, and which
    # of those projects the lead may open.
    with django_assert_max_num_queries(7):
        response = lead_client.get(reverse("projects:conflict_list"))
    assert len(response.context["object_list"]) == 12


def _banners(content):
    return re.findall(r'<p class="message error" role="alert" data-conflict="\d+">(.*?)</p>', content, re.S)


def _text(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_conflict_banners_say_which_project_each_is_about(client_for, rep, other_rep):
    customer = CustomerFactory(owner=rep)
    mine = services.project_create(user=rep, customer=customer, data={"name": "CRM 系统"})
    same = services.project_create(user=other_rep, customer=customer, data={"name": "CRM 系统"})
    other = services.project_create(user=other_rep, customer=customer, data={"name": "呼叫中心"})
    # The lead may open both other projects: each banner names and links its project and its kind.
    lead = client_for("lead")
    lead.post(reverse("set_language"), {"language": "en", "next": "/"})
    banners = _banners(lead.get(mine.get_absolute_url()).content.decode())
    assert len(banners) == 2
    texts = sorted(_text(banner) for banner in banners)
    assert texts[0].startswith(f"Same customer: 呼叫中心 ({other_rep.name})")
    assert texts[1].startswith(f"Same project: CRM 系统 ({other_rep.name})")
    joined = "".join(banners)
    assert f'href="{same.get_absolute_url()}"' in joined and f'href="{other.get_absolute_url()}"' in joined
    # The rep may not open them: named by the colleague only, nothing of the project leaks.
    rep_client = client_for("rep")
    rep_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    content = rep_client.get(mine.get_absolute_url()).content.decode()
    texts = sorted(_text(banner) for banner in _banners(content))
    assert texts[0].startswith(f"Same customer: a project of another colleague ({other_rep.name})")
    assert texts[1].startswith(f"Same project: a project of another colleague ({other_rep.name})")
    assert "呼叫中心" not in content and other.get_absolute_url() not in content


def test_conflict_queue_is_one_compact_form_per_conflict(lead_client, rep, other_rep):
    for index in range(3):
        customer = CustomerFactory(owner=rep)
        services.project_create(user=rep, customer=customer, data={"name": f"CRM 系统{index}"})
        services.project_create(user=other_rep, customer=customer, data={"name": f"呼叫中心{index}"})
    content = lead_client.get(reverse("projects:conflict_list")).content.decode()
    cards = re.findall(r'<article class="conflict-card".*?</article>', content, re.S)
    assert len(cards) == 3
    for card in cards:
        assert card.count("<form") == 1 and card.count("<details") == 1
        assert sorted(re.findall(r'name="resolution" value="(\w+)"', card)) == sorted(
            set(Resolution.values) - {Resolution.CLOSED}
        )
        # Chinese typography: full-width colon after a label, no half-width "Owner: ".
        assert "负责人：" in card and ": " not in _text(card)


def test_one_conflict_form_resolves_with_the_chosen_radio(lead_client, rep, other_rep, lead):
    customer = CustomerFactory(owner=rep)
    mine = services.project_create(user=rep, customer=customer, data={"name": "CRM 系统"})
    theirs = services.project_create(user=other_rep, customer=customer, data={"name": "呼叫中心"})
    conflict = Conflict.objects.get()
    url = reverse("projects:conflict_resolve", args=[conflict.pk])
    # The form posts every field; only the chosen resolution's own field counts.
    lead_client.post(url, {"resolution": "separate", "owner": rep.pk, "keep": "a", "note": "预算独立"})
    conflict.refresh_from_db()
    assert (conflict.resolution, conflict.resolved_by, conflict.resolution_note) == (
        Resolution.SEPARATE,
        lead,
        "预算独立",
    )
    assert Project.objects.get(pk=theirs.pk).owner == other_rep and Project.objects.get(pk=mine.pk).is_open


def _conflict_reads(queries):
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "projects_conflict"')]


def test_project_page_reads_conflicts_only_when_the_project_has_some(
    rep_client, rep, other_rep, lead, django_assert_max_num_queries
):
    """Whether a project is part of a conflict comes with its checklist rows: most projects
    have none and their page reads no conflict; one whose only conflict is resolved still
    shows it (in the Conflicts section, with no banner), for two queries more: its conflicts
    and which of the other projects the user may open."""
    customer = CustomerFactory(owner=rep)
    quiet = services.project_create(user=rep, customer=customer, data={"name": "CRM 系统"})
    rep_client.get(quiet.get_absolute_url())  # warm: the configuration the process keeps
    with django_assert_max_num_queries(30) as calm:
        content = rep_client.get(quiet.get_absolute_url()).content.decode()
    assert _conflict_reads(calm.captured_queries) == [] and 'id="conflicts"' not in content

    services.project_create(user=other_rep, customer=customer, data={"name": "呼叫中心"})
    conflict = Conflict.objects.get()
    services.conflict_resolve(user=lead, conflict=conflict, resolution=Resolution.SEPARATE, note="预算独立")
    with django_assert_max_num_queries(30) as busy:
        content = rep_client.get(quiet.get_absolute_url()).content.decode()
    assert len(_conflict_reads(busy.captured_queries)) == 1
    assert len(busy.captured_queries) == len(calm.captured_queries) + 2
    assert 'id="conflicts"' in content and "预算独立" in content and _banners(content) == []
