"""The one role policy (districts/roles.py): every district page is guarded by a named policy,
which is what the navigation and links read."""

import pytest
from django.urls import URLResolver, get_resolver

from districts.access import role_required
from districts.roles import MANAGE_PEOPLE, Role

DISTRICT_PREFIX = "d/<slug:district_slug>/"


def _pages(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _pages(pattern.url_patterns, inner)
        else:
            yield f"{namespace}{pattern.name}", pattern.callback


def _district_pages():
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and str(pattern.pattern).startswith(DISTRICT_PREFIX):
            yield from _pages(pattern.url_patterns, f"{pattern.namespace}:")


def test_every_district_page_is_guarded_by_a_policy():
    pages = dict(_district_pages())
    assert len(pages) > 50, "the walk found the district pages"
    assert [name for name, view in pages.items() if not hasattr(view, "allowed_roles")] == []
    assert pages["districts:people"].allowed_roles is MANAGE_PEOPLE


def test_a_guard_takes_a_named_policy_not_a_role():
    with pytest.raises(TypeError, match="policy"):
        role_required(Role.DISTRICT_ADMIN)
