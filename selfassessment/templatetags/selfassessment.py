from __future__ import annotations

import datetime

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse

from ..forms import field_form
from ..models import ItemResponse, Priority, Reflection, RevisedFields
from ..services import last_edit

register = template.Library()

# The URL word for each kind of autosaved row (selfassessment:field).
FIELD_KINDS: dict[str, type[RevisedFields]] = {
    "item": ItemResponse,
    "reflection": Reflection,
    "priority": Priority,
}
KIND_OF = {model: kind for kind, model in FIELD_KINDS.items()}


def about(record: RevisedFields) -> str:
    """How a control's label ends, so it reads on its own: "for item 1.3"."""
    if isinstance(record, ItemResponse):
        return f"for item {record.item.ingredient.position}.{record.item.position}"
    if isinstance(record, Reflection):
        return f"to question {record.question.position}"
    return f"of priority {record.position}"


def autosave_context(
    *, request, assessment, record: RevisedFields, field: str, editable: bool, **extra
) -> dict:
    """What templates/selfassessment/_field.html needs to show one autosaved field."""
    kind = KIND_OF[type(record)]
    url = reverse(
        "selfassessment:field",
        kwargs={
            "district_slug": request.district.slug,
            "assessment_id": assessment.pk,
            "kind": kind,
            "record_id": record.pk,
            "field": field,
        },
    )
    form = extra.pop("form", None) or field_form(record, field)
    return {
        "request": request,
        "csrf_token": get_token(request),
        "dom_id": f"{kind}-{record.pk}-{field}",
        "url": url,
        "bound_field": form[field],
        "label": record._meta.get_field(field).verbose_name,
        "about": about(record),
        "editable": editable,
        "revision": record.revision_of(field),
        "last_edit": last_edit(record, field),
        "value": getattr(record, field),
        "display": _display(record, field),
        **extra,
    }


def _display(record: RevisedFields, field: str) -> str:
    value = getattr(record, field)
    if isinstance(value, datetime.date):
        return f"{value:%B %-d, %Y}"
    display = getattr(record, f"get_{field}_display", None)
    return display() if display else value


@register.inclusion_tag("selfassessment/_field.html", takes_context=True)
def autosave_field(context, record: RevisedFields, field: str, initial: str = ""):
    """One field of a response, reflection or priority, saved as the team types; `initial`
    is a draft shown until someone first edits the field."""
    form = None
    if initial and not record.revision_of(field):
        form = field_form(record, field)
        form.initial[field] = initial
    return autosave_context(
        request=context["request"],
        assessment=context["assessment"],
        record=record,
        field=field,
        editable=context["can_edit"],
        form=form,
        suggested=bool(form),
    )
