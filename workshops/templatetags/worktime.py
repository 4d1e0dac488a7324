"""The plan page's autosaved fields, drawn by the self-assessment's own field template
(templates/selfassessment/_field.html), so that both pages save, refuse and offer the choice
between versions in the same words."""

from __future__ import annotations

from django import forms, template
from django.middleware.csrf import get_token
from django.urls import reverse

from selfassessment.forms import field_form
from selfassessment.services import last_edit

from ..models import PlanAction, PlanKind
from ..selectors import TieChoices, action_number
from ..services import plan_value

register = template.Library()

NOT_TIED = "Not tied yet"
# How a row is named in its controls' labels ("Target Date of strategic action 2").
ROW_NOUN = {PlanKind.STRATEGIC_ACTION: "strategic action", PlanKind.ALIGNMENT: "alignment step"}


def tie_value(tie) -> str:
    if tie is None:
        return ""
    return f"{tie._meta.model_name}-{tie.pk}"


class TieForm(forms.Form):
    """The ingredient or priority a row serves: one choice over two columns."""

    tied_to = forms.ChoiceField(label="Serves", required=False)

    def __init__(self, *args, choices: TieChoices, prefix: str, initial=None, **kwargs):
        super().__init__(*args, prefix=prefix, initial=initial, **kwargs)
        self.options = {tie_value(i): i for i in (*choices.ingredients, *choices.priorities)}
        groups = [("", NOT_TIED)]
        groups.append(
            ("The six ingredients", [(tie_value(i), i.name) for i in choices.ingredients])
        )
        if choices.priorities:
            groups.append(
                (
                    "Our shared priorities",
                    [(tie_value(p), f"{p.position}. {p.title}") for p in choices.priorities],
                )
            )
        self.fields["tied_to"].choices = groups

    def clean_tied_to(self):
        return self.options.get(self.cleaned_data["tied_to"])


def plan_field_form(action: PlanAction, field: str, *, choices: TieChoices, data=None):
    if field == "tied_to":
        return TieForm(
            data,
            choices=choices,
            prefix=f"planaction-{action.pk}",
            initial={"tied_to": tie_value(plan_value(action, field))},
        )
    return field_form(action, field, data=data)


def plan_field_context(
    *, request, action: PlanAction, field: str, choices: TieChoices, editable: bool, **extra
) -> dict:
    """What templates/selfassessment/_field.html needs to show one field of a plan row."""
    url = reverse(
        "district_workshops:plan_field",
        kwargs={
            "district_slug": request.district.slug,
            "invitation_id": action.invitation_id,
            "action_id": action.pk,
            "field": field,
        },
    )
    form = extra.pop("form", None) or plan_field_form(action, field, choices=choices)
    number = getattr(action, "number", None) or action_number(action)
    label = "Serves" if field == "tied_to" else action._meta.get_field(field).verbose_name
    return {
        "request": request,
        "csrf_token": get_token(request),
        "dom_id": f"action-{action.pk}-{field}",
        "url": url,
        "bound_field": form[field],
        "label": label,
        "about": f"of {ROW_NOUN[action.kind]} {number}",
        "editable": editable,
        "revision": action.revision_of(field),
        "last_edit": last_edit(action, field),
        "value": plan_value(action, field),
        "display": shown(action, field),
        **extra,
    }


def shown(action: PlanAction, field: str) -> str:
    if field == "tied_to":
        return action.tied_to
    value = getattr(action, field)
    if field == "target_date":
        return f"{value:%B %-d, %Y}" if value else ""
    if field == "status":
        return action.get_status_display()
    return value


@register.inclusion_tag("selfassessment/_field.html", takes_context=True)
def plan_field(context, action: PlanAction, field: str):
    return plan_field_context(
        request=context["request"],
        action=action,
        field=field,
        choices=context["tie_choices"],
        editable=True,
    )
