"""Template context for the portal shell: the clinic's name and the navigation for the sections
that are switched on. Lazy, so pages that never use it (the back office) never query for it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from frontdesk.accounts.access import live_settings

NAV = (
    ("portal:home", "Home", None),
    ("portal:health", "My Health", "PATIENT_APP_MY_HEALTH"),
    ("portal:account", "Account", None),
)


def _navigation(request: HttpRequest) -> list[dict[str, Any]]:
    switches = live_settings(request)
    items = []
    for name, label, switch in NAV:
        if switch is None or switches[switch]:
            url = reverse(name)
            items.append({"url": url, "label": label, "current": request.path == url})
    return items


def portal(request: HttpRequest) -> dict[str, Any]:
    return {
        "portal_nav": SimpleLazyObject(lambda: _navigation(request)),
        "clinic_name": SimpleLazyObject(lambda: str(live_settings(request)["CLINIC_NAME"])),
    }
