"""Forms for signing in, activating, resetting and changing passwords, and for staff managing a
patient's portal user. Forms parse and show errors; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from frontdesk.accounts.models import AccountToken
from frontdesk.lib.sanitize import disallowed_parts

PASSWORD_HELP = "At least 10 characters; not a common password, not all digits, not like your name or email."  # noqa: S105


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label="Email or mobile phone",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True, "inputmode": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ForgotPasswordForm(forms.Form):
    identifier = forms.CharField(
        label="Email or mobile phone",
        max_length=254,
        help_text="We send a reset link to the email or phone you sign in with.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )


class NewPasswordForm(forms.Form):
    password = forms.CharField(
        label="New password",
        strip=False,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="New password, again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The two passwords are not the same.")
        return data


class ChangePasswordForm(NewPasswordForm):
    current_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current_password", "password", "password_again"]


class VerificationCodeForm(forms.Form):
    code = forms.CharField(
        label="Verification code",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class PortalUserForm(forms.Form):
    """Staff: the login email and/or phone of a patient's portal user."""

    email = forms.CharField(label="Portal email", required=False, max_length=254, widget=forms.EmailInput)
    phone_number = forms.CharField(label="Portal mobile phone", required=False, max_length=32)


class SendForm(forms.Form):
    channel = forms.ChoiceField(
        choices=AccountToken.Channel.choices,
        widget=forms.RadioSelect,
        initial=AccountToken.Channel.EMAIL,
    )


class BannerField(forms.CharField):
    """Live-settings field for PATIENT_APP_BANNER: refuses HTML that sanitising would change."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        problems = disallowed_parts(value or "")
        if problems:
            raise ValidationError(
                "The banner contains %(parts)s, which the login page does not allow. "
                "Use plain formatting (p, strong, em, lists, headings, and a links to http, https, mailto or tel addresses).",
                params={"parts": ", ".join(problems)},
                code="unsafe_html",
            )


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors on fields, others on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, [e for err in errors for e in err.messages])
    else:
        form.add_error(None, error.messages)


class StaffAuthenticationForm(AdminAuthenticationForm):
    """The back office's sign-in form, throttled and audited like the portal's."""

    def clean(self) -> dict[str, Any]:
        from frontdesk.accounts import services

        identifier = (self.cleaned_data.get("username") or "").strip()
        if identifier and self.request is not None:
            try:
                services.check_sign_in_allowed(request=self.request, identifier=identifier)
            except services.LoginThrottled as exc:
                raise ValidationError(str(exc), code="throttled") from None
        try:
            data = super().clean()
        except ValidationError:
            if identifier and self.request is not None:
                services.record_sign_in_failure(request=self.request, identifier=identifier, door="staff")
            raise
        if self.user_cache is not None:
            services.record_sign_in(user=self.user_cache, identifier=identifier, door="staff")
        return data
