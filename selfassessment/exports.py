"""The action plan as the tool lays it out, for the PDF and the spreadsheet."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.text import slugify

from districts.exports import xlsx_workbook_download

from . import selectors
from .models import Assessment, ItemResponse, Priority

PLAN_COLUMNS = [
    ItemResponse._meta.get_field(name).verbose_name
    for name in ("next_steps", "responsible", "target_date", "resources")
]
PRIORITY_FIELDS = ("title", "resources", "key_groups", "lead", "timeline", "status")


def filename(assessment: Assessment, extension: str) -> str:
    # ASCII only: browsers ignore a Content-Disposition filename with an en dash in it.
    year = slugify(assessment.school_year.replace("–", "-"))
    return f"action-plan-{year}-{slugify(assessment.title)}.{extension}"


def action_plan(*, assessment: Assessment) -> dict:
    sections = selectors.assessment_sections(assessment=assessment)
    return {
        "assessment": assessment,
        "sections": sections,
        "plan_columns": PLAN_COLUMNS,
        "progress": selectors.assessment_progress(assessment=assessment),
        "answers": selectors.reflection_answers(assessment=assessment),
        "priorities": selectors.priorities_of(assessment=assessment),
        "priority_columns": [Priority._meta.get_field(f).verbose_name for f in PRIORITY_FIELDS],
    }


def action_plan_xlsx(*, assessment: Assessment) -> HttpResponse:
    plan = action_plan(assessment=assessment)
    items = (
        [
            section.ingredient.name,
            row.number,
            row.item.text,
            row.response.get_consensus_display(),
            "; ".join(f"{rating.label}: {n}" for rating, n in row.spread_counts),
            row.response.next_steps,
            row.response.responsible,
            row.response.target_date,
            row.response.resources,
        ]
        for section in plan["sections"]
        for row in section.rows
    )
    reflections = (
        [a.reflection.question.position, a.reflection.question.text, a.text]
        for a in plan["answers"]
    )
    priorities = (
        [p.position, p.title, p.resources, p.key_groups, p.lead, p.timeline, p.get_status_display()]
        for p in plan["priorities"]
    )
    return xlsx_workbook_download(
        filename=filename(assessment, "xlsx"),
        sheets=[
            (
                "Action plan",
                [
                    "Ingredient",
                    "Item",
                    "Text",
                    "Team consensus rating",
                    "Members' ratings",
                    *PLAN_COLUMNS,
                ],
                items,
            ),
            ("Reflections", ["Question", "Text", "Answer"], reflections),
            ("Priorities", ["Priority no.", *plan["priority_columns"]], priorities),
        ],
    )
