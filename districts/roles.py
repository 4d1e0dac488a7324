"""Roles, and the one role policy: which roles may do what.

A policy is a frozenset of roles named by what it permits (`READ_STUDENT_ATTENDANCE`,
`MANAGE_PEOPLE`). This module is the only place that says which roles hold a permission;
everything else names the policy:

- a view is guarded with `districts.access.role_required(POLICY)`: a member whose role is not
  in it gets 403 (another district's objects stay 404, from the scoped lookups);
- the navigation reads that decorator (`districts.access.may_open`), so a page's menu entry
  and any link to it appear for exactly the roles that may open it;
- a queryset names the roles that may read its table: `readable_by = POLICY`;
- a page showing a button only some readers may use asks `membership.role in POLICY`.

To add a policy, add a constant below, named VERB_WHAT, built from the role groups, with a
comment saying why those roles; then guard the view with it:

    from districts.access import role_required
    from districts.roles import READ_STUDENT_ATTENDANCE

    @role_required(READ_STUDENT_ATTENDANCE)
    def school(request, district_slug, school_id): ...

Never spell a set of roles anywhere else: a second spelling is how two pages come to
disagree about who may see a student.
"""

from django.db import models


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", "District administrator"
    CABINET_MEMBER = "cabinet_member", "Cabinet member"
    PRINCIPAL = "principal", "Principal"
    SCHOOL_TEAM = "school_team", "School attendance team member"
    PARTNER_STAFF = "partner_staff", "Partner staff"


# --- Role groups: what a role is, not what it may do -----------------------------------------

# School roles see only the schools their membership names (FERPA "legitimate educational
# interest"); district-wide roles see every school of their district.
SCHOOL_ROLES = frozenset({Role.PRINCIPAL, Role.SCHOOL_TEAM})
DISTRICT_WIDE_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.CABINET_MEMBER})
STAFF_ROLES = DISTRICT_WIDE_ROLES | SCHOOL_ROLES
# Spelled out rather than `frozenset(Role)`: a role added later gets nothing until a policy
# names it.
EVERY_ROLE = STAFF_ROLES | {Role.PARTNER_STAFF}
_ADMIN = frozenset({Role.DISTRICT_ADMIN})

# --- The district: home, people, notifications -----------------------------------------------

OPEN_DISTRICT_HOME = EVERY_ROLE
# Everyone with a role reads their own notifications, and nobody reads anyone else's.
READ_OWN_NOTIFICATIONS = EVERY_ROLE
# Everyone sees their own membership; the whole list is MANAGE_PEOPLE's.
READ_OWN_MEMBERSHIP = EVERY_ROLE
# Partner staff need the district's school names and years to say which schools they serve.
READ_SCHOOL_DIRECTORY = EVERY_ROLE
# A district table no policy below names: the district's own staff, never partners.
READ_DISTRICT_RECORDS = STAFF_ROLES
# Who holds which role, invitations and deactivation are the district administrators'.
MANAGE_PEOPLE = _ADMIN
# Who looked at which students is the district administrators' to review (FERPA §99.32).
READ_ACCESS_RECORD = _ADMIN
MANAGE_SIGN_IN_SECURITY = _ADMIN
# Everyone with a role may hold personal API tokens, which act with exactly that role.
USE_PERSONAL_API_TOKENS = EVERY_ROLE
# Tokens for another system (a student information system pushing attendance nightly), tied
# to no person: the administrators', as the district's imports and disclosures are.
MANAGE_INTEGRATION_TOKENS = _ADMIN

# --- Attendance (tiering) ---------------------------------------------------------------------

# Students' bands and absences: every staff role, school roles for their own schools only.
READ_STUDENT_ATTENDANCE = STAFF_ROLES
# The district's trends across schools: roles that see every school.
READ_DISTRICT_ATTENDANCE = DISTRICT_WIDE_ROLES
# Imports span the whole district: only district-wide roles run and review them.
IMPORT_ATTENDANCE = DISTRICT_WIDE_ROLES
EDIT_ATTENDANCE_RULES = _ADMIN
# The rule sets are read where they are edited: the rules page (and the API's rule sets).
READ_ATTENDANCE_RULES = EDIT_ATTENDANCE_RULES
RUN_RECOMPUTE = _ADMIN

# --- The cabinet's self-assessment ------------------------------------------------------------

# The cabinet team makes the assessment; school leaders and teams read the district's plan
# (it is about supporting their schools); partner staff never see it.
READ_SELF_ASSESSMENT = STAFF_ROLES
EDIT_SELF_ASSESSMENT = DISTRICT_WIDE_ROLES

# --- The partner registry ---------------------------------------------------------------------

# Everyone on the district's staff reads the registry; partner staff read their own entries.
READ_PARTNER_REGISTRY = EVERY_ROLE
# The district administrator keeps the registry; partner staff keep their own entries current.
EDIT_PARTNER_ENTRIES = frozenset({Role.DISTRICT_ADMIN, Role.PARTNER_STAFF})
# Removing entries, the organisations, their staff's access and bulk imports.
MANAGE_PARTNER_REGISTRY = _ADMIN
EXPORT_PARTNER_REGISTRY = DISTRICT_WIDE_ROLES
# The coverage map shows every partner of the district: district and school staff only.
READ_PARTNER_COVERAGE = STAFF_ROLES
# Who works for which partner is the administrators' business; partner staff see their own.
READ_PARTNER_STAFF_LINKS = frozenset({Role.DISTRICT_ADMIN, Role.PARTNER_STAFF})

# --- Student support: conversations, plans, interventions, referrals ---------------------------

# Every staff role reads a student's support records, the cabinet too; school roles those of
# the students now at their schools (the records follow a student who transfers).
READ_STUDENT_SUPPORT = STAFF_ROLES
# Principals and school attendance teams record the help for their schools' students, district
# administrators for every school; the cabinet reads. These roles are also who may be named as
# a conversation's staff member, an intervention's owner or the one who checks in.
RECORD_STUDENT_SUPPORT = _ADMIN | SCHOOL_ROLES
# How many students each school referred to a partner, by month, with no name: staff, and
# partner staff for their own organisation.
READ_REFERRAL_COUNTS = EVERY_ROLE
# The partner's own page of those counts ("Referrals to us"); staff read the support summary.
READ_REFERRALS_TO_US = frozenset({Role.PARTNER_STAFF})

# --- PDSA cycles ------------------------------------------------------------------------------

# The worksheets: staff read every cycle they may see (a school role its schools'); partner
# staff read the cycles naming their organisation, never a participant.
READ_PDSA_CYCLES = EVERY_ROLE
# Plan and run cycles: the school teams and principals for their schools, district
# administrators and the cabinet for any school and district-wide (issue 19: "District
# administrators and cabinet run district-wide cycles and read every cycle").
RUN_PDSA_CYCLES = STAFF_ROLES
# Who takes part in a cycle is student data: staff only.
READ_PDSA_PARTICIPANTS = STAFF_ROLES
# The chain from reasons for absence to partners, interventions and cycles counts students by
# reason and band (support records joined to bands): staff only, a school role its schools.
READ_PDSA_CHAIN = STAFF_ROLES

# --- Strategy workshops -----------------------------------------------------------------------

# Accepting a workshop's invitation is consent to share the district's figures outside it, item
# by item: the administrators' decision, as every disclosure is; they also name the team.
# (The facilitator is no district role: facilitators' pages are guarded by workshops/access.py.)
RESPOND_TO_WORKSHOPS = _ADMIN
# Worktime: the team's plan for the workshop (no student data in it). District administrators
# and the cabinet work on every team plan of the district; principals and school teams on the
# plans of the teams they are named to (workshops/querysets.py).
WORK_ON_WORKSHOP_PLANS = STAFF_ROLES
WORK_ON_EVERY_WORKSHOP_PLAN = DISTRICT_WIDE_ROLES
