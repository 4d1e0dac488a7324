"""Seeds the reasons for absence and the interventions, in the source documents' words.

Reasons: the four root-cause families of "Know Your Challenge" (Barriers, Aversion,
Disengagement, Misconceptions) with their specific reasons, then the rows of "Align Partners
and Interventions to Reasons for Absences" with their possible interventions and potential
partners. Tiered interventions: "Interventions that can be found in the Attendance Playbook".
The data sits in the migration so that later code changes never alter what was seeded.
"""

from django.db import migrations
from django.utils.text import slugify

REASONS = [
    # (code, family, name, potential partners)
    ("family-responsibilities", "barriers", "Family responsibilities—sibling, eldercare, etc.", ""),
    (
        "students-with-jobs",
        "barriers",
        "High school students with jobs to support themselves and family",
        "",
    ),
    ("trauma-mental-health", "barriers", "Trauma and mental health", ""),
    ("chronic-acute-illness", "barriers", "Chronic and acute illness", ""),
    ("poor-transportation", "barriers", "Poor transportation", ""),
    ("housing-food-insecurity", "barriers", "Housing and food insecurity", ""),
    ("health-care-access", "barriers", "Lack of access to health care, eyeglasses, dentistry", ""),
    ("system-involvement", "barriers", "System involvement", ""),
    ("community-violence", "barriers", "Community violence", ""),
    ("social-anxiety", "aversion", "Social anxiety", ""),
    ("peer-challenges", "aversion", "Peer challenges, including drama, teasing, or bullying", ""),
    ("struggling", "aversion", "Struggling academically and/or behaviorally", ""),
    (
        "unwelcoming-climate",
        "aversion",
        "Unwelcoming school climate (e.g. unpredictable or feel excluded)",
        "",
    ),
    ("biased-discipline", "aversion", "Biased disciplinary and suspension practices", ""),
    (
        "disability",
        "aversion",
        "Undiagnosed disability and/or lack of disability accommodations",
        "",
    ),
    ("caregiver-experiences", "aversion", "Caregivers had negative educational experiences", ""),
    (
        "lack-connectedness",
        "disengagement",
        "Lack school connectedness—no meaningful relationships to adult and peers in the school",
        "",
    ),
    (
        "no-connection-to-outcomes",
        "disengagement",
        "Don't see connection between regular school attendance and important outcomes",
        "",
    ),
    (
        "lack-enrichment",
        "disengagement",
        "Lack of challenging, culturally responsive instruction and enrichment opportunities (e.g. bored)",
        "",
    ),
    (
        "doing-poorly",
        "disengagement",
        "Doing poorly in classes (e.g. lack of academic and behavioral support)",
        "",
    ),
    (
        "stay-home-any-symptom",
        "misconceptions",
        "Assume students must stay home for any symptom of illness",
        "",
    ),
    (
        "online-is-enough",
        "misconceptions",
        "Don't have to be in school to succeed in school (can do assignments online)",
        "",
    ),
    ("only-unexcused", "misconceptions", "Absences are only a problem if they are unexcused", ""),
    ("lose-track", "misconceptions", "Lose track and underestimate total absences", ""),
    ("only-older-grades", "misconceptions", "Attendance only matters in the older grades", ""),
    ("suspensions-dont-count", "misconceptions", "Suspensions don't count as absence", ""),
    # The alignment table's rows.
    (
        "anxiety",
        "aversion",
        "Anxiety",
        "Local pediatricians; Promotoras (community health workers); NAMI – online courses",
    ),
    ("disengaged", "disengagement", "Disengaged", "MENTOR; Parks & Rec program; Boys & Girls Club"),
    (
        "family-work-responsibilities",
        "barriers",
        "Family/Work Responsibilities",
        "Adult Day Care; Child Care Referral Networks",
    ),
    (
        "transportation-barriers",
        "barriers",
        "Transportation Barriers",
        "Parents; AmeriCorps program; City government",
    ),
]

ALIGNED_INTERVENTIONS = {
    "anxiety": [
        "Enlist trusted messengers to talk with families about health and safety",
        "Meet with school counselor, social worker or psychologist",
        "Offer small groups to teach calming skills",
    ],
    "disengaged": [
        "Assign a peer group mentor",
        "Create an individualized learning plan",
        "Explore afterschool options (art, music, STEM, etc.)",
        "Offer alternatives for credit recovery",
    ],
    "family-work-responsibilities": [
        "Identify alternate caregivers for elderly or for children",
        "Provide a modified schedule",
        "Negotiate work schedules with local employers",
    ],
    "transportation-barriers": [
        "Walking School Bus",
        "Free municipal bus passes",
        "Carpools",
    ],
}

PLAYBOOK_INTERVENTIONS = {
    "I": [
        "Nudging Parents and Students",
        "Home Visits",
        "Positive Messaging",
        "Incentives",
        "Healthy School Buildings",
        "School-based Health Services",
        "Telehealth",
        "School Buses and Public Transit",
        "A Safer Walk to School",
        "Breakfast for All",
        "Laundry at School",
        "Relevant—and Culturally Relevant—Curriculum",
        "Threshold Greetings",
        "Rethinking Recess",
        "Restorative Discipline Practices",
    ],
    "II": [
        "Early Warning Systems",
        "Mentors",
        "Youth Engagement",
        "Addressing Asthma",
        "Targeted Transportation",
        "Students with Disabilities",
        "School Refusal",
        "Immigration Enforcement",
    ],
    "III": [
        "Truancy Courts",
        "Interagency Case Management",
        "Housing Challenges",
    ],
}


def seed(apps, schema_editor):
    AbsenceReason = apps.get_model("partners", "AbsenceReason")
    Intervention = apps.get_model("partners", "Intervention")
    reasons = {}
    for position, (code, family, name, partners) in enumerate(REASONS, start=1):
        reasons[code] = AbsenceReason.objects.create(
            code=code, family=family, name=name, potential_partners=partners, position=position
        )
    position = 0
    for reason_code, names in ALIGNED_INTERVENTIONS.items():
        for name in names:
            position += 1
            Intervention.objects.create(
                code=slugify(name), name=name, reason=reasons[reason_code], position=position
            )
    for tier, names in PLAYBOOK_INTERVENTIONS.items():
        for name in names:
            position += 1
            Intervention.objects.create(
                code=f"playbook-{slugify(name)}", name=name, tier=tier, position=position
            )


def unseed(apps, schema_editor):
    apps.get_model("partners", "Intervention").objects.all().delete()
    apps.get_model("partners", "AbsenceReason").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
