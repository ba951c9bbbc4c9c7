"""My Health: the patient's own conditions, medications and allergies, and an audit of each view."""

from __future__ import annotations

from typing import Any

from constance.test import override_config

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic import services as clinic
from frontdesk.clinic.models import Condition, Medication

HEALTH = "/health/"


def test_it_shows_the_patients_own_chart_summary(alice_client: Any, alice: Any, charlie: Any, chart: Any) -> None:
    chart(alice, 1)
    chart(charlie, 1, label="Charlie's ")

    response = alice_client.get(HEALTH)
    page = response.content.decode()

    assert response.status_code == 200
    assert "Diabetes 0" in page and "Metformin 0" in page and "Penicillin 0" in page
    assert "1 tablet daily" in page and "hives" in page and "Severe" in page
    assert "Dr. Grace Hopper, MD" in page and "May 1, 2024" in page
    assert "Charlie" not in page


def test_it_leaves_out_what_the_summary_does_not_show(alice_client: Any, alice: Any, chart: Any, staff: Actor) -> None:
    chart(alice, 2)
    hidden = Condition.objects.filter(codings__display="Diabetes 1").get()
    hidden.show_in_summary = False
    clinic.save_chart_item(actor=staff, item=hidden)
    clinic.enter_chart_item_in_error(actor=staff, item=Medication.objects.get(codings__display="Metformin 1"))
    Medication.objects.filter(codings__display="Metformin 0").update(status="inactive")

    page = alice_client.get(HEALTH).content.decode()

    assert "Diabetes 0" in page and "Diabetes 1" not in page
    assert "Metformin" not in page and "No active medications." in page


def test_it_says_when_the_chart_is_empty(alice_client: Any) -> None:
    page = alice_client.get(HEALTH).content.decode()
    assert "No conditions on record." in page
    assert "No active medications." in page
    assert "No known allergies on record." in page


def test_it_records_each_view_in_the_audit_trail(alice_client: Any, alice: Any) -> None:
    alice_client.get(HEALTH, REMOTE_ADDR="198.51.100.8")
    alice_client.get(HEALTH)

    entries = AuditEntry.objects.filter(action="chart.viewed").order_by("id")
    assert entries.count() == 2
    first = entries[0]
    assert (first.patient_key, first.actor_user_dbid, first.actor_kind) == (alice.id, alice.user.dbid, "patient")
    assert (first.target_type, first.target_id, first.detail) == ("Patient", alice.id, {"what": "summary"})
    assert first.ip_address == "198.51.100.8"


def test_it_records_no_view_when_my_health_is_off(alice_client: Any) -> None:
    with override_config(PATIENT_APP_MY_HEALTH=False):
        assert alice_client.get(HEALTH).status_code == 404
    assert not AuditEntry.objects.filter(action="chart.viewed").exists()


def test_it_shows_the_summary_in_a_fixed_number_of_queries(
    alice_client: Any, alice: Any, chart: Any, django_assert_num_queries: Any
) -> None:
    chart(alice, 1)
    alice_client.get(HEALTH)
    with django_assert_num_queries(13) as few:
        alice_client.get(HEALTH)
    chart(alice, 4)
    with django_assert_num_queries(len(few.captured_queries)):
        alice_client.get(HEALTH)
