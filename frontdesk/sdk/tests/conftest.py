"""Fixtures for the SDK tests: the `canvas_sdk`/`logger` aliases, and a contact point of Alice's.

Rows are created with the ORM directly: `frontdesk.sdk` (tests included) may import no
frontdesk services.
"""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.sdk import aliases

aliases.install()


@pytest.fixture
def alice_email(alice: Any) -> Any:
    from frontdesk.sdk.v1.data import PatientContactPoint

    return PatientContactPoint.objects.create(patient=alice, system="email", value="alice@example.com")
