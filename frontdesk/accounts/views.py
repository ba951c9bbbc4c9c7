"""Signed-out pages: sign in, sign out, activate an invite, forgot and reset password."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from frontdesk.accounts import services
from frontdesk.accounts.access import live_settings, require_portal
from frontdesk.accounts.forms import ForgotPasswordForm, LoginForm, NewPasswordForm, apply_errors
from frontdesk.accounts.middleware import AUTH_AT, SEEN_AT
from frontdesk.accounts.models import AccountToken, CanvasUser
from frontdesk.lib.sanitize import sanitize_html


def _start_session(request: HttpRequest, user: CanvasUser) -> None:
    login(request, user, backend="frontdesk.accounts.backends.IdentifierBackend")
    request.session[AUTH_AT] = request.session[SEEN_AT] = time.time()


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    require_portal(request)
    if request.user.is_authenticated and hasattr(request.user, "patient"):
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in(
                request=request,
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
            )
        except (services.InvalidLogin, services.LoginThrottled) as exc:
            form.add_error(None, str(exc))
            status = 429 if isinstance(exc, services.LoginThrottled) else 200
        else:
            _start_session(request, user)
            return redirect(_next_url(request))
    banner = sanitize_html(str(live_settings(request)["PATIENT_APP_BANNER"] or ""))
    context = {"form": form, "banner": mark_safe(banner), "next": request.GET.get("next", "")}  # noqa: S308 (sanitised above)
    return render(request, "accounts/login.html", context, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You are signed out.")
    return redirect("accounts:login")


def _token_page(request: HttpRequest, raw_token: str, purpose: str) -> HttpResponse:
    require_portal(request)
    try:
        services.check_token(raw_token=raw_token, purpose=purpose)
    except services.TokenError as exc:
        return render(
            request,
            "accounts/link_error.html",
            {"message": str(exc), "purpose": purpose},
            status=400,
        )
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if purpose == AccountToken.Purpose.INVITE:
                user = services.activate_account(raw_token=raw_token, password=form.cleaned_data["password"])
                note = "Your account is active. Welcome!"
            else:
                user = services.reset_password(raw_token=raw_token, password=form.cleaned_data["password"])
                note = "Your password is changed. You are signed in."
        except services.TokenError as exc:
            return render(
                request,
                "accounts/link_error.html",
                {"message": str(exc), "purpose": purpose},
                status=400,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            _start_session(request, user)
            messages.success(request, note)
            return redirect("portal:home")
    template = "accounts/activate.html" if purpose == AccountToken.Purpose.INVITE else "accounts/reset.html"
    return render(request, template, {"form": form}, status=200 if not form.errors else 400)


@never_cache
@sensitive_post_parameters("password", "password_again")
def activate_view(request: HttpRequest, token: str) -> HttpResponse:
    return _token_page(request, token, AccountToken.Purpose.INVITE)


@never_cache
@sensitive_post_parameters("password", "password_again")
def reset_view(request: HttpRequest, token: str) -> HttpResponse:
    return _token_page(request, token, AccountToken.Purpose.PASSWORD_RESET)


@never_cache
def forgot_view(request: HttpRequest) -> HttpResponse:
    require_portal(request)
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(identifier=form.cleaned_data["identifier"])
        return render(request, "accounts/forgot_sent.html")
    return render(request, "accounts/forgot.html", {"form": form})
