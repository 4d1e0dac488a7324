"""Tiered support beside each band, in the source documents' words ("Partnering to Make a
Difference": the multi-tiered system of support, the Attendance Playbook interventions by tier,
the Caring Conversations for Attendance process)."""

from __future__ import annotations

from dataclasses import dataclass

from .bands import Band


@dataclass(frozen=True)
class Tier:
    number: str
    name: str
    who: str
    bands: tuple[Band, ...]
    playbook: tuple[str, ...]


TIERS: tuple[Tier, ...] = (
    Tier(
        "I",
        "Prevention",
        "Universal supports for every student, whatever their attendance.",
        (
            Band.SATISFACTORY,
            Band.AT_RISK,
            Band.MODERATE_CHRONIC,
            Band.SEVERE_CHRONIC,
            Band.EXTREME_CHRONIC,
        ),
        (
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
        ),
    ),
    Tier(
        "II",
        "Early intervention",
        "For students with at-risk attendance or moderate chronic absence.",
        (Band.AT_RISK, Band.MODERATE_CHRONIC),
        (
            "Early Warning Systems",
            "Mentors",
            "Youth Engagement",
            "Addressing Asthma",
            "Targeted Transportation",
            "Students with Disabilities",
            "School Refusal",
            "Immigration Enforcement",
        ),
    ),
    Tier(
        "III",
        "Intensive support",
        "For students with severe or extreme chronic absence.",
        (Band.SEVERE_CHRONIC, Band.EXTREME_CHRONIC),
        ("Truancy Courts", "Interagency Case Management", "Housing Challenges"),
    ),
)


def tiers_for(band: Band) -> list[Tier]:
    return [tier for tier in TIERS if band in tier.bands]


@dataclass(frozen=True)
class ConversationStep:
    name: str
    text: str
    actions: tuple[str, ...] = ()


# "The 'Caring Conversations for Attendance' Process" (adapted with permission from materials
# created by © High Expectations Parental Service, 2011), as the training session gives it.
CARING_CONVERSATIONS: tuple[ConversationStep, ...] = (
    ConversationStep(
        "Learn",
        "Learn about the student's family. What are their hopes and dreams for their student? "
        "What does the student enjoy about school this year? What has been interesting or "
        "challenging about learning?",
    ),
    ConversationStep(
        "Share",
        "Share positive things you've observed about the student. Share your own vision for "
        "student learning & development.",
    ),
    ConversationStep(
        "Inform",
        "Review attendance with parents. Tailor conversation to student’s level of absenteeism "
        "& inform them of possible impacts of missing school. How might poor attendance affect "
        "their hopes and dreams for their student?",
        (
            "Show absences marked on a school calendar.",
            "Identify patterns.",
            "Share what key concepts a student missed relating back to the hopes and dreams "
            "that the student or parents shared.",
        ),
    ),
    ConversationStep(
        "Discuss",
        "Discuss what works to get their student to school as well as challenges. Explore "
        "options for making up for lost learning time in the classroom.",
        (
            "Learn about student motivations.",
            "Discuss reasons for absenteeism.",
            "Explore what would help reduce absences and increase engagement.",
            "Identify opportunities to make up for lost learning in the classroom.",
            "Use help bank to identify support systems.",
        ),
    ),
    ConversationStep(
        "Arrive at a Plan",
        "Assess strategies for addressing absences. Help students and families develop an "
        "attendance and learning plan. Offer referrals to services as needed and ask if there "
        "are other ways you can help.",
        (
            "Work with the family to identify specific steps that will help to prevent "
            "absenteeism in the future.",
            "Develop and complete a plan for attendance and learning.",
            "Ensure that the plan includes any support that the school will offer as well.",
            "Provide a copy of the plan to the student/parent.",
            "Agree on a timeline to check in and see how things are progressing.",
        ),
    ),
)
