"""Everything that changes a district's self-assessments.

Every service runs inside the district's tenant context and refuses another district's rows;
every change to an assessment is refused once it is finalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from districts.models import District, User
from districts.tenancy import require_working_for

from .models import (
    MAX_PRIORITIES,
    MIN_PRIORITIES,
    Assessment,
    AssessmentStatus,
    Item,
    ItemResponse,
    MemberRating,
    Priority,
    Rating,
    Reflection,
    ReflectionQuestion,
    RevisedFields,
    TemplateVersion,
)

SCHOOL_YEAR_PATTERN = re.compile(r"^\s*(\d{4})\s*[-–/]\s*(\d{2}|\d{4})\s*$")

# The fields people edit one at a time on the assessment pages, per kind of row. A field not
# listed here cannot be saved through field_save, whatever a request asks for.
EDITABLE_FIELDS: dict[type[RevisedFields], tuple[str, ...]] = {
    ItemResponse: ("consensus", "next_steps", "responsible", "target_date", "resources"),
    Reflection: ("answer",),
    Priority: ("title", "resources", "key_groups", "lead", "timeline", "status"),
}


@dataclass(frozen=True)
class LastEdit:
    revision: int
    editor: User | None
    at: datetime | None


class EditConflict(Exception):
    """Someone else saved this field since the editor loaded it."""

    def __init__(self, *, record: RevisedFields, field: str, theirs: LastEdit):
        super().__init__(f"{field} was changed by {theirs.editor} at {theirs.at}.")
        self.record = record
        self.field = field
        self.theirs = theirs


def school_year_label(text: str) -> str:
    """'2026-27', '2026–2027' or '2026/27' → '2026–27', the platform's way of writing it."""
    match = SCHOOL_YEAR_PATTERN.match(text or "")
    if not match:
        raise ValidationError(
            f"“{text}” is not a school year. Write it as the year it starts and ends, "
            "for example 2026–27."
        )
    start, end = int(match.group(1)), match.group(2)
    if int(end[-2:]) != (start + 1) % 100 or (len(end) == 4 and int(end) != start + 1):
        raise ValidationError(
            f"A school year ends the year after it starts: {start}–{str(start + 1)[2:]}."
        )
    return f"{start}–{str(start + 1)[2:]}"


def next_school_year_label(label: str) -> str:
    return school_year_label(f"{int(label[:4]) + 1}-{str(int(label[:4]) + 2)[2:]}")


def a_year_later(day: date | None) -> date | None:
    """The same day a year on; February 29 becomes February 28."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def last_edit(record: RevisedFields, field: str) -> LastEdit:
    entry = record.field_revisions.get(field)
    if not entry:
        return LastEdit(revision=0, editor=None, at=None)
    return LastEdit(
        revision=entry["revision"],
        editor=User.objects.filter(pk=entry["by"]).first(),
        at=datetime.fromisoformat(entry["at"]),
    )


def _require_in_progress(assessment: Assessment) -> None:
    if assessment.is_finalised:
        raise ValidationError(
            f"This assessment was finalised on {assessment.finalised_at:%B %-d, %Y} and can no "
            "longer change. Start next year's from it to plan again."
        )


@transaction.atomic
def assessment_create(
    *,
    district: District,
    created_by: User,
    school_year: str,
    title: str,
    template: TemplateVersion | None = None,
    started_from: Assessment | None = None,
) -> Assessment:
    """A new assessment on the latest version of the tool, with an empty response for each of
    its items and an empty answer for each reflection question."""
    require_working_for(district)
    template = template or TemplateVersion.objects.order_by("-number").first()
    if template is None:
        raise ValidationError(
            "The planning tool's items are not installed. Ask the people who run the service "
            "to run the database migrations (manage.py migrate)."
        )
    assessment = Assessment(
        district=district,
        template=template,
        school_year=school_year_label(school_year),
        title=title.strip(),
        created_by=created_by,
        started_from=started_from,
    )
    assessment.full_clean()
    assessment.save()
    items = Item.objects.filter(ingredient__version=template)
    ItemResponse.objects.bulk_create(
        ItemResponse(district=district, assessment=assessment, item=item) for item in items
    )
    questions = ReflectionQuestion.objects.filter(version=template)
    Reflection.objects.bulk_create(
        Reflection(district=district, assessment=assessment, question=question)
        for question in questions
    )
    return assessment


@transaction.atomic
def assessment_start_next_year(*, assessment: Assessment, created_by: User) -> Assessment:
    """Next school year's assessment, made with the latest version of the tool. It starts
    with this year's action plan and priorities for the team to review, each target date
    moved a year later so the plan's dates fall in the year it plans; ratings and reflections
    start empty, because they must describe the new year."""
    require_working_for(assessment.district)
    district = assessment.district
    successor = assessment_create(
        district=district,
        created_by=created_by,
        school_year=next_school_year_label(assessment.school_year),
        title=assessment.title,
        started_from=assessment,
    )
    earlier = {
        response.item.key: response
        for response in ItemResponse.objects.filter(assessment=assessment).select_related("item")
    }
    carried = []
    for response in ItemResponse.objects.filter(assessment=successor).select_related("item"):
        before = earlier.get(response.item.key)
        if before is None:
            continue
        response.next_steps = before.next_steps
        response.responsible = before.responsible
        response.resources = before.resources
        response.target_date = a_year_later(before.target_date)
        carried.append(response)
    ItemResponse.objects.bulk_update(
        carried, ["next_steps", "responsible", "resources", "target_date"]
    )
    Priority.objects.bulk_create(
        Priority(
            district=district,
            assessment=successor,
            position=priority.position,
            title=priority.title,
            resources=priority.resources,
            key_groups=priority.key_groups,
            lead=priority.lead,
            timeline=priority.timeline,
            status=priority.status,
        )
        for priority in Priority.objects.filter(assessment=assessment)
    )
    return successor


@transaction.atomic
def member_rating_set(
    *, assessment: Assessment, item: Item, member: User, rating: Rating | None
) -> MemberRating | None:
    """Records (or, with no rating, withdraws) one member's own rating of one item."""
    require_working_for(assessment.district)
    _require_in_progress(assessment)
    if item.ingredient.version_id != assessment.template_id:
        raise ValidationError("This item is not part of the version of the tool being rated.")
    if rating is None:
        MemberRating.objects.filter(assessment=assessment, item=item, member=member).delete()
        return None
    mine, _created = MemberRating.objects.update_or_create(
        district_id=assessment.district_id,
        assessment=assessment,
        item=item,
        member=member,
        defaults={"rating": Rating(rating), "rated_at": timezone.now()},
    )
    mine.full_clean()
    return mine


@transaction.atomic
def field_save(
    *, record: RevisedFields, field: str, value: object, base_revision: int, editor: User
) -> RevisedFields:
    """Saves one field of a response, reflection or priority.

    `base_revision` is the field's revision the editor's page was showing. If someone else
    has saved the field since, the save is refused with their version (EditConflict); saving
    again with their revision as the base overwrites it deliberately."""
    if field not in EDITABLE_FIELDS.get(type(record), ()):
        raise ValidationError(f"“{field}” is not a field people edit on this page.")
    locked = type(record).objects.select_for_update().get(pk=record.pk)
    assessment = Assessment.objects.select_for_update().get(pk=locked.assessment_id)
    require_working_for(assessment.district)
    _require_in_progress(assessment)
    if getattr(locked, field) == value:
        return locked  # both versions agree: nothing to save, nothing to refuse
    theirs = last_edit(locked, field)
    if theirs.revision != base_revision and (theirs.editor is None or theirs.editor != editor):
        raise EditConflict(record=locked, field=field, theirs=theirs)
    setattr(locked, field, value)
    locked.full_clean()
    locked.field_revisions[field] = {
        "revision": theirs.revision + 1,
        "by": editor.pk,
        "at": timezone.now().isoformat(),
    }
    locked.save(update_fields=[field, "field_revisions"])
    return locked


@transaction.atomic
def priority_add(*, assessment: Assessment) -> Priority:
    require_working_for(assessment.district)
    _require_in_progress(assessment)
    taken = Priority.objects.filter(assessment=assessment).count()
    if taken >= MAX_PRIORITIES:
        raise ValidationError(
            f"The tool asks for three to five shared priorities, and this plan has "
            f"{MAX_PRIORITIES}. Remove one before adding another."
        )
    priority = Priority(
        district_id=assessment.district_id, assessment=assessment, position=taken + 1
    )
    priority.full_clean()
    priority.save()
    return priority


@transaction.atomic
def priority_remove(*, priority: Priority) -> None:
    assessment = Assessment.objects.select_for_update().get(pk=priority.assessment_id)
    require_working_for(assessment.district)
    _require_in_progress(assessment)
    priority.delete()
    # Keep the priorities numbered 1, 2, 3… as the team reads them.
    for position, later in enumerate(Priority.objects.filter(assessment=assessment), start=1):
        if later.position != position:
            later.position = position
            later.save(update_fields=["position"])


def finalise_blockers(assessment: Assessment) -> list[str]:
    """What still stands between this assessment and a finished plan, in the team's words."""
    blockers = []
    unrated = ItemResponse.objects.filter(assessment=assessment, consensus="").count()
    if unrated:
        blockers.append(
            f"{unrated} item{'s' if unrated != 1 else ''} still need{'' if unrated != 1 else 's'}"
            " a team consensus rating (use Don't know where the team cannot say)."
        )
    priorities = Priority.objects.filter(assessment=assessment).exclude(title="").count()
    if priorities < MIN_PRIORITIES:
        blockers.append(
            f"The plan names {priorities} shared priorit{'ies' if priorities != 1 else 'y'}; "
            f"agree upon at least {MIN_PRIORITIES} (the tool asks for three to five)."
        )
    return blockers


@transaction.atomic
def assessment_finalise(*, assessment: Assessment, finalised_by: User) -> Assessment:
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    require_working_for(locked.district)
    _require_in_progress(locked)
    blockers = finalise_blockers(locked)
    if blockers:
        raise ValidationError(blockers)
    locked.status = AssessmentStatus.FINALISED
    locked.finalised_by = finalised_by
    locked.finalised_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["status", "finalised_by", "finalised_at"])
    return locked
