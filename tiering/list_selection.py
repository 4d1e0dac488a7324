"""The students a school's tiered list shows, filtered as its address says: read by the list
page and by the actions the apps above tiering register (list_columns.ListAction), so that
"every student matching these filters" means the students the list showed."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict

from districts.models import School

from . import list_columns, selectors
from .bands import RATED_BANDS, Band
from .forms import TieredListForm
from .models import Snapshot, Standing, Student


@dataclass
class TieredList:
    form: TieredListForm
    previous: Snapshot | None
    rows: QuerySet[Standing]


def rule_set_id(params: QueryDict) -> int | None:
    value = params.get("rule_set", "")
    return int(value) if value.isdigit() else None


def tiered_list(
    request: HttpRequest, *, school: School, snapshot: Snapshot, params: QueryDict
) -> TieredList:
    """The school's standings in the snapshot, filtered by `params` (the list's address)."""
    standings = Standing.objects.for_user(request.user)
    previous = selectors.previous_snapshot(
        snapshots=Snapshot.objects.for_user(request.user), snapshot=snapshot
    )
    form = TieredListForm(
        params,
        options=selectors.filter_options(standings=standings, snapshot=snapshot, school=school),
        bands=[
            (selectors.CHRONIC_FILTER, "Chronically absent (moderate, severe, extreme)"),
            *((band.value, band.label) for band in (*RATED_BANDS, Band.NOT_YET_RATED)),
        ],
        changes=list(selectors.ListChange.LABELS.items()) if previous else [],
        enrollments=list(selectors.Enrollment.LABELS.items()),
    )
    rows = selectors.tiered_students(
        standings=standings,
        snapshot=snapshot,
        previous=previous,
        school=school,
        filters=selectors.ListFilters(**form.filters()),
    )
    rows = list_columns.narrow(request, rows, form.extension_filters())
    return TieredList(form=form, previous=previous, rows=rows)


def chosen_students(request: HttpRequest, *, school: School) -> list[Student]:
    """The students a list action's form chose, by name: with `all`, every student the list
    shows under the filters posted in `query`; otherwise the ticked `student` ids, each of
    which must be on the school's list (a student of another school is refused, not
    skipped)."""
    params = QueryDict(request.POST.get("query", ""))
    snapshot = selectors.current_snapshot(
        snapshots=Snapshot.objects.for_user(request.user), rule_set_id=rule_set_id(params)
    )
    if snapshot is None:
        return []
    if request.POST.get("all"):
        rows = tiered_list(request, school=school, snapshot=snapshot, params=params).rows
        ids = set(rows.values_list("student_id", flat=True))
    else:
        ticked = {int(v) for v in request.POST.getlist("student") if v.isdigit()}
        ids = set(
            Standing.objects.for_user(request.user)
            .filter(snapshot=snapshot, school=school, student_id__in=ticked)
            .values_list("student_id", flat=True)
        )
        if ticked - ids:
            raise ValidationError(
                f"{len(ticked - ids)} of the ticked students are not on {school.name}'s list."
            )
    return list(
        Student.objects.for_user(request.user)
        .filter(pk__in=ids)
        .order_by("last_name", "first_name", "sis_id")
    )
