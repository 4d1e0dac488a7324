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


@dataclass(frozen=True)
class NavMenu:
    """Pages grouped by the job they serve, so every role's navigation fits one line at 1280 px."""

    label: str
    items: tuple[NavItem, ...]


# The one list of district pages, kept in the project package because it names every app's
# pages; the navigation shows only the entries the member's role may use.
DISTRICT_NAV: tuple[NavItem | NavMenu, ...] = (
    NavItem("Home", "districts:home", STAFF_ROLES | {Role.PARTNER_STAFF}),
    NavMenu(
        "Attendance",
        (
            NavItem("District attendance", "tiering:dashboard", DISTRICT_WIDE_ROLES),
            NavItem("Schools", "tiering:schools", STAFF_ROLES),
            NavItem("Attendance imports", "tiering:imports", DISTRICT_WIDE_ROLES),
            NavItem("Attendance rules", "tiering:rules", frozenset({Role.DISTRICT_ADMIN})),
            NavItem("Band recompute", "tiering:recompute", frozenset({Role.DISTRICT_ADMIN})),
        ),
    ),
    NavMenu(
        "Planning",
        (
            NavItem("Self-assessment", "selfassessment:list", STAFF_ROLES),
            NavItem("PDSA cycles", "pdsa:list", STAFF_ROLES | {Role.PARTNER_STAFF}),
        ),
    ),
    NavMenu(
        "Partners",
        (
            NavItem("Partners", "partners:registry", STAFF_ROLES | {Role.PARTNER_STAFF}),
            NavItem("Partner coverage", "partners:coverage", STAFF_ROLES),
        ),
    ),
    NavMenu(
        "Administration",
        (
            NavItem("People", "districts:people", frozenset({Role.DISTRICT_ADMIN})),
            NavItem("Access record", "districts:audit", frozenset({Role.DISTRICT_ADMIN})),
            NavItem("Sign-in security", "districts:security", frozenset({Role.DISTRICT_ADMIN})),
        ),
    ),
    NavItem("Notifications", "districts:notifications", STAFF_ROLES | {Role.PARTNER_STAFF}),
)
NOTIFICATIONS = "districts:notifications"


def navigation(request: HttpRequest) -> dict:
    """`nav_items`: the top line of the navigation, each a link or a menu of links (with
    `links`). A menu left with one page for the member's role is shown as that page's link:
    a menu of one is a click for nothing."""
    if not request.user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    entries = []
    if membership is not None:
        for entry in DISTRICT_NAV:
            items = entry.items if isinstance(entry, NavMenu) else (entry,)
            links = [_link(request, membership, i) for i in items if membership.role in i.roles]
            if len(links) == 1:
                entries.append(links[0])
            elif links:
                current = any(link["current"] for link in links)
                entries.append({"label": entry.label, "links": links, "current": current})
    return {"nav_items": entries, "user_memberships": list(memberships_of(request.user))}


def _link(request: HttpRequest, membership, item: NavItem) -> dict:
    url = reverse(item.url_name, kwargs={"district_slug": membership.district.slug})
    count = None
    if item.url_name == NOTIFICATIONS:
        count = Notification.objects.for_user(request.user).unread().count()
    return {"label": item.label, "url": url, "current": request.path == url, "count": count}
