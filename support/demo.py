"""The demo school's support records: Caring Conversations, reasons for absence, plans with
their check-ins and interventions (some referred to the demo's partners) for about 40 of its
Severe and Extreme chronically absent students, recorded through the services as its
principal and attendance team would have. A few students still wait for a first contact and a
few check-ins are overdue, so every column, filter and summary has something to show."""

from __future__ import annotations

import random
from datetime import date, timedelta

from districts.models import District, Membership, School, User
from districts.roles import SCHOOL_ROLES
from partners.models import AbsenceReason, Intervention, Tier
from tiering import selectors as tiering_selectors
from tiering.bands import Band
from tiering.models import Snapshot, Standing, Student

from . import selectors, services
from .models import (
    CaringConversation,
    ConversationWith,
    InterventionStatus,
)

DEMO_SEED = 2026
RECORDED = 40
NOT_YET_CONTACTED = 6
OVERDUE_EVERY = 7  # one plan in seven has its check-in date behind it

# (reason codes found, what the family said in "Discuss", the plan's specific steps, what the
# school offers, the intervention chosen): the situations a school team meets most.
SITUATIONS = [
    (
        ["transportation-barriers"],
        "The car broke down in October; the bus stop is a long walk with two little ones.",
        "A neighbour drives Monday to Wednesday; the walking school bus on other days.",
        "A bus pass while the car is repaired.",
        "free-municipal-bus-passes",
    ),
    (
        ["anxiety"],
        "Mornings end in tears; the student says their stomach hurts on school days.",
        "Arrive ten minutes early and start the day with the counselor.",
        "Weekly sessions with the school counselor.",
        "meet-with-school-counselor-social-worker-or-psychologist",
    ),
    (
        ["disengaged", "lack-connectedness"],
        "Says no one at school would notice if they were gone.",
        "Join one after-school club; check in with a mentor twice a week.",
        "A mentor and a place in the after-school club.",
        "playbook-mentors",
    ),
    (
        ["family-work-responsibilities"],
        "Looks after a younger sibling when the parent's shift starts early.",
        "The aunt takes the sibling on early-shift days.",
        "A referral for after-school child care.",
        "identify-alternate-caregivers-for-elderly-or-for-children",
    ),
    (
        ["chronic-acute-illness"],
        "Asthma flares kept the student home several times this fall.",
        "Use the inhaler plan at school instead of staying home when symptoms are mild.",
        "The school nurse reviews the asthma plan with the family.",
        "playbook-addressing-asthma",
    ),
    (
        ["housing-food-insecurity"],
        "The family moved in with relatives across town in September.",
        "Keep the student at this school; plan the route from the new address.",
        "Weekend food backpacks and help with the transportation request.",
        "playbook-housing-challenges",
    ),
]
WITH_WHOM = [ConversationWith.FAMILY, ConversationWith.BOTH, ConversationWith.STUDENT]


def _weekday(day: date) -> date:
    """The school day on or before `day`."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _chronic_students(district: District, school: School) -> list[tuple[Student, str]]:
    """(student, band) for the school's Severe and Extreme students of the current snapshot."""
    snapshot = tiering_selectors.current_snapshot(snapshots=Snapshot.objects.for_district(district))
    if snapshot is None:
        return []
    bands = dict(
        Standing.objects.for_district(district)
        .filter(
            snapshot=snapshot,
            school=school,
            band__in=[Band.SEVERE_CHRONIC, Band.EXTREME_CHRONIC],
            student__school=school,
        )
        .values_list("student_id", "band")
    )
    students = (
        Student.objects.for_district(district)
        .filter(pk__in=bands)
        .select_related("school", "district")
        .order_by("sis_id")
    )
    return [(student, bands[student.pk]) for student in students]


def seed_demo_support(*, district: District, school: School, as_of: date) -> int:
    """Idempotent: a school with any conversation recorded is left alone. Returns how many
    students got records."""
    if CaringConversation.objects.for_district(district).filter(student__school=school).exists():
        return 0
    team = list(
        User.objects.filter(
            pk__in=Membership.objects.for_district(district)
            .filter(role__in=SCHOOL_ROLES, schools=school)
            .values("user_id")
        ).order_by("email")
    )
    students = _chronic_students(district, school)
    if not team or not students:
        return 0
    rng = random.Random(DEMO_SEED)  # noqa: S311 — made-up demo records
    chosen = rng.sample(students, min(len(students), RECORDED + NOT_YET_CONTACTED))
    recorded = sorted(chosen[:RECORDED], key=lambda pair: pair[0].sis_id)
    reasons = {r.code: r for r in AbsenceReason.objects.all()}
    interventions = {i.code: i for i in Intervention.objects.all()}
    entries = list(selectors.referral_entries(school=school).prefetch_related("reasons"))
    keys = set()
    for n, (student, band) in enumerate(recorded):
        codes, discuss, steps, offer, intervention_code = rng.choice(SITUATIONS)
        staff = rng.choice(team)
        held_on = _weekday(as_of - timedelta(days=rng.randint(3, 40)))
        conversation = services.caring_conversation_create(
            student=student,
            fields=services.ConversationFields(
                held_on=held_on,
                staff=staff,
                with_whom=rng.choice(WITH_WHOM),
                learn="Hopes the student will be the first in the family to finish high school.",
                share="Kind to classmates and curious in science.",
                inform="Reviewed the absences on the calendar together.",
                discuss=discuss,
                plan_agreed=steps,
                reasons=[reasons[c] for c in codes],
            ),
            recorded_by=staff,
        )
        check_in = held_on + timedelta(days=14)
        if n % OVERDUE_EVERY == 0:
            check_in = _weekday(as_of - timedelta(days=rng.randint(2, 9)))
        elif check_in <= as_of:
            check_in = _weekday(as_of + timedelta(days=rng.randint(1, 12)))
        services.attendance_plan_save(
            student=student,
            fields=services.PlanFields(
                steps=steps,
                school_support=offer,
                my_family="Parent, the student and two siblings",
                everyday_helpers="A neighbour on the same street",
                occasional_helpers="An aunt across town",
                backup_contacts=[services.BackupContact("A neighbour", "(555) 201-0000")],
                next_check_in=check_in,
                check_in_by=staff,
                conversation=conversation,
            ),
            changed_by=staff,
        )
        if rng.random() < 0.25:
            continue  # agreed a plan; no intervention chosen yet
        intervention = interventions[intervention_code]
        serving = [e for e in entries if {r.code for r in e.reasons.all()} & set(codes)]
        entry = serving[0] if serving and rng.random() < 0.7 else None
        item = services.student_intervention_create(
            student=student,
            fields=services.InterventionFields(
                intervention=intervention,
                owner=staff,
                starts_on=held_on,
                # The alignment table's interventions have no tier: the team chooses one.
                tier=""
                if intervention.tier
                else Tier.TIER_III
                if band == Band.EXTREME_CHRONIC
                else Tier.TIER_II,
                status=rng.choice([InterventionStatus.ACTIVE] * 3 + [InterventionStatus.PLANNED]),
                partner_entry=entry,
                referred_on=held_on if entry else None,
            ),
            created_by=staff,
        )
        if item.partner_organization_id:
            keys.add((item.partner_organization_id, item.school_id, item.referred_on))
    # The counts now, whether or not a worker runs the recounts the services queued.
    services.referral_tallies_recount(district=district, keys=keys)
    return len(recorded)
