"""What the apps built on tiering add to the tiered list: columns beside each student, filters
narrowing the list and actions on the students chosen from it. `tiering` imports no app above
it (design.md §1), so each app registers its columns, filters and actions here when it loads
(as districts/home_panels.py); the list, its downloads and its printed copy show every
registered column, in the order registered."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest


@dataclass(frozen=True)
class Cell:
    text: str  # as the page and the printed list show it
    value: object = None  # for the spreadsheets (a date stays a date); the text when None
    # A word the page shows beside the text, marked (in red) but readable without colour:
    # "overdue". The downloads carry it in a column of its own (Column.flag_heading).
    flag: str = ""

    @property
    def printed(self) -> str:
        return f"{self.text} ({self.flag})" if self.flag else self.text


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    empty: Cell  # for a student the app has nothing to say about
    pdf_width: int  # characters in the printed list (tiering/list_pdf.py)
    flag_heading: str = ""


# Given the request (inside its tenant context) and the ids of the students listed, each
# student's cells by column key. One query for the whole page, never one per student.
CellsFor = Callable[[HttpRequest, Sequence[int]], Mapping[int, Mapping[str, Cell]]]


@dataclass(frozen=True)
class ColumnSet:
    columns: tuple[Column, ...]
    cells: CellsFor


@dataclass(frozen=True)
class ListFilter:
    name: str  # the URL parameter, and the form field's name
    # A new field for each form: its choices may come from the database.
    field: Callable[[], forms.Field]
    # Narrows the list's standings to the students the value selects (never called with an
    # empty value): a filter on `student_id` against a subquery keeps it one query.
    narrow: Callable[[HttpRequest, QuerySet, object], QuerySet]


@dataclass(frozen=True)
class ListAction:
    """Something done with students chosen on a school's tiered list ("Add to a PDSA cycle").
    For a member whose role is in `policy`, the list gets a checkbox per student and, above
    it, the action's choice of target and two buttons: one posts the ticked students
    (`student`, repeated), the other every student matching the list's filters (`all`). Both
    post to `url_name` (taking `district_slug` and `school_id`) with the list's filters as a
    query string in `query` and the chosen target as `key`; the receiving view reads the
    students through tiering/list_selection.py `chosen_students`."""

    key: str  # the posted name of the target, e.g. "cycle"
    label: str  # what it does, e.g. "Add to a PDSA cycle"
    verb: str  # the buttons' first word: "Add" the ticked students, "Add" all matching
    url_name: str
    policy: frozenset  # roles that may use it: a policy of districts/roles.py
    target_label: str  # e.g. "PDSA cycle"
    # (value, label) of the targets open to the request's member at the school.
    targets: Callable[[HttpRequest, object], Sequence[tuple[object, str]]]
    no_target: str  # what the list says when there is none
    # A link to where one is made, when there is such a page: its words, and its URL name
    # (taking `district_slug`).
    no_target_link: str = ""
    no_target_url_name: str = ""


@dataclass(frozen=True)
class OpenAction:
    action: ListAction
    targets: Sequence[tuple[object, str]]


_column_sets: list[ColumnSet] = []
_filters: list[ListFilter] = []
_actions: list[ListAction] = []


def register_columns(column_set: ColumnSet) -> ColumnSet:
    if column_set not in _column_sets:
        _column_sets.append(column_set)
    return column_set


def register_filter(list_filter: ListFilter) -> ListFilter:
    if list_filter.name not in {f.name for f in _filters}:
        _filters.append(list_filter)
    return list_filter


def register_action(action: ListAction) -> ListAction:
    if action.key not in {a.key for a in _actions}:
        _actions.append(action)
    return action


def actions_for(request: HttpRequest, school: object) -> list[OpenAction]:
    """The actions the member's role may use on the school's list, with their targets."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    return [
        OpenAction(action, list(action.targets(request, school)))
        for action in _actions
        if membership.role in action.policy
    ]


def columns() -> list[Column]:
    return [column for column_set in _column_sets for column in column_set.columns]


def filters() -> list[ListFilter]:
    return list(_filters)


Cells = list[tuple[Column, Cell]]


def cells_for(request: HttpRequest, student_ids: Sequence[int]) -> dict[int, Cells]:
    """Each student's cells with their columns, in the order of `columns()`."""
    out: dict[int, Cells] = {student_id: [] for student_id in student_ids}
    for column_set in _column_sets:
        found = column_set.cells(request, student_ids) if student_ids else {}
        for student_id, cells in out.items():
            theirs = found.get(student_id, {})
            cells.extend((c, theirs.get(c.key, c.empty)) for c in column_set.columns)
    return out


def narrow(request: HttpRequest, rows: QuerySet, values: Mapping[str, object]) -> QuerySet:
    for list_filter in _filters:
        value = values.get(list_filter.name)
        if value not in (None, "", [], ()):
            rows = list_filter.narrow(request, rows, value)
    return rows


def export_header() -> list[str]:
    return [
        heading
        for column in columns()
        for heading in (column.heading, column.flag_heading)
        if heading
    ]


def export_values(cells: Cells) -> list[object]:
    values: list[object] = []
    for column, cell in cells:
        values.append(cell.text if cell.value is None else cell.value)
        if column.flag_heading:
            values.append(cell.flag)
    return values
