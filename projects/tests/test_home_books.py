"""The admin's start page names deactivated users who still own records, with a transfer link."""

import pytest
from django.urls import reverse

from teams import services
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_deactivated_rep_with_customers_is_flagged_until_the_book_moves(admin, admin_client, rep, team):
    CustomerFactory.create_batch(3, owner=rep)
    services.user_update(user=rep, is_active=False, actor=admin)
    page = admin_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Deactivated users who still own records" in page
    assert f"{reverse('projects:book_transfer')}?from_user={rep.pk}" in page
    rep.customers.update(owner=admin)  # the book moved
    page = admin_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Deactivated users who still own records" not in page


def test_the_flag_costs_one_query_however_many_users(admin, admin_client, team, django_assert_num_queries):
    from projects.home_books import orphaned_books_section

    for _ in range(5):
        user = UserFactory(team=team, is_active=False)
        CustomerFactory.create_batch(2, owner=user)
    request = type("Request", (), {"user": admin})()
    # the inactive users with both counts as subqueries
    with django_assert_num_queries(1):
        section = orphaned_books_section(request)
    assert [user.customer_count for user in section["users"]] == [2] * 5
