"""Fixtures for the accounts tests: a patient the clinic has linked but not yet invited."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import make_patient
from frontdesk.accounts import services
from frontdesk.audit.services import Actor


@pytest.fixture
def staff(dana: Any) -> Actor:
    return Actor.for_user(dana)


@pytest.fixture
def erin(db: Any, staff: Actor) -> Any:
    """A patient whose portal user staff linked (email and phone) and who has not activated it."""
    patient = make_patient("Erin", "Evans")
    services.link_portal_user(actor=staff, patient=patient, email="erin@example.com", phone_number="(617) 555-0102")
    patient.refresh_from_db()
    return patient


@pytest.fixture
def deliver(django_capture_on_commit_callbacks: Any) -> Any:
    """`with deliver(): ...` sends the email and SMS queued inside the block when it ends.

    Messages are queued on commit, and a test's transaction never commits.
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)
