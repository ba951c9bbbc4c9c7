"""Django email backend that writes each message to the local outbox (see `lib.outbox`)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from frontdesk.lib.outbox import write_item


class OutboxEmailBackend(BaseEmailBackend):
    """Write every message as an RFC 5322 `.eml` file under OUTBOX_DIR instead of sending it."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            write_item("email", "eml", message.message().as_bytes())
            sent += 1
        return sent
