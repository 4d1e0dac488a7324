"""What the tiered list shows of each student's support (tiering/list_columns.py): the tier of
their active interventions, their last Caring Conversation and their next check-in, and the
filters "no contact yet", "check-in overdue", "has an active intervention" and "reason: …".

A school role reads the records only of students now at its schools: they follow a student who
transfers (querysets.py). Its list still shows the students who left, so for them each column
says the records moved, never "none yet" or "no contact yet", and the filters that select
students by the records they lack ("no contact yet", "no active intervention") leave them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django import forms
from django.db import connections, router
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from districts.tenancy import CrossTenantAccess, current_tenant
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
from .querysets import SupportQuerySet

NO_CONTACT = "no contact yet"
OVERDUE = "overdue"
MOVED = Cell("records moved with the student")
# "Due this week": today and the six days after it.
WEEK = timedelta(days=6)

# Printed widths: the longest text a column shows, "records moved with the student" (a cut
# one would no longer say it); "Tier I, Tier II, Tier III" and "Dec 11, 2026 (overdue)" fit.
PDF_WIDTH = len(MOVED.text)
SUPPORT = Column(key="support", heading="Support", empty=Cell("none yet"), pdf_width=PDF_WIDTH)
LAST_CONTACT = Column(
    key="last_contact",
    heading="Last contact",
    empty=Cell(NO_CONTACT, value=""),
    pdf_width=PDF_WIDTH,
)
NEXT_CHECK_IN = Column(
    key="next_check_in",
    heading="Next check-in",
    empty=Cell("none set", value=""),
    pdf_width=PDF_WIDTH,
    flag_heading="Check-in overdue",
)
COLUMNS = (SUPPORT, LAST_CONTACT, NEXT_CHECK_IN)


def day_text(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def tiers_text(tiers: Sequence[str]) -> str:
    """ "Tier II", "Tier I, Tier III": the tiers of a student's active interventions."""
    return ", ".join(Tier(tier).label for tier in sorted(tiers, key=len))


def check_in_cell(day: date | None, today: date) -> Cell:
    if day is None:
        return NEXT_CHECK_IN.empty
    return Cell(day_text(day), value=day, flag=OVERDUE if day < today else "")


# The three columns of a page's students, in one statement written out rather than built with
# the ORM: its three correlated subqueries, rebuilt from querysets on every list page, cost
# more to compose than to run (bench page_latency, profiled: 6 ms of a 61 ms list request).
# The tenant filters are SupportQuerySet.for_user's: the district, and for a school role the
# students now at its schools (the record's student is the listed one, `s`); for every role,
# tests/support/test_support_rows_match_the_orm.py holds the answer to the ORM's.
_CELLS_SQL = """
    SELECT s.id, s.school_id,
        (SELECT c.held_on FROM support_caringconversation c
         WHERE c.district_id = %(district)s AND c.student_id = s.id AND %(readable)s {own}
         ORDER BY c.held_on DESC LIMIT 1),
        (SELECT p.next_check_in FROM support_attendanceplan p
         WHERE p.district_id = %(district)s AND p.student_id = s.id AND %(readable)s {own}
         LIMIT 1),
        ARRAY(SELECT DISTINCT i.tier FROM support_studentintervention i
              WHERE i.district_id = %(district)s AND i.student_id = s.id AND %(readable)s {own}
                AND i.status = %(active)s
              ORDER BY i.tier)
    FROM tiering_student s
    WHERE s.district_id = %(district)s AND s.id = ANY(%(students)s)
"""
_CELLS_SQL_DISTRICT_WIDE = _CELLS_SQL.format(own="")
_CELLS_SQL_OWN_SCHOOLS = _CELLS_SQL.format(own="AND s.school_id = ANY(%(schools)s)")


def support_rows(
    user, student_ids: Sequence[int]
) -> list[tuple[int, int | None, date | None, date | None, list[str]]]:
    """Each listed student's id and school, with what the user reads of their support
    (SupportQuerySet.for_user): their last Caring Conversation, their next check-in and the
    tiers of their active interventions, in one statement. Every listed student is read (the
    walls let a school role read those its standings name, tiering migration 0009), and
    whether the reader may read their records beside them."""
    ctx = current_tenant()
    if ctx.user_id != user.pk:
        raise CrossTenantAccess("The list's support cells were read for someone else.")
    # A school role reads the records of the students now at its schools (SupportQuerySet);
    # district roles read every student's.
    own_schools = ctx.school_ids
    # Where the ORM would read: the replica inside a page reading from one (districts/replica.py).
    with connections[router.db_for_read(Student)].cursor() as cursor:
        cursor.execute(
            _CELLS_SQL_DISTRICT_WIDE if own_schools is None else _CELLS_SQL_OWN_SCHOOLS,
            {
                "district": ctx.district_id,
                "readable": ctx.role in SupportQuerySet.readable_by,
                "schools": sorted(own_schools or ()),
                "students": list(student_ids),
                "active": InterventionStatus.ACTIVE.value,
            },
        )
        return cursor.fetchall()


def _cells(request: HttpRequest, student_ids: Sequence[int]) -> dict[int, dict[str, Cell]]:
    """The three columns of the page's students, from their support_rows."""
    rows = support_rows(request.user, student_ids)
    own_schools = current_tenant().school_ids
    today = request.district.today()
    cells = {}
    for student_id, school_id, last_contact, next_check_in, tiers in rows:
        if own_schools is not None and school_id not in own_schools:
            # At a school the reader does not have (one with none recorded has not been seen
            # to leave, and has nothing to show here either).
            if school_id is not None:
                cells[student_id] = {column.key: MOVED for column in COLUMNS}
            continue
        theirs = {NEXT_CHECK_IN.key: check_in_cell(next_check_in, today)}
        if tiers:
            theirs[SUPPORT.key] = Cell(tiers_text(tiers))
        if last_contact:
            theirs[LAST_CONTACT.key] = Cell(day_text(last_contact), value=last_contact)
        cells[student_id] = theirs
    return cells


def _students(queryset: QuerySet) -> QuerySet:
    return queryset.values("student_id")


def _lacking(request: HttpRequest, rows: QuerySet, having: QuerySet) -> QuerySet:
    """The rows of students with none of `having`'s records, less those whose records moved
    with them (the cells say so: nobody here can tell what they lack)."""
    moved = Q(student__school__isnull=False) & ~Q(
        student_id__in=Student.objects.for_user(request.user).values("pk")
    )
    return rows.exclude(student_id__in=_students(having)).exclude(moved)


def _contact(request: HttpRequest, rows: QuerySet, value: object) -> QuerySet:
    conversations = CaringConversation.objects.for_user(request.user)
    if value == "none":
        return _lacking(request, rows, conversations)
    return rows.filter(student_id__in=_students(conversations))


def _check_in(request: HttpRequest, rows: QuerySet, value: object) -> QuerySet:
    today = request.district.today()
    plans = AttendancePlan.objects.for_user(request.user)
    if value == OVERDUE:
        plans = plans.filter(next_check_in__lt=today)
    else:
        plans = plans.filter(next_check_in__range=(today, today + WEEK))
    return rows.filter(student_id__in=_students(plans))


def _intervention(request: HttpRequest, rows: QuerySet, value: object) -> QuerySet:
    active = StudentIntervention.objects.for_user(request.user).filter(
        status=InterventionStatus.ACTIVE
    )
    if value == "none":
        return _lacking(request, rows, active)
    return rows.filter(student_id__in=_students(active))


def _reason(request: HttpRequest, rows: QuerySet, value: object) -> QuerySet:
    found = ConversationReason.objects.for_user(request.user).filter(reason_id=value)
    return rows.filter(student_id__in=_students(found))


def _reason_field() -> forms.Field:
    # (id, name, family) rather than the reasons themselves: every list page builds this menu.
    reasons = list(AbsenceReason.objects.order_by("position").values_list("pk", "name", "family"))
    return forms.TypedChoiceField(
        label="Reason for absence",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "Any"),
            *(
                (family.label, [(pk, name) for pk, name, of in reasons if of == family])
                for family in ReasonFamily
            ),
        ],
    )


def _choice(label: str, *choices: tuple[str, str]) -> forms.Field:
    return forms.ChoiceField(label=label, required=False, choices=[("", "Any"), *choices])


def register() -> None:
    list_columns.register_columns(ColumnSet(columns=COLUMNS, cells=_cells))
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
