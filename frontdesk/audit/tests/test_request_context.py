"""Audit entries written during a request carry the client's address and a request id; the
X-Forwarded-For header counts only when frontdesk is told it sits behind that many proxies."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor, record

pytestmark = pytest.mark.django_db


def viewed_from(client: Any, patient: Any, **headers: str) -> AuditEntry:
    client.get(f"/admin/clinic/patient/{patient.dbid}/change/", **headers)
    return AuditEntry.objects.filter(action="chart.viewed").latest("id")


def test_it_ignores_forwarded_for_without_a_trusted_proxy(dana_client: Any, alice: Any, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 0

    entry = viewed_from(dana_client, alice, HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.2")

    assert entry.ip_address == "10.0.0.2"


def test_it_takes_the_address_the_trusted_proxy_saw(dana_client: Any, alice: Any, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    entry = viewed_from(dana_client, alice, HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.9", REMOTE_ADDR="10.0.0.2")

    assert entry.ip_address == "203.0.113.9"


def test_it_leaves_address_and_request_id_empty_outside_a_request(alice: Any) -> None:
    entry = record(actor=Actor.system("tests"), action="patient.exported", patient_key=alice.id)

    assert (entry.ip_address, entry.request_id) == (None, "")
    assert entry.actor_user_dbid is None
    assert entry.actor_kind == AuditEntry.ActorKind.SYSTEM


@pytest.mark.parametrize("forwarded", ["203.0.113.9:4711", "unknown", "_hidden"])
def test_it_still_audits_when_the_proxy_sends_something_that_is_not_an_address(
    dana_client: Any, alice: Any, settings: Any, forwarded: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    response = dana_client.get(
        f"/admin/clinic/patient/{alice.dbid}/change/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2"
    )

    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="chart.viewed").latest("id")
    assert entry.ip_address is None
