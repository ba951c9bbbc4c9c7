"""Conditional update (reference §0): If-Unmodified-Since → 412 when the resource changed after that
date; reads give `meta.lastUpdated` and `Last-Modified` to send back."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from frontdesk.audit.services import Actor
from frontdesk.fhir.resources import registry
from frontdesk.fhir.tests.conftest import api_client, parse
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus

CREATED_AT = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture
def visit(
    time_machine: Any, alice: Any, dr_patel: Any, boston: Any, office_visit: Any, patel_in_boston: Any
) -> Appointment:
    time_machine.move_to(CREATED_AT, tick=False)
    return services.book_appointment(
        actor=Actor.system("tests"),
        patient=alice,
        provider=dr_patel,
        location=boston,
        note_type=office_visit,
        start_time=datetime(2026, 3, 3, 15, tzinfo=UTC),
        status=AppointmentProgressStatus.CONFIRMED,
    )


def cancel(api: Client, appointment: Appointment, since: str) -> Any:
    return api.put(
        f"/fhir/Appointment/{appointment.id}",
        json.dumps({"status": "cancelled"}),
        content_type="application/fhir+json",
        headers={"If-Unmodified-Since": since},
    )


def test_it_reads_when_the_appointment_last_changed(api: Client, visit: Appointment) -> None:
    response = api.get(f"/fhir/Appointment/{visit.id}")

    assert parse(response)["meta"] == {"lastUpdated": "2026-03-02T12:00:00.000Z"}
    assert response["Last-Modified"] == "Mon, 02 Mar 2026 12:00:00 GMT"


def test_it_updates_what_has_not_changed_since(api: Client, visit: Appointment, time_machine: Any) -> None:
    time_machine.move_to(CREATED_AT + timedelta(minutes=5), tick=False)
    last_modified = api.get(f"/fhir/Appointment/{visit.id}")["Last-Modified"]

    response = cancel(api, visit, last_modified)

    assert response.status_code == 200
    visit.refresh_from_db()
    assert visit.status == AppointmentProgressStatus.CANCELLED
    assert parse(api.get(f"/fhir/Appointment/{visit.id}"))["meta"]["lastUpdated"] == "2026-03-02T12:05:00.000Z"


def test_it_refuses_what_changed_since_with_412(api: Client, visit: Appointment, time_machine: Any) -> None:
    seen = api.get(f"/fhir/Appointment/{visit.id}")["Last-Modified"]
    time_machine.move_to(CREATED_AT + timedelta(minutes=5), tick=False)
    services.check_in(actor=Actor.system("front desk"), appointment=visit)  # someone else, meanwhile

    response = cancel(api, visit, seen)

    assert response.status_code == 412
    issue = parse(response)["issue"][0]
    assert issue["code"] == "conflict"
    assert issue["details"]["text"] == "Resource updated since If-Unmodified-Since date"
    visit.refresh_from_db()
    assert visit.status == AppointmentProgressStatus.ARRIVED


def test_a_date_within_the_same_second_is_not_later(api: Client, visit: Appointment, time_machine: Any) -> None:
    time_machine.move_to(CREATED_AT + timedelta(milliseconds=700), tick=False)
    services.update_appointment(actor=Actor.system("tests"), appointment=visit, description="Changed")

    response = cancel(api, visit, http_date(CREATED_AT.timestamp()))

    assert response.status_code == 200


@pytest.mark.parametrize("since", ["yesterday", "2026-03-02", ""])
def test_it_refuses_a_malformed_date_with_400(api: Client, visit: Appointment, since: str) -> None:
    response = cancel(api, visit, since)

    assert response.status_code == 400
    assert "If-Unmodified-Since" in parse(response)["issue"][0]["diagnostics"]
    visit.refresh_from_db()
    assert visit.status == AppointmentProgressStatus.CONFIRMED


def test_an_unknown_appointment_is_404_with_the_header_too(api: Client, db: Any) -> None:
    response = api.put(
        "/fhir/Appointment/6c1a3a8e-0000-4000-8000-000000000000",
        json.dumps({"status": "cancelled"}),
        content_type="application/fhir+json",
        headers={"If-Unmodified-Since": "Mon, 02 Mar 2026 12:00:00 GMT"},
    )

    assert response.status_code == 404


def test_the_check_locks_the_row_until_the_update_is_written(visit: Appointment) -> None:
    last_modified = registry()["Appointment"].last_modified
    assert last_modified is not None

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        assert last_modified(str(visit.id)) == visit.modified

    if connection.features.has_select_for_update:
        assert any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)
    else:  # SQLite: every transaction takes the write lock when it begins
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db(transaction=True)
def test_two_clients_with_the_same_date_never_both_win(
    oauth_client: Any, alice: Any, dr_patel: Any, boston: Any, office_visit: Any, patel_in_boston: Any
) -> None:
    visit = services.book_appointment(
        actor=Actor.system("tests"),
        patient=alice,
        provider=dr_patel,
        location=boston,
        note_type=office_visit,
        start_time=datetime(2026, 12, 8, 15, tzinfo=UTC),
    )
    seen = datetime(2026, 1, 1, tzinfo=UTC)
    clients = [api_client(oauth_client), api_client(oauth_client)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    lock = threading.Lock()
    rounds = 4

    def client(index: int) -> None:
        try:
            for round_ in range(rounds):
                barrier.wait()
                response = clients[index].put(
                    f"/fhir/Appointment/{visit.id}",
                    json.dumps({"status": "booked", "description": f"round {round_}, client {index}"}),
                    content_type="application/fhir+json",
                    headers={"If-Unmodified-Since": http_date(seen.timestamp())},
                )
                with lock:
                    statuses.append(response.status_code)
                barrier.wait()
                if index == 0:  # the next round starts from a resource both clients have seen
                    Appointment.objects.filter(pk=visit.pk).update(modified=seen)
                barrier.wait()
        finally:
            connections.close_all()

    Appointment.objects.filter(pk=visit.pk).update(modified=seen)
    threads = [threading.Thread(target=client, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(statuses) == [200] * rounds + [412] * rounds
