"""A patient moves an upcoming appointment to another open time (same type and location; the same
provider unless they pick another). The old appointment is cancelled and linked to the new one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from frontdesk.audit.models import AuditEntry
from frontdesk.plugins import hooks
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus
from frontdesk.scheduling.services import TAKEN

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
WEDNESDAY_10 = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
THURSDAY_11 = datetime(2025, 3, 6, 16, 0, tzinfo=UTC)


def url(appointment: Appointment) -> str:
    return f"/appointments/{appointment.id}/reschedule/"


def key_on(page: str) -> str:
    found = re.search(r'name="key" value="([0-9a-f]{32})"', page)
    assert found
    return found.group(1)


def legends(page: str) -> list[str]:
    return re.findall(r"<legend><h3>([^<]+)</h3></legend>", page)


def test_it_shows_the_same_providers_times_for_the_same_visit(
    alice_client: Any, alice: Any, practice: SimpleNamespace
) -> None:
    visit = practice.book(alice, WEDNESDAY_10, comment="Knee")

    response = alice_client.get(url(visit))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Reschedule your appointment</h1>" in page
    assert "Your appointment now" in page and "Wednesday, March 5, 2025 · 10:00 AM EST" in page
    assert '<select name="type"' not in page and '<select name="location"' not in page
    assert f'<option value="{practice.hopper.id}" selected>' in page
    assert legends(page) == ["Dr. Grace Hopper, MD"]
    assert "Office visit, 30 minutes, at Harbor Clinic." in page
    assert 'name="note"' not in page  # the visit keeps its note
    assert 'aria-label="Move to 11:00 AM, Thursday, March 6, with Dr. Grace Hopper, MD"' in page

    anyone = alice_client.get(url(visit), {"provider": "", "date": "2025-03-10"}).content.decode()
    assert legends(anyone) == ["Dr. Grace Hopper, MD", "Dr. Ada Lovelace, NP"]
    assert "Open times, Monday, March 10 to Sunday, March 16" in anyone


def test_it_moves_the_appointment_as_the_patient(alice_client: Any, alice: Any, practice: SimpleNamespace) -> None:
    visit = practice.book(alice, WEDNESDAY_10, comment="Knee")
    page = alice_client.get(url(visit), {"provider": "", "date": "2025-03-03"}).content.decode()
    posted = {
        "provider": "",
        "date": "2025-03-03",
        "key": key_on(page),
        "slot": f"{practice.lovelace.id}|{THURSDAY_11.isoformat()}",
    }

    response = alice_client.post(url(visit), posted, follow=True)

    assert response.redirect_chain == [("/appointments/", 302)]
    assert (
        "Your appointment is moved to Thursday, March 6, 2025 at 11:00 AM EST with Dr. Ada Lovelace, NP."
        in response.content.decode()
    )
    old = Appointment.objects.get(pk=visit.pk)
    new = Appointment.objects.get(appointment_rescheduled_from=visit)
    assert old.status == AppointmentProgressStatus.CANCELLED
    assert (new.start_time, new.provider, new.location, new.note_type) == (
        THURSDAY_11,
        practice.lovelace,
        practice.harbor,
        practice.office,
    )
    assert (new.comment, new.duration_minutes, new.idempotency_key) == ("Knee", 30, posted["key"])
    entry = AuditEntry.objects.get(action="appointment.rescheduled", target_id=str(visit.id))
    assert (entry.actor_kind, entry.actor_user_dbid, entry.detail["via_portal"]) == ("patient", alice.user.pk, True)

    # The same request again (a double click) moves it once.
    assert alice_client.post(url(visit), posted).status_code == 302
    assert Appointment.objects.filter(patient=alice).count() == 2


def test_it_says_when_the_new_time_was_just_taken(
    alice_client: Any, alice: Any, charlie: Any, practice: SimpleNamespace
) -> None:
    visit = practice.book(alice, WEDNESDAY_10)
    page = alice_client.get(url(visit)).content.decode()
    practice.book(charlie, THURSDAY_11)

    response = alice_client.post(
        url(visit),
        {
            "provider": practice.hopper.id,
            "date": "2025-03-03",
            "key": key_on(page),
            "slot": f"{practice.hopper.id}|{THURSDAY_11.isoformat()}",
        },
    )

    assert response.status_code == 409 and TAKEN in response.content.decode()
    assert Appointment.objects.get(pk=visit.pk).status == AppointmentProgressStatus.UNCONFIRMED
    assert not Appointment.objects.filter(appointment_rescheduled_from=visit).exists()


def test_it_refuses_inside_the_cut_off_or_when_plugins_say_no(
    alice_client: Any, alice: Any, practice: SimpleNamespace, plugins: SimpleNamespace
) -> None:
    soon = practice.book(alice, NOW + timedelta(hours=4))
    visit = practice.book(alice, WEDNESDAY_10)
    message = "This appointment can no longer be rescheduled online. Please call the clinic."
    move = {
        "provider": "",
        "date": "2025-03-03",
        "key": "a" * 32,
        "slot": f"{practice.hopper.id}|{THURSDAY_11.isoformat()}",
    }

    assert message in alice_client.get(url(soon)).content.decode()
    response = alice_client.post(url(soon), move)
    assert response.status_code == 400 and message in response.content.decode()

    plugins.answer(hooks.CAN_RESCHEDULE, "PATIENT_PORTAL__APPOINTMENT_IS_RESCHEDULABLE", {"result": False})
    assert alice_client.post(url(visit), move).status_code == 400

    plugins.table.clear()
    plugins.answer(
        hooks.APP_CONFIG, "PATIENT_PORTAL__APPLICATION_CONFIGURATION", {"data": {"can_schedule_appointments": False}}
    )
    assert message in alice_client.get(url(visit)).content.decode()
    assert alice_client.post(url(visit), move).status_code == 400

    assert not Appointment.objects.filter(appointment_rescheduled_from__isnull=False).exists()
    assert set(Appointment.objects.values_list("status", flat=True)) == {AppointmentProgressStatus.UNCONFIRMED}
