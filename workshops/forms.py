from __future__ import annotations

from django import forms

from districts.models import User

from .models import ConsentItem, Department, Workshop, WorkshopSession


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
