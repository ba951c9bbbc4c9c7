"""Back office for users and the local outbox page (every email and SMS frontdesk sent)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from frontdesk.accounts import services
from frontdesk.accounts.forms import StaffAuthenticationForm
from frontdesk.accounts.models import AccountToken, CanvasUser
from frontdesk.audit.admin import ReadOnlyAdmin, actor_for
from frontdesk.audit.services import record
from frontdesk.lib import outbox

admin.site.login_form = StaffAuthenticationForm


class LoginNameFields:
    """Normalise the login names (lower-case email, E.164 phone) before the model's checks run,
    so "Kim@Example.com" or "(617) 555-0150" are saved, not refused with a database constraint."""

    cleaned_data: dict[str, Any]

    def _login_name(self, field: str, normalize: Any) -> str | None:
        try:
            return normalize(self.cleaned_data.get(field), field=field)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict[field]) from None

    def clean_email(self) -> str | None:
        return self._login_name("email", services.normalize_email)

    def clean_phone_number(self) -> str | None:
        return self._login_name("phone_number", services.normalize_phone_field)


class UserChangeForm(LoginNameFields, auth_forms.UserChangeForm):
    class Meta:
        model = CanvasUser
        fields = "__all__"


class UserCreationForm(LoginNameFields, forms.ModelForm):
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = CanvasUser
        fields = ("email", "phone_number", "is_staff")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords are not the same.")
        elif data.get("password1"):
            try:
                validate_password(data["password1"], self.instance)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def save(self, commit: bool = True) -> CanvasUser:
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        return user


@admin.register(CanvasUser)
class CanvasUserAdmin(UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = (
        "__str__",
        "phone_number",
        "is_staff",
        "is_portal_registered",
        "last_login",
        "is_active",
    )
    list_filter = (
        "is_staff",
        "is_superuser",
        "is_active",
        "is_portal_registered",
        "is_demo",
        "groups",
    )
    search_fields = ("email", "phone_number")
    ordering = ("email",)
    readonly_fields = (
        "last_login",
        "date_joined",
        "portal_activated_at",
        "last_invite_date_time",
        "is_portal_registered",
    )
    fieldsets = (
        (None, {"fields": ("email", "phone_number", "password")}),
        (
            "Portal",
            {"fields": ("is_portal_registered", "portal_activated_at", "last_invite_date_time")},
        ),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "phone_number", "is_staff", "password1", "password2"),
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: CanvasUser, form: Any, change: bool) -> None:
        services.save_user(actor=actor_for(request), user=obj, changed=list(form.changed_data))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # Django's own page saves the new password; audit it in the same transaction.
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                if user is not None:
                    record(actor=actor_for(request), action="user.password_set_by_staff", target=user)
        return response


@admin.register(AccountToken)
class AccountTokenAdmin(ReadOnlyAdmin):
    list_display = (
        "user",
        "purpose",
        "channel",
        "created_at",
        "expires_at",
        "used_at",
        "revoked_at",
    )
    list_filter = ("purpose", "channel")
    search_fields = ("user__email", "user__phone_number")
    exclude = ("digest",)


def outbox_view(request: HttpRequest) -> HttpResponse:
    """Staff page listing every email and SMS written to the local outbox, newest first."""
    context = {
        **admin.site.each_context(request),
        "title": "Outbox",
        "items": outbox.list_items(),
        "outbox_dir": outbox.outbox_dir(),
    }
    return TemplateResponse(request, "accounts/admin/outbox.html", context)


def outbox_item_view(request: HttpRequest, name: str) -> HttpResponse:
    try:
        item = outbox.get_item(name)
    except (OSError, ValueError, KeyError):  # missing, unreadable, or not an outbox message
        raise Http404("No such message.") from None
    context = {
        **admin.site.each_context(request),
        "title": item.subject or f"SMS to {item.to}",
        "item": item,
    }
    return TemplateResponse(request, "accounts/admin/outbox_item.html", context)
