"""Shared test fixtures: personas and a quiet, fast, isolated environment.

Personas (CONVENTIONS.md): Alice (a patient with an active portal account), Charlie (another
patient with one), Dana (staff). Outbound email goes to `mail.outbox`, SMS to
`MemorySmsBackend.sent`, background tasks run immediately, and the file outbox lives in a
temporary directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> Iterator[None]:
    from frontdesk.lib.sms import MemorySmsBackend
    from frontdesk.plugins import registry

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "frontdesk.lib.sms.MemorySmsBackend"
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.BASE_URL = "http://testserver"
    # Each test has its own plugin files; no runner listens unless a test starts one.
    settings.PLUGINS_DIR = tmp_path / "plugins"
    settings.PLUGIN_RUNNER_SOCKET = tmp_path / "no-runner.sock"
    MemorySmsBackend.sent.clear()
    registry.forget()
    yield
    registry.forget()
    MemorySmsBackend.sent.clear()


@pytest.fixture
def sms_outbox() -> list[Any]:
    from frontdesk.lib.sms import MemorySmsBackend

    return MemorySmsBackend.sent


def make_patient(
    first: str,
    last: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    registered: bool = True,
    **fields: Any,
) -> Any:
    """Create a patient (through the service) with a portal user that has PASSWORD."""
    from frontdesk.accounts.models import CanvasUser
    from frontdesk.audit.services import Actor
    from frontdesk.clinic.services import create_patient

    patient = create_patient(
        actor=Actor.system("tests"),
        first_name=first,
        last_name=last,
        birth_date=fields.pop("birth_date", date(1985, 4, 12)),
        **fields,
    )
    if email or phone:
        user = CanvasUser.objects.create_user(
            email=email, password=PASSWORD, phone_number=phone, is_portal_registered=registered
        )
        patient.user = user
        patient.save(update_fields=["user"])
    return patient


@pytest.fixture
def alice(db: Any) -> Any:
    return make_patient("Alice", "Anders", email="alice@example.com", phone="+16175550101")


@pytest.fixture
def charlie(db: Any) -> Any:
    return make_patient("Charlie", "Chen", email="charlie@example.com", phone="+16175550103")


@pytest.fixture
def dana(db: Any) -> Any:
    from frontdesk.accounts.models import CanvasUser

    return CanvasUser.objects.create_superuser(email="dana@example.com", password=PASSWORD)


@pytest.fixture
def alice_client(client: Any, alice: Any) -> Any:
    client.force_login(alice.user, backend="frontdesk.accounts.backends.IdentifierBackend")
    return client


@pytest.fixture
def charlie_client(client: Any, charlie: Any) -> Any:
    client.force_login(charlie.user, backend="frontdesk.accounts.backends.IdentifierBackend")
    return client


@pytest.fixture
def dana_client(client: Any, dana: Any) -> Any:
    client.force_login(dana, backend="frontdesk.accounts.backends.IdentifierBackend")
    return client
