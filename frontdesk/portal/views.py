"""Portal pages: landing, My Health, and the account page (password, sessions, contact points).

Each view: `patient_view` gate, read through access functions, write through services, render.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from frontdesk.accounts import services as account_services
from frontdesk.accounts.access import live_settings, patient_view
from frontdesk.accounts.forms import ChangePasswordForm, VerificationCodeForm, apply_errors
from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.services import Actor
from frontdesk.clinic import access as clinic_access
from frontdesk.clinic.services import record_chart_view
from frontdesk.plugins import hooks
from frontdesk.scheduling import access as scheduling_access


def _user(request: HttpRequest) -> CanvasUser:
    return cast(CanvasUser, request.user)  # patient_view guarantees a signed-in CanvasUser


@patient_view()
def home(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    show_appointments = bool(live_settings(request)["PATIENT_APP_APPOINTMENTS"])
    answers = hooks.page_answers(request, patient, widgets=True)
    widgets = [w for w in answers.widgets or [] if w.component != "appointments" or show_appointments]
    wants_appointments = any(w.component == "appointments" for w in widgets)
    upcoming = (
        scheduling_access.upcoming_appointments(patient, now=timezone.now(), limit=5) if wants_appointments else []
    )
    context = {
        "patient": patient,
        "widgets": widgets,
        "upcoming": upcoming,
        "care_team": clinic_access.care_team(patient),
    }
    return render(request, "portal/home.html", context)


@patient_view(section="PATIENT_APP_MY_HEALTH")
def health(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    summary = clinic_access.chart_summary(patient)
    record_chart_view(actor=Actor.for_user(_user(request)), patient=patient, what="summary")
    return render(request, "portal/health.html", {"patient": patient, **summary})


def _account_page(
    request: HttpRequest, *, password_form: ChangePasswordForm | None = None, status: int = 200
) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    now = timezone.now()
    points = [
        {
            "point": cp,
            "pending": account_services.is_code_pending(cp, now),
            "verifiable": cp.system in ("email", "phone"),
        }
        for cp in clinic_access.contact_points(patient)
    ]
    context = {
        "patient": patient,
        "contact_points": points,
        "password_form": password_form or ChangePasswordForm(),
    }
    return render(request, "portal/account.html", context, status=status)


@patient_view()
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@patient_view()  # first: portal off → 404 and signed out → sign in, whatever the method
@require_POST
def change_password(request: HttpRequest) -> HttpResponse:
    form = ChangePasswordForm(request.POST)
    if form.is_valid():
        try:
            user = account_services.change_password(
                user=_user(request),
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            update_session_auth_hash(request, user)  # stay signed in here; other sessions end
            messages.success(request, "Your password is changed. Other devices are signed out.")
            return redirect("portal:account")
    return _account_page(request, password_form=form, status=400)


@patient_view()
@require_POST
def end_sessions(request: HttpRequest) -> HttpResponse:
    account_services.log_out_everywhere(actor=Actor.for_user(_user(request)), user=_user(request))
    messages.success(request, "You are signed out on every device.")
    return redirect("accounts:login")


@patient_view()
@require_POST
def send_code(request: HttpRequest, contact_point_id: str) -> HttpResponse:
    point = clinic_access.contact_point(request.patient, contact_point_id)  # type: ignore[attr-defined]
    try:
        account_services.send_contact_verification(actor=Actor.for_user(_user(request)), contact_point=point)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portal:account")
    messages.success(request, f"We sent a code to {point.value}.")
    return redirect("portal:verify", contact_point_id=point.id)


@patient_view()
def verify(request: HttpRequest, contact_point_id: str) -> HttpResponse:
    point = clinic_access.contact_point(request.patient, contact_point_id)  # type: ignore[attr-defined]
    form = VerificationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.verify_contact_point(
                actor=Actor.for_user(_user(request)),
                contact_point=point,
                code=form.cleaned_data["code"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{point.value} is verified.")
            return redirect("portal:account")
    return render(
        request,
        "portal/verify.html",
        {"point": point, "form": form},
        status=400 if form.errors else 200,
    )
