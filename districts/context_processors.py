from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from .roles import STAFF_ROLES, Role
from .selectors import memberships_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[Role]


# The one list of district pages; each app adds its entries here as it gains pages, and the
# navigation shows only the entries the member's role may use.
DISTRICT_NAV: tuple[NavItem, ...] = (
    NavItem("Home", "districts:home", STAFF_ROLES | {Role.PARTNER_STAFF}),
    NavItem("People", "districts:people", frozenset({Role.DISTRICT_ADMIN})),
)


def navigation(request: HttpRequest) -> dict:
    if not request.user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    items = []
    if membership is not None:
        for item in DISTRICT_NAV:
            if membership.role in item.roles:
                url = reverse(item.url_name, kwargs={"district_slug": membership.district.slug})
                items.append({"label": item.label, "url": url, "current": request.path == url})
    return {"nav_items": items, "user_memberships": list(memberships_of(request.user))}
