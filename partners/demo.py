"""The demo district's partner registry: realistic entries of several partner types, some not
updated for over a year, and the demo partner login linked to one organisation."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from districts.models import District, Membership, School
from districts.roles import Role

from .models import (
    AbsenceReason,
    Intervention,
    PartnerEntry,
    PartnerOrganization,
    PartnerType,
)
from .services import (
    EntryFields,
    partner_entry_create,
    partner_organization_create,
    partner_staff_link_create,
)

DEMO_PARTNER_LOGIN = "partner@cedarvalley.example"

# (organisation, type, website, provided, served, reasons, interventions, tiers, schools (index
# into the district's schools; empty = all), months since last update, contact)
_ENTRIES = [
    (
        "Cedar Valley Boys & Girls Club",
        PartnerType.OUT_OF_SCHOOL_TIME,
        "https://bgc.example.org",
        "After-school clubs: art, music and STEM",
        "Grades 3–8",
        ["disengaged", "lack-enrichment"],
        ["explore-afterschool-options-art-music-stem-etc", "playbook-youth-engagement"],
        ["I", "II"],
        [0, 1],
        2,
        ("Amara Okafor", "amara@bgc.example.org", "(555) 201-4410"),
    ),
    (
        "Cedar Valley Food Bank",
        PartnerType.HUNGER_RELIEF,
        "https://food.example.org",
        "Weekend food backpacks",
        "All students",
        ["housing-food-insecurity"],
        ["playbook-breakfast-for-all"],
        ["I"],
        [],
        15,
        ("Ruth Chen", "ruth@food.example.org", ""),
    ),
    (
        "Valley Pediatrics",
        PartnerType.HEALTH,
        "",
        "School-based health clinic and telehealth",
        "Students and siblings under 18",
        ["chronic-acute-illness", "anxiety", "health-care-access"],
        [
            "playbook-telehealth",
            "playbook-school-based-health-services",
            "meet-with-school-counselor-social-worker-or-psychologist",
        ],
        ["I", "II"],
        [0],
        5,
        ("Dr. Samir Patel", "spatel@valleypeds.example.org", "(555) 201-7788"),
    ),
    (
        "City of Cedar Valley Transit",
        PartnerType.GOVERNMENT,
        "",
        "Free municipal bus passes",
        "High school students more than 2 miles from school",
        ["transportation-barriers"],
        ["free-municipal-bus-passes"],
        ["II"],
        [2],
        14,
        ("Lena Ortiz", "lortiz@cedarvalley.example.gov", "(555) 201-0100"),
    ),
    (
        "AmeriCorps Reading Partners",
        PartnerType.NATIONAL_SERVICE,
        "",
        "Mentors and tutors",
        "Students missing 10% or more of school days",
        ["lack-connectedness", "doing-poorly"],
        ["playbook-mentors", "assign-a-peer-group-mentor"],
        ["II", "III"],
        [1, 2],
        1,
        ("Tom Reyes", "treyes@readingpartners.example.org", ""),
    ),
    (
        "Grace Community Church",
        PartnerType.FAITH_BASED,
        "",
        "Walking School Bus volunteers",
        "Families of Kindergarten to grade 5",
        ["transportation-barriers"],
        ["walking-school-bus"],
        ["I"],
        [0],
        26,
        ("Pastor Jean Miller", "office@gracecc.example.org", "(555) 201-3321"),
    ),
]


def seed_demo_partners(*, district: District, as_of: date) -> None:
    """Idempotent: organisations and entries already there are left alone."""
    schools = list(School.objects.for_district(district).order_by("sis_code"))
    reasons = {r.code: r for r in AbsenceReason.objects.all()}
    interventions = {i.code: i for i in Intervention.objects.all()}
    for (
        name,
        kind,
        website,
        provided,
        served,
        reason_codes,
        intervention_codes,
        tiers,
        school_indexes,
        months_ago,
        (contact, email, phone),
    ) in _ENTRIES:
        organization = PartnerOrganization.objects.for_district(district).filter(
            name=name
        ).first() or partner_organization_create(
            district=district, name=name, partner_type=kind, website=website
        )
        if (
            PartnerEntry.objects.for_district(district)
            .filter(organization=organization, provided=provided)
            .exists()
        ):
            continue
        partner_entry_create(
            district=district,
            organization=organization,
            fields=EntryFields(
                contact_name=contact,
                contact_email=email,
                contact_phone=phone,
                provided=provided,
                served=served,
                time_period=f"SY {as_of.year - 1}-{as_of.year}",
                established_by_name="Dana Ortiz",
                established_by_email="admin@cedarvalley.example",
                tiers=tiers,
                schools=[schools[i] for i in school_indexes if i < len(schools)],
                reasons=[reasons[c] for c in reason_codes],
                interventions=[interventions[c] for c in intervention_codes],
            ),
            changed_by=None,
            last_updated=as_of - relativedelta(months=months_ago),
        )
    _link_demo_partner(district)


def _link_demo_partner(district: District) -> None:
    membership = (
        Membership.objects.for_district(district)
        .filter(user__email=DEMO_PARTNER_LOGIN, role=Role.PARTNER_STAFF)
        .first()
    )
    if membership is not None:
        organization = PartnerOrganization.objects.for_district(district).get(name=_ENTRIES[0][0])
        partner_staff_link_create(membership=membership, organization=organization)
