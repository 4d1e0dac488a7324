"""The prompts staff see beside each step of a Caring Conversation and each line of the plan,
in the source document's words ("Caring Conversations Professional Development Resources":
Key Points, Questions and Messages; "My Family's Help Bank"; Step 5 "Arrive at a Plan").
The steps' own descriptions are tiering's (tiering/guidance.py CARING_CONVERSATIONS), shown
beside the band on the student's page."""

from __future__ import annotations

from dataclasses import dataclass

from tiering.guidance import CARING_CONVERSATIONS, ConversationStep

from .models import CaringConversationStep


@dataclass(frozen=True)
class StepPrompt:
    field: str  # the CaringConversation field holding what was said in this step
    step: ConversationStep
    key_points: tuple[str, ...]
    questions: tuple[str, ...]


_KEY_POINTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    CaringConversationStep.LEARN: (
        ("Gather information", "Ask open-ended, supportive questions"),
        ("What is your vision for student's future? (ask parent and student)",),
    ),
    CaringConversationStep.SHARE: (
        (
            "Positive observations about student so far",
            "What you want students to accomplish this year",
            "One goal is helping students acquire good habit of attendance",
        ),
        ("_____ is such a good listener. We love having her (you) in our class.",),
    ),
    CaringConversationStep.INFORM: (
        (
            "Progress you've seen (start positive)",
            "Areas where child is struggling",
            "Review report card & update parents on child's attendance",
            "Deliver appropriate attendance messages",
        ),
        (
            "_____ is excelling at math! and is making progress with reading. Reading remains "
            "the area that needs work.",
            "_____ has been late five times and has missed two days during this first month "
            "of school. Absences impede reading and overall learning progress.",
        ),
    ),
    CaringConversationStep.DISCUSS: (
        (
            "Challenges, attendance barriers",
            "Learning at home activities",
            "How to stay connected",
        ),
        (
            "What makes it hard for _____ to get to school?",
            "What helps ____ catch up on learning given their absences?",
        ),
    ),
    CaringConversationStep.PLAN: (
        (
            "Are there any questions?",
            "Is there anything you can do to support a partnership between home and school?",
            "Make referrals to community resources",
        ),
        (
            "What questions do you have?",
            "How can I help you?",
            "Would it help you to work with...?",
        ),
    ),
}
_FIELDS = {
    CaringConversationStep.LEARN: "learn",
    CaringConversationStep.SHARE: "share",
    CaringConversationStep.INFORM: "inform",
    CaringConversationStep.DISCUSS: "discuss",
    CaringConversationStep.PLAN: "plan_agreed",
}

STEP_PROMPTS: tuple[StepPrompt, ...] = tuple(
    StepPrompt(_FIELDS[step], description, *_KEY_POINTS[step])
    for step, description in zip(CaringConversationStep, CARING_CONVERSATIONS, strict=True)
)

# "My Family's Help Bank: create backup plans for getting to school."
HELP_BANK_PROMPTS: dict[str, str] = {
    "my_family": "List who lives in your house.",
    "everyday_helpers": (
        "Identify who you can call on to help drop your child off or who can pick your child "
        "up when you cannot. These are people like friends, neighbors and relatives who can "
        "help regularly."
    ),
    "occasional_helpers": (
        "Identify people who probably cannot help every day, but can help in a pinch. Maybe "
        "it's a godparent, a relative or a friend who lives outside your neighborhood but can "
        "be there for short stints."
    ),
    "potential_helpers": (
        "Identify people who are part of your school community, church or neighborhood who "
        "are able to help—if you ask."
    ),
}
BACKUP_PROMPT = (
    "If I need help getting my child to and from school, I will ask the following people to "
    "be our back-up:"
)
BACKUP_LINES = 3

# Step 5, "Arrive at a Plan".
PLAN_PROMPTS: dict[str, str] = {
    "steps": (
        "Work with the family to identify specific steps that will help to prevent "
        "absenteeism in the future."
    ),
    "school_support": (
        "Ensure that the plan includes any support that the school will offer as well."
    ),
    "next_check_in": "Agree on a timeline to check in and see how things are progressing.",
}
