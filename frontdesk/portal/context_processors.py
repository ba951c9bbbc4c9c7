"""Template context for the portal shell: the clinic's name, the navigation for the sections that
are switched on (in the order a menu plugin gives, if any) and a plugin theme. Lazy, so pages that
never use it (the back office) never query for it or ask plugins."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from frontdesk.accounts.access import live_settings
from frontdesk.plugins import hooks

# Built-in sections: (menu item name a plugin may list, url name, label, live switch).
SECTIONS = (
    ("appointments", "portal:appointments", "Appointments", "PATIENT_APP_APPOINTMENTS"),
    ("my_health", "portal:health", "My Health", "PATIENT_APP_MY_HEALTH"),
)


def _answers(request: HttpRequest) -> hooks.PageAnswers | None:
    patient = getattr(request, "patient", None)
    return hooks.page_answers(request, patient) if patient is not None else None


def _navigation(request: HttpRequest) -> list[dict[str, Any]]:
    switches = live_settings(request)
    answers = _answers(request)
    order = answers.menu_items if answers is not None and answers.menu_items is not None else [s[0] for s in SECTIONS]
    by_item = {s[0]: s for s in SECTIONS}
    entries = [("portal:home", "Home")]
    entries += [(by_item[i][1], by_item[i][2]) for i in order if i in by_item and switches[by_item[i][3]]]
    entries.append(("portal:account", "Account"))
    items = []
    for name, label in entries:
        url = reverse(name)
        # A section's pages (/appointments/book/) keep its item current; Home is current only at /.
        current = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"url": url, "label": label, "current": current})
    return items


def _theme(request: HttpRequest) -> dict[str, Any]:
    answers = _answers(request)
    return answers.theme if answers is not None else {}


def portal(request: HttpRequest) -> dict[str, Any]:
    return {
        "portal_nav": SimpleLazyObject(lambda: _navigation(request)),
        "portal_theme": SimpleLazyObject(lambda: _theme(request)),
        "clinic_name": SimpleLazyObject(lambda: str(live_settings(request)["CLINIC_NAME"])),
    }
