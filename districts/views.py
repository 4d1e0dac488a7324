from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import selectors, services
from .access import role_required
from .audit import audit_record
from .exports import csv_download
from .forms import AuditFilterForm, NotificationEmailForm
from .models import AuditAction, Membership, Notification
from .roles import STAFF_ROLES, Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: straight into the only district, or a choice of several."""
    memberships = list(selectors.memberships_of(request.user))
    if len(memberships) == 1 and not request.user.is_facilitator:
        return redirect("districts:home", district_slug=memberships[0].district.slug)
    return render(request, "districts/choose_district.html", {"memberships": memberships})


# What each role's home page is for, in its own words.
ROLE_HOMES: dict[Role, tuple[str, str]] = {
    Role.DISTRICT_ADMIN: (
        "District administration",
        "Your district's schools, school year and the people who use the platform.",
    ),
    Role.CABINET_MEMBER: (
        "District overview",
        "Every school of your district and where the school year stands.",
    ),
    Role.PRINCIPAL: (
        "Your school",
        "The schools you lead and where the school year stands.",
    ),
    Role.SCHOOL_TEAM: (
        "Your school's attendance team",
        "The schools your attendance team serves and where the school year stands.",
    ),
    Role.PARTNER_STAFF: (
        "Partner home",
        "The district's schools your organisation can serve.",
    ),
}


def district_home(request: HttpRequest, district_slug: str) -> HttpResponse:
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(request.district.timezone))
    role = Role(request.membership.role)
    heading, lede = ROLE_HOMES[role]
    school_year = selectors.current_school_year(user=request.user, today=today)
    context = {
        "heading": heading,
        "lede": lede,
        "today": today,
        "school_year": school_year,
        "school_year_elapsed_percent": _elapsed_percent(school_year, today),
        "schools": selectors.visible_schools(user=request.user),
        "show_staff_counts": role == Role.DISTRICT_ADMIN,
    }
    if role == Role.DISTRICT_ADMIN:
        context["people_by_role"] = selectors.people_count_by_role(user=request.user)
    return render(request, "districts/home.html", context)


def _elapsed_percent(school_year, today) -> int | None:
    if school_year is None:
        return None
    span = (school_year.last_day - school_year.first_day).days
    elapsed = min(max((today - school_year.first_day).days, 0), span)
    return round(100 * elapsed / span)


@role_required(Role.DISTRICT_ADMIN)
def district_people(request: HttpRequest, district_slug: str) -> HttpResponse:
    people = selectors.district_people(user=request.user)
    if request.GET.get("format") == "csv":
        audit_record(
            request,
            action=AuditAction.EXPORT,
            model=Membership,
            ids=[m.pk for m in people],
            purpose="People and roles (CSV)",
        )
        return csv_download(
            filename=f"{request.district.slug}-people.csv",
            header=["Name", "Email", "Role", "Schools", "Active"],
            rows=(
                [
                    m.user.full_name,
                    m.user.email,
                    m.get_role_display(),
                    "; ".join(s.name for s in m.schools.all()),
                    "yes" if m.user.is_active else "no",
                ]
                for m in people
            ),
        )
    return render(request, "districts/people.html", {"people": people})


AUDIT_HEADER = ["When (UTC)", "Who", "Action", "Records", "Ids", "Rows", "Purpose", "Address"]


@role_required(Role.DISTRICT_ADMIN)
def audit_log(request: HttpRequest, district_slug: str) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events(user=request.user, filters=filters)
    if request.GET.get("format") == "csv":
        return csv_download(
            filename=f"{request.district.slug}-audit.csv",
            header=AUDIT_HEADER,
            rows=(
                [
                    e.at.isoformat(),
                    e.user_email or "system",
                    e.get_action_display(),
                    e.object_type,
                    " ".join(str(i) for i in e.object_ids),
                    e.row_count,
                    e.purpose,
                    e.path,
                ]
                for e in events.iterator()
            ),
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "districts/audit.html",
        {
            "form": form,
            "page": Paginator(events, 50).get_page(request.GET.get("page")),
            "query": query.urlencode(),
        },
    )


NOTIFICATION_ROLES = (*STAFF_ROLES, Role.PARTNER_STAFF)


@role_required(*NOTIFICATION_ROLES)
def notifications(request: HttpRequest, district_slug: str) -> HttpResponse:
    mine = Notification.objects.for_user(request.user)
    # An unticked box posts nothing at all: a POST is bound even when it is empty.
    form = NotificationEmailForm(
        request.POST if request.method == "POST" else None,
        initial={"email": request.membership.email_notifications},
    )
    if request.method == "POST" and form.is_valid():
        services.notification_email_set(
            membership=request.membership, enabled=form.cleaned_data["email"]
        )
        messages.success(
            request,
            "Notifications will also come by email."
            if form.cleaned_data["email"]
            else "Email is off: your notifications stay here only.",
        )
        return redirect("districts:notifications", district_slug=district_slug)
    page = Paginator(mine, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "districts/notifications.html",
        {"page": page, "unread_count": mine.unread().count(), "form": form},
    )


@role_required(*NOTIFICATION_ROLES)
@require_POST
def notifications_read(request: HttpRequest, district_slug: str) -> HttpResponse:
    """Marks one notification read (``id``) or, without one, all of them."""
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.notifications_mark_read(user=request.user, notification_ids=ids)
    return redirect("districts:notifications", district_slug=district_slug)
