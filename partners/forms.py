from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model

from districts.models import School

from .models import (
    AbsenceReason,
    Intervention,
    PartnerEntry,
    PartnerOrganization,
    PartnerType,
    ReasonFamily,
    Tier,
)
from .services import EntryFields

ENTRY_SCALARS = [
    "provided",
    "description",
    "served",
    "time_period",
    "contact_name",
    "contact_email",
    "contact_phone",
    "established_by_name",
    "established_by_email",
    "established_by_phone",
]

# An HSDS file for one district's registry is small; anything larger is not one.
HSDS_MAX_BYTES = 5 * 1024 * 1024


def _reason_choices() -> list:
    reasons = list(AbsenceReason.objects.order_by("position"))
    return [
        (family.label, [(r.pk, r.labelled) for r in reasons if r.family == family])
        for family in ReasonFamily
    ]


def _intervention_choices() -> list:
    interventions = list(Intervention.objects.select_related("reason").order_by("position"))
    groups: dict[str, list] = {}
    for i in interventions:
        groups.setdefault(i.source_label, []).append((i.pk, i.name))
    return list(groups.items())


class PartnerEntryForm(forms.Form):
    """The "List of Partners" worksheet row. Partner staff get no organisation field: their
    entries always belong to their own organisation."""

    organization = forms.ModelChoiceField(
        queryset=PartnerOrganization.unscoped.none(), label="Name of partner"
    )
    schools = forms.ModelMultipleChoiceField(
        queryset=School.unscoped.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Schools served",
        help_text="Leave all unticked when the partner serves every school of the district.",
    )
    tiers = forms.MultipleChoiceField(
        choices=Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Tiers served",
    )
    reasons = forms.ModelMultipleChoiceField(
        queryset=AbsenceReason.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Reasons for absence addressed",
    )
    interventions = forms.ModelMultipleChoiceField(
        queryset=Intervention.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Interventions offered",
    )

    def __init__(self, *args, organizations, schools, fixed_organization=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(PartnerEntry, fields=ENTRY_SCALARS))
        if fixed_organization:
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = organizations
        self.fields["schools"].queryset = schools
        self.fields["reasons"].widget.choices = _reason_choices()
        self.fields["interventions"].widget.choices = _intervention_choices()
        order = ["organization", *ENTRY_SCALARS, "schools", "tiers", "reasons", "interventions"]
        self.order_fields(order)

    def entry_fields(self) -> EntryFields:
        data = self.cleaned_data
        return EntryFields(
            **{name: data[name] for name in ENTRY_SCALARS},
            tiers=list(data["tiers"]),
            schools=list(data["schools"]),
            reasons=list(data["reasons"]),
            interventions=list(data["interventions"]),
        )

    @staticmethod
    def initial_for(entry: PartnerEntry) -> dict:
        return {
            "organization": entry.organization_id,
            **{name: getattr(entry, name) for name in ENTRY_SCALARS},
            "tiers": entry.tiers,
            "schools": [s.pk for s in entry.schools.all()],
            "reasons": [r.pk for r in entry.reasons.all()],
            "interventions": [i.pk for i in entry.interventions.all()],
        }


class PartnerOrganizationForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                PartnerOrganization,
                fields=["name", "partner_type", "description", "email"],
            )
        )
        self.fields["description"].widget.attrs["rows"] = 3
        self.fields["website"] = forms.URLField(
            required=False, max_length=200, label="Website", assume_scheme="https"
        )
        self.order_fields(["name", "partner_type", "description", "website", "email"])


class StaffInviteForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=PartnerOrganization.unscoped.none(), label="Partner organisation"
    )
    full_name = forms.CharField(max_length=200, label="Their name")
    email = forms.EmailField(
        label="Their work email address",
        help_text="They get an email with a link to choose a password.",
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class RegistryFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
    partner_type = forms.ChoiceField(
        choices=[("", "Any type"), *PartnerType.choices], required=False, label="Partner type"
    )
    school = forms.ModelChoiceField(
        queryset=School.unscoped.none(), required=False, empty_label="Any school"
    )
    reason = forms.ModelChoiceField(
        queryset=AbsenceReason.objects.all(),
        required=False,
        empty_label="Any reason",
        label="Reason for absence",
    )
    tier = forms.ChoiceField(choices=[("", "Any tier"), *Tier.choices], required=False)
    status = forms.ChoiceField(
        choices=[
            ("", "Current and stale"),
            ("stale", "Not updated in 12 months"),
            ("current", "Updated within 12 months"),
        ],
        required=False,
        label="Last updated",
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["reason"].widget.choices = [("", "Any reason"), *_reason_choices()]


class CoverageFilterForm(forms.Form):
    family = forms.ChoiceField(
        choices=[("", "All four root causes"), *ReasonFamily.choices],
        required=False,
        label="Root cause",
    )


class HsdsImportForm(forms.Form):
    file = forms.FileField(
        label="HSDS file (JSON)",
        help_text="A file exported from this registry or from a 211 directory in the Open "
        "Referral Human Services Data Specification 3.0.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > HSDS_MAX_BYTES:
            raise forms.ValidationError(
                "This file is larger than 5 MB. Export only this district's partners and try again."
            )
        return upload
