"""Helpers shared by the accounts and portal tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail

from frontdesk.audit.models import AuditEntry

_LINK = re.compile(r"http://testserver(/accounts/(?:activate|password/reset)/[^/\s]+/)")
_CSRF = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')


def link_in(text: str) -> str:
    """Return the path of the single invite or reset link in a message body."""
    [path] = _LINK.findall(text)
    return path


def last_email_link(to: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [to]][-1:]
    return link_in(message.body)


def actions(**filters: Any) -> list[str]:
    """The audit trail's actions, oldest first."""
    return list(AuditEntry.objects.filter(**filters).order_by("id").values_list("action", flat=True))


def page_text(response: Any) -> str:
    """The page without its per-request CSRF tokens, so two responses can be compared."""
    return _CSRF.sub(r"\1…", response.content.decode())


def form_errors(response: Any) -> dict[str, list[str]]:
    form = response.context["form"]
    return {key: list(value) for key, value in form.errors.items()}
