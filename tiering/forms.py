from django import forms

from .headers import Kind
from .models import DailyMode, ImportKind

MAX_UPLOAD_BYTES = 2 * 1024**3
ACCEPTED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="SIS export file",
        help_text="CSV (any common delimiter; UTF-8 or Windows-1252) or Excel .xlsx.",
    )
    kind = forms.ChoiceField(
        label="What the file holds",
        choices=[("", "Tell from its columns"), *ImportKind.choices],
        required=False,
    )
    daily_mode = forms.ChoiceField(
        label="For daily files",
        choices=DailyMode.choices,
        initial=DailyMode.REPLACE,
        widget=forms.RadioSelect,
    )
    as_of = forms.DateField(
        label="Totals run to (summary files)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last school day a summary file counts. Leave empty for today.",
    )
    create_schools = forms.BooleanField(
        label="Register schools the file names that are not set up yet",
        required=False,
        help_text="For a district's first load. Otherwise an unknown school code is an error.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError(
                "Upload a .csv or .xlsx file exported from your student information system."
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "The file is larger than 2 GB. Split it by school, or send year-to-date totals."
            )
        return upload

    def clean_kind(self) -> Kind | None:
        return Kind(self.cleaned_data["kind"]) if self.cleaned_data["kind"] else None
