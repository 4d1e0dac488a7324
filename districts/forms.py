from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .models import AuditAction, District


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
