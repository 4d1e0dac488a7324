from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from .models import Assessment, Rating, RevisedFields
from .services import school_year_label


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["school_year", "title"]
        labels = {"title": "Title"}
        help_texts = {
            "school_year": "The year the assessment describes, for example 2026–27.",
            "title": "For example “Cabinet self-assessment”. The team sees it on every page.",
        }

    def clean_school_year(self) -> str:
        return school_year_label(self.cleaned_data["school_year"])

    def validate_unique(self):
        # The district is set by the service; its unique check runs there with full_clean.
        pass


class MemberRatingForm(forms.Form):
    rating = forms.ChoiceField(
        label="Your rating", choices=Rating.choices, required=False, widget=forms.RadioSelect
    )

    def clean_rating(self) -> Rating | None:
        return Rating(self.cleaned_data["rating"]) if self.cleaned_data["rating"] else None


def field_form(record: RevisedFields, field: str, *, data=None) -> forms.ModelForm:
    """A one-field form for autosaving `field` of `record`, validated by the model's own rules.
    The prefix keeps every control's id unique on a page holding many records."""
    model_field = record._meta.get_field(field)
    widget: forms.Widget | None = None
    if isinstance(model_field, models.TextField):
        widget = forms.Textarea(attrs={"rows": 3})
    elif isinstance(model_field, models.DateField):
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    form_class = forms.modelform_factory(
        type(record), fields=[field], widgets={field: widget} if widget else None
    )
    if model_field.choices and model_field.blank:
        form_class.base_fields[field].choices = [("", "Not rated yet"), *model_field.choices]
    return form_class(data=data, instance=record, prefix=f"{record._meta.model_name}-{record.pk}")


def cleaned_value(form: forms.ModelForm, field: str) -> object:
    if not form.is_valid():
        raise ValidationError(
            form.errors[field] if field in form.errors else form.non_field_errors()
        )
    return form.cleaned_data[field]
