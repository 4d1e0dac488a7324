"""Reads shared by the assessment pages, the results and the PDF and XLSX action plans."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from districts.models import User

from .models import (
    CHALLENGES_QUESTION,
    RATING_SCORES,
    SCORED_RATINGS,
    STRENGTHS_QUESTION,
    Assessment,
    AssessmentStatus,
    Ingredient,
    Item,
    ItemResponse,
    MemberRating,
    Priority,
    Rating,
    Reflection,
)

# Ratings in the order the tool reads them, and the column for items not rated yet.
RATING_ORDER: tuple[Rating, ...] = (*SCORED_RATINGS, Rating.DONT_KNOW)


@dataclass
class ItemRow:
    item: Item
    response: ItemResponse
    member_ratings: list[MemberRating] = field(default_factory=list)
    my_rating: Rating | None = None

    @property
    def number(self) -> str:
        return f"{self.item.ingredient.position}.{self.item.position}"

    @property
    def spread_counts(self) -> list[tuple[Rating, int]]:
        counts = Counter(Rating(r.rating) for r in self.member_ratings)
        return [(rating, counts[rating]) for rating in RATING_ORDER if counts[rating]]

    @property
    def spread_levels(self) -> int | None:
        """How many levels apart the members' ratings are (Don't know aside); None when fewer
        than two members gave a level."""
        scores = [RATING_SCORES[r.rating] for r in self.member_ratings if r.rating in RATING_SCORES]
        if len(scores) < 2:
            return None
        return max(scores) - min(scores)

    @property
    def members_disagree(self) -> bool:
        return (self.spread_levels or 0) >= 2

    @property
    def spread_summary(self) -> str:
        if not self.member_ratings:
            return "No member has rated this item yet."
        levels = self.spread_levels
        if levels is None:
            return f"{len(self.member_ratings)} member rating so far."
        if levels == 0:
            return "Members agree."
        if levels == 1:
            return "Members are one level apart."
        return f"Members disagree: their ratings are {levels} levels apart."


@dataclass
class IngredientSection:
    ingredient: Ingredient
    rows: list[ItemRow]

    @property
    def rated(self) -> int:
        return sum(1 for row in self.rows if row.response.consensus)

    @property
    def disagreements(self) -> int:
        return sum(1 for row in self.rows if row.members_disagree)

    @property
    def counts(self) -> list[tuple[Rating | None, int]]:
        """Consensus ratings per level, then items not rated yet (None)."""
        counts = Counter(row.response.consensus for row in self.rows)
        return [(r, counts[r.value]) for r in RATING_ORDER] + [(None, counts[""])]

    @property
    def average(self) -> float | None:
        """Mean consensus score, 4 (Strongly in Place) to 1 (Urgent Gap); Don't know aside."""
        scores = [
            RATING_SCORES[row.response.consensus]
            for row in self.rows
            if row.response.consensus in RATING_SCORES
        ]
        return round(sum(scores) / len(scores), 2) if scores else None

    def segments(self) -> list[tuple[Rating | None, int, float, float]]:
        """(rating, count, x, width) in percent of the ingredient's items, for a stacked bar."""
        total = len(self.rows)
        x = 0.0
        out = []
        for rating, n in self.counts:
            width = 100 * n / total if total else 0
            out.append((rating, n, round(x, 3), round(width, 3)))
            x += width
        return out


def assessments_for(*, user: User) -> QuerySet[Assessment]:
    return Assessment.objects.for_user(user).select_related("created_by", "template")


def assessment_sections(
    *, assessment: Assessment, member: User | None = None, ingredient_position: int | None = None
) -> list[IngredientSection]:
    """The assessment as the tool lays it out: ingredients, then their items with the team's
    response, every member's rating and (for `member`) their own."""
    responses = (
        ItemResponse.objects.filter(assessment=assessment)
        .select_related("item__ingredient")
        .order_by("item__ingredient__position", "item__position")
    )
    ratings = MemberRating.objects.filter(assessment=assessment).select_related("member")
    if ingredient_position is not None:
        responses = responses.filter(item__ingredient__position=ingredient_position)
        ratings = ratings.filter(item__ingredient__position=ingredient_position)
    by_item: dict[int, list[MemberRating]] = defaultdict(list)
    for rating in ratings.order_by("member__full_name", "member__email"):
        by_item[rating.item_id].append(rating)
    sections: dict[int, IngredientSection] = {}
    for response in responses:
        ingredient = response.item.ingredient
        section = sections.setdefault(ingredient.pk, IngredientSection(ingredient, []))
        members = by_item[response.item_id]
        mine = next((r for r in members if member and r.member_id == member.pk), None)
        section.rows.append(
            ItemRow(
                item=response.item,
                response=response,
                member_ratings=members,
                my_rating=Rating(mine.rating) if mine else None,
            )
        )
    return list(sections.values())


@dataclass(frozen=True)
class Progress:
    rated: int
    total: int
    mine: int | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.rated / self.total) if self.total else 0


def assessment_progress(*, assessment: Assessment, member: User | None = None) -> Progress:
    responses = ItemResponse.objects.filter(assessment=assessment)
    mine = None
    if member is not None:
        mine = MemberRating.objects.filter(assessment=assessment, member=member).count()
    return Progress(
        rated=responses.exclude(consensus="").count(), total=responses.count(), mine=mine
    )


def reflections_of(*, assessment: Assessment) -> list[Reflection]:
    return list(Reflection.objects.filter(assessment=assessment).select_related("question"))


@dataclass(frozen=True)
class Answer:
    reflection: Reflection
    text: str
    # True while the team has not yet edited the draft read from the ratings.
    is_suggestion: bool


def reflection_answers(*, assessment: Assessment) -> list[Answer]:
    """Each question's answer as the team would read it now: what they wrote, or, for the
    strengths and challenges nobody has edited yet, the draft read from the ratings."""
    suggestions = suggested_answers(assessment=assessment)
    answers = []
    for reflection in reflections_of(assessment=assessment):
        draft = suggestions.get(reflection.question.position, "")
        if not reflection.revision_of("answer") and draft:
            answers.append(Answer(reflection, draft, is_suggestion=True))
        else:
            answers.append(Answer(reflection, reflection.answer, is_suggestion=False))
    return answers


def priorities_of(*, assessment: Assessment) -> list[Priority]:
    return list(Priority.objects.filter(assessment=assessment))


def strongest_and_weakest(
    sections: list[IngredientSection],
) -> tuple[list[IngredientSection], list[IngredientSection]]:
    """The ingredients with the highest and the lowest average consensus score (ties kept
    together), or empty lists while no item has a scored consensus rating."""
    scored = [s for s in sections if s.average is not None]
    if not scored:
        return [], []
    high = max(s.average for s in scored)
    low = min(s.average for s in scored)
    return [s for s in scored if s.average == high], [s for s in scored if s.average == low]


def suggested_answers(*, assessment: Assessment) -> dict[int, str]:
    """First drafts of the greatest strengths and the biggest challenges (reflection
    questions 1 and 2), read from the consensus ratings, for the team to edit."""
    sections = assessment_sections(assessment=assessment)
    strongest, weakest = strongest_and_weakest(sections)
    if not strongest:
        return {}
    rows = [row for section in sections for row in section.rows]
    return {
        STRENGTHS_QUESTION: _draft(
            "Strongest ingredients",
            strongest,
            "Items Strongly in Place",
            [r for r in rows if r.response.consensus == Rating.STRONGLY_IN_PLACE],
        ),
        CHALLENGES_QUESTION: _draft(
            "Weakest ingredients",
            weakest,
            "Items with an Urgent Gap",
            [r for r in rows if r.response.consensus == Rating.URGENT_GAP],
        ),
    }


def _draft(title: str, sections: list[IngredientSection], rows_title: str, rows) -> str:
    names = "; ".join(f"{s.ingredient.name} (average {s.average:.1f} of 4)" for s in sections)
    lines = [f"{title}: {names}."]
    if rows:
        lines.append(f"{rows_title}:")
        lines.extend(f"- {row.number} {row.item.text}" for row in rows)
    return "\n".join(lines)


def previous_assessment(*, assessment: Assessment) -> Assessment | None:
    """The district's assessment to compare with: the one this was started from, else the
    latest finalised one of an earlier school year."""
    if assessment.started_from_id:
        return Assessment.objects.filter(pk=assessment.started_from_id).first()
    return (
        Assessment.objects.filter(
            status=AssessmentStatus.FINALISED, school_year__lt=assessment.school_year
        )
        .order_by("-school_year", "-finalised_at")
        .first()
    )


@dataclass(frozen=True)
class IngredientChange:
    name: str
    before: float | None
    now: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.now is None:
            return None
        return round(self.now - self.before, 2)


@dataclass(frozen=True)
class ItemMove:
    number: str
    text: str
    before: Rating
    now: Rating

    @property
    def levels(self) -> int:
        return RATING_SCORES[self.now] - RATING_SCORES[self.before]


@dataclass
class Comparison:
    previous: Assessment
    ingredients: list[IngredientChange]
    moved_up: list[ItemMove]
    moved_down: list[ItemMove]
    unchanged: int


def comparison_with(*, assessment: Assessment, previous: Assessment) -> Comparison:
    """What moved up and what moved down since `previous`, item by item (matched by the
    item's stable key, so assessments made with different versions of the tool compare)."""
    now_sections = assessment_sections(assessment=assessment)
    before_sections = assessment_sections(assessment=previous)
    before_average = {s.ingredient.name: s.average for s in before_sections}
    before_rating = {
        row.item.key: row.response.consensus for s in before_sections for row in s.rows
    }
    moved_up, moved_down, unchanged = [], [], 0
    for section in now_sections:
        for row in section.rows:
            then, now = before_rating.get(row.item.key), row.response.consensus
            if then not in RATING_SCORES or now not in RATING_SCORES:
                continue
            move = ItemMove(row.number, row.item.text, Rating(then), Rating(now))
            if move.levels > 0:
                moved_up.append(move)
            elif move.levels < 0:
                moved_down.append(move)
            else:
                unchanged += 1
    return Comparison(
        previous=previous,
        ingredients=[
            IngredientChange(s.ingredient.name, before_average.get(s.ingredient.name), s.average)
            for s in now_sections
        ],
        moved_up=sorted(moved_up, key=lambda m: -m.levels),
        moved_down=sorted(moved_down, key=lambda m: m.levels),
        unchanged=unchanged,
    )
