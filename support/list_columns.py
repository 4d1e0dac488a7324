"""What the tiered list shows of each student's support (tiering/list_columns.py): the tier of
their active interventions, their last Caring Conversation and their next check-in, and the
filters "no contact yet", "check-in overdue", "has an active intervention" and "reason: …"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django import forms
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from partners.models import AbsenceReason, ReasonFamily, Tier
from tiering import list_columns
from tiering.list_columns import Cell, Column, ColumnSet, ListFilter
from tiering.models import Student

from .models import (
    AttendancePlan,
    CaringConversation,
    ConversationReason,
    InterventionStatus,
    StudentIntervention,
)

NO_CONTACT = "no contact yet"
OVERDUE = "overdue"
# "Due this week": today and the six days after it.
WEEK = timedelta(days=6)

# Printed widths: the longest text each shows, "Tier I, Tier II, Tier III", "no contact yet",
# "Dec 11, 2026 (overdue)".
SUPPORT = Column(key="support", heading="Support", empty=Cell("none yet"), pdf_width=24)
LAST_CONTACT = Column(
    key="last_contact", heading="Last contact", empty=Cell(NO_CONTACT, value=""), pdf_width=14
)
NEXT_CHECK_IN = Column(
    key="next_check_in",
    heading="Next check-in",
    empty=Cell("none set", value=""),
    pdf_width=22,
    flag_heading="Check-in overdue",
)


def day_text(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def tiers_text(tiers: Sequence[str]) -> str:
    """ "Tier II", "Tier I, Tier III": the tiers of a student's active interventions."""
    return ", ".join(Tier(tier).label for tier in sorted(tiers, key=len))


def check_in_cell(day: date | None, today: date) -> Cell:
    if day is None:
        return NEXT_CHECK_IN.empty
    return Cell(day_text(day), value=day, flag=OVERDUE if day < today else "")


def _cells(request: HttpRequest, student_ids: Sequence[int]) -> dict[int, dict[str, Cell]]:
    """The three columns of the page's students in one query."""
    user = request.user
    mine = {"student": OuterRef("pk")}
    rows = (
        Student.objects.for_user(user)
        .filter(pk__in=list(student_ids))
        .annotate(
            last_contact=Subquery(
                CaringConversation.objects.for_user(user)
                .filter(**mine)
                .order_by("-held_on")
                .values("held_on")[:1]
            ),
            next_check_in=Subquery(
                AttendancePlan.objects.for_user(user).filter(**mine).values("next_check_in")[:1]
            ),
            tiers=ArraySubquery(
                StudentIntervention.objects.for_user(user)
                .filter(**mine, status=InterventionStatus.ACTIVE)
                .order_by("tier")
                .values("tier")
                .distinct()
            ),
        )
        .values_list("pk", "last_contact", "next_check_in", "tiers")
    )
    today = request.district.today()
    cells = {}
    for student_id, last_contact, next_check_in, tiers in rows:
        theirs = {NEXT_CHECK_IN.key: check_in_cell(next_check_in, today)}
        if tiers:
            theirs[SUPPORT.key] = Cell(tiers_text(tiers))
        if last_contact:
            theirs[LAST_CONTACT.key] = Cell(day_text(last_contact), value=last_contact)
        cells[student_id] = theirs
    return cells


def _students(queryset: QuerySet) -> QuerySet:
    return queryset.values("student_id")


def _contact(request: HttpRequest, rows: QuerySet, value: object) -> QuerySet:
    contacted = _students(CaringConversation.objects.for_user(request.user))
    if value == "none":
        return rows.exclude(student_id__in=contacted)
    return rows.filter(student_id__in=contacted)


def _check_in(request: HttpRequest, rows: QuerySet, value: object) -> QuerySet:
    today = request.district.today()
    plans = AttendancePlan.objects.for_user(request.user)
    if value == OVERDUE:
        plans = plans.filter(next_check_in__lt=today)
    else:
        plans = plans.filter(next_check_in__range=(today, today + WEEK))
    return rows.filter(student_id__in=_students(plans))


def _intervention(request: HttpRequest, rows: QuerySet, value: object) -> QuerySet:
    active = _students(
        StudentIntervention.objects.for_user(request.user).filter(status=InterventionStatus.ACTIVE)
    )
    if value == "none":
        return rows.exclude(student_id__in=active)
    return rows.filter(student_id__in=active)


def _reason(request: HttpRequest, rows: QuerySet, value: object) -> QuerySet:
    found = ConversationReason.objects.for_user(request.user).filter(reason_id=value)
    return rows.filter(student_id__in=_students(found))


def _reason_field() -> forms.Field:
    reasons = list(AbsenceReason.objects.order_by("position"))
    return forms.TypedChoiceField(
        label="Reason for absence",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "Any"),
            *(
                (family.label, [(r.pk, r.name) for r in reasons if r.family == family])
                for family in ReasonFamily
            ),
        ],
    )


def _choice(label: str, *choices: tuple[str, str]) -> forms.Field:
    return forms.ChoiceField(label=label, required=False, choices=[("", "Any"), *choices])


def register() -> None:
    list_columns.register_columns(
        ColumnSet(columns=(SUPPORT, LAST_CONTACT, NEXT_CHECK_IN), cells=_cells)
    )
    for list_filter in (
        ListFilter(
            name="contact",
            field=lambda: _choice(
                "Caring Conversation", ("none", "No contact yet"), ("some", "Contacted")
            ),
            narrow=_contact,
        ),
        ListFilter(
            name="check_in",
            field=lambda: _choice(
                "Next check-in", (OVERDUE, "Check-in overdue"), ("week", "Due this week")
            ),
            narrow=_check_in,
        ),
        ListFilter(
            name="intervention",
            field=lambda: _choice(
                "Interventions",
                ("active", "Has an active intervention"),
                ("none", "No active intervention"),
            ),
            narrow=_intervention,
        ),
        ListFilter(name="reason", field=_reason_field, narrow=_reason),
    ):
        list_columns.register_filter(list_filter)
