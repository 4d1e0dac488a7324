from __future__ import annotations

from django import forms

from districts.models import User

from .models import (
    ActionStatus,
    CheckIn,
    ConsentItem,
    Department,
    InterimGoal,
    Workshop,
    WorkshopSession,
)


class WorkshopForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["title", "first_day", "last_day", "place", "minimum_n"]
        widgets = {
            "first_day": forms.DateInput(attrs={"type": "date"}),
            "last_day": forms.DateInput(attrs={"type": "date"}),
        }


class SessionForm(forms.ModelForm):
    class Meta:
        model = WorkshopSession
        fields = ["day", "title", "agenda"]
        widgets = {
            "day": forms.DateInput(attrs={"type": "date"}),
            "agenda": forms.Textarea(attrs={"rows": 3}),
        }


SessionFormSet = forms.modelformset_factory(
    WorkshopSession, form=SessionForm, extra=1, can_delete=True
)


class InviteForm(forms.Form):
    slug = forms.SlugField(
        label="District’s address name",
        help_text="The name in the district’s web address, as in /d/cedar-valley/.",
    )


class ConsentForm(forms.Form):
    items = forms.MultipleChoiceField(
        label="What we share with the workshop",
        choices=ConsentItem.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class TeamMemberForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Someone with an account",
        queryset=User.objects.none(),
        required=False,
    )
    name = forms.CharField(
        label="Or a name", max_length=200, required=False, help_text="For someone without a login."
    )
    department = forms.ChoiceField(label="Department", choices=Department.choices)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people

    def clean(self):
        data = super().clean()
        if bool(data.get("user")) == bool(data.get("name", "").strip()):
            raise forms.ValidationError("Choose a person or write a name (one of the two).")
        return data


# --- Follow-up check-ins ----------------------------------------------------------------------


class CheckInDateForm(forms.ModelForm):
    class Meta:
        model = CheckIn
        fields = ["due_on"]
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"})}


# Existing check-ins are moved, one blank row adds one; none is removed (a team may have
# reported at it).
CheckInDateFormSet = forms.modelformset_factory(
    CheckIn, form=CheckInDateForm, extra=1, can_delete=False
)


class InterimGoalForm(forms.ModelForm):
    class Meta:
        model = InterimGoal
        fields = ["target_rate", "target_date"]
        widgets = {"target_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "target_rate": "The share of students chronically absent (missing 10% or more of "
            "their days) the district aims to be at or below.",
        }


class CheckInReportForm(forms.Form):
    """A team's report at one check-in: a status and a note per action of its plan, and a
    note for the facilitator."""

    note = forms.CharField(
        label="What the team wants the facilitator to know",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.actions = actions
        for action in actions:
            self.fields[f"status_{action.pk}"] = forms.ChoiceField(
                label="Status", choices=ActionStatus.choices, initial=action.status
            )
            self.fields[f"note_{action.pk}"] = forms.CharField(
                label="Note",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="What was done since the last check-in, and what is in the way.",
            )

    def action_fields(self) -> list[tuple]:
        return [(a, self[f"status_{a.pk}"], self[f"note_{a.pk}"]) for a in self.actions]

    def reports(self) -> dict[int, dict[str, str]]:
        return {
            a.pk: {
                "status": self.cleaned_data[f"status_{a.pk}"],
                "note": self.cleaned_data[f"note_{a.pk}"],
            }
            for a in self.actions
        }
