"""The navigation of district pages, as a template context processor."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from districts.access import may_open
from districts.models import Notification
from districts.selectors import memberships_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str


@dataclass(frozen=True)
class NavMenu:
    """Pages grouped by the job they serve, so every role's navigation fits one line at 1280 px."""

    label: str
    items: tuple[NavItem, ...]


# The one list of district pages, kept in the project package because it names every app's
# pages; the navigation shows only the entries the member's role may open, as the decorator
# guarding each entry's view says (districts/access.py `may_open`).
DISTRICT_NAV: tuple[NavItem | NavMenu, ...] = (
    NavItem("Home", "districts:home"),
    NavMenu(
        "Attendance",
        (
            NavItem("District attendance", "tiering:dashboard"),
            NavItem("Schools", "tiering:schools"),
            NavItem("My students", "support:caseload"),
            NavItem("Support summary", "support:summary"),
            NavItem("Attendance imports", "tiering:imports"),
            NavItem("Attendance rules", "tiering:rules"),
            NavItem("Band recompute", "tiering:recompute"),
        ),
    ),
    NavMenu(
        "Planning",
        (
            NavItem("Self-assessment", "selfassessment:list"),
            NavItem("PDSA cycles", "pdsa:list"),
            NavItem("Reasons to results", "pdsa:chain"),
            NavItem("Workshops", "district_workshops:list"),
        ),
    ),
    NavMenu(
        "Partners",
        (
            NavItem("Partners", "partners:registry"),
            NavItem("Partner coverage", "partners:coverage"),
            NavItem("Referrals to us", "support:referrals"),
        ),
    ),
    NavMenu(
        "Administration",
        (
            NavItem("People", "districts:people"),
            NavItem("Access record", "districts:audit"),
            NavItem("Sign-in security", "districts:security"),
        ),
    ),
    NavItem("Notifications", "districts:notifications"),
)
NOTIFICATIONS = "districts:notifications"


class _PagesOpenTo:
    """The district pages a member may open, for templates that link to one:
    `{% if "tiering:imports" in may_open %}`."""

    def __init__(self, membership) -> None:
        self.membership = membership

    def __contains__(self, url_name: str) -> bool:
        return may_open(self.membership, url_name)


def navigation(request: HttpRequest) -> dict:
    """`nav_items`: the top line of the navigation, each a link or a menu of links (with
    `links`). A menu left with one page for the member's role is shown as that page's link:
    a menu of one is a click for nothing. `may_open`: see _PagesOpenTo."""
    if not request.user.is_authenticated:
        return {}
    # A page rendering several templates (the home's panels) asks again: worked out once.
    known = getattr(request, "navigation_context", None)
    if known is None:
        known = request.navigation_context = _navigation(request)
    return known


def _navigation(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    # The tenant middleware read them already on a district's pages.
    memberships = getattr(request, "user_memberships", None)
    if memberships is None:
        memberships = memberships_of(request.user)
    context = {"nav_items": [], "user_memberships": list(memberships)}
    if membership is None:
        return context
    context["may_open"] = _PagesOpenTo(membership)
    for entry in DISTRICT_NAV:
        items = entry.items if isinstance(entry, NavMenu) else (entry,)
        links = [_link(request, membership, i) for i in items if may_open(membership, i.url_name)]
        if len(links) == 1:
            context["nav_items"].append(links[0])
        elif links:
            current = any(link["current"] for link in links)
            context["nav_items"].append({"label": entry.label, "links": links, "current": current})
    return context


def _link(request: HttpRequest, membership, item: NavItem) -> dict:
    url = _district_url(
        item.url_name,
        membership.district.slug,
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    count = None
    if item.url_name == NOTIFICATIONS:
        count = Notification.objects.for_user(request.user).unread().count()
    return {"label": item.label, "url": url, "current": request.path == url, "count": count}


# Every district page shows the same ten links of its district: reversed once per process
# rather than on every page (~25 µs each). Keyed by what reverse() reads besides its
# arguments, the script prefix and the URL configuration, so a changed one is reversed anew.
@lru_cache(maxsize=4096)
def _district_url(url_name: str, district_slug: str, prefix: str, urlconf: str) -> str:
    return reverse(url_name, urlconf=urlconf, kwargs={"district_slug": district_slug})
