from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model

from districts.models import School
from partners.forms import _intervention_choices, _reason_choices
from partners.models import AbsenceReason, Intervention, PartnerEntry
from tiering.bands import RATED_BANDS, Band
from tiering.models import Student

from .models import ActDecision, Cycle, CycleTemplate, LearningQuestion, PlanStep
from .services import WORKSHEET_FIELDS, WorksheetFields

BLANK = "blank"


class CycleCreateForm(forms.Form):
    start_from = forms.ChoiceField(
        label="Start from", widget=forms.RadioSelect, initial=BLANK, choices=()
    )
    title = forms.CharField(
        label="Test Title",
        max_length=200,
        required=False,
        help_text="A template's own title is used when this is left empty.",
    )
    schools = forms.ModelMultipleChoiceField(
        queryset=School.unscoped.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Schools",
    )

    def __init__(self, *args, schools, district_wide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        templates = [
            (f"template-{t.pk}", f"Template: {t.name}") for t in CycleTemplate.objects.all()
        ]
        self.fields["start_from"].choices = [(BLANK, "A blank worksheet"), *templates]
        self.fields["schools"].queryset = schools
        if district_wide:
            self.fields["schools"].help_text = "Leave all unticked for a district-wide cycle."

    @property
    def template(self) -> CycleTemplate | None:
        choice = self.cleaned_data["start_from"]
        if choice == BLANK:
            return None
        return CycleTemplate.objects.get(pk=int(choice.removeprefix("template-")))


class WorksheetForm(forms.ModelForm):
    schools = forms.ModelMultipleChoiceField(
        queryset=School.unscoped.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Schools",
    )
    reasons = forms.ModelMultipleChoiceField(
        queryset=AbsenceReason.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Reasons for absence it addresses",
    )
    interventions = forms.ModelMultipleChoiceField(
        queryset=Intervention.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Interventions it tries",
    )
    partner_entries = forms.ModelMultipleChoiceField(
        queryset=PartnerEntry.unscoped.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Partners involved",
    )

    class Meta:
        model = Cycle
        # The Act's description is written with its decision (DecideForm).
        fields = [name for name in WORKSHEET_FIELDS if name != "act_text"]
        widgets = {
            "first_day": forms.DateInput(attrs={"type": "date"}),
            "last_day": forms.DateInput(attrs={"type": "date"}),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in ("idea", "test_notes", "goal", "driver", "do_text")
            },
        }

    def __init__(self, *args, schools, partner_entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = schools
        self.fields["partner_entries"].queryset = partner_entries.select_related("organization")
        self.fields["reasons"].choices = _reason_choices()
        self.fields["interventions"].choices = _intervention_choices()
        if self.instance.pk:
            self.initial.update(
                schools=list(self.instance.schools.all()),
                reasons=list(self.instance.reasons.all()),
                interventions=list(self.instance.interventions.all()),
                partner_entries=list(self.instance.partner_entries.all()),
            )

    def _post_clean(self):
        # The services validate and save the cycle: the form only cleans its fields.
        pass

    def worksheet(self) -> WorksheetFields:
        data = self.cleaned_data
        return WorksheetFields(
            **{name: data.get(name, getattr(self.instance, name)) for name in WORKSHEET_FIELDS}
        )


_QUESTION = fields_for_model(LearningQuestion, ["text", "prediction", "data_to_collect", "result"])
_STEP = fields_for_model(PlanStep, ["text", "owner"])


class QuestionForm(forms.Form):
    text = _QUESTION["text"]
    prediction = _QUESTION["prediction"]
    data_to_collect = _QUESTION["data_to_collect"]
    result = _QUESTION["result"]


class StepForm(forms.Form):
    text = _STEP["text"]
    owner = _STEP["owner"]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label="Act", choices=ActDecision.choices, widget=forms.RadioSelect)
    act_text = forms.CharField(
        label=Cycle._meta.get_field("act_text").verbose_name,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CandidateFilterForm(forms.Form):
    school = forms.ModelChoiceField(queryset=School.unscoped.none(), label="School")
    band = forms.ChoiceField(
        label="Band",
        required=False,
        choices=[("", "Every band"), *((b.value, b.label) for b in RATED_BANDS)],
        initial=Band.MODERATE_CHRONIC,
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].empty_label = None


class ParticipantsAddForm(forms.Form):
    students = forms.ModelMultipleChoiceField(
        queryset=Student.unscoped.none(), widget=forms.CheckboxSelectMultiple, label="Students"
    )

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["students"].queryset = students
