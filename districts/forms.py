from datetime import date, timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .affiliations import Affiliation
from .api_tokens import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS
from .models import ApiTokenKind, AuditAction, District
from .roles import SCHOOL_ROLES, Role


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That email address and password don't match an account. Check both for typos, "
            "or use “Forgot your password?” to choose a new one."
        ),
        "inactive": "This account has been deactivated. Ask your district administrator.",
    }


class AuditFilterForm(forms.Form):
    who = forms.CharField(label="Person (email contains)", required=False, max_length=200)
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any"), *AuditAction.choices]
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    student = forms.IntegerField(label="Student record number", required=False, min_value=1)


class NotificationEmailForm(forms.Form):
    email = forms.BooleanField(
        required=False, label="Also send my notifications to my email address"
    )


class CodeForm(forms.Form):
    """A code from the authenticator app, or a backup code."""

    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code your authenticator app shows, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your app",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class DistrictSecurityForm(forms.Form):
    require_admin_two_factor = forms.BooleanField(
        required=False,
        label=District._meta.get_field("require_admin_two_factor").verbose_name.capitalize(),
        help_text="Administrators who have not set it up are asked to before they can open any "
        "page of the district. Other roles may turn it on for themselves.",
    )


SCHOOLS_HELP = "Principals and school attendance team members see only these schools."


class _RoleWithSchools(forms.Form):
    """A role and its schools, which a school role needs and any other role has none of."""

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role in SCHOOL_ROLES and not cleaned.get("schools"):
            self.add_error("schools", f"Tick the schools this {Role(role).label.lower()} serves.")
        elif role:
            # The form lists the schools whatever the role; only school roles keep those ticked.
            cleaned["schools"] = cleaned.get("schools") if role in SCHOOL_ROLES else []
        return cleaned


class PersonInviteForm(_RoleWithSchools):
    email = forms.EmailField(label="Their email address")
    full_name = forms.CharField(max_length=200, label="Their name", required=False)
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    schools = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Schools",
        help_text=SCHOOLS_HELP,
    )

    def __init__(self, *args, schools, affiliations: dict[Role, Affiliation], user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = schools
        self.affiliation_fields = {}
        for role, affiliation in affiliations.items():
            name = f"affiliation_{role.value}"
            self.fields[name] = forms.ModelChoiceField(
                queryset=affiliation.choices(user),
                required=False,
                empty_label=f"Choose for {role.label.lower()}",
                label=affiliation.label,
                help_text=f"For {role.label.lower()}: whom they work for.",
            )
            self.affiliation_fields[role] = name

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        for other, name in self.affiliation_fields.items():
            if role == other and not cleaned.get(name):
                self.add_error(name, f"Choose whom this {other.label.lower()} works for.")
        return cleaned

    @property
    def affiliated_with(self):
        name = self.affiliation_fields.get(self.cleaned_data["role"])
        return self.cleaned_data.get(name) if name else None


class MembershipChangeForm(_RoleWithSchools):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    schools = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Schools",
        help_text=SCHOOLS_HELP + " Leave them all unticked for a role that covers the district.",
    )

    def __init__(self, *args, schools, roles: list[Role], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        self.fields["schools"].queryset = schools


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What it is for, such as “Dashboard refresh” or “SIS nightly export”.",
    )
    expires_on = forms.DateField(
        label="Works until (the end of)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"{DEFAULT_LIFETIME_DAYS} days unless you choose otherwise; at most a year.",
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=ApiTokenKind.choices,
        initial=ApiTokenKind.PERSONAL,
        widget=forms.RadioSelect,
        help_text=(
            "A personal token acts as you, with your role and schools. An integration token "
            "belongs to no person and may only import attendance."
        ),
    )

    def __init__(self, *args, today: date, integration: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["expires_on"].initial = today + timedelta(days=DEFAULT_LIFETIME_DAYS)
        self.fields["expires_on"].widget.attrs.update(
            min=(today + timedelta(days=1)).isoformat(), max=self.last_day().isoformat()
        )
        if not integration:
            del self.fields["kind"]

    def last_day(self) -> date:
        return self.today + timedelta(days=MAX_LIFETIME_DAYS - 1)

    def clean_expires_on(self) -> date:
        day = self.cleaned_data["expires_on"]
        if day <= self.today:
            raise forms.ValidationError("Choose a day after today.")
        if day > self.last_day():
            raise forms.ValidationError(
                f"A token works for at most a year: choose {self.last_day():%B %-d, %Y} or sooner."
            )
        return day
