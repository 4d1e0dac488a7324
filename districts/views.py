from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_login_failed
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import affiliations, home_panels, invitations, selectors, services, two_factor
from .access import role_required
from .audit import audit_record
from .exports import csv_download
from .forms import (
    ApiTokenForm,
    AuditFilterForm,
    CodeForm,
    DistrictSecurityForm,
    MembershipChangeForm,
    NotificationEmailForm,
    PersonInviteForm,
    SetupCodeForm,
)
from .models import ApiToken, ApiTokenKind, AuditAction, District, Membership, Notification
from .roles import (
    MANAGE_INTEGRATION_TOKENS,
    MANAGE_PEOPLE,
    MANAGE_SIGN_IN_SECURITY,
    OPEN_DISTRICT_HOME,
    READ_ACCESS_RECORD,
    READ_OWN_NOTIFICATIONS,
    STAFF_ROLES,
    USE_PERSONAL_API_TOKENS,
    Role,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: straight into the only district, or a choice of several."""
    memberships = list(selectors.memberships_of(request.user))
    if len(memberships) == 1 and not request.user.is_facilitator:
        return redirect("districts:home", district_slug=memberships[0].district.slug)
    context = {"memberships": memberships, "panels": home_panels.render_account_panels(request)}
    return render(request, "districts/choose_district.html", context)


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


@role_required(OPEN_DISTRICT_HOME)
def district_home(request: HttpRequest, district_slug: str) -> HttpResponse:
    today = request.district.today()
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
        "show_staff_counts": role in MANAGE_PEOPLE,
        "panels": home_panels.render_for(request),
    }
    if role in MANAGE_PEOPLE:
        context["people_by_role"] = selectors.people_count_by_role(user=request.user)
    return render(request, "districts/home.html", context)


def _elapsed_percent(school_year, today) -> int | None:
    if school_year is None:
        return None
    span = (school_year.last_day - school_year.first_day).days
    elapsed = min(max((today - school_year.first_day).days, 0), span)
    return round(100 * elapsed / span)


@role_required(MANAGE_PEOPLE)
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
    people = list(people)
    works_for: dict[int, str] = {}
    for affiliation in affiliations.registered().values():
        works_for.update(affiliation.names(request.user, people))
    for membership in people:
        membership.works_for = works_for.get(membership.pk, "")
    return render(
        request,
        "districts/people.html",
        {"people": people, "valid_days": invitations.valid_days()},
    )


def _person_or_404(request: HttpRequest, membership_id: int) -> Membership:
    # Another district's people are not found: the scoped queryset never holds them.
    return get_object_or_404(selectors.district_people(user=request.user), pk=membership_id)


def _people_page(district_slug: str) -> HttpResponse:
    return redirect("districts:people", district_slug=district_slug)


def _role_and_schools(role: str, schools) -> str:
    where = f" at {', '.join(s.name for s in schools)}" if schools else ""
    return f"{Role(role).label.lower()}{where}"


@role_required(MANAGE_PEOPLE)
def person_invite(request: HttpRequest, district_slug: str) -> HttpResponse:
    form = PersonInviteForm(
        request.POST or None,
        schools=selectors.visible_schools(user=request.user),
        affiliations=affiliations.registered(),
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.person_invite(
                district=request.district,
                email=data["email"],
                full_name=data["full_name"],
                role=Role(data["role"]),
                schools=data["schools"],
                affiliated_with=form.affiliated_with,
                invited_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            email = membership.user.email
            audit_record(
                request,
                action=AuditAction.CHANGE,
                model=Membership,
                ids=[membership.pk],
                purpose=f"Invited {email} as {_role_and_schools(data['role'], data['schools'])}"
                + (f" for {form.affiliated_with}" if form.affiliated_with else ""),
            )
            if membership.is_invitation:
                days = invitations.valid_days()
                sent = (
                    f"They have been emailed a link to choose their password; it works once, for "
                    f"{days} day{'s' if days != 1 else ''}."
                )
            else:
                sent = "They already have a password and have been emailed where to sign in."
            role = membership.get_role_display().lower()
            messages.success(request, f"Invited {email} as {role}. {sent}")
            return _people_page(district_slug)
    return render(
        request,
        "districts/person_invite.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@role_required(MANAGE_PEOPLE)
def person_change(request: HttpRequest, district_slug: str, membership_id: int) -> HttpResponse:
    membership = _person_or_404(request, membership_id)
    before = _role_and_schools(membership.role, list(membership.schools.all()))
    roles = (
        [Role.PARTNER_STAFF]
        if membership.role == Role.PARTNER_STAFF
        else [r for r in Role if r in STAFF_ROLES]
    )
    form = MembershipChangeForm(
        request.POST or None,
        schools=selectors.visible_schools(user=request.user),
        roles=roles,
        initial={"role": membership.role, "schools": list(membership.schools.all())},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_change(
                membership=membership, role=Role(data["role"]), schools=data["schools"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            after = _role_and_schools(data["role"], data["schools"])
            audit_record(
                request,
                action=AuditAction.CHANGE,
                model=Membership,
                ids=[membership.pk],
                purpose=f"Changed {membership.user.email} from {before} to {after}",
            )
            messages.success(request, f"{membership.user} is now {after}.")
            return _people_page(district_slug)
    return render(
        request,
        "districts/person.html",
        {"person": membership, "form": form},
        status=422 if form.errors else 200,
    )


@require_POST
@role_required(MANAGE_PEOPLE)
def person_deactivate(request: HttpRequest, district_slug: str, membership_id: int) -> HttpResponse:
    membership = _person_or_404(request, membership_id)
    email, pk, role = membership.user.email, membership.pk, membership.get_role_display()
    myself = membership.user_id == request.user.pk
    try:
        services.membership_revoke(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(
            "districts:person", district_slug=district_slug, membership_id=membership_id
        )
    audit_record(
        request,
        action=AuditAction.CHANGE,
        model=Membership,
        ids=[pk],
        purpose=f"Deactivated {email}'s access ({role.lower()})",
    )
    if myself:
        # Their own sessions have just ended; the next page asks them to sign in.
        return redirect("home")
    messages.success(
        request,
        f"{email} no longer has access to {request.district}; their open sessions have ended.",
    )
    return _people_page(district_slug)


@require_POST
@role_required(MANAGE_PEOPLE)
def invitation_resend(request: HttpRequest, district_slug: str, membership_id: int) -> HttpResponse:
    membership = _person_or_404(request, membership_id)
    try:
        services.invitation_resend(membership=membership, invited_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _people_page(district_slug)
    audit_record(
        request,
        action=AuditAction.CHANGE,
        model=Membership,
        ids=[membership.pk],
        purpose=f"Resent the invitation to {membership.user.email}",
    )
    messages.success(
        request,
        f"Sent {membership.user.email} a new link; the links sent before no longer work.",
    )
    return _people_page(district_slug)


@require_POST
@role_required(MANAGE_PEOPLE)
def invitation_cancel(request: HttpRequest, district_slug: str, membership_id: int) -> HttpResponse:
    membership = _person_or_404(request, membership_id)
    email, pk = membership.user.email, membership.pk
    try:
        services.invitation_cancel(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _people_page(district_slug)
    audit_record(
        request,
        action=AuditAction.CHANGE,
        model=Membership,
        ids=[pk],
        purpose=f"Cancelled the invitation to {email}",
    )
    messages.success(request, f"Cancelled the invitation to {email}; its link no longer works.")
    return _people_page(district_slug)


class InvitationAcceptView(PasswordResetConfirmView):
    """Accepting an invitation: the person chooses their password and is signed in. The link
    is one-time and expires (districts/invitations.py)."""

    token_generator = invitations.invitation_tokens
    template_name = "registration/invitation_accept.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            "Welcome to the Attendance Platform. From now on, sign in with your email address "
            "and this password.",
        )
        return response


AUDIT_HEADER = [
    "When (UTC)",
    "Who",
    "Action",
    "Records",
    "Ids",
    "Rows",
    "Purpose",
    "Address",
    "API token",
]


@role_required(READ_ACCESS_RECORD)
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
                    e.api_token,
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


@role_required(READ_OWN_NOTIFICATIONS)
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


@role_required(READ_OWN_NOTIFICATIONS)
@require_POST
def notifications_read(request: HttpRequest, district_slug: str) -> HttpResponse:
    """Marks one notification read (``id``) or, without one, all of them."""
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.notifications_mark_read(user=request.user, notification_ids=ids)
    return redirect("districts:notifications", district_slug=district_slug)


@role_required(MANAGE_SIGN_IN_SECURITY)
def district_security(request: HttpRequest, district_slug: str) -> HttpResponse:
    """The district's sign-in rules: whether its administrators must use two-factor."""
    district = request.district
    # An unticked box posts nothing at all: a POST is bound even when it is empty.
    form = DistrictSecurityForm(
        request.POST if request.method == "POST" else None,
        initial={"require_admin_two_factor": district.require_admin_two_factor},
    )
    if request.method == "POST" and form.is_valid():
        required = form.cleaned_data["require_admin_two_factor"]
        if required and not two_factor.is_verified(request.user):
            form.add_error(
                "require_admin_two_factor",
                "Turn on two-factor sign-in for your own account first (Two-factor sign-in, "
                "in the menu under your name), then require it here.",
            )
        else:
            if required != district.require_admin_two_factor:
                services.district_two_factor_require(district=district, required=required)
                audit_record(
                    request,
                    action=AuditAction.CHANGE,
                    model=District,
                    ids=[district.pk],
                    purpose="Two-factor sign-in "
                    + ("required" if required else "no longer required")
                    + " for district administrators",
                )
                messages.success(
                    request,
                    "District administrators must now sign in with two-factor; those who have "
                    "not set it up are asked to on their next page."
                    if required
                    else "District administrators may now sign in with a password alone.",
                )
            return redirect("districts:security", district_slug=district_slug)
    return render(
        request, "districts/security.html", {"form": form}, status=422 if form.errors else 200
    )


# --- Two-factor sign-in: the person's own account, outside any district.

SESSION_PENDING_KEY = "two_factor_pending_key"
SESSION_NEW_CODES = "two_factor_new_backup_codes"
# The account page holds two code forms; prefixes keep their fields apart.
NEW_CODES_FORM = "new"
DISABLE_FORM = "off"


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _required_by(user) -> list[str]:
    """Who requires two-factor of this person, in words."""
    required = [
        m.district.name
        for m in selectors.memberships_of(user)
        if m.district.requires_two_factor(m.role)
    ]
    if settings.OPERATORS_REQUIRE_TWO_FACTOR and user.is_staff:
        required.append("the operators' admin")
    return required


@login_required
def account_two_factor(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if two_factor.has_two_factor(request.user):
        messages.info(
            request,
            "Two-factor sign-in is already on. To move it to a new phone, turn it off here, "
            "then set it up again.",
        )
        return redirect("two_factor")
    # The secret waits in the session (never in a form or the address) until a code proves
    # the app has it; only then does it become a device.
    secret = request.session.get(SESSION_PENDING_KEY) or two_factor.new_secret()
    request.session[SESSION_PENDING_KEY] = secret
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.two_factor_enable(
                user=request.user,
                secret=secret,
                code=form.cleaned_data["code"],
                path=request.path,
            )
        except two_factor.CodeRefused as refused:
            form.add_error("code", str(refused))
        else:
            del request.session[SESSION_PENDING_KEY]
            # This session has just proved the second factor, and now holds more than a
            # password's worth: a new session id, as at signing in.
            otp_login(request, device)
            request.session.cycle_key()
            request.session[SESSION_NEW_CODES] = codes
            return redirect(f"{reverse('two_factor_backup_codes')}?{urlencode({'next': next_url})}")
    uri = two_factor.provisioning_uri(request.user, secret)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            # segno's own markup from a fixed alphabet: no user input reaches it unescaped.
            "qr_code": mark_safe(two_factor.qr_code_svg(uri)),  # noqa: S308
            "setup_key": two_factor.setup_key(secret),
            "required_by": _required_by(request.user),
        },
        status=422 if form.errors else 200,
    )


@never_cache
@login_required
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes, shown until the person says they saved them, and never again."""
    codes = request.session.get(SESSION_NEW_CODES)
    if request.method == "POST" or not codes:
        request.session.pop(SESSION_NEW_CODES, None)
        return redirect(_next_url(request) if codes else "two_factor")
    return render(
        request,
        "registration/two_factor_backup_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )


@never_cache
@login_required
def two_factor_backup_codes_download(request: HttpRequest) -> HttpResponse:
    codes = request.session.get(SESSION_NEW_CODES)
    if not codes:
        messages.info(
            request,
            "Backup codes are shown only once, right after they are made. To get codes you can "
            "download, make new ones below.",
        )
        return redirect("two_factor")
    text = render_to_string(
        "registration/backup_codes.txt", {"codes": codes, "user": request.user}, request=request
    )
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="attendance-platform-backup-codes.txt"'
    return response


def _code_confirmed(request: HttpRequest, form: CodeForm) -> bool:
    """A current code, asked for again before a change to the account's two-factor: whoever
    found the session open on a shared computer cannot turn it off or take new codes."""
    if not form.is_valid():
        return False
    try:
        two_factor.code_verify(user=request.user, code=form.cleaned_data["code"])
    except two_factor.CodeRefused as refused:
        form.add_error("code", str(refused))
        return False
    return True


@require_POST
@login_required
def two_factor_backup_codes_new(request: HttpRequest) -> HttpResponse:
    if not two_factor.has_two_factor(request.user):
        return redirect("two_factor")
    form = CodeForm(request.POST, prefix=NEW_CODES_FORM)
    if not _code_confirmed(request, form):
        return _account_page(request, new_codes_form=form)
    request.session[SESSION_NEW_CODES] = two_factor.backup_codes_replace(
        user=request.user, by=request.user, path=request.path
    )
    return redirect("two_factor_backup_codes")


@require_POST
@login_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    if not two_factor.has_two_factor(request.user):
        return redirect("two_factor")
    form = CodeForm(request.POST, prefix=DISABLE_FORM)
    if not _code_confirmed(request, form):
        return _account_page(request, disable_form=form)
    two_factor.two_factor_disable(user=request.user, by=request.user, path=request.path)
    messages.success(request, "Two-factor sign-in is off: your password alone signs you in.")
    return redirect("two_factor")


def _account_page(request: HttpRequest, **bound: CodeForm) -> HttpResponse:
    """The account's two-factor page, with a refused form (`bound`) showing its error."""
    forms = {
        "new_codes_form": CodeForm(prefix=NEW_CODES_FORM),
        "disable_form": CodeForm(prefix=DISABLE_FORM),
        **bound,
    }
    return render(
        request,
        "registration/two_factor.html",
        {
            "authenticator": two_factor.authenticator_of(request.user),
            "codes_left": two_factor.backup_codes_left(request.user),
            "required_by": _required_by(request.user),
            **forms,
        },
        status=422 if bound else 200,
    )


@never_cache
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in. Wrong codes count as failed sign-ins for the lockout
    (django-axes, per email address and IP address); a locked-out session is signed out."""
    next_url = _next_url(request)
    user = request.user
    if two_factor.is_verified(user) or not two_factor.has_two_factor(user):
        return redirect(next_url)
    credentials = {"username": user.email}
    if AxesProxyHandler.is_locked(request, credentials):
        logout(request)
        return get_lockout_response(request, None, credentials)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verified = two_factor.code_verify(user=user, code=form.cleaned_data["code"])
        except two_factor.CodeRefused as refused:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                logout(request)
                return get_lockout_response(request, None, credentials)
            message = str(refused)
            failures = getattr(request, "axes_failures_since_start", None)
            if failures is not None:
                left = settings.AXES_FAILURE_LIMIT - failures
                message += (
                    f" After {left} more wrong code{'s' if left != 1 else ''}, signing in "
                    "pauses for this account on this computer."
                )
            form.add_error("code", message)
        else:
            otp_login(request, verified.device)
            request.session.cycle_key()
            if verified.used_backup_code:
                left = two_factor.backup_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a backup code; {left} left, each works once. If your "
                    "phone is lost, make new codes or set two-factor up again on a new phone "
                    "under Two-factor sign-in.",
                )
            return redirect(next_url)
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": next_url},
        status=422 if form.errors else 200,
    )


@role_required(USE_PERSONAL_API_TOKENS)
@never_cache
def api_tokens(request: HttpRequest, district_slug: str) -> HttpResponse:
    """The person's API tokens for this membership (and the district's integration tokens, for
    administrators); a new token's secret is shown on the answer to the form, and never again."""
    integration = request.membership.role in MANAGE_INTEGRATION_TOKENS
    today = request.district.today()
    form = ApiTokenForm(request.POST or None, today=today, integration=integration)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Works through the whole of the chosen day, in the district's own time zone.
        end = datetime.combine(
            data["expires_on"] + timedelta(days=1),
            time(0),
            tzinfo=zoneinfo.ZoneInfo(request.district.timezone),
        )
        personal = data.get("kind", ApiTokenKind.PERSONAL) == ApiTokenKind.PERSONAL
        try:
            created = services.api_token_create(
                district=request.district,
                created_by=request.user,
                name=data["name"],
                expires_at=end,
                membership=request.membership if personal else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm(today=today, integration=integration)
    tokens = ApiToken.objects.for_user(request.user).select_related("created_by")
    return render(
        request,
        "districts/api_tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": tokens,
            "now": timezone.now(),
            "integration": integration,
        },
    )


@role_required(USE_PERSONAL_API_TOKENS)
@require_POST
def api_token_revoke(request: HttpRequest, district_slug: str, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.for_user(request.user), pk=token_id)
    services.api_token_revoke(token=token)
    messages.success(request, f"“{token.name}” is revoked: it no longer works.")
    return redirect("districts:api_tokens", district_slug=district_slug)
