"""The six-ingredient planning tool ("Does Our School District Have a Systemic Approach to
Reducing Chronic Absence?", Attendance Works) and the assessments districts make with it.

The tool itself (ingredients, items, reflection questions) is global and versioned: every
assessment points at the template version it was made with, so a later version never rewrites
an earlier assessment. Everything a district writes is tenant data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from districts.models import TenantModel
from districts.querysets import TenantManager

from .querysets import AssessmentPartQuerySet


class Rating(models.TextChoices):
    # The tool's four levels, strongest first, and an honest "Don't know".
    STRONGLY_IN_PLACE = "strongly_in_place", "Strongly in Place"
    MEASURABLE_PROGRESS = "measurable_progress", "Measurable Progress"
    NEEDS_IMPROVEMENT = "needs_improvement", "Needs Improvement"
    URGENT_GAP = "urgent_gap", "Urgent Gap"
    DONT_KNOW = "dont_know", "Don't know"

    @property
    def score(self) -> int | None:
        """4 (Strongly in Place) to 1 (Urgent Gap); None for Don't know, which says nothing
        about where the district stands."""
        return RATING_SCORES.get(self)


RATING_SCORES = {
    Rating.STRONGLY_IN_PLACE: 4,
    Rating.MEASURABLE_PROGRESS: 3,
    Rating.NEEDS_IMPROVEMENT: 2,
    Rating.URGENT_GAP: 1,
}
SCORED_RATINGS = tuple(RATING_SCORES)


class AssessmentStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    FINALISED = "finalised", "Finalised"


class PriorityStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    UNDER_WAY = "under_way", "Under way"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"


# --- The tool (global, versioned, written only by data migrations) ---------------------------


class TemplateVersion(models.Model):
    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=200)
    published_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"


class Ingredient(models.Model):
    version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="ingredients"
    )
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"],
                name="ingredient_position_unique_per_version",
                violation_error_message="This template version already has an ingredient here.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    ingredient = models.ForeignKey(Ingredient, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    # Stable across template versions ("capacity-building-3"), so a later year's assessment
    # made with a newer version can be compared with, and started from, an earlier one.
    key = models.SlugField(max_length=60)
    text = models.TextField()

    class Meta:
        ordering = ["ingredient__position", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["ingredient", "position"],
                name="item_position_unique_per_ingredient",
                violation_error_message="This ingredient already has an item here.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ingredient.name} {self.position}"


class ReflectionQuestion(models.Model):
    version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="reflection_questions"
    )
    position = models.PositiveSmallIntegerField()
    # The words the tool sets in bold, as the question's short name.
    heading = models.CharField(max_length=100)
    text = models.TextField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"],
                name="reflection_question_position_unique_per_version",
                violation_error_message="This template version already has a question here.",
            )
        ]

    def __str__(self) -> str:
        return self.heading


# Reflection questions whose first answer is suggested from the ratings.
STRENGTHS_QUESTION = 1
CHALLENGES_QUESTION = 2


# --- A district's assessments ----------------------------------------------------------------


class RevisedFields(models.Model):
    """Rows several people edit at once, field by field. Each field keeps its own revision
    number and its last editor, so a save made from an out-of-date page is refused instead of
    silently overwriting a colleague's words."""

    # {"field": {"revision": 3, "by": <user id>, "at": "<ISO time>"}}; absent = never edited.
    field_revisions = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        abstract = True

    def revision_of(self, field: str) -> int:
        return self.field_revisions.get(field, {}).get("revision", 0)


class Assessment(TenantModel):
    template = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="+")
    school_year = models.CharField(max_length=7, help_text="For example 2026–27.")
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.IN_PROGRESS
    )
    started_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager.from_queryset(AssessmentPartQuerySet)()

    class Meta:
        ordering = ["-school_year", "-created_at"]
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school_year", "title"],
                name="assessment_title_unique_per_district_and_year",
                violation_error_message=(
                    "Your district already has an assessment with this title for this school "
                    "year. Open that one, or give this one another title."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress", finalised_at__isnull=True)
                | Q(status="finalised", finalised_at__isnull=False),
                name="assessment_finalised_has_a_date",
                violation_error_message="A finalised assessment records when it was finalised.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.school_year})"

    @property
    def is_finalised(self) -> bool:
        return self.status == AssessmentStatus.FINALISED


class AssessmentPart(TenantModel):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")

    objects = TenantManager.from_queryset(AssessmentPartQuerySet)()

    class Meta:
        abstract = True
        default_manager_name = "objects"


class MemberRating(AssessmentPart):
    """One cabinet member's own rating of one item: the team compares these before agreeing
    on its consensus rating."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=24, choices=Rating.choices)
    rated_at = models.DateTimeField(default=now)

    class Meta(AssessmentPart.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["district", "assessment", "item", "member"],
                name="member_rating_one_per_member_and_item",
                violation_error_message="You have already rated this item.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} rates {self.item}: {self.get_rating_display()}"


class ItemResponse(AssessmentPart, RevisedFields):
    """The team's consensus rating of one item and the four action-plan columns of the tool."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    consensus = models.CharField(
        "Team consensus rating", max_length=24, choices=Rating.choices, blank=True
    )
    next_steps = models.TextField("What are Key Next Steps?", blank=True)
    responsible = models.TextField("Individuals or Groups Responsible", blank=True)
    target_date = models.DateField("Target Date", null=True, blank=True)
    resources = models.TextField("Resources to Leverage", blank=True)

    class Meta(AssessmentPart.Meta):
        ordering = ["item__ingredient__position", "item__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "assessment", "item"],
                name="item_response_one_per_item",
                violation_error_message="This assessment already has a response for this item.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_consensus_display() or 'not rated yet'}"


class Reflection(AssessmentPart, RevisedFields):
    question = models.ForeignKey(ReflectionQuestion, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField("Answer", blank=True)

    class Meta(AssessmentPart.Meta):
        ordering = ["question__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "assessment", "question"],
                name="reflection_one_per_question",
                violation_error_message="This assessment already answers this question.",
            )
        ]

    def __str__(self) -> str:
        return str(self.question)


MAX_PRIORITIES = 5
MIN_PRIORITIES = 3


class Priority(AssessmentPart, RevisedFields):
    """One of the team's three to five shared priorities for action (reflection question 6)."""

    position = models.PositiveSmallIntegerField()
    title = models.TextField("Priority", blank=True)
    resources = models.TextField("Resources that could be leveraged", blank=True)
    key_groups = models.TextField("Key groups to involve", blank=True)
    lead = models.CharField("Who takes the lead", max_length=200, blank=True)
    timeline = models.CharField("Timeline for action", max_length=200, blank=True)
    status = models.CharField(
        "Status", max_length=16, choices=PriorityStatus.choices, default=PriorityStatus.NOT_STARTED
    )

    class Meta(AssessmentPart.Meta):
        ordering = ["position"]
        verbose_name_plural = "priorities"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "assessment", "position"],
                name="priority_position_unique_per_assessment",
                violation_error_message="This assessment already has a priority in this place.",
            ),
            models.CheckConstraint(
                condition=Q(position__range=(1, MAX_PRIORITIES)),
                name="priority_at_most_five",
                violation_error_message="The tool asks for three to five shared priorities.",
            ),
        ]

    def __str__(self) -> str:
        return f"Priority {self.position}: {self.title or '(not named yet)'}"
