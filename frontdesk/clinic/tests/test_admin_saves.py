"""Dana edits clinic data in the back office: every save goes through the clinic services, so it
is validated, audited as Dana, and announced in the outbox like any other write."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import (
    CareTeamMembership,
    Condition,
    Patient,
    PatientContactPoint,
    PracticeLocation,
    Staff,
)
from frontdesk.clinic.services import (
    add_contact_point,
    mark_contact_point_verified,
    save_care_team_membership,
    save_chart_item,
)
from frontdesk.clinic.tests.admin_forms import add_inline_row, inline_prefix, page_data
from frontdesk.clinic.tests.readers import audit, events
from frontdesk.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


def saved(response: Any) -> None:
    if response.status_code != 302:
        context = response.context
        errors = [context["adminform"].form.errors] if context and "adminform" in context else []
        errors += [f.errors for i in (context or {}).get("inline_admin_formsets", []) for f in i.formset.forms]
        raise AssertionError(f"not saved ({response.status_code}): {errors}")


def test_it_adds_a_patient_with_a_phone_and_a_care_team_through_the_services(
    dana_client: Any, dana: Any, dr_patel: Staff
) -> None:
    OutboxEvent.objects.all().delete()
    page = dana_client.get("/admin/clinic/patient/add/")
    data = page_data(page)
    data |= {"first_name": "Erin", "last_name": "Ek", "birth_date": "1990-02-03", "sex_at_birth": "F"}
    add_inline_row(
        data,
        inline_prefix(page, PatientContactPoint),
        system="phone",
        value="(617) 555-0142",
        use="mobile",
        rank=1,
        state="active",
    )
    add_inline_row(
        data,
        inline_prefix(page, CareTeamMembership),
        staff=dr_patel.pk,
        role_display="Primary care physician",
        status="active",
        lead=True,
    )

    saved(dana_client.post("/admin/clinic/patient/add/", data))

    patient = Patient.objects.get(last_name="Ek")
    point = patient.telecom.get()
    assert point.value == "+16175550142"
    membership = patient.care_team_memberships.get()
    assert [(e.name, e.target_id) for e in events()] == [
        ("PATIENT_CREATED", patient.id),
        ("PATIENT_CONTACT_POINT_CREATED", str(point.id)),
        ("CARE_TEAM_MEMBERSHIP_CREATED", str(membership.id)),
    ]
    assert {e.actor_id for e in events()} == {str(dana.dbid)}
    created = AuditEntry.objects.filter(action__in=["patient.created", "contact_point.created", "care_team.created"])
    assert {(e.action, e.actor_user_dbid, e.patient_key) for e in created} == {
        ("patient.created", dana.dbid, patient.id),
        ("contact_point.created", dana.dbid, patient.id),
        ("care_team.created", dana.dbid, patient.id),
    }
    assert created.filter(action="patient.created").get().ip_address == "127.0.0.1"


def test_it_edits_a_patient_and_removes_a_care_team_member(
    dana_client: Any, alice: Any, dana: Any, dr_patel: Staff
) -> None:
    membership = save_care_team_membership(
        actor=Actor.for_user(dana), membership=CareTeamMembership(patient=alice, staff=dr_patel, role_display="PCP")
    )
    OutboxEvent.objects.all().delete()
    url = f"/admin/clinic/patient/{alice.dbid}/change/"
    page = dana_client.get(url)
    data = page_data(page)
    data["nickname"] = "Ally"
    data[f"{inline_prefix(page, CareTeamMembership)}-0-DELETE"] = "on"

    saved(dana_client.post(url, data))

    alice.refresh_from_db()
    assert alice.nickname == "Ally"
    assert not CareTeamMembership.objects.exists()
    assert [(e.name, e.target_id) for e in events()] == [
        ("PATIENT_UPDATED", alice.id),
        ("CARE_TEAM_MEMBERSHIP_DELETED", str(membership.id)),
    ]
    assert audit("patient.updated")[-1].detail == {"fields": ["nickname"]}


def test_it_shows_a_second_care_team_lead_as_a_form_error(
    dana_client: Any, alice: Any, dana: Any, dr_patel: Staff
) -> None:
    save_care_team_membership(
        actor=Actor.for_user(dana), membership=CareTeamMembership(patient=alice, staff=dr_patel, lead=True)
    )
    nurse = Staff.objects.create(first_name="Priya", last_name="Nair")
    url = f"/admin/clinic/patient/{alice.dbid}/change/"
    page = dana_client.get(url)
    data = page_data(page)
    add_inline_row(data, inline_prefix(page, CareTeamMembership), staff=nurse.pk, status="active", lead=True)

    response = dana_client.post(url, data)

    assert response.status_code == 200
    assert "at most one active lead" in response.content.decode()
    assert CareTeamMembership.objects.count() == 1


def test_it_shows_two_new_care_team_leads_as_a_form_error(dana_client: Any, dr_patel: Staff) -> None:
    nurse = Staff.objects.create(first_name="Priya", last_name="Nair")
    page = dana_client.get("/admin/clinic/patient/add/")
    data = page_data(page) | {"first_name": "Erin", "last_name": "Ek", "birth_date": "1990-02-03"}
    prefix = inline_prefix(page, CareTeamMembership)
    add_inline_row(data, prefix, staff=dr_patel.pk, status="active", lead=True, role_code="PCP")
    add_inline_row(data, prefix, staff=nurse.pk, status="active", lead=True, role_code="RN")

    response = dana_client.post("/admin/clinic/patient/add/", data)

    assert response.status_code == 200
    assert "at most one active lead" in response.content.decode()
    assert not Patient.objects.exists()


def test_it_shows_a_second_lead_on_the_care_team_page_as_a_form_error(
    dana_client: Any, alice: Any, dana: Any, dr_patel: Staff
) -> None:
    save_care_team_membership(
        actor=Actor.for_user(dana), membership=CareTeamMembership(patient=alice, staff=dr_patel, lead=True)
    )
    nurse = Staff.objects.create(first_name="Priya", last_name="Nair")
    data = page_data(dana_client.get("/admin/clinic/careteammembership/add/"))
    data |= {"patient": alice.pk, "staff": nurse.pk, "status": "active", "lead": "on"}

    response = dana_client.post("/admin/clinic/careteammembership/add/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert CareTeamMembership.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("birth_date", "2999-01-01"), ("birth_date", "1800-01-01"), ("last_known_timezone", "Mars/Base")],
)
def test_it_shows_a_bad_patient_field_on_the_form_and_saves_nothing(
    dana_client: Any, alice: Any, field: str, value: str
) -> None:
    before = (OutboxEvent.objects.count(), AuditEntry.objects.exclude(action="chart.viewed").count())
    url = f"/admin/clinic/patient/{alice.dbid}/change/"
    data = page_data(dana_client.get(url)) | {field: value}

    response = dana_client.post(url, data)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    alice.refresh_from_db()
    assert str(getattr(alice, field)) != value
    assert (OutboxEvent.objects.count(), AuditEntry.objects.exclude(action="chart.viewed").count()) == before


def test_it_shows_a_bad_phone_on_the_inline_row_and_saves_nothing(dana_client: Any, alice: Any) -> None:
    OutboxEvent.objects.all().delete()
    page = dana_client.get(f"/admin/clinic/patient/{alice.dbid}/change/")
    data = page_data(page)
    add_inline_row(data, inline_prefix(page, PatientContactPoint), system="phone", value="555", rank=1, state="active")

    response = dana_client.post(f"/admin/clinic/patient/{alice.dbid}/change/", data)

    assert response.status_code == 200
    assert "is not a valid phone number" in response.content.decode()
    assert not PatientContactPoint.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_it_changes_a_contact_point_and_clears_its_verification(dana_client: Any, alice: Any, dana: Any) -> None:
    actor = Actor.for_user(dana)
    point = add_contact_point(actor=actor, patient=alice, system="email", value="alice@example.com")
    mark_contact_point_verified(actor=actor, contact_point=point, when=datetime(2026, 1, 1, tzinfo=UTC))
    OutboxEvent.objects.all().delete()
    url = f"/admin/clinic/patientcontactpoint/{point.dbid}/change/"
    data = page_data(dana_client.get(url)) | {"value": "Alice.New@Example.com"}

    saved(dana_client.post(url, data))

    point.refresh_from_db()
    assert point.value == "alice.new@example.com"
    assert point.last_verified is None
    [event] = events()
    assert (event.name, event.context) == ("PATIENT_CONTACT_POINT_UPDATED", {"patient": {"id": alice.id}})
    assert audit("contact_point.updated")[-1].detail == {"system": "email", "fields": ["value"]}


def test_it_deactivates_staff_with_updated_and_deactivated_events(dana_client: Any, dana: Any, dr_patel: Staff) -> None:
    OutboxEvent.objects.all().delete()
    url = f"/admin/clinic/staff/{dr_patel.dbid}/change/"
    data = page_data(dana_client.get(url))
    del data["active"]

    saved(dana_client.post(url, data))

    assert [(e.name, e.target_id) for e in events()] == [
        ("STAFF_UPDATED", dr_patel.id),
        ("STAFF_DEACTIVATED", dr_patel.id),
    ]
    [entry] = audit("staff.updated")
    assert (entry.actor_user_dbid, entry.detail) == (dana.dbid, {"fields": ["active"]})


def test_it_shows_a_bad_npi_on_the_staff_form(dana_client: Any, dr_patel: Staff) -> None:
    url = f"/admin/clinic/staff/{dr_patel.dbid}/change/"
    data = page_data(dana_client.get(url)) | {"npi_number": "12345"}

    response = dana_client.post(url, data)

    assert response.status_code == 200
    assert "npi_number" in response.context["adminform"].form.errors
    dr_patel.refresh_from_db()
    assert dr_patel.npi_number == "1467583920"


def test_it_adds_a_location_through_the_service(dana_client: Any, dana: Any) -> None:
    data = page_data(dana_client.get("/admin/clinic/practicelocation/add/"))
    data |= {"full_name": "Pine Clinic — Denver", "time_zone": "America/Denver"}

    saved(dana_client.post("/admin/clinic/practicelocation/add/", data))

    location = PracticeLocation.objects.get()
    [entry] = audit("location.created")
    assert (entry.actor_user_dbid, entry.target_id) == (dana.dbid, str(location.id))


def test_it_refuses_a_location_time_zone_that_is_not_iana(dana_client: Any) -> None:
    data = page_data(dana_client.get("/admin/clinic/practicelocation/add/"))
    data |= {"full_name": "Somewhere", "time_zone": "Eastern"}

    response = dana_client.post("/admin/clinic/practicelocation/add/", data)

    assert "time_zone" in response.context["adminform"].form.errors
    assert not PracticeLocation.objects.exists()


def test_it_adds_a_condition_committed_by_dana(dana_client: Any, dana: Any, alice: Any) -> None:
    page = dana_client.get("/admin/clinic/condition/add/")
    data = page_data(page) | {"patient": alice.pk, "clinical_status": "active"}
    prefix = inline_prefix(page, Condition.codings.rel.related_model)
    data |= {
        f"{prefix}-0-system": "http://snomed.info/sct",
        f"{prefix}-0-code": "38341003",
        f"{prefix}-0-display": "Essential hypertension",
    }

    saved(dana_client.post("/admin/clinic/condition/add/", data))

    condition = Condition.objects.get()
    assert condition.committer == dana
    assert list(Condition.objects.for_patient(alice.id).active()) == [condition]
    [entry] = audit("condition.created")
    assert (entry.actor_user_dbid, entry.patient_key) == (dana.dbid, alice.id)
    assert [(c.code, c.display) for c in condition.codings.all()] == [("38341003", "Essential hypertension")]
    [coded] = audit("condition.codings_changed")
    assert (coded.actor_user_dbid, coded.detail) == (dana.dbid, {"codes": ["38341003"]})


def test_it_enters_conditions_in_error_instead_of_deleting_them(dana_client: Any, dana: Any, alice: Any) -> None:
    condition = save_chart_item(actor=Actor.for_user(dana), item=Condition(patient=alice))

    response = dana_client.post(
        "/admin/clinic/condition/", {"action": "enter_in_error", "_selected_action": [condition.pk]}
    )

    assert response.status_code == 302
    condition.refresh_from_db()
    assert condition.entered_in_error == dana
    assert not Condition.objects.committed().exists()
    assert audit("condition.entered_in_error")[0].actor_user_dbid == dana.dbid


@pytest.mark.parametrize("model", ["patient", "patientcontactpoint", "staff", "condition", "practicelocation"])
def test_it_offers_no_delete_for_clinic_data(dana_client: Any, alice: Any, dr_patel: Staff, model: str) -> None:
    obj = {
        "patient": alice,
        "staff": dr_patel,
        "practicelocation": dr_patel.primary_practice_location,
        "patientcontactpoint": add_contact_point(
            actor=Actor.system("tests"), patient=alice, system="phone", value="+16175550101"
        ),
        "condition": save_chart_item(actor=Actor.system("tests"), item=Condition(patient=alice)),
    }[model]

    assert dana_client.get(f"/admin/clinic/{model}/{obj.pk}/delete/").status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_it_lets_only_staff_who_may_change_conditions_enter_them_in_error(client: Any, alice: Any, dana: Any) -> None:
    condition = save_chart_item(actor=Actor.for_user(dana), item=Condition(patient=alice))
    reader = CanvasUser.objects.create_user(email="reader@example.com", password="x", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_condition"))
    client.force_login(reader, backend="frontdesk.accounts.backends.IdentifierBackend")

    assert client.get("/admin/clinic/condition/").status_code == 200
    client.post("/admin/clinic/condition/", {"action": "enter_in_error", "_selected_action": [condition.pk]})

    condition.refresh_from_db()
    assert condition.entered_in_error is None
    assert not audit("condition.entered_in_error")


def test_it_lets_only_staff_who_may_change_contact_points_send_codes(client: Any, alice: Any) -> None:
    point = add_contact_point(actor=Actor.system("tests"), patient=alice, system="phone", value="+16175550101")
    reader = CanvasUser.objects.create_user(email="reader@example.com", password="x", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_patientcontactpoint"))
    client.force_login(reader, backend="frontdesk.accounts.backends.IdentifierBackend")

    client.post("/admin/clinic/patientcontactpoint/", {"action": "send_verification", "_selected_action": [point.pk]})

    point.refresh_from_db()
    assert point.verification_sent_at is None
    assert not AuditEntry.objects.filter(actor_label="staff:reader@example.com").exists()
