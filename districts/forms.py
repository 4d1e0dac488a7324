from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That email address and password don't match an account. Check both for typos, "
            "or use “Forgot your password?” to choose a new one."
        ),
        "inactive": "This account has been deactivated. Ask your district administrator.",
    }


class NotificationEmailForm(forms.Form):
    email = forms.BooleanField(
        required=False, label="Also send my notifications to my email address"
    )
