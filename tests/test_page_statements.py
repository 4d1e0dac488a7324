"""How many statements the busiest pages run (issue 22, pages at scale): each one is a round
trip to the database, and those every request repeats (the session, the membership and its
schools, the district switcher, the tenant settings, the navigation's counts) were most of a
principal's home. Upper bounds, so that a change adding statements to every request fails
here rather than in a benchmark; they count a request as the server runs it, one whole
transaction (a test's enclosing transaction would add savepoints)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

# As measured when the bounds were set (before: 55 on the home, 51 on the list, then 26 on
# the list before its savepoint, its own read of the previous snapshot and its count apart
# from its rows went; the dashboard's 29 before its figures were read only when its cached
# fragments miss; each 3 more before the user's memberships were read in the transaction that
# looks for their authenticator).
PRINCIPAL_HOME = 21
TIERED_LIST = 19
DASHBOARD = 15
# Before the history matched other snapshots' schools by id and the data freshness read the
# last dates stored with the snapshot: 45.
DASHBOARD_CACHE_COLD = 37


def _statements(client, url: str) -> list[str]:
    client.get(url)  # the figures a page caches are then cached, as on every later visit
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_a_principals_home_and_tiered_list_run_a_bounded_number_of_statements(
    client, tiered, principal
):
    client.force_login(principal)
    home = _statements(client, "/d/riverside/")
    listed = _statements(client, f"/d/riverside/attendance/schools/{tiered.pk}/")
    assert len(home) <= PRINCIPAL_HOME, "\n".join(s[:150] for s in home)
    assert len(listed) <= TIERED_LIST, "\n".join(s[:150] for s in listed)
    # The district is chosen once: one read of the user's memberships, their schools with it.
    for statements in (home, listed):
        assert sum('FROM "districts_membership"' in sql for sql in statements) == 1
        assert not any('districts_membershipschool"."school_id" AS' in sql for sql in statements)


@pytest.mark.django_db(transaction=True)
def test_the_district_dashboard_reads_no_figures_once_they_are_cached(
    client, tiered, cabinet_member
):
    client.force_login(cabinet_member)
    dashboard = _statements(client, "/d/riverside/attendance/")
    assert len(dashboard) <= DASHBOARD, "\n".join(s[:150] for s in dashboard)
    assert not any("tiering_standing" in sql or "tiering_bandtally" in sql for sql in dashboard)


@pytest.mark.django_db(transaction=True)
def test_a_cache_cold_district_dashboard_runs_a_bounded_number_of_statements(
    client, tiered, cabinet_member
):
    # Its first request after an import, when none of its fragments is cached: the schools
    # are read once for the tables and once for the data freshness, each figure once.
    client.force_login(cabinet_member)
    client.get("/d/riverside/attendance/")
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/d/riverside/attendance/").status_code == 200
    cold = [query["sql"] for query in captured.captured_queries]
    assert len(cold) <= DASHBOARD_CACHE_COLD, "\n".join(s[:150] for s in cold)
    assert sum('FROM "districts_school"' in sql for sql in cold) == 2
