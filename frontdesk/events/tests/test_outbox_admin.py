"""Dana watches the outbox in the back office: many events in a fixed number of queries, filters
for failed and pending ones, and a retry action that re-queues failed events only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission

from frontdesk.accounts.models import CanvasUser
from frontdesk.events.models import OutboxEvent
from frontdesk.events.tests.conftest import T0, make_events

pytestmark = pytest.mark.django_db


def listed(response: Any) -> list[OutboxEvent]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_it_lists_many_events_in_a_fixed_number_of_queries(
    dana_client: Any, django_assert_max_num_queries: Any
) -> None:
    make_events(25)

    with django_assert_max_num_queries(12):
        response = dana_client.get("/admin/events/outboxevent/")

    assert len(listed(response)) == 25


def test_it_filters_failed_and_pending_events_and_finds_a_target(dana_client: Any) -> None:
    pending, done, failed = make_events(3)
    OutboxEvent.objects.filter(pk=done.pk).update(processed_at=T0)
    OutboxEvent.objects.filter(pk=failed.pk).update(processed_at=T0, failed=True, attempts=10)

    assert listed(dana_client.get("/admin/events/outboxevent/", {"failed__exact": "1"})) == [failed]
    assert listed(dana_client.get("/admin/events/outboxevent/", {"processed_at__isempty": "1"})) == [pending]
    assert listed(dana_client.get("/admin/events/outboxevent/", {"q": done.target_id})) == [done]


def test_it_requeues_only_failed_events(dana_client: Any) -> None:
    done, failed = make_events(2)
    OutboxEvent.objects.filter(pk=done.pk).update(processed_at=T0)
    OutboxEvent.objects.filter(pk=failed.pk).update(
        processed_at=T0, failed=True, attempts=10, claim_token="abc", claimed_at=T0, delivered_to=["plugins"]
    )

    response = dana_client.post(
        "/admin/events/outboxevent/", {"action": "retry", "_selected_action": [done.pk, failed.pk]}
    )

    assert response.status_code == 302
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.failed, failed.processed_at, failed.attempts, failed.claimed_at) == (False, None, 0, None)
    assert failed.delivered_to == ["plugins"]  # consumers that succeeded are not run again
    assert done.processed_at == T0


def test_it_never_lets_staff_add_edit_or_delete_events(dana_client: Any) -> None:
    [event] = make_events(1)
    change = f"/admin/events/outboxevent/{event.pk}/change/"

    assert dana_client.get(change).status_code == 200
    assert dana_client.post(change, {"name": "STAFF_CREATED"}).status_code == 403
    assert dana_client.get("/admin/events/outboxevent/add/").status_code == 403
    assert dana_client.get(f"/admin/events/outboxevent/{event.pk}/delete/").status_code == 403
    event.refresh_from_db()
    assert event.name == "PATIENT_UPDATED"


def test_it_shows_the_outbox_only_to_staff_allowed_to_see_it(client: Any) -> None:
    [event] = make_events(1)
    OutboxEvent.objects.filter(pk=event.pk).update(processed_at=T0, failed=True)
    clerk = CanvasUser.objects.create_user(email="clerk@example.com", password="x", is_staff=True)
    client.force_login(clerk, backend="frontdesk.accounts.backends.IdentifierBackend")

    assert client.get("/admin/events/outboxevent/").status_code == 403
    assert client.get(f"/admin/events/outboxevent/{event.pk}/change/").status_code == 403
    client.post("/admin/events/outboxevent/", {"action": "retry", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.failed


def test_it_lets_staff_with_view_permission_read_but_not_retry(client: Any) -> None:
    [event] = make_events(1)
    OutboxEvent.objects.filter(pk=event.pk).update(processed_at=T0, failed=True)
    reader = CanvasUser.objects.create_user(email="reader@example.com", password="x", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_outboxevent"))
    client.force_login(reader, backend="frontdesk.accounts.backends.IdentifierBackend")

    assert client.get("/admin/events/outboxevent/").status_code == 200
    client.post("/admin/events/outboxevent/", {"action": "retry", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.failed
