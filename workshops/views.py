"""The facilitators' pages (/workshops/…, guarded by access.facilitator_required) and the
district administrators' invitation pages (/d/<district>/workshops/…, RESPOND_TO_WORKSHOPS)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from districts.access import role_required
from districts.audit import audit_record
from districts.models import AuditAction, District
from districts.roles import RESPOND_TO_WORKSHOPS

from . import selectors, services
from .access import facilitator_required, workshop_for
from .context import facilitating
from .forms import ConsentForm, InviteForm, SessionFormSet, TeamMemberForm, WorkshopForm
from .models import (
    Consent,
    ConsentItem,
    Department,
    Invitation,
    InvitationStatus,
    TeamMember,
    WorkshopSession,
)

# --- Facilitators -----------------------------------------------------------------------------


def _fields(form) -> services.WorkshopFields:
    return services.WorkshopFields(
        **{name: form.cleaned_data[name] for name in services.WorkshopFields.__dataclass_fields__}
    )


@facilitator_required
def workshop_list(request: HttpRequest) -> HttpResponse:
    workshops = selectors.facilitated_workshops(user=request.user)
    return render(request, "workshops/list.html", {"workshops": workshops})


@facilitator_required
def workshop_create(request: HttpRequest) -> HttpResponse:
    form = WorkshopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workshop = services.workshop_create(created_by=request.user, fields=_fields(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Workshop created, with the three objectives as its agenda.")
            return redirect("workshops:detail", workshop_id=workshop.pk)
    status = 422 if form.errors else 200
    return render(request, "workshops/create.html", {"form": form}, status=status)


@facilitator_required
def workshop_detail(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_for(request, workshop_id)
    return _detail(request, workshop, InviteForm())


def _detail(request, workshop, invite_form, status=200) -> HttpResponse:
    context = {
        "workshop": workshop,
        "sessions": WorkshopSession.objects.filter(workshop=workshop),
        "invited": selectors.invited_districts(workshop=workshop),
        "invite_form": invite_form,
    }
    return render(request, "workshops/detail.html", context, status=status)


@facilitator_required
def workshop_edit(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_for(request, workshop_id)
    sessions = WorkshopSession.objects.filter(workshop=workshop)
    form = WorkshopForm(request.POST or None, instance=workshop)
    formset = SessionFormSet(request.POST or None, queryset=sessions, prefix="sessions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = [
            services.SessionFields(
                day=f.cleaned_data["day"],
                title=f.cleaned_data["title"],
                agenda=f.cleaned_data["agenda"],
            )
            for f in formset.forms
            # An untouched blank row has no cleaned data.
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            services.workshop_update(
                workshop=workshop, fields=_fields(form), sessions=kept, by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Workshop saved.")
            return redirect("workshops:detail", workshop_id=workshop.pk)
    status = (
        422 if form.errors or (request.method == "POST" and formset.total_error_count()) else 200
    )
    context = {"workshop": workshop, "form": form, "formset": formset}
    return render(request, "workshops/edit.html", context, status=status)


@require_POST
@facilitator_required
def invitation_create(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_for(request, workshop_id)
    form = InviteForm(request.POST)
    if form.is_valid():
        district = District.objects.filter(slug=form.cleaned_data["slug"]).first()
        if district is None:
            form.add_error("slug", "No district has this address name.")
        else:
            try:
                services.invitation_create(
                    workshop=workshop, district=district, invited_by=request.user
                )
            except ValidationError as error:
                form.add_error("slug", error)
            else:
                messages.success(request, f"{district.name} is invited.")
                return redirect("workshops:detail", workshop_id=workshop.pk)
    return _detail(request, workshop, form, status=422)


@facilitator_required
def cohort(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_for(request, workshop_id)
    groups = selectors.cohort(workshop=workshop)
    context = {
        "workshop": workshop,
        "groups": groups,
        "bars": selectors.rate_bars(groups),
        "band_columns": _band_columns(groups),
    }
    return render(request, "workshops/cohort.html", context)


def _band_columns(groups) -> list[str]:
    for group in groups:
        for district in group.districts:
            for table in district.tables:
                return table.figures["columns"]
    return []


def facilitator_home_panel(request: HttpRequest) -> str | None:
    """On the page signing in lands on: a facilitator's workshops."""
    if not request.user.is_facilitator:
        return None
    with facilitating(request.user):
        workshops = list(selectors.facilitated_workshops(user=request.user))
    return render_to_string(
        "workshops/_account_panel.html", {"workshops": workshops}, request=request
    )


# --- District administrators ------------------------------------------------------------------


def _invitation_for(request: HttpRequest, invitation_id: int) -> Invitation:
    return get_object_or_404(
        Invitation.objects.for_user(request.user).select_related("workshop", "district"),
        pk=invitation_id,
    )


@role_required(RESPOND_TO_WORKSHOPS)
def district_invitations(request: HttpRequest, district_slug: str) -> HttpResponse:
    invitations = selectors.district_invitations(user=request.user)
    return render(request, "workshops/invitations.html", {"invitations": invitations})


@role_required(RESPOND_TO_WORKSHOPS)
def invitation_detail(request: HttpRequest, district_slug: str, invitation_id: int) -> HttpResponse:
    invitation = _invitation_for(request, invitation_id)
    return _invitation_page(request, invitation)


def _invitation_page(request, invitation, *, team_form=None, status=200) -> HttpResponse:
    shared = list(
        Consent.objects.for_user(request.user)
        .filter(invitation=invitation)
        .values_list("item", flat=True)
    )
    context = {
        "invitation": invitation,
        "workshop": invitation.workshop,
        "sessions": WorkshopSession.objects.filter(workshop=invitation.workshop),
        "consent_form": ConsentForm(initial={"items": shared}),
        "shared": [ConsentItem(i) for i in ConsentItem.values if i in shared],
        "team": TeamMember.objects.for_user(request.user)
        .filter(invitation=invitation)
        .select_related("user"),
        "team_form": team_form
        or TeamMemberForm(people=selectors.team_candidates(user=request.user)),
        "departments": Department.choices,
        "accepted": invitation.status == InvitationStatus.ACCEPTED,
    }
    return render(request, "workshops/invitation.html", context, status=status)


def _to_invitation(invitation: Invitation) -> HttpResponse:
    return redirect(
        "district_workshops:invitation",
        district_slug=invitation.district.slug,
        invitation_id=invitation.pk,
    )


def _record(request, invitation, change: services.ConsentChange) -> None:
    """Consent and its withdrawal, in the district's access record."""
    for verb, items in (("given", change.given), ("withdrawn", change.withdrawn)):
        for item in items:
            audit_record(
                request,
                action=AuditAction.CHANGE,
                model=Consent,
                ids=[invitation.pk],
                purpose=f"Workshop consent {verb}: {ConsentItem(item).label} — "
                f"{invitation.workshop.title}",
            )


@require_POST
@role_required(RESPOND_TO_WORKSHOPS)
def invitation_respond(
    request: HttpRequest, district_slug: str, invitation_id: int
) -> HttpResponse:
    invitation = _invitation_for(request, invitation_id)
    form = ConsentForm(request.POST)
    decision = request.POST.get("decision")
    if not form.is_valid() or decision not in ("accept", "decline"):
        return _invitation_page(request, invitation, status=422)
    accept = decision == "accept"
    change = services.invitation_respond(
        invitation=invitation, accept=accept, items=form.cleaned_data["items"], by=request.user
    )
    _record(request, invitation, change)
    messages.success(
        request,
        "Invitation accepted."
        if accept
        else "Invitation declined: the workshop sees nothing of your district.",
    )
    return _to_invitation(invitation)


@require_POST
@role_required(RESPOND_TO_WORKSHOPS)
def invitation_consent(
    request: HttpRequest, district_slug: str, invitation_id: int
) -> HttpResponse:
    invitation = _invitation_for(request, invitation_id)
    form = ConsentForm(request.POST)
    if not form.is_valid() or invitation.status != InvitationStatus.ACCEPTED:
        return _invitation_page(request, invitation, status=422)
    change = services.consent_set(
        invitation=invitation, items=form.cleaned_data["items"], by=request.user
    )
    _record(request, invitation, change)
    if change.withdrawn:
        messages.success(request, "Saved. What you withdrew has left the workshop’s pages.")
    else:
        messages.success(request, "Saved.")
    return _to_invitation(invitation)


@require_POST
@role_required(RESPOND_TO_WORKSHOPS)
def team_add(request: HttpRequest, district_slug: str, invitation_id: int) -> HttpResponse:
    invitation = _invitation_for(request, invitation_id)
    form = TeamMemberForm(request.POST, people=selectors.team_candidates(user=request.user))
    if form.is_valid():
        try:
            services.team_member_add(
                invitation=invitation,
                department=form.cleaned_data["department"],
                user=form.cleaned_data["user"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Added to the team.")
            return _to_invitation(invitation)
    return _invitation_page(request, invitation, team_form=form, status=422)


@require_POST
@role_required(RESPOND_TO_WORKSHOPS)
def team_remove(
    request: HttpRequest, district_slug: str, invitation_id: int, member_id: int
) -> HttpResponse:
    invitation = _invitation_for(request, invitation_id)
    member = get_object_or_404(
        TeamMember.objects.for_user(request.user).filter(invitation=invitation), pk=member_id
    )
    services.team_member_remove(member=member)
    messages.success(request, f"{member.display_name} is no longer on the team.")
    return _to_invitation(invitation)


def invitation_home_panel(request: HttpRequest) -> str | None:
    """On the district's home page: the workshops waiting for an administrator's answer."""
    if request.membership.role not in RESPOND_TO_WORKSHOPS:
        return None
    pending = list(
        selectors.district_invitations(user=request.user).filter(status=InvitationStatus.PENDING)
    )
    if not pending:
        return None
    return render_to_string("workshops/_home_panel.html", {"pending": pending}, request=request)
