"""The lead's dashboard shows releases and returns to the public pool per rep."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Customer
from pipeline.pools import services as pools
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_releases_and_returns_per_rep_on_the_dashboard(lead_client, rep, other_rep, outsider_rep, admin, team):
    pool = pools.pool_save(user=admin, data={"name": "华东公海"}, teams=[team])
    for _i in range(2):
        pools.customer_release(user=rep, customer=CustomerFactory(owner=rep), pool=pool, reason="无预算")
    due = CustomerFactory(owner=other_rep)
    Customer.objects.filter(pk=due.pk).update(returns_on=timezone.localdate() - timedelta(days=1), pool=pool)
    pools.pool_return_pass()
    outsider_pool = pools.pool_save(user=admin, data={"name": "华北公海"}, teams=[outsider_rep.team])
    pools.customer_release(
        user=outsider_rep, customer=CustomerFactory(owner=outsider_rep), pool=outsider_pool, reason="无预算"
    )
    today = timezone.localdate()
    period = {"period": "custom", "start": (today - timedelta(days=29)).isoformat(), "end": today.isoformat()}
    response = lead_client.get("/coaching/", period)
    rows = {row["name"]: row for row in response.context["dashboard"].pool_rows}
    assert (rows[rep.name]["released"], rows[rep.name]["returned"]) == (2, 0)
    assert (rows[other_rep.name]["released"], rows[other_rep.name]["returned"]) == (0, 1)
    assert outsider_rep.name not in rows
    html = response.content.decode()
    assert 'id="pool"' in html
