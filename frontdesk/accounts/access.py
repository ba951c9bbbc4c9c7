"""How patient-facing views reach the portal: live section switches and the signed-in patient.

`patient_view` is the one gate for portal pages: the portal must be on (404 otherwise), the
visitor signed in (redirect to sign-in) and a patient's portal user (404 otherwise). It puts the
patient on `request.patient`; views reach everything else from there through the apps' access
functions.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from constance import config
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

SWITCHES = (
    "ENABLE_PATIENT_PORTAL",
    "PATIENT_APP_MY_HEALTH",
    "PATIENT_APP_CONSENTS",
    "PATIENT_APP_APPOINTMENTS",
    "ALLOW_PATIENT_DOCUMENT_UPLOADS",
    "LINK_PORTAL_USERS_BY_EMAIL_ONLY",
    "PATIENT_APP_BANNER",
    "CLINIC_NAME",
    "STRUCTURED_REASON_FOR_VISIT",
    "JOIN_MINUTES_BEFORE",
)


def live_settings(request: HttpRequest | None = None) -> dict[str, Any]:
    """Return the portal's live settings, read in one query and kept for the request."""
    cached = getattr(request, "_frontdesk_live", None) if request is not None else None
    if cached is not None:
        return cached
    stored = config._backend.mget(SWITCHES)
    values = {name: stored.get(name, settings.CONSTANCE_CONFIG[name][0]) for name in SWITCHES}
    if request is not None:
        request._frontdesk_live = values  # type: ignore[attr-defined]
    return values


def portal_enabled(request: HttpRequest) -> bool:
    return bool(live_settings(request)["ENABLE_PATIENT_PORTAL"])


def require_portal(request: HttpRequest) -> None:
    """Raise Http404 when the portal is switched off."""
    if not portal_enabled(request):
        raise Http404("The patient portal is not enabled.")


def patient_view(
    section: str | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a portal view: portal (and `section`, a live switch name) on, patient signed in."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require_portal(request)
            if section is not None and not live_settings(request)[section]:
                raise Http404("This part of the portal is not enabled.")
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            patient = getattr(user, "patient", None)
            if patient is None or not patient.active:
                raise Http404("No patient record belongs to this account.")
            request.patient = patient  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
