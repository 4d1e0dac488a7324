"""The facilitators' pages (/workshops/…, guarded by access.facilitator_required) and the
district administrators' invitation pages (/d/<district>/workshops/…, RESPOND_TO_WORKSHOPS)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from districts.access import role_required
from districts.audit import audit_record
from districts.exports import pdf_download, pdf_file_download
from districts.models import AuditAction, District
from districts.roles import RESPOND_TO_WORKSHOPS, WORK_ON_WORKSHOP_PLANS
from selfassessment.autosave import save_field

from . import exports, progress, selectors, services
from .access import facilitator_required, workshop_for
from .context import facilitating
from .forms import ConsentForm, InviteForm, SessionFormSet, TeamMemberForm, WorkshopForm
from .models import (
    CohortPdf,
    Consent,
    ConsentItem,
    Department,
    Invitation,
    InvitationStatus,
    PdfStatus,
    PlanAction,
    PlanKind,
    TeamMember,
    WorkshopSession,
)
from .templatetags.worktime import plan_field_context, plan_field_form, shown

# htmx swaps these error answers too (static/js/selfassessment.js): they carry the message.

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
    }
    return render(request, "workshops/cohort.html", context)


@facilitator_required
def facilitator_packet(request: HttpRequest, workshop_id: int, invitation_id: int) -> HttpResponse:
    workshop = workshop_for(request, workshop_id)
    packet = _facilitator_packet(workshop, invitation_id)
    pdf_url = reverse(
        "workshops:packet_pdf", kwargs={"workshop_id": workshop.pk, "invitation_id": invitation_id}
    )
    back = reverse("workshops:cohort", kwargs={"workshop_id": workshop.pk})
    return _packet_page(request, workshop, packet, pdf_url=pdf_url, back=back)


@facilitator_required
def facilitator_packet_pdf(
    request: HttpRequest, workshop_id: int, invitation_id: int
) -> HttpResponse:
    workshop = workshop_for(request, workshop_id)
    packet = _facilitator_packet(workshop, invitation_id)
    html = exports.packet_html(workshop=workshop, packet=packet, prepared_by=request.user)
    return pdf_download(filename=exports.packet_filename(packet), html=html)


def _facilitator_packet(workshop, invitation_id: int) -> selectors.CohortDistrict:
    packet = selectors.facilitator_packet(workshop=workshop, invitation_id=invitation_id)
    if packet is None:
        raise Http404("No accepted district has this packet.")
    return packet


def _packet_page(request, workshop, packet, *, pdf_url: str, back: str) -> HttpResponse:
    groups = [selectors.SizeGroup(label="", districts=[packet])]
    context = {
        "workshop": workshop,
        "packet": packet,
        "bars": selectors.rate_bars(groups),
        "pdf_url": pdf_url,
        "back": back,
    }
    return render(request, "workshops/packet.html", context)


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
    consented = list(
        Consent.objects.for_user(request.user)
        .filter(invitation=invitation)
        .values_list("item", flat=True)
    )
    context = {
        "invitation": invitation,
        "workshop": invitation.workshop,
        "sessions": WorkshopSession.objects.filter(workshop=invitation.workshop),
        "consent_form": ConsentForm(initial={"items": consented}),
        "consented": [ConsentItem(i) for i in ConsentItem.values if i in consented],
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


# --- Worktime: the team's plan (district side) ------------------------------------------------


def _plan_invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    """An invitation whose plan the user works on; any other is 404, as if it did not exist
    (a principal not on the team meets it like another school's student)."""
    return get_object_or_404(
        Invitation.objects.with_plan_for(request.user).select_related("workshop", "district"),
        pk=invitation_id,
    )


def _plan_url(invitation: Invitation, anchor: str = "") -> str:
    url = reverse(
        "district_workshops:plan",
        kwargs={"district_slug": invitation.district.slug, "invitation_id": invitation.pk},
    )
    return f"{url}#{anchor}" if anchor else url


@role_required(WORK_ON_WORKSHOP_PLANS)
def plan(request: HttpRequest, district_slug: str, invitation_id: int) -> HttpResponse:
    invitation = _plan_invitation(request, invitation_id)
    context = {
        "invitation": invitation,
        "workshop": invitation.workshop,
        "parts": selectors.district_plan(invitation=invitation),
        "tie_choices": selectors.tie_choices(user=request.user),
        "plan_fields": PLAN_PAGE_FIELDS,
        "kinds": PlanKind.choices,
    }
    return render(request, "workshops/plan.html", context)


# The row's fields in the order the page shows them ("action" heads each row).
PLAN_PAGE_FIELDS = (
    "next_steps",
    "responsible",
    "target_date",
    "resources",
    "tied_to",
    "status",
)


@require_POST
@role_required(WORK_ON_WORKSHOP_PLANS)
def plan_add(request: HttpRequest, district_slug: str, invitation_id: int) -> HttpResponse:
    invitation = _plan_invitation(request, invitation_id)
    kind = request.POST.get("kind")
    if kind not in PlanKind.values:
        messages.error(request, "Choose which part of the plan the row belongs to.")
        return redirect(_plan_url(invitation))
    try:
        action = services.plan_action_add(invitation=invitation, kind=kind, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_plan_url(invitation))
    return redirect(_plan_url(invitation, f"action-{action.pk}"))


def _plan_action(request: HttpRequest, invitation: Invitation, action_id: int) -> PlanAction:
    return get_object_or_404(
        PlanAction.objects.for_user(request.user).filter(invitation=invitation), pk=action_id
    )


@require_POST
@role_required(WORK_ON_WORKSHOP_PLANS)
def plan_remove(
    request: HttpRequest, district_slug: str, invitation_id: int, action_id: int
) -> HttpResponse:
    invitation = _plan_invitation(request, invitation_id)
    action = _plan_action(request, invitation, action_id)
    try:
        services.plan_action_remove(action=action)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Removed: {action}.")
    return redirect(_plan_url(invitation, "plan"))


@role_required(WORK_ON_WORKSHOP_PLANS)
def plan_field(
    request: HttpRequest, district_slug: str, invitation_id: int, action_id: int, field: str
) -> HttpResponse:
    """GET: the field as stored now (after "Use their version"). POST: autosave one field,
    refusing a save made over someone else's newer version (as selfassessment.views.field_edit
    does, with the same template and script)."""
    invitation = _plan_invitation(request, invitation_id)
    if field not in services.PLAN_FIELDS:
        raise Http404("No such field.")
    action = _plan_action(request, invitation, action_id)
    choices = selectors.tie_choices(user=request.user)
    page = _plan_url(invitation, f"action-{action.pk}")
    if request.method != "POST":
        if not request.htmx:
            return redirect(page)
        return render(
            request,
            "selfassessment/_field.html",
            plan_field_context(
                request=request, action=action, field=field, choices=choices, editable=True
            ),
        )
    form = plan_field_form(action, field, choices=choices, data=request.POST)
    status, action, state = save_field(
        request,
        form=form,
        field=field,
        record=action,
        save=lambda **change: services.plan_field_save(
            action=action, field=field, editor=request.user, **change
        ),
        shown=shown,
    )
    field_context = plan_field_context(
        request=request,
        action=action,
        field=field,
        choices=choices,
        editable=True,
        form=form,
        **state,
    )
    if request.htmx:
        return render(
            request, "selfassessment/_field.html#field-status", field_context, status=status
        )
    if status == 200:
        messages.success(request, f"Saved: {field_context['label']} {field_context['about']}.")
        return redirect(page)
    return render(
        request,
        "workshops/plan_field_problem.html",
        {**field_context, "invitation": invitation, "back": page},
        status=status,
    )


@role_required(WORK_ON_WORKSHOP_PLANS)
def plan_pdf(request: HttpRequest, district_slug: str, invitation_id: int) -> HttpResponse:
    invitation = _plan_invitation(request, invitation_id)
    team_plan = selectors.TeamPlan(
        invitation=invitation,
        label=invitation.district.name,
        named=True,
        team=list(TeamMember.objects.filter(invitation=invitation).select_related("user")),
        parts=selectors.district_plan(invitation=invitation),
    )
    html = exports.team_plan_html(
        workshop=invitation.workshop, plan=team_plan, prepared_by=request.user
    )
    return pdf_download(filename=exports.plan_filename(team_plan), html=html)


@role_required(WORK_ON_WORKSHOP_PLANS)
def packet(request: HttpRequest, district_slug: str, invitation_id: int) -> HttpResponse:
    """The district's own data packet, for its team: what it shares with the workshop."""
    invitation = _plan_invitation(request, invitation_id)
    kwargs = {"district_slug": invitation.district.slug, "invitation_id": invitation.pk}
    return _packet_page(
        request,
        invitation.workshop,
        selectors.district_packet(invitation=invitation),
        pdf_url=reverse("district_workshops:packet_pdf", kwargs=kwargs),
        back=reverse("district_workshops:plan", kwargs=kwargs),
    )


@role_required(WORK_ON_WORKSHOP_PLANS)
def team_cohort(request: HttpRequest, district_slug: str, invitation_id: int) -> HttpResponse:
    """The cohort side by side for the district's team, where the districts agreed."""
    invitation = _plan_invitation(request, invitation_id)
    groups = selectors.team_cohort(invitation=invitation)
    context = {
        "invitation": invitation,
        "workshop": invitation.workshop,
        "groups": groups or [],
        "shows_cohort": groups is not None,
        "bars": selectors.rate_bars(groups or []),
    }
    return render(request, "workshops/team_cohort.html", context)


@role_required(WORK_ON_WORKSHOP_PLANS)
def packet_pdf(request: HttpRequest, district_slug: str, invitation_id: int) -> HttpResponse:
    invitation = _plan_invitation(request, invitation_id)
    packet = selectors.district_packet(invitation=invitation)
    html = exports.packet_html(
        workshop=invitation.workshop, packet=packet, prepared_by=request.user
    )
    return pdf_download(filename=exports.packet_filename(packet), html=html)


def plan_home_panel(request: HttpRequest) -> str | None:
    """On the district's home page: the workshop plans the signed-in person works on."""
    if request.membership.role not in WORK_ON_WORKSHOP_PLANS:
        return None
    invitations = list(
        Invitation.objects.with_plan_for(request.user).select_related("workshop", "district")
    )
    if not invitations:
        return None
    return render_to_string(
        "workshops/_plan_panel.html", {"invitations": invitations}, request=request
    )


# --- Worktime and PDFs (facilitator side) ----------------------------------------------------


@facilitator_required
def team_plans(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_for(request, workshop_id)
    context = {"workshop": workshop, "plans": selectors.team_plans(workshop=workshop)}
    return render(request, "workshops/team_plans.html", context)


@facilitator_required
def team_plan_pdf(request: HttpRequest, workshop_id: int, invitation_id: int) -> HttpResponse:
    workshop = workshop_for(request, workshop_id)
    found = selectors.team_plans(workshop=workshop, invitation_id=invitation_id)
    if not found:
        raise Http404("No accepted team has this plan.")
    html = exports.team_plan_html(workshop=workshop, plan=found[0], prepared_by=request.user)
    return pdf_download(filename=exports.plan_filename(found[0]), html=html)


@facilitator_required
def cohort_pdfs(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """GET: the cohort PDFs built so far. POST: build a new one in the background."""
    workshop = workshop_for(request, workshop_id)
    if request.method == "POST":
        pdf = services.cohort_pdf_request(workshop=workshop, by=request.user)
        messages.success(request, "The cohort PDF is being built. This page shows how far.")
        return redirect("workshops:cohort_pdf", workshop_id=workshop.pk, pdf_id=pdf.pk)
    builds = CohortPdf.objects.filter(workshop=workshop).select_related("requested_by")[:10]
    return render(request, "workshops/cohort_pdfs.html", {"workshop": workshop, "builds": builds})


def _cohort_pdf(request: HttpRequest, workshop, pdf_id: int) -> CohortPdf:
    return get_object_or_404(
        CohortPdf.objects.filter(workshop=workshop).select_related("requested_by"), pk=pdf_id
    )


@facilitator_required
def cohort_pdf(request: HttpRequest, workshop_id: int, pdf_id: int) -> HttpResponse:
    workshop = workshop_for(request, workshop_id)
    pdf = _cohort_pdf(request, workshop, pdf_id)
    context = {
        "workshop": workshop,
        "pdf": pdf,
        "progress": progress.read(pdf.pk) if not pdf.is_finished else None,
    }
    template = "workshops/cohort_pdf.html"
    if request.htmx:
        template += "#pdf-status"
    return render(request, template, context)


@facilitator_required
def cohort_pdf_download(request: HttpRequest, workshop_id: int, pdf_id: int) -> HttpResponse:
    workshop = workshop_for(request, workshop_id)
    pdf = _cohort_pdf(request, workshop, pdf_id)
    if pdf.status != PdfStatus.DONE:
        raise Http404("This PDF is not ready.")
    filename = f"cohort-{workshop.first_day:%Y-%m-%d}.pdf"
    return pdf_file_download(filename=filename, path=pdf.stored_path)
