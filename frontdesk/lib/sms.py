"""Sending SMS: a small backend interface, chosen by `settings.SMS_BACKEND`.

- `OutboxSmsBackend` (default) writes each message to the local outbox.
- `TwilioSmsBackend` sends through Twilio's Messages REST API.
- `MemorySmsBackend` keeps messages in `MemorySmsBackend.sent` for tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from frontdesk.lib import http
from frontdesk.lib.outbox import write_item


class SmsError(Exception):
    """The provider refused or could not take the message."""


@dataclass(frozen=True)
class Sms:
    to: str  # E.164
    body: str


class BaseSmsBackend:
    def send(self, message: Sms) -> str:
        """Send one message; return the provider's message id. Raises SmsError."""
        raise NotImplementedError


class OutboxSmsBackend(BaseSmsBackend):
    def send(self, message: Sms) -> str:
        path = write_item("sms", "json", json.dumps({"to": message.to, "body": message.body}).encode())
        return path.name


class MemorySmsBackend(BaseSmsBackend):
    sent: ClassVar[list[Sms]] = []

    def send(self, message: Sms) -> str:
        self.sent.append(message)
        return f"memory-{len(self.sent)}"


class TwilioSmsBackend(BaseSmsBackend):
    API = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"

    def __init__(self) -> None:
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER):
            raise ImproperlyConfigured(
                "TwilioSmsBackend needs FRONTDESK_TWILIO_ACCOUNT_SID, FRONTDESK_TWILIO_AUTH_TOKEN "
                "and FRONTDESK_TWILIO_FROM_NUMBER"
            )

    def send(self, message: Sms) -> str:
        response = http.post_form(
            self.API.format(sid=settings.TWILIO_ACCOUNT_SID),
            {"To": message.to, "From": settings.TWILIO_FROM_NUMBER, "Body": message.body},
            auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN),
        )
        if response.status >= 300:
            raise SmsError(f"Twilio answered {response.status}: {response.text[:200]}")
        return str(response.json().get("sid", ""))


def get_backend() -> BaseSmsBackend:
    backend_class = import_string(settings.SMS_BACKEND)
    return backend_class()


def send_sms(*, to: str, body: str) -> str:
    """Send `body` to the E.164 number `to` through the configured backend; return its id."""
    return get_backend().send(Sms(to=to, body=body))
