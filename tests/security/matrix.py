"""The isolation matrix: every route of the application, with who may use it.

Each row names a route (namespace:name, as Django's URL resolver knows it), how to fill in its
URL from a district's objects, and what each persona gets on their own district's objects.
tests/security/test_isolation_matrix.py derives the rest — another district's ids under one's
own district, another district's URLs, a sibling school or partner — and fails for any route
of the resolver that has no row here, so a new route cannot escape the matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

# Personas (tests/conftest.py), plus an operator of the service and someone not signed in.
ANON = "anonymous"
ALICE = "alice"  # district administrator, Riverside
CAROL = "carol"  # cabinet member, Riverside
PAT = "pat"  # principal of Adams (school_a)
TESS = "tess"  # school attendance team, Adams
BOB = "bob"  # principal of Banneker (school_b): Adams' students are not his
PIA = "pia"  # partner staff, Riverside Youth Club
FRAN = "fran"  # workshop facilitator: no district membership; Riverside and Lakeview invited
FELIX = "felix"  # facilitator of another workshop
OSCAR = "oscar"  # district administrator of Lakeview, which has not answered Fran's invitation
OLIVE = "olive"  # operator (superuser) of the service: no district membership
PERSONAS = (ANON, ALICE, CAROL, PAT, TESS, BOB, PIA, FRAN, FELIX, OSCAR, OLIVE)
NON_MEMBERS = (FRAN, FELIX, OSCAR, OLIVE)

STAFF = frozenset({ALICE, CAROL, PAT, TESS, BOB})
MEMBERS = STAFF | {PIA}
DISTRICT_WIDE = frozenset({ALICE, CAROL})
EDITORS = frozenset({ALICE, PIA})

# Outcomes.
OK = "ok"  # served: any status below 400 that is not a sign-in redirect (or a form's 422)
LOGIN = "login"  # redirected to the product's sign-in page
ADMIN_LOGIN = "admin-login"  # redirected to the operators' sign-in page
UNAUTHORIZED = 401  # the API's answer to a request with no (valid) session or token
FORBIDDEN = 403
NOT_FOUND = 404

Kwargs = Callable[[dict[str, int]], dict[str, object]]


@dataclass(frozen=True)
class Row:
    route: str
    expect: dict[str, object]
    kwargs: Kwargs | None = None
    method: str = "GET"
    # Query strings of the same route that serve another format (exports, PDFs).
    variants: tuple[str, ...] = ()
    # Another object of the same district that some personas must not reach (another
    # partner's entry), and who gets what there.
    sibling: Kwargs | None = None
    sibling_expect: dict[str, object] = field(default_factory=dict)
    # What the district's integration token gets (API operations only): it imports
    # attendance, and sees only the imports it sent.
    integration: object = FORBIDDEN

    @property
    def names_objects(self) -> bool:
        return self.kwargs is not None


def district_row(
    route: str,
    *,
    ok: frozenset[str],
    hidden: frozenset[str] = frozenset(),
    kwargs: Kwargs | None = None,
    method: str = "GET",
    variants: tuple[str, ...] = (),
    sibling: Kwargs | None = None,
    sibling_hidden: frozenset[str] = frozenset(),
) -> Row:
    """A /d/<district>/ route: `ok` personas are served, `hidden` ones get 404 (the object is
    outside their schools or partner), other members 403; non-members 404, anonymous sign-in."""

    def expectations(hidden_here: frozenset[str]) -> dict[str, object]:
        expect: dict[str, object] = {ANON: LOGIN}
        expect.update(dict.fromkeys(NON_MEMBERS, NOT_FOUND))
        for persona in MEMBERS:
            if persona in hidden_here:
                expect[persona] = NOT_FOUND
            elif persona in ok:
                expect[persona] = OK
            else:
                expect[persona] = FORBIDDEN
        return expect

    return Row(
        route=route,
        expect=expectations(hidden),
        kwargs=kwargs,
        method=method,
        variants=variants,
        sibling=sibling,
        sibling_expect=expectations(hidden | sibling_hidden) if sibling else {},
    )


def everyone(outcome: object = OK, **overrides: object) -> dict[str, object]:
    return {**dict.fromkeys(PERSONAS, outcome), **overrides}


def signed_in(**overrides: object) -> dict[str, object]:
    return everyone(OK, **{ANON: LOGIN, **overrides})


def operators_only(operator: object = OK) -> dict[str, object]:
    return everyone(ADMIN_LOGIN, **{OLIVE: operator})


def _ids(*names: str, **renamed: str) -> Kwargs:
    """URL kwargs from a district's object ids: `school_id` from ids["school"], …"""

    def build(ids: dict[str, int]) -> dict[str, object]:
        values: dict[str, object] = {f"{n}_id": ids[n] for n in names}
        values.update({key: ids[source] for key, source in renamed.items()})
        return values

    return build


def _with(base: Kwargs, **fixed: object) -> Kwargs:
    return lambda ids: {**base(ids), **fixed}


SCHOOL = frozenset({PAT, TESS})
ADAMS_HIDDEN = frozenset({BOB})
ASSESSMENT = _ids("assessment")
STUDENT = _ids("student")
# Principals and attendance-team members write for their schools' students, district
# administrators for all; the cabinet reads.
SUPPORT_WRITERS = frozenset({ALICE, PAT, TESS})
ENTRY = _ids("entry")
FOOD_ENTRY = _ids(entry_id="food_entry")
CYCLE = _ids("cycle")  # the Adams 2x10 cycle, naming the youth club's entry
PDSA_RUNNERS = frozenset({ALICE, CAROL, PAT, TESS, BOB})
ADAMS_RUNNERS = frozenset({ALICE, CAROL, PAT, TESS})
PDSA_READERS = DISTRICT_WIDE | SCHOOL | {PIA}
# A principal invited to the district who has not chosen a password yet.
INVITATION = _ids(membership_id="invitation")

DISTRICT_ROWS = [
    district_row("districts:home", ok=MEMBERS),
    district_row("districts:people", ok=frozenset({ALICE}), variants=("?format=csv",)),
    district_row("districts:person_invite", ok=frozenset({ALICE})),
    district_row("districts:person", ok=frozenset({ALICE}), kwargs=INVITATION),
    *(
        district_row(route, ok=frozenset({ALICE}), kwargs=INVITATION, method="POST")
        for route in (
            "districts:person_deactivate",
            "districts:invitation_resend",
            "districts:invitation_cancel",
        )
    ),
    district_row("districts:audit", ok=frozenset({ALICE}), variants=("?format=csv",)),
    # API tokens: everyone's own; the district's integration tokens are the administrators'.
    district_row("districts:api_tokens", ok=MEMBERS),
    district_row(
        "districts:api_token_revoke",
        ok=frozenset({ALICE}),
        hidden=MEMBERS - {ALICE},
        kwargs=_ids(token_id="api_token"),
        method="POST",
    ),
    district_row("districts:notifications", ok=MEMBERS),
    district_row("districts:notifications_read", ok=MEMBERS, method="POST"),
    district_row("districts:security", ok=frozenset({ALICE})),
    # Tiering: student records.
    district_row(
        "tiering:dashboard",
        ok=DISTRICT_WIDE,
        variants=tuple(
            f"?export={table}&format={fmt}"
            for table in ("schools", "freshness", "grade")
            for fmt in ("csv", "xlsx")
        ),
    ),
    district_row("tiering:schools", ok=STAFF),
    district_row(
        "tiering:school",
        ok=DISTRICT_WIDE | SCHOOL,
        hidden=ADAMS_HIDDEN,
        kwargs=_ids("school"),
        variants=("?format=csv", "?format=xlsx", "?format=pdf"),
    ),
    district_row(
        "tiering:student", ok=DISTRICT_WIDE | SCHOOL, hidden=ADAMS_HIDDEN, kwargs=_ids("student")
    ),
    district_row("tiering:rules", ok=frozenset({ALICE})),
    district_row("tiering:recompute", ok=frozenset({ALICE})),
    district_row("tiering:recompute_now", ok=frozenset({ALICE}), method="POST"),
    district_row("tiering:digest_now", ok=frozenset({ALICE}), method="POST"),
    district_row("tiering:rule_set_add", ok=frozenset({ALICE}), method="POST"),
    district_row(
        "tiering:rule_set_save",
        ok=frozenset({ALICE}),
        kwargs=_ids(rule_set_id="district_rule_set"),
        method="POST",
    ),
    district_row("tiering:attendance_code_save", ok=frozenset({ALICE}), method="POST"),
    district_row(
        "tiering:attendance_code_delete",
        ok=frozenset({ALICE}),
        kwargs=_ids(code_id="district_code"),
        method="POST",
    ),
    district_row("tiering:imports", ok=DISTRICT_WIDE),
    district_row("tiering:import", ok=DISTRICT_WIDE, kwargs=_ids(import_id="import")),
    district_row("tiering:import_errors", ok=DISTRICT_WIDE, kwargs=_ids(import_id="codes_import")),
    district_row(
        "tiering:import_columns", ok=DISTRICT_WIDE, kwargs=_ids(import_id="mapping_import")
    ),
    district_row("tiering:import_codes", ok=DISTRICT_WIDE, kwargs=_ids(import_id="codes_import")),
    district_row(
        "tiering:import_again",
        ok=DISTRICT_WIDE,
        kwargs=_ids(import_id="stopped_import"),
        method="POST",
    ),
    district_row(
        "tiering:import_confirm",
        ok=DISTRICT_WIDE,
        kwargs=_ids(import_id="previewed_import"),
        method="POST",
    ),
    # Partner registry.
    district_row("partners:registry", ok=MEMBERS, variants=("?format=csv", "?format=xlsx")),
    district_row("partners:entry_create", ok=EDITORS),
    *(
        district_row(
            route,
            ok=ok,
            kwargs=ENTRY,
            method=method,
            sibling=FOOD_ENTRY,
            sibling_hidden=frozenset({PIA}),
        )
        for route, ok, method in (
            ("partners:entry", MEMBERS, "GET"),
            ("partners:edit", EDITORS, "GET"),
            ("partners:confirm", EDITORS, "POST"),
            ("partners:entry_history", MEMBERS, "GET"),
        )
    ),
    district_row("partners:delete", ok=frozenset({ALICE}), kwargs=ENTRY, method="POST"),
    district_row("partners:history", ok=MEMBERS),
    district_row("partners:organizations", ok=frozenset({ALICE})),
    district_row(
        "partners:organization_edit",
        ok=EDITORS,
        kwargs=_ids(org_id="organization"),
        sibling=_ids(org_id="food_bank"),
        sibling_hidden=frozenset({PIA}),
    ),
    district_row("partners:staff_invite", ok=frozenset({ALICE})),
    district_row(
        "partners:staff_remove", ok=frozenset({ALICE}), kwargs=_ids(link_id="link"), method="POST"
    ),
    district_row("partners:coverage", ok=STAFF),
    district_row("partners:hsds_export", ok=DISTRICT_WIDE),
    district_row("partners:hsds_import", ok=frozenset({ALICE})),
    # Student support: a student's Caring Conversations, plan and interventions.
    *(
        district_row(route, ok=SUPPORT_WRITERS, hidden=ADAMS_HIDDEN, kwargs=kwargs, method=method)
        for route, kwargs, method in (
            ("support:conversation_create", STUDENT, "GET"),
            ("support:conversation_edit", _ids("student", "conversation"), "GET"),
            ("support:conversation_delete", _ids("student", "conversation"), "POST"),
            ("support:plan_edit", STUDENT, "GET"),
            ("support:intervention_create", STUDENT, "GET"),
            ("support:intervention_edit", _ids("student", "intervention"), "GET"),
            ("support:intervention_status", _ids("student", "intervention"), "POST"),
            ("support:intervention_delete", _ids("student", "intervention"), "POST"),
        )
    ),
    district_row(
        "support:plan_pdf", ok=DISTRICT_WIDE | SCHOOL, hidden=ADAMS_HIDDEN, kwargs=STUDENT
    ),
    # Student support seen outside the student's page: caseloads of those who record it,
    # summaries for the staff (a school role its own schools'), counts for partner staff.
    district_row(
        "support:caseload",
        ok=frozenset({ALICE}) | SCHOOL | frozenset({BOB}),
        variants=("?format=csv", "?format=xlsx"),
    ),
    district_row("support:summary", ok=STAFF),
    district_row(
        "support:school_summary",
        ok=DISTRICT_WIDE | SCHOOL,
        hidden=ADAMS_HIDDEN,
        kwargs=_ids("school"),
        variants=tuple(
            f"?export={table}&format={fmt}"
            for table in ("reasons", "tiers", "no_contact")
            for fmt in ("csv", "xlsx")
        ),
    ),
    district_row(
        "support:referrals", ok=frozenset({PIA}), variants=("?format=csv", "?format=xlsx")
    ),
    # PDSA cycles: read by staff and by partner staff whose organisation a cycle names; run by
    # district administrators, the cabinet and the school's own team; participants are
    # student data.
    district_row("pdsa:list", ok=MEMBERS),
    district_row("pdsa:create", ok=PDSA_RUNNERS),
    district_row("pdsa:cycle", ok=PDSA_READERS, hidden=ADAMS_HIDDEN, kwargs=CYCLE),
    district_row("pdsa:ramp", ok=PDSA_READERS, hidden=ADAMS_HIDDEN, kwargs=_ids("idea")),
    # The worksheet's PDF: the staff copy names participants (for roles that read them); the
    # partner copy, which partner staff always get, names no student.
    district_row(
        "pdsa:pdf",
        ok=PDSA_READERS,
        hidden=ADAMS_HIDDEN,
        kwargs=CYCLE,
        variants=("?copy=partner",),
    ),
    district_row(
        "pdsa:participants",
        ok=DISTRICT_WIDE | SCHOOL,
        hidden=ADAMS_HIDDEN,
        kwargs=CYCLE,
        variants=("?format=xlsx",),
    ),
    district_row("pdsa:edit", ok=ADAMS_RUNNERS, hidden=ADAMS_HIDDEN, kwargs=CYCLE),
    *(
        district_row(route, ok=ADAMS_RUNNERS, hidden=ADAMS_HIDDEN, kwargs=kwargs, method="POST")
        for route, kwargs in (
            ("pdsa:question_add", CYCLE),
            ("pdsa:question", _ids("cycle", question_id="learning_question")),
            ("pdsa:step_add", CYCLE),
            ("pdsa:step", _ids("cycle", step_id="plan_step")),
            ("pdsa:advance", CYCLE),
            ("pdsa:decide", CYCLE),
            ("pdsa:next", CYCLE),
            ("pdsa:participants_add", CYCLE),
            ("pdsa:participant_remove", _ids("cycle", "participant")),
            ("pdsa:grid", CYCLE),
            # "Add to a PDSA cycle" from Adams' tiered list.
            ("pdsa:list_add", _ids("school")),
            ("pdsa:study_refresh", CYCLE),
        )
    ),
    # The chain from reasons to results counts students by reason and band: staff only (a
    # school role is sent on to its school's), a school role its own schools.
    district_row("pdsa:chain", ok=STAFF, variants=("?format=csv", "?format=xlsx")),
    district_row(
        "pdsa:school_chain",
        ok=DISTRICT_WIDE | SCHOOL,
        hidden=ADAMS_HIDDEN,
        kwargs=_ids("school"),
        variants=("?format=csv", "?format=xlsx"),
    ),
    # Self-assessment: the district's plan, read by its staff, made by its cabinet team.
    district_row("selfassessment:list", ok=STAFF),
    *(
        district_row(route, ok=STAFF, kwargs=kwargs)
        for route, kwargs in (
            ("selfassessment:overview", ASSESSMENT),
            ("selfassessment:ingredient", _with(ASSESSMENT, position=1)),
            ("selfassessment:reflections", ASSESSMENT),
            ("selfassessment:results", ASSESSMENT),
            (
                "selfassessment:field",
                _with(
                    _ids("assessment", record_id="item_response"), kind="item", field="consensus"
                ),
            ),
            ("selfassessment:action_plan_pdf", ASSESSMENT),
            ("selfassessment:action_plan_xlsx", ASSESSMENT),
        )
    ),
    *(
        district_row(route, ok=DISTRICT_WIDE, kwargs=kwargs, method="POST")
        for route, kwargs in (
            ("selfassessment:rate", _ids("assessment", "item")),
            ("selfassessment:priority_add", ASSESSMENT),
            ("selfassessment:priority_remove", _ids("assessment", "priority")),
            ("selfassessment:finalise", ASSESSMENT),
            ("selfassessment:next_year", ASSESSMENT),
        )
    ),
]

# Workshops. A district's invitation pages are its administrators' (accepting is consent);
# the facilitators' pages belong to no district: a facilitator's own workshops, 404 for another
# facilitator's, 403 for everyone who facilitates nothing.
WORKSHOP_INVITATION = _ids(invitation_id="workshop_invitation")
ADMIN_ONLY = frozenset({ALICE})


def facilitator_row(route: str, *, kwargs: Kwargs | None = None, method: str = "GET") -> Row:
    expect = signed_in(**{FRAN: OK, FELIX: NOT_FOUND if kwargs else OK})
    expect.update({p: FORBIDDEN for p in PERSONAS if p not in (ANON, FRAN, FELIX)})
    return Row(route, expect, kwargs=kwargs, method=method)


WORKSHOP = _ids("workshop")
PLAN_WORKERS = frozenset({ALICE, CAROL, TESS})
NOT_ON_TEAM = frozenset({PAT, BOB})
PLAN_ACTION = _ids(invitation_id="workshop_invitation", action_id="plan_action")


def _plan_field(ids: dict[str, int]) -> dict[str, object]:
    return {**PLAN_ACTION(ids), "field": "next_steps"}


# Follow-up check-ins: whoever works on a team's plan reports on it and sets its interim goal
# (Pat and Bob, on no team, find none); the facilitator sets the dates and reads the progress
# of their own workshop's teams (Felix finds Fran's workshop nowhere).
CHECK_IN = _ids(invitation_id="workshop_invitation", check_in_id="check_in")
CHECK_IN_ROWS = [
    *(
        district_row(route, ok=PLAN_WORKERS, hidden=NOT_ON_TEAM, kwargs=kwargs, method=method)
        for route, kwargs, method in (
            ("district_workshops:check_ins", WORKSHOP_INVITATION, "GET"),
            ("district_workshops:goal", WORKSHOP_INVITATION, "POST"),
            ("district_workshops:check_in", CHECK_IN, "GET"),
        )
    ),
    facilitator_row("workshops:check_ins", kwargs=WORKSHOP),
    replace(
        facilitator_row("workshops:progress", kwargs=WORKSHOP),
        variants=("?format=csv", "?format=xlsx"),
    ),
]

WORKSHOP_ROWS = [
    district_row("district_workshops:list", ok=ADMIN_ONLY),
    district_row("district_workshops:invitation", ok=ADMIN_ONLY, kwargs=WORKSHOP_INVITATION),
    *(
        district_row(route, ok=ADMIN_ONLY, kwargs=WORKSHOP_INVITATION, method="POST")
        for route in (
            "district_workshops:respond",
            "district_workshops:consent",
            "district_workshops:team_add",
        )
    ),
    district_row(
        "district_workshops:team_remove",
        ok=ADMIN_ONLY,
        kwargs=_ids(invitation_id="workshop_invitation", member_id="team_member"),
        method="POST",
    ),
    # Worktime: the district's administrators and cabinet work on every team plan, a school
    # role on the plans of the teams naming it (Tess); Pat and Bob, on no team, find none.
    *(
        district_row(route, ok=PLAN_WORKERS, hidden=NOT_ON_TEAM, kwargs=kwargs, method=method)
        for route, kwargs, method in (
            ("district_workshops:plan", WORKSHOP_INVITATION, "GET"),
            ("district_workshops:plan_pdf", WORKSHOP_INVITATION, "GET"),
            ("district_workshops:plan_add", WORKSHOP_INVITATION, "POST"),
            ("district_workshops:plan_remove", PLAN_ACTION, "POST"),
            ("district_workshops:plan_field", _plan_field, "POST"),
            # The district's own data packet and the teams' cohort: its team's, as the plan is.
            ("district_workshops:packet", WORKSHOP_INVITATION, "GET"),
            ("district_workshops:packet_pdf", WORKSHOP_INVITATION, "GET"),
            ("district_workshops:cohort", WORKSHOP_INVITATION, "GET"),
        )
    ),
    facilitator_row("workshops:list"),
    facilitator_row("workshops:create"),
    facilitator_row("workshops:detail", kwargs=WORKSHOP),
    facilitator_row("workshops:edit", kwargs=WORKSHOP),
    facilitator_row("workshops:cohort", kwargs=WORKSHOP),
    facilitator_row("workshops:invite", kwargs=WORKSHOP, method="POST"),
    facilitator_row("workshops:plans", kwargs=WORKSHOP),
    facilitator_row(
        "workshops:plan_pdf", kwargs=_ids("workshop", invitation_id="workshop_invitation")
    ),
    facilitator_row(
        "workshops:packet", kwargs=_ids("workshop", invitation_id="workshop_invitation")
    ),
    facilitator_row(
        "workshops:packet_pdf", kwargs=_ids("workshop", invitation_id="workshop_invitation")
    ),
    facilitator_row("workshops:cohort_pdfs", kwargs=WORKSHOP, method="POST"),
    facilitator_row("workshops:cohort_pdf", kwargs=_ids("workshop", pdf_id="cohort_pdf")),
    facilitator_row("workshops:cohort_pdf_download", kwargs=_ids("workshop", pdf_id="cohort_pdf")),
    *CHECK_IN_ROWS,
]


def api_row(
    route: str,
    *,
    ok: frozenset[str],
    hidden: frozenset[str] = frozenset(),
    kwargs: Kwargs | None = None,
    method: str = "GET",
    integration: object = FORBIDDEN,
    sibling: Kwargs | None = None,
    sibling_hidden: frozenset[str] = frozenset(),
) -> Row:
    """A /api/v1/districts/<district>/ operation: as a page's district_row, but a request with
    neither session nor token is 401, not sent to sign in. test_isolation_matrix.py sends
    each persona's request again with a personal token instead of the session, and with the
    district's integration token, which gets `integration`. A write is sent with an empty
    body: those it lets through answer 400 with the form's mistakes."""
    row = district_row(
        route,
        ok=ok,
        hidden=hidden,
        kwargs=kwargs,
        method=method,
        sibling=sibling,
        sibling_hidden=sibling_hidden,
    )
    unauthorized = {ANON: UNAUTHORIZED}
    return Row(
        route,
        {**row.expect, **unauthorized},
        kwargs=kwargs,
        method=method,
        integration=integration,
        sibling=sibling,
        sibling_expect={**row.sibling_expect, **unauthorized} if sibling else {},
    )


# The REST API: the same walls as the pages that show the same rows.
API_ROWS = [
    # The schema and its documentation describe no district's data.
    Row("api:schema", everyone(), variants=("?format=json",)),
    Row("api:docs", everyone(), variants=("?script",)),
    api_row("api:schools", ok=MEMBERS),
    api_row("api:school_years", ok=MEMBERS),
    api_row("api:snapshots", ok=STAFF),
    api_row("api:standings", ok=STAFF),
    api_row("api:student", ok=DISTRICT_WIDE | SCHOOL, hidden=ADAMS_HIDDEN, kwargs=STUDENT),
    # Imports, as on the upload page: district-wide staff, and the integration token, which
    # sees only the imports it sent (the world's were made otherwise: 404).
    api_row("api:imports", ok=DISTRICT_WIDE, method="POST", integration=OK),
    api_row("api:attendance_events", ok=DISTRICT_WIDE, method="POST", integration=OK),
    api_row("api:import", ok=DISTRICT_WIDE, kwargs=_ids(import_id="import"), integration=NOT_FOUND),
    api_row(
        "api:import_confirm",
        ok=DISTRICT_WIDE,
        kwargs=_ids(import_id="previewed_import"),
        method="POST",
        integration=NOT_FOUND,
    ),
    api_row("api:rule_sets", ok=frozenset({ALICE})),
    api_row(
        "api:student_attendance", ok=DISTRICT_WIDE | SCHOOL, hidden=ADAMS_HIDDEN, kwargs=STUDENT
    ),
    api_row("api:aggregates", ok=DISTRICT_WIDE),
    # Student support: read by the staff (a school role its schools' students), written by
    # district administrators and the school's principal and attendance team.
    api_row("api:student_support", ok=DISTRICT_WIDE | SCHOOL, hidden=ADAMS_HIDDEN, kwargs=STUDENT),
    *(
        api_row(route, ok=SUPPORT_WRITERS, hidden=ADAMS_HIDDEN, kwargs=STUDENT, method="POST")
        for route in ("api:student_conversations", "api:student_interventions")
    ),
    api_row("api:self_assessments", ok=STAFF),
    api_row("api:self_assessment", ok=STAFF, kwargs=ASSESSMENT),
    # The partner registry: partner staff read and write their own organisation's entries.
    api_row("api:partners", ok=MEMBERS),
    api_row("api:partners", ok=EDITORS, method="POST"),
    api_row(
        "api:partner",
        ok=MEMBERS,
        kwargs=ENTRY,
        sibling=FOOD_ENTRY,
        sibling_hidden=frozenset({PIA}),
    ),
    api_row(
        "api:partner",
        ok=EDITORS,
        kwargs=ENTRY,
        method="PUT",
        sibling=FOOD_ENTRY,
        sibling_hidden=frozenset({PIA}),
    ),
    api_row("api:partners_hsds", ok=DISTRICT_WIDE),
    # PDSA cycles: as the pages (the Adams cycle names the youth club's entry).
    api_row("api:pdsa_cycles", ok=MEMBERS),
    api_row("api:pdsa_cycles", ok=PDSA_RUNNERS, method="POST"),
    api_row("api:pdsa_cycle", ok=PDSA_READERS, hidden=ADAMS_HIDDEN, kwargs=CYCLE),
    api_row("api:pdsa_cycle", ok=ADAMS_RUNNERS, hidden=ADAMS_HIDDEN, kwargs=CYCLE, method="PUT"),
    api_row(
        "api:pdsa_cycle_advance",
        ok=ADAMS_RUNNERS,
        hidden=ADAMS_HIDDEN,
        kwargs=CYCLE,
        method="POST",
    ),
]

ACCOUNT_ROWS = [
    Row("home", signed_in()),
    Row("login", everyone()),
    # Signing out lands on the sign-in page, whoever asks.
    Row("logout", everyone(LOGIN), method="POST"),
    Row("password_change", signed_in()),
    Row("password_change_done", signed_in()),
    Row("password_reset", everyone()),
    Row("password_reset_done", everyone()),
    Row(
        "password_reset_confirm",
        everyone(),
        kwargs=lambda ids: {"uidb64": "MQ", "token": "set-password"},
    ),
    Row("password_reset_complete", everyone()),
    # An invitation's link opens for whoever holds it (a wrong token says it no longer works).
    Row(
        "invitation_accept",
        everyone(),
        kwargs=lambda ids: {"uidb64": "MQ", "token": "set-password"},
    ),
    # Two-factor sign-in: each person's own account, whatever their role. Without two-factor
    # on (none of the personas has it), the code step, the backup codes and turning it off send
    # them back to their account page.
    Row("two_factor", signed_in()),
    Row("two_factor_setup", signed_in()),
    Row("two_factor_verify", signed_in()),
    Row("two_factor_backup_codes", signed_in()),
    Row("two_factor_backup_codes_download", signed_in()),
    Row("two_factor_backup_codes_new", signed_in(), method="POST"),
    Row("two_factor_disable", signed_in(), method="POST"),
]

# The operators' admin site: nobody but an operator gets past its sign-in page.
ADMIN_ROWS = [
    Row("admin:index", operators_only()),
    Row("admin:login", everyone()),
    # An operator signing out lands on the product's sign-in page; anyone else is sent to the
    # admin's own.
    Row("admin:logout", everyone(**{OLIVE: LOGIN}), method="POST"),
    Row("admin:password_change", operators_only()),
    Row("admin:password_change_done", operators_only()),
    Row("admin:jsi18n", operators_only()),
    # Without a model and field to complete, the view refuses even an operator.
    Row("admin:autocomplete", operators_only(FORBIDDEN)),
    Row(
        "admin:view_on_site",
        # No admin model has a public page to jump to.
        operators_only(NOT_FOUND),
        kwargs=lambda ids: {"content_type_id": 1, "object_id": 1},
    ),
    Row("admin:app_list", operators_only(), kwargs=lambda ids: {"app_label": "districts"}),
    # Everything else under /operators/ (unknown addresses) is behind the sign-in page too.
    Row("admin:<catch-all>", operators_only(NOT_FOUND), kwargs=lambda ids: {"url": "no/such/"}),
    Row(
        "admin:auth_user_password_change",
        operators_only(),
        kwargs=lambda ids: {"id": ids["operator"]},
    ),
]

# Every model on the admin site, with the routes Django gives it and the world's object each
# opens; a model added to the admin without a line here fails the matrix. Records that only
# the product writes (the seeded self-assessment template, the history of imports) are
# read-only there: no operator adds or deletes them. django-axes' records of sign-in attempts
# are added only by signing in; an operator deletes one to lift a lockout.
NO_ADD_ADMIN_MODELS = frozenset({"axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"})
READ_ONLY_ADMIN_MODELS = frozenset(
    {
        "tiering.attendanceimport",
        "selfassessment.templateversion",
        "selfassessment.item",
        "selfassessment.reflectionquestion",
    }
)
# Their deletion would cascade into student records (districts/admin.py KeepsStudentRecords).
NO_DELETE_ADMIN_MODELS = frozenset(
    {
        "districts.district",
        "districts.school",
        "districts.schoolyear",
        "districts.membership",
        "districts.user",
        "tiering.ruleset",
    }
)
ADMIN_MODELS = {
    "auth.group": "group",
    "districts.district": "district",
    "districts.school": "school",
    "districts.schoolyear": "school_year",
    "districts.membership": "membership",
    "districts.user": "operator",
    "tiering.ruleset": "rule_set",
    "tiering.attendancecode": "attendance_code",
    "tiering.importprofile": "import_profile",
    "tiering.attendanceimport": "import",
    "selfassessment.templateversion": "template",
    "selfassessment.item": "item",
    "selfassessment.reflectionquestion": "question",
    "axes.accessattempt": "access_attempt",
    "axes.accesslog": "access_log",
    "axes.accessfailurelog": "access_failure_log",
}
ADMIN_MODEL_ROUTES = ("changelist", "add", "history", "delete", "change", "<redirect>")


def admin_model_rows() -> list[Row]:
    rows = []
    for label, key in ADMIN_MODELS.items():
        prefix = "admin:" + label.replace(".", "_")
        for suffix in ADMIN_MODEL_ROUTES:
            kwargs = None
            if suffix not in ("changelist", "add"):
                kwargs = (lambda k: lambda ids: {"object_id": ids[k]})(key)
            refused = (
                (label in READ_ONLY_ADMIN_MODELS and suffix in ("add", "delete"))
                or (label in NO_ADD_ADMIN_MODELS and suffix == "add")
                or (label in NO_DELETE_ADMIN_MODELS and suffix == "delete")
            )
            expect = operators_only(FORBIDDEN if refused else OK)
            rows.append(Row(f"{prefix}_{suffix}", expect, kwargs=kwargs))
    return rows


def _keyed(rows: list[Row]) -> dict[str, Row]:
    """Rows by route; a route's second method (an API address that reads and writes) by
    "route METHOD"."""
    keyed: dict[str, Row] = {}
    for row in rows:
        keyed[row.route if row.route not in keyed else f"{row.route} {row.method}"] = row
    return keyed


ROWS: dict[str, Row] = _keyed(
    [
        *DISTRICT_ROWS,
        *WORKSHOP_ROWS,
        *API_ROWS,
        *ACCOUNT_ROWS,
        *ADMIN_ROWS,
        *admin_model_rows(),
    ]
)
