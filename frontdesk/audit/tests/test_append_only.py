"""The audit trail is append-only in the database itself: an entry cannot be rewritten (every
backend) or erased (PostgreSQL; on SQLite test teardown must delete rows, so there the read-only
back office is the guard), and the back office offers neither."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(alice: Any) -> AuditEntry:
    return record(actor=Actor.system("tests"), action="chart.viewed", patient_key=alice.id, target=alice)


def test_it_refuses_to_save_changes_to_an_entry(entry: AuditEntry) -> None:
    entry.actor_label = "someone else"

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()

    assert AuditEntry.objects.get(pk=entry.pk).actor_label == "system:tests"


def test_it_refuses_a_bulk_update(entry: AuditEntry) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.update(action="nothing.happened")

    assert AuditEntry.objects.get(pk=entry.pk).action == "chart.viewed"


def test_it_refuses_to_delete_an_entry_on_postgresql(entry: AuditEntry) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps deletes possible for test teardown (see migration 0002)")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_it_still_appends_new_entries(entry: AuditEntry) -> None:
    second = record(actor=Actor.system("tests"), action="chart.viewed", patient_key=entry.patient_key)

    assert list(AuditEntry.objects.filter(action="chart.viewed")) == [second, entry]


def test_it_shows_entries_read_only_in_the_back_office(dana_client: Any, entry: AuditEntry) -> None:
    change_url = f"/admin/audit/auditentry/{entry.pk}/change/"

    page = dana_client.get(change_url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert dana_client.post(change_url, {"action": "rewritten"}).status_code == 403
    assert dana_client.get("/admin/audit/auditentry/add/").status_code == 403
    assert dana_client.get(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    entry.refresh_from_db()
    assert entry.action == "chart.viewed"
