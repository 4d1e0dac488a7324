"""The navigation of district pages, as a template context processor."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from districts.models import Notification
from districts.roles import DISTRICT_WIDE_ROLES, STAFF_ROLES, Role
from districts.selectors import memberships_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[Role]


# The one list of district pages, kept in the project package because it names every app's
# pages; the navigation shows only the entries the member's role may use.
DISTRICT_NAV: tuple[NavItem, ...] = (
    NavItem("Home", "districts:home", STAFF_ROLES | {Role.PARTNER_STAFF}),
    NavItem("District attendance", "tiering:dashboard", DISTRICT_WIDE_ROLES),
    NavItem("Schools", "tiering:schools", STAFF_ROLES),
    NavItem("Attendance imports", "tiering:imports", DISTRICT_WIDE_ROLES),
    NavItem("Attendance rules", "tiering:rules", frozenset({Role.DISTRICT_ADMIN})),
    NavItem("Band recompute", "tiering:recompute", frozenset({Role.DISTRICT_ADMIN})),
    NavItem("Self-assessment", "selfassessment:list", STAFF_ROLES),
    NavItem("People", "districts:people", frozenset({Role.DISTRICT_ADMIN})),
    NavItem("Access record", "districts:audit", frozenset({Role.DISTRICT_ADMIN})),
    NavItem("Sign-in security", "districts:security", frozenset({Role.DISTRICT_ADMIN})),
    NavItem("Partners", "partners:registry", STAFF_ROLES | {Role.PARTNER_STAFF}),
    NavItem("Partner coverage", "partners:coverage", STAFF_ROLES),
    NavItem("Notifications", "districts:notifications", STAFF_ROLES | {Role.PARTNER_STAFF}),
)
NOTIFICATIONS = "districts:notifications"


def navigation(request: HttpRequest) -> dict:
    if not request.user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    items = []
    if membership is not None:
        for item in DISTRICT_NAV:
            if membership.role in item.roles:
                url = reverse(item.url_name, kwargs={"district_slug": membership.district.slug})
                count = None
                if item.url_name == NOTIFICATIONS:
                    count = Notification.objects.for_user(request.user).unread().count()
                items.append(
                    {
                        "label": item.label,
                        "url": url,
                        "current": request.path == url,
                        "count": count,
                    }
                )
    return {"nav_items": items, "user_memberships": list(memberships_of(request.user))}
