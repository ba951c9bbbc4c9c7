"""The clinic models keep Canvas's names, keys and choices (reference: canvas-plugin-sdk.md §4 and
canvas-sdk-data-models.txt), so plugins written for Canvas read them unchanged."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import (
    CareTeamMembership,
    CareTeamMembershipStatus,
    Condition,
    ContactPointState,
    ContactPointSystem,
    ContactPointUse,
    Patient,
    PatientContactPoint,
    PracticeLocation,
    Sex,
    Staff,
)
from frontdesk.clinic.services import add_contact_point, delete_contact_point, update_patient
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus, NoteType, NoteTypeCategory


def field_names(model: Any) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def choice_values(choices: Any) -> set[str]:
    return {value for value, _ in choices.choices}


def test_it_keys_patients_and_staff_by_a_32_char_string_and_an_integer_dbid() -> None:
    for model in (Patient, Staff):
        assert model._meta.pk.name == "dbid"
        key = model._meta.get_field("id")
        assert (key.get_internal_type(), key.max_length, key.db_column, key.unique) == ("CharField", 32, "key", True)


def test_it_keys_every_other_clinical_model_by_uuid() -> None:
    for model in (PatientContactPoint, CareTeamMembership, Condition, PracticeLocation, NoteType, Appointment):
        assert model._meta.pk.name == "dbid"
        assert model._meta.get_field("id").get_internal_type() == "UUIDField"


@pytest.mark.django_db
def test_it_gives_a_patient_and_their_user_the_canvas_ids(alice: Any) -> None:
    assert isinstance(alice.dbid, int)
    assert len(alice.id) == 32
    assert int(alice.id, 16) >= 0
    assert Patient.objects.get(id=alice.id) == alice
    assert isinstance(alice.user.dbid, int)
    assert alice.user.patient == alice
    assert alice.user.person_subclass == alice


def test_it_has_the_reference_fields_and_choices_on_contact_points() -> None:
    assert {
        "dbid",
        "id",
        "created",
        "modified",
        "system",
        "value",
        "use",
        "use_notes",
        "rank",
        "state",
        "patient",
        "has_consent",
        "last_verified",
        "verification_token",
        "opted_out",
    } <= field_names(PatientContactPoint)
    assert PatientContactPoint._meta.get_field("patient").remote_field.related_name == "telecom"
    assert choice_values(ContactPointSystem) == {"phone", "fax", "email", "pager", "other"}
    assert choice_values(ContactPointUse) == {"home", "work", "temp", "old", "other", "mobile", "automation"}
    assert choice_values(ContactPointState) == {"active", "deleted"}


def test_it_has_the_reference_choices_elsewhere() -> None:
    assert choice_values(Sex) == {"F", "M", "O", "UNK"}
    assert choice_values(CareTeamMembershipStatus) == {
        "proposed",
        "active",
        "suspended",
        "inactive",
        "entered-in-error",
    }
    assert choice_values(Condition.ClinicalStatus) == {"active", "relapse", "remission", "resolved", "investigative"}
    assert choice_values(AppointmentProgressStatus) == {
        "unconfirmed",
        "attempted",
        "confirmed",
        "arrived",
        "roomed",
        "exited",
        "noshowed",
        "cancelled",
    }
    assert choice_values(NoteTypeCategory) == {
        "message",
        "letter",
        "inpatient",
        "review",
        "encounter",
        "appointment",
        "task",
        "data",
        "ccda",
        "schedule_event",
    }


def test_it_has_the_reference_fields_on_patients_and_staff() -> None:
    assert {
        "id",
        "first_name",
        "middle_name",
        "last_name",
        "nickname",
        "prefix",
        "suffix",
        "birth_date",
        "sex_at_birth",
        "mrn",
        "active",
        "deceased",
        "default_location",
        "default_provider",
        "user",
        "last_known_timezone",
        "telecom",
        "appointments",
        "care_team_memberships",
        "conditions",
        "medications",
        "allergy_intolerances",
    } <= field_names(Patient)
    assert {
        "id",
        "active",
        "primary_practice_location",
        "npi_number",
        "personal_meeting_room_link",
        "user",
        "last_known_timezone",
        "roles",
        "care_team_memberships",
    } <= field_names(Staff)


@pytest.mark.django_db
def test_it_finds_the_primary_phone_by_rank_among_active_phones(alice: Any) -> None:
    actor = Actor.system("tests")
    assert alice.primary_phone_number is None

    add_contact_point(actor=actor, patient=alice, system="email", value="alice@example.com", rank=1)
    second = add_contact_point(actor=actor, patient=alice, system="phone", value="+16175550102", rank=2)
    first = add_contact_point(actor=actor, patient=alice, system="phone", value="+16175550101", rank=1)
    assert alice.primary_phone_number == first

    delete_contact_point(actor=actor, contact_point=first)
    assert alice.primary_phone_number == second


@pytest.mark.django_db
def test_it_prefers_the_nickname_as_first_name(alice: Any) -> None:
    assert (alice.preferred_first_name, alice.preferred_full_name) == ("Alice", "Alice Anders")

    update_patient(actor=Actor.system("tests"), patient=alice, nickname="Ally", middle_name="B")

    assert (alice.preferred_first_name, alice.preferred_full_name) == ("Ally", "Ally Anders")
    assert alice.full_name == "Alice B Anders"


@pytest.mark.django_db
def test_it_shows_times_in_the_patients_zone_then_the_locations_then_the_clinics(
    alice: Any, boston: Any, settings: Any
) -> None:
    settings.INSTALLATION_TIME_ZONE = "America/Chicago"
    assert alice.time_zone == "America/Chicago"

    update_patient(actor=Actor.system("tests"), patient=alice, default_location=boston)
    assert alice.time_zone == "America/New_York"

    update_patient(actor=Actor.system("tests"), patient=alice, last_known_timezone="Europe/Lisbon")
    assert alice.time_zone == "Europe/Lisbon"


def test_it_generates_distinct_keys() -> None:
    keys = {Patient().id for _ in range(50)}
    assert len(keys) == 50
    assert all(uuid.UUID(hex=key).hex == key for key in keys)
