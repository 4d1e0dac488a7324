import html
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

from . import list_columns
from .filecheck import size_text
from .headers import KIND_CHOICES, LABELS, REQUIRED, Kind, columns_of
from .models import AttendanceCategory, Coverage, DailyMode


class ImportConfirmForm(forms.Form):
    """The go-ahead for a checked file; the choice is asked only of a file that leaves out
    students the district already has at its schools (``asks``)."""

    coverage = forms.ChoiceField(
        label="The students this file leaves out",
        choices=Coverage.choices,
        initial=Coverage.PARTIAL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, asks: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not asks:
            # Nobody is left out, so both choices import the same: the default is recorded.
            del self.fields["coverage"]

    @property
    def chosen_coverage(self) -> Coverage:
        return Coverage(self.cleaned_data.get("coverage") or Coverage.PARTIAL)


class ImportForm(forms.Form):
    # What the file is, and its size, are judged by the import service from its content: the
    # name and the browser's content type are the sender's word. `accept` only helps people
    # pick the right file.
    file = forms.FileField(
        label="SIS export file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    kind = forms.TypedChoiceField(
        label="What the file holds",
        choices=[("", "Tell from its columns"), *KIND_CHOICES],
        coerce=Kind,
        empty_value=None,
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "CSV (any common delimiter; UTF-8 or Windows-1252) or Excel .xlsx, up to"
            f" {size_text(settings.IMPORT_MAX_UPLOAD_BYTES)}."
        )


class ImportKindChoiceForm(forms.Form):
    kind = forms.TypedChoiceField(label="What the file holds", choices=KIND_CHOICES, coerce=Kind)


class ColumnMappingForm(forms.Form):
    """Which of the file's headers holds each column a file of ``kind`` can carry."""

    def __init__(
        self,
        *args,
        kind: Kind,
        headers: Sequence[str],
        candidates: Mapping[str, Sequence[str]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        options = [(header, header) for header in headers if header.strip()]
        for column in columns_of(kind):
            required = column in REQUIRED[kind]
            label = LABELS[column]
            self.fields[column] = forms.ChoiceField(
                label=f"{label} (required)" if required else label,
                choices=[
                    ("", "— choose a column —" if required else "— not in this file —"),
                    *options,
                ],
                required=required,
                error_messages={"required": f"Choose the column of the file that holds {label}."},
                help_text=(
                    f"Several columns look like this one ({', '.join(candidates[column])}); "
                    "choose the right one."
                    if column in candidates
                    else ""
                ),
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        columns_of_header: dict[str, list[str]] = {}
        for column, header in cleaned.items():
            if header:
                columns_of_header.setdefault(header, []).append(column)
        for header, columns in columns_of_header.items():
            if len(columns) > 1:
                both = " and ".join(LABELS[column] for column in columns)
                for column in columns:
                    self.add_error(
                        column,
                        f"“{header}” is chosen for {both}; a column of the file holds one of "
                        "them only.",
                    )
        return cleaned

    def mapping(self) -> dict[str, str]:
        """Canonical column -> header, for the columns the file has."""
        return {column: header for column, header in self.cleaned_data.items() if header}


class AttendanceCodesForm(forms.Form):
    """What each of ``codes`` means and, for a partial-day absence, the share of the day."""

    def __init__(self, *args, codes: Sequence[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.codes = list(codes)
        for n, code in enumerate(self.codes):
            self.fields[f"code{n}_category"] = forms.TypedChoiceField(
                label=f"What “{code}” means",
                choices=[("", "— choose —"), *AttendanceCategory.choices],
                coerce=lambda value: AttendanceCategory(int(value)),
                error_messages={"required": f"Say what “{code}” means."},
            )
            self.fields[f"code{n}_fraction"] = forms.DecimalField(
                label=f"Share of the day “{code}” misses (optional)",
                required=False,
                min_value=0,
                max_value=1,
                max_digits=3,
                decimal_places=2,
                help_text=(
                    "For a partial-day absence only: 0.5 is half a day. Leave it empty to use "
                    "the district's rule."
                ),
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        for n, code in enumerate(self.codes):
            category = cleaned.get(f"code{n}_category")
            if cleaned.get(f"code{n}_fraction") is not None and category not in (
                None,
                AttendanceCategory.PARTIAL,
            ):
                self.add_error(
                    f"code{n}_fraction",
                    f"Only a partial-day absence misses a share of the day. Leave this empty, "
                    f"or say “{code}” is a partial-day absence.",
                )
        return cleaned

    def groups(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """Each code with its two fields, for the page to group them."""
        return [
            (code, self[f"code{n}_category"], self[f"code{n}_fraction"])
            for n, code in enumerate(self.codes)
        ]

    def definitions(self) -> dict[str, tuple[AttendanceCategory, Decimal | None]]:
        return {
            code: (self.cleaned_data[f"code{n}_category"], self.cleaned_data[f"code{n}_fraction"])
            for n, code in enumerate(self.codes)
        }


YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]


def _escaped(value: object) -> str:
    """What conditional_escape gives, as a plain string: a lazy label made a string, markup
    already safe kept as it is, anything else escaped by the stdlib, without escape()'s lazy
    wrapper and SafeString per call (a list page's menus make ~220 calls)."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attributes(attrs: Mapping[str, object]) -> str:
    """A widget's attributes as Django's attrs.html writes them, in their order: a true one
    bare, a false one left out."""
    return "".join(
        f" {_escaped(name)}" if value is True else f' {_escaped(name)}="{_escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class SelectWithoutTemplates(forms.Select):
    """Django's <select>, the same markup (its name, id and other attributes, option groups,
    the chosen option `selected`, chosen as ChoiceWidget.optgroups chooses it), built here
    rather than by its templates: those render a template per option and one per option's
    attributes, and the tiered list's filter menus spent more time in them than in the rest of
    the page's markup. Each option written straight from the choices, escaped as format_html
    would, without format_html's call or optgroups' dictionary per option: 61 options took
    0.96 ms that way, 0.19 ms this way (the list has 88)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        chosen = self.format_value(value)
        has_selected = False
        parts = [f'<select name="{_escaped(name)}"{_attributes(attrs)}>']
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):
                group, options = option_value, option_label
            else:
                group, options = (
                    None,
                    [("" if option_value is None else option_value, option_label)],
                )
            if group:
                parts.append(f'<optgroup label="{_escaped(group)}">')
            for sub_value, sub_label in options:
                selected = (not has_selected or self.allow_multiple_selected) and str(
                    sub_value
                ) in chosen
                has_selected |= selected
                parts.append(
                    f'<option value="{_escaped(sub_value)}"'
                    f"{' selected' if selected else ''}>{_escaped(sub_label)}</option>"
                )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every value escaped, constant tags


class TieredListForm(forms.Form):
    """The tiered list's filters, read from the URL so a filtered list can be shared."""

    q = forms.CharField(label="Name or student ID", required=False, max_length=100)
    # Its menus are SelectWithoutTemplates from the start: swapped in per request, each menu's
    # choices were normalized once more for nothing.
    band = forms.ChoiceField(label="Band", required=False, widget=SelectWithoutTemplates)
    grade = forms.TypedChoiceField(
        label="Grade",
        required=False,
        coerce=int,
        empty_value=None,
        widget=SelectWithoutTemplates,
    )
    change = forms.ChoiceField(
        label="Since the previous snapshot", required=False, widget=SelectWithoutTemplates
    )
    enrollment = forms.ChoiceField(
        label="Enrollment", required=False, widget=SelectWithoutTemplates
    )
    disability = forms.ChoiceField(
        label="Students with disabilities",
        choices=YES_NO,
        required=False,
        widget=SelectWithoutTemplates,
    )
    english_learner = forms.ChoiceField(
        label="English learners", choices=YES_NO, required=False, widget=SelectWithoutTemplates
    )
    low_income = forms.ChoiceField(
        label="Low income", choices=YES_NO, required=False, widget=SelectWithoutTemplates
    )
    race_ethnicity = forms.ChoiceField(
        label="Race/ethnicity", required=False, widget=SelectWithoutTemplates
    )
    gender = forms.ChoiceField(label="Gender", required=False, widget=SelectWithoutTemplates)
    zip_code = forms.ChoiceField(label="ZIP code", required=False, widget=SelectWithoutTemplates)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        widget=SelectWithoutTemplates,
        choices=[
            ("percent", "Percent missed, most first"),
            ("percent_asc", "Percent missed, fewest first"),
            ("days", "Days absent, most first"),
            ("name", "Name"),
        ],
    )

    def __init__(self, data, *, options, bands, changes, enrollments):
        super().__init__(data)
        any_ = [("", "Any")]
        self.fields["enrollment"].choices = [*any_, *enrollments]
        self.fields["band"].choices = [*any_, *bands]
        self.fields["grade"].choices = [*any_, *options.grades]
        self.fields["change"].choices = [*any_, *changes]
        self.fields["gender"].choices = [*any_, *((v, v) for v in options.genders)]
        self.fields["race_ethnicity"].choices = [*any_, *((v, v) for v in options.races)]
        self.fields["zip_code"].choices = [*any_, *((v, v) for v in options.zip_codes)]
        # The filters the apps above tiering register (list_columns.py), before the sort.
        for list_filter in list_columns.filters():
            self.fields[list_filter.name] = list_filter.field()
        self.order_fields([name for name in self.fields if name != "sort"])
        # The other apps' menus too, without a template per option.
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = SelectWithoutTemplates(
                    attrs=field.widget.attrs, choices=field.widget.choices
                )
                field.widget.is_required = field.required

    def filters(self) -> dict:
        """The cleaned filters of tiering's own list (reports.ListFilters)."""
        return self._cleaned(self.base_fields)

    def extension_filters(self) -> dict:
        """The cleaned values of the filters registered by other apps."""
        return self._cleaned(f.name for f in list_columns.filters())

    def _cleaned(self, names) -> dict:
        """A value that is not among the choices (an old shared link) is dropped rather than
        failing the page."""
        cleaned = {}
        for name in names:
            field = self.fields[name]
            raw = self.data.get(name, "")
            try:
                value = field.clean(raw)
            except forms.ValidationError:
                continue
            if name in ("disability", "english_learner", "low_income"):
                value = {"yes": True, "no": False}.get(value)
            cleaned[name] = value
        return cleaned


# What the rules page offers for a rule set added beside the district's own: the second one is
# usually a state accountability definition, and those often rate a student from 31 days
# enrolled (the district's own starts from its onboarding minimum, DEFAULT_MINIMUM_DAYS_ENROLLED).
SECOND_RULE_SET_MINIMUM_DAYS = 31


class RuleSetForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    minimum_days_enrolled = forms.IntegerField(
        label="Minimum days enrolled to be rated",
        min_value=1,
        max_value=180,
        help_text="Students enrolled fewer days are listed as not yet rated (10 by default; "
        "state definitions often use 31 or 45).",
    )
    count_in_school_suspension = forms.BooleanField(
        label="Count a day of in-school suspension as a day absent", required=False
    )
    partial_day_fraction = forms.DecimalField(
        label="Share of a day a partial-day absence counts for",
        min_value=0,
        max_value=1,
        max_digits=3,
        decimal_places=2,
        help_text="0.5 is half a day; a code can say its own share.",
    )


class AttendanceCodeForm(forms.Form):
    code = forms.CharField(label="Code as it appears in the SIS export", max_length=64)
    category = forms.TypedChoiceField(
        label="What it means",
        choices=[("", "— choose —"), *AttendanceCategory.choices],
        coerce=lambda value: AttendanceCategory(int(value)),
    )
    absent_fraction = forms.DecimalField(
        label="Share of the day missed (partial-day absences only)",
        required=False,
        min_value=0,
        max_value=1,
        max_digits=3,
        decimal_places=2,
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("absent_fraction") is not None and cleaned.get("category") not in (
            None,
            AttendanceCategory.PARTIAL,
        ):
            self.add_error(
                "absent_fraction",
                "Only a partial-day absence misses a share of the day. Leave this empty.",
            )
        return cleaned


class RecomputeScheduleForm(forms.Form):
    anchor = forms.DateField(
        label="Cycles count from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="A day a recompute falls on, such as the first day of school.",
    )
    interval_days = forms.IntegerField(
        label="Days between recomputes",
        min_value=1,
        max_value=90,
        help_text="14 recomputes every other week.",
    )
