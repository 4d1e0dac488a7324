"""The district's planning in its workshop packet, for the items it consented to: its
self-assessment profile with its priorities, the self-assessment's action plan, its partner
coverage by reason for absence, and the results of its PDSA cycles.

These tables are lists rather than band counts, so they are stored in one "list" layout:
{"layout": "list", "columns": [...], "rows": [{"label", "cells": [{"text", "value", "hidden"}]}]}.
Only the PDSA results count students; those counts and the rates drawn from them pass
suppression.py like every other figure. The others count checklist items, schools and partner
entries, which name no student, and are shown as they are.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Prefetch

from districts.models import District, School
from partners.models import AbsenceReason, PartnerEntry
from pdsa.models import Cycle, StudyResult
from pdsa.selectors import cycle_result_summary
from selfassessment.models import (
    RATING_SCORES,
    Assessment,
    AssessmentStatus,
    ItemResponse,
    Priority,
    Rating,
)

from . import suppression
from .models import ConsentItem

LIST_LAYOUT = "list"
# "Absences due to mental or physical health challenges are one of the most common
# contributors" (All in for Attendance): the packet lists these reasons first.
HEALTH_REASON_CODES = (
    "chronic-acute-illness",
    "trauma-mental-health",
    "health-care-access",
    "anxiety",
    "stay-home-any-symptom",
)
PLANNING_ITEMS = (
    ConsentItem.SELF_ASSESSMENT,
    ConsentItem.ACTION_PLAN,
    ConsentItem.PARTNER_COVERAGE,
    ConsentItem.PDSA_RESULTS,
)


def _text(text: str) -> dict:
    return {"text": text, "value": None, "hidden": False}


def _number(value: int | float | None, text: str | None = None) -> dict:
    if value is None:
        return {"text": text or "—", "value": None, "hidden": False}
    return {"text": text or f"{value:,}", "value": value, "hidden": False}


def _shown(shown: suppression.Shown) -> dict:
    return {"text": shown.text, "value": shown.value, "hidden": shown.hidden}


def _table(
    item: ConsentItem, key: str, title: str, heading: str, columns: list[str], rows: list
) -> dict:
    """`heading` names what each row is (the first column's heading)."""
    return {
        "item": item,
        "key": key,
        "title": title,
        "layout": LIST_LAYOUT,
        "heading": heading,
        "columns": columns,
        "rows": rows,
        "as_of": None,
        "last_year_as_of": None,
    }


def _assessment(district: District) -> Assessment | None:
    """The self-assessment the packet shows: the latest finalised one, else the latest."""
    assessments = Assessment.objects.for_district(district).order_by("-school_year", "-created_at")
    return assessments.filter(status=AssessmentStatus.FINALISED).first() or assessments.first()


RATING_COLUMNS = (
    Rating.STRONGLY_IN_PLACE,
    Rating.MEASURABLE_PROGRESS,
    Rating.NEEDS_IMPROVEMENT,
    Rating.URGENT_GAP,
)


def self_assessment_tables(district: District) -> list[dict]:
    """The ingredient profile (items per consensus rating, and the average of 4) and the
    team's shared priorities."""
    assessment = _assessment(district)
    if assessment is None:
        return []
    responses = (
        ItemResponse.objects.for_district(district)
        .filter(assessment=assessment)
        .select_related("item__ingredient")
        .order_by("item__ingredient__position", "item__position")
    )
    by_ingredient: dict[str, list[str]] = {}
    for response in responses:
        by_ingredient.setdefault(response.item.ingredient.name, []).append(response.consensus)
    profile = []
    for name, ratings in by_ingredient.items():
        counts = Counter(ratings)
        scores = [RATING_SCORES[Rating(r)] for r in ratings if r in RATING_SCORES]
        average = round(sum(scores) / len(scores), 1) if scores else None
        profile.append(
            {
                "label": name,
                "cells": [
                    *(_number(counts[r.value]) for r in RATING_COLUMNS),
                    _number(counts[""] + counts[Rating.DONT_KNOW.value]),
                    _number(average, f"{average:.1f} of 4" if average is not None else "—"),
                ],
            }
        )
    priorities = [
        {
            "label": f"{p.position}. {p.title}",
            "cells": [
                _text(p.lead or "—"),
                _text(p.timeline or "—"),
                _text(p.get_status_display()),
            ],
        }
        for p in Priority.objects.for_district(district)
        .filter(assessment=assessment)
        .exclude(title="")
        .order_by("position")
    ]
    title = f"{assessment.title} ({assessment.school_year})"
    tables = [
        _table(
            ConsentItem.SELF_ASSESSMENT,
            "self_assessment",
            f"Self-assessment ingredient profile: {title}",
            "Ingredient",
            [*(r.label for r in RATING_COLUMNS), "Not rated or Don't know", "Average"],
            profile,
        )
    ]
    if priorities:
        tables.append(
            _table(
                ConsentItem.SELF_ASSESSMENT,
                "priorities",
                "Shared priorities for action",
                "Priority",
                ["Who takes the lead", "Timeline for action", "Status"],
                priorities,
            )
        )
    return tables


def action_plan_tables(district: District) -> list[dict]:
    """The self-assessment's action plan: each item with a next step, with the tool's four
    action-plan columns."""
    assessment = _assessment(district)
    if assessment is None:
        return []
    responses = (
        ItemResponse.objects.for_district(district)
        .filter(assessment=assessment)
        .exclude(next_steps="", responsible="", target_date=None, resources="")
        .select_related("item__ingredient")
        .order_by("item__ingredient__position", "item__position")
    )
    rows = [
        {
            "label": f"{r.item.ingredient.position}.{r.item.position} {r.item.text}",
            "cells": [
                _text(r.get_consensus_display() or "Not rated"),
                _text(r.next_steps or "—"),
                _text(r.responsible or "—"),
                _text(f"{r.target_date:%b %-d, %Y}" if r.target_date else "—"),
                _text(r.resources or "—"),
            ],
        }
        for r in responses
    ]
    return [
        _table(
            ConsentItem.ACTION_PLAN,
            "action_plan",
            f"Action plan: {assessment.title} ({assessment.school_year})",
            "Item",
            [
                "Team consensus rating",
                "What are Key Next Steps?",
                "Individuals or Groups Responsible",
                "Target Date",
                "Resources to Leverage",
            ],
            rows,
        )
    ]


PARTNER_COVERAGE_KEY = "partner_coverage"


def _partners_cell(names: list[str]) -> dict:
    """The partners' names, and how many: a district shown by its alias is shown the count
    only (selectors), as its partners' names would name it."""
    return {"text": ", ".join(names) or "No partner yet", "value": len(names), "hidden": False}


def partners_counted(cell: dict) -> dict:
    n = cell["value"]
    text = f"{n} partner{'s' if n != 1 else ''}" if n else "No partner yet"
    return {**cell, "text": text}


def partner_coverage_tables(district: District) -> list[dict]:
    """For each reason for absence, health-related reasons first: how many of the district's
    schools a partner serves for it, and which partners (an entry naming no school serves
    every school)."""
    schools = set(School.objects.for_district(district).values_list("pk", flat=True))
    entries = (
        PartnerEntry.objects.for_district(district)
        .select_related("organization")
        .prefetch_related(
            Prefetch("schools", queryset=School.objects.for_district(district).only("pk")),
            "reasons",
        )
    )
    covered: dict[int, set[int]] = {}
    partners: dict[int, set[str]] = {}
    for entry in entries:
        served = {s.pk for s in entry.schools.all()} or schools
        for reason in entry.reasons.all():
            covered.setdefault(reason.pk, set()).update(served & schools)
            partners.setdefault(reason.pk, set()).add(entry.organization.name)
    health_first = {code: n for n, code in enumerate(HEALTH_REASON_CODES)}
    reasons = sorted(
        AbsenceReason.objects.all(),
        key=lambda r: (health_first.get(r.code, len(health_first)), r.position),
    )
    rows = [
        {
            "label": reason.name,
            "cells": [
                _text("Health" if reason.code in health_first else reason.get_family_display()),
                _number(
                    len(covered.get(reason.pk, ())),
                    f"{len(covered.get(reason.pk, ()))} of {len(schools)}",
                ),
                _partners_cell(sorted(partners.get(reason.pk, ()))),
            ],
        }
        for reason in reasons
    ]
    return [
        _table(
            ConsentItem.PARTNER_COVERAGE,
            PARTNER_COVERAGE_KEY,
            "Partner coverage by reason for absence (health-related reasons first)",
            "Reason for absence",
            ["Root cause", "Schools served", "Partners"],
            rows,
        )
    ]


def pdsa_tables(district: District, minimum_n: int) -> list[dict]:
    """Each PDSA cycle with a stored Study: its dates, the students in each group (suppressed)
    and what difference it made, in words, only where both groups reach the minimum: the
    words carry rates of the groups."""
    results = {
        r.cycle_id: r
        for r in StudyResult.objects.for_district(district).only(
            "cycle_id", "participants_n", "comparison_n", "comparisons", "note"
        )
    }
    cycles = (
        Cycle.objects.for_district(district)
        .filter(pk__in=list(results))
        .select_related("change_idea")
        .order_by("change_idea__title", "number")
    )
    rows = []
    for cycle in cycles:
        result = results[cycle.pk]
        large_enough = min(result.participants_n, result.comparison_n) >= minimum_n
        summary = (
            cycle_result_summary(result)
            if large_enough
            else f"Not shown: a group under {minimum_n} students."
        )
        days = (
            f"{cycle.first_day:%b %-d} – {cycle.last_day:%b %-d, %Y}"
            if cycle.first_day and cycle.last_day
            else "Dates not set"
        )
        rows.append(
            {
                "label": f"{cycle.change_idea.title}, cycle {cycle.number}: {cycle.title}",
                "cells": [
                    _text(days),
                    _shown(suppression.count(result.participants_n, minimum_n=minimum_n)),
                    _shown(suppression.count(result.comparison_n, minimum_n=minimum_n)),
                    _text(summary or "—"),
                    _text(cycle.get_act_decision_display() or "Not decided yet"),
                ],
            }
        )
    if not rows:
        return []
    return [
        _table(
            ConsentItem.PDSA_RESULTS,
            "pdsa_results",
            "PDSA cycles: what difference did we make?",
            "Cycle",
            ["Date of test", "Participants", "Comparison group", "Result", "Act"],
            rows,
        )
    ]


def planning_tables(district: District, items: set, minimum_n: int) -> list[dict]:
    tables = []
    if ConsentItem.SELF_ASSESSMENT in items:
        tables += self_assessment_tables(district)
    if ConsentItem.ACTION_PLAN in items:
        tables += action_plan_tables(district)
    if ConsentItem.PARTNER_COVERAGE in items:
        tables += partner_coverage_tables(district)
    if ConsentItem.PDSA_RESULTS in items:
        tables += pdsa_tables(district, minimum_n)
    return tables
