"""The demo district's self-assessments: last school year's, finalised, and this year's,
started from it and half rated, so the demo shows the results and the comparison."""

from __future__ import annotations

import random
from datetime import date

from districts.models import District, Membership
from districts.roles import EDIT_SELF_ASSESSMENT

from . import selectors, services
from .models import Assessment, ItemResponse, Rating, Reflection

DEMO_TITLE = "Cabinet self-assessment"

# Where a district that has begun this work typically stands, per ingredient: the chance of
# each rating, strongest first (Strongly in Place … Urgent Gap, Don't know).
LAST_YEAR_ODDS = {
    "Capacity Building": (2, 4, 3, 1, 0),
    "Actionable Data": (3, 4, 2, 1, 0),
    "Positive Engagement": (1, 3, 4, 2, 0),
    "Strategic Partnerships": (0, 2, 4, 3, 1),
    "Adequate & Equitable Resources": (0, 1, 4, 4, 1),
    "Shared Accountability": (1, 3, 3, 2, 1),
}
RATINGS = (*Rating,)

NEXT_STEPS = {
    "Capacity Building": (
        "Charter the attendance team; add early learning and communications leads",
        "Assistant superintendent and attendance team",
        "District equity office; Attendance Works training modules",
    ),
    "Actionable Data": (
        "Biweekly chronic absence report by school, grade and student group",
        "Research & accountability office; principals",
        "SIS dashboards; state longitudinal data",
    ),
    "Positive Engagement": (
        "Personalised early outreach letters and caring conversations after 3 absences",
        "Family engagement coordinators",
        "Translation services; parent liaisons",
    ),
    "Strategic Partnerships": (
        "Map partners serving each school and agree on shared attendance goals",
        "Community schools director",
        "County health department; Boys & Girls Club",
    ),
    "Adequate & Equitable Resources": (
        "Weight attendance staffing toward schools with the highest chronic absence",
        "Chief financial officer and cabinet",
        "Title I; ESSER carry-over; county grants",
    ),
    "Shared Accountability": (
        "Set a district goal and require an attendance goal in every school plan",
        "Superintendent; school board",
        "Strategic plan refresh",
    ),
}

REFLECTIONS = {
    3: "Stand up an attendance team at every school; report chronic absence every two weeks; "
    "start personalised outreach to families after the third absence; map our partners.",
    4: "The county health department's school nurse pilot, the Boys & Girls Club after-school "
    "program, and the new SIS dashboards.",
    5: "The team agreed that data comes first: without biweekly reports the other steps cannot "
    "be targeted. Family outreach and partner mapping follow.",
    6: "See the shared priorities below.",
}

PRIORITIES = (
    (
        "Biweekly chronic absence data for every school",
        "SIS dashboards; research office",
        "Principals; data team",
        "Director of research & accountability",
        "First report by October; every two weeks after",
    ),
    (
        "An attendance team in every school",
        "Attendance Works team toolkit; coaching time",
        "Principals; counselors; family liaisons",
        "Assistant superintendent, student services",
        "All schools by January",
    ),
    (
        "Personalised early outreach to families",
        "Translation services; parent liaisons",
        "Family engagement office; community partners",
        "Family engagement director",
        "Letters and calls from the third absence, starting in the fall",
    ),
    (
        "Partner map and shared attendance goals",
        "County health department; community schools grant",
        "Community-based organisations; county agencies",
        "Community schools director",
        "Map by December; agreements signed by spring",
    ),
)


def seed_demo_assessments(*, district: District, school_year: str) -> None:
    """Idempotent: assessments the demo already has are left as they are."""
    members = [
        m.user
        for m in Membership.objects.for_district(district)
        .filter(role__in=EDIT_SELF_ASSESSMENT)
        .select_related("user")
        .order_by("user__email")
    ]
    last_year = f"{int(school_year[:4]) - 1}–{school_year[2:4]}"
    previous = Assessment.objects.for_district(district).filter(
        school_year=last_year, title=DEMO_TITLE
    ).first() or _last_years(district, last_year, members)
    current = Assessment.objects.for_district(district).filter(
        school_year=services.next_school_year_label(previous.school_year), title=DEMO_TITLE
    ).first() or _this_years(previous, members)
    _move_carried_dates(current, previous)


def _last_years(district: District, label: str, members) -> Assessment:
    lead = members[0]
    assessment = services.assessment_create(
        district=district, created_by=lead, school_year=label, title=DEMO_TITLE
    )
    chance = random.Random(f"{district.slug}-{label}")  # noqa: S311 — made-up demo ratings
    for response in _responses(assessment):
        odds = LAST_YEAR_ODDS[response.item.ingredient.name]
        consensus = chance.choices(RATINGS, weights=odds)[0]
        _rate(assessment, response, consensus, members, chance)
        if consensus in (Rating.NEEDS_IMPROVEMENT, Rating.URGENT_GAP):
            steps, who, resources = NEXT_STEPS[response.item.ingredient.name]
            for field, value in (
                ("next_steps", steps),
                ("responsible", who),
                ("resources", resources),
                ("target_date", date(int(label[:4]) + 1, 3, 31)),
            ):
                response = services.field_save(
                    record=response, field=field, value=value, base_revision=0, editor=lead
                )
    _reflect(assessment, lead)
    for values in PRIORITIES:
        priority = services.priority_add(assessment=assessment)
        for field, value in zip(
            ("title", "resources", "key_groups", "lead", "timeline"), values, strict=True
        ):
            priority = services.field_save(
                record=priority, field=field, value=value, base_revision=0, editor=lead
            )
    return services.assessment_finalise(assessment=assessment, finalised_by=lead)


def _this_years(previous: Assessment, members) -> Assessment:
    """Half rated: the data and capacity work has moved up, the rest is still being discussed."""
    lead = members[0]
    current = services.assessment_start_next_year(assessment=previous, created_by=lead)
    before = {r.item.key: r.consensus for r in _responses(previous)}
    chance = random.Random(f"{current.district_id}-{current.school_year}")  # noqa: S311
    for response in _responses(current):
        if response.item.ingredient.position > 3:
            continue
        earlier = Rating(before[response.item.key])
        step = chance.choice((0, 1, 1, -1)) if earlier != Rating.DONT_KNOW else 0
        consensus = RATINGS[min(max(RATINGS.index(earlier) - step, 0), 3)]
        _rate(current, response, consensus, members, chance)
    return current


def _move_carried_dates(current: Assessment, previous: Assessment) -> None:
    """A demo seeded before carried plans moved their dates a year on still shows last
    year's: move the dates nobody has changed since."""
    earlier = {r.item.key: r.target_date for r in _responses(previous)}
    stale = [
        response
        for response in _responses(current)
        if response.target_date is not None and response.target_date == earlier[response.item.key]
    ]
    for response in stale:
        response.target_date = services.a_year_later(response.target_date)
    ItemResponse.objects.bulk_update(stale, ["target_date"])


def _rate(assessment, response: ItemResponse, consensus: Rating, members, chance) -> None:
    for member in members:
        # Members mostly land on the team's rating; now and then one sees it differently,
        # which is what the spread on the page is for.
        own = consensus
        if consensus != Rating.DONT_KNOW and chance.random() < 0.3:
            index = RATINGS.index(consensus) + chance.choice((-2, -1, 1, 2))
            own = RATINGS[min(max(index, 0), 3)]
        services.member_rating_set(
            assessment=assessment, item=response.item, member=member, rating=own
        )
    services.field_save(
        record=response, field="consensus", value=consensus, base_revision=0, editor=members[0]
    )


def _reflect(assessment: Assessment, lead) -> None:
    # The team kept the drafts of its strengths and challenges read from the ratings.
    answers = {**selectors.suggested_answers(assessment=assessment), **REFLECTIONS}
    for reflection in Reflection.objects.filter(assessment=assessment).select_related("question"):
        text = answers.get(reflection.question.position)
        if text:
            services.field_save(
                record=reflection, field="answer", value=text, base_revision=0, editor=lead
            )


def _responses(assessment: Assessment):
    return list(
        ItemResponse.objects.filter(assessment=assessment)
        .select_related("item__ingredient")
        .order_by("item__ingredient__position", "item__position")
    )
