from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .models import AuditAction


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
