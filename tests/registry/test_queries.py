"""Pages and API lists run a fixed number of queries, however many rows they show (no N+1)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.conftest import new_id


def count_queries(fn) -> int:
    """Queries of one call. A first call warms what a user object caches (its role grants): API test clients
    reuse one user object across requests, while real requests load the user afresh."""
    fn()
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def many(make_household, areas):
    def _make(n):
        for _ in range(n):
            make_household(areas["村A"], members=[{"name": "成员", "id_number": new_id(), "relationship": "03"}])
    return _make


def test_household_list_query_count_is_constant(many, users):
    client = Client()
    client.force_login(users["county"])
    many(2)
    small = count_queries(lambda: client.get("/registry/households/?q=张"))
    many(8)
    large = count_queries(lambda: client.get("/registry/households/?q=张"))
    assert small == large
    assert large <= 8


def test_household_detail_query_count_does_not_grow_with_members(household, users, many):
    from fupin.registry import services

    client = Client()
    client.force_login(users["county"])
    before = count_queries(lambda: client.get(f"/registry/households/{household.pk}/"))
    for i in range(5):
        services.member_add(actor=users["county"], household=household, reason="1", date=None,
                            data={"name": f"孩子{i}", "id_number": new_id(), "relationship": "03"})
    after = count_queries(lambda: client.get(f"/registry/households/{household.pk}/"))
    assert before == after
    assert after <= 15


@pytest.mark.parametrize("url", ["/api/households/", "/api/members/", "/api/incomes/"])
def test_api_list_query_count_is_constant(many, users, url):
    client = APIClient()
    client.force_authenticate(users["county"])
    many(2)
    small = count_queries(lambda: client.get(url))
    many(8)
    assert count_queries(lambda: client.get(url)) == small
