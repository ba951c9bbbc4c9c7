"""`frontdesk import-fhir DIR` on a small export of our own (fixtures/import-small): what each type
becomes, a per-line report of the broken lines that never stops the others, a second run that
changes nothing, a changed source that updates in place, and a dry run that writes nothing.
(The command as a separate process: tests/cli/test_import_fhir_command.py; Synthea's data:
test_import_fhir_synthea.py.)"""

from __future__ import annotations

import json
import shutil
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.models import AuditEntry
from frontdesk.clinic.models import (
    AllergyIntolerance,
    Condition,
    Medication,
    Patient,
    PatientExternalIdentifier,
    PracticeLocation,
    Staff,
)
from frontdesk.events.models import OutboxEvent

SMALL = Path(__file__).parent / "fixtures" / "import-small"
ALICE = "6f1c2a4e-8d2b-4c61-9f0e-1a2b3c4d5e01"


@pytest.fixture
def dana(db: Any) -> CanvasUser:
    """Dana, the staff member who commits the imported chart."""
    return CanvasUser.objects.create_user(email="dana@example.org", password="x-long-password-1", is_staff=True)


def run(directory: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import-fhir", str(directory), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def alice() -> Patient:
    return Patient.objects.get(external_identifiers__value=ALICE)


def rows() -> dict[str, int]:
    return {
        "patients": Patient.objects.count(),
        "staff": Staff.objects.count(),
        "locations": PracticeLocation.objects.count(),
        "conditions": Condition.objects.count(),
        "medications": Medication.objects.count(),
        "allergies": AllergyIntolerance.objects.count(),
        "audit": AuditEntry.objects.count(),
        "events": OutboxEvent.objects.count(),
    }


def test_it_imports_each_type_into_the_clinic(dana: CanvasUser) -> None:
    out, _ = run(SMALL, "--committer", "dana@example.org")

    assert sorted(Patient.objects.values_list("first_name", "last_name", "birth_date")) == [
        ("Alice", "Adams", date(1990, 5, 1)),
        ("Charlie", "Chen", date(1985, 2, 3)),
    ]
    novak = Staff.objects.get()
    assert (novak.prefix, novak.first_name, novak.last_name, novak.npi_number) == ("Dr.", "Hugo", "Novak", "1902837465")
    # The Organization names the Location that has no name; PractitionerRole places Dr. Novak.
    assert sorted(PracticeLocation.objects.values_list("full_name", flat=True)) == [
        "Riverside Clinic",
        "Riverside Health",
    ]
    assert novak.primary_practice_location is not None
    assert novak.primary_practice_location.full_name == "Riverside Clinic"
    assert [loc.full_name for loc in novak.practice_locations.all()] == ["Riverside Clinic"]
    assert Condition.objects.committed().count() == 2
    assert AllergyIntolerance.objects.committed().get().narrative == "Hives"
    assert "2 Patient" not in out and "3 Patient (2 created, 1 failed)" in out
    assert "not imported: 1 Encounter" in out


def test_it_keeps_what_the_patient_says_in_the_clinic_tables(dana: CanvasUser) -> None:
    run(SMALL, "--committer", "dana@example.org")

    patient = alice()
    assert list(patient.telecom.values_list("system", "value", "use")) == [("phone", "+16175550123", "mobile")]
    assert list(patient.addresses.values_list("line1", "city", "state_code", "postal_code")) == [
        ("12 Elm St", "Boston", "MA", "02118")
    ]
    assert sorted(PatientExternalIdentifier.objects.filter(patient=patient).values_list("system", "value")) == [
        ("https://ehr.example.org/mrn", "A-1"),
        ("urn:frontdesk:import-fhir:import", ALICE),
    ]  # the social security number is not stored
    assert patient.sex_at_birth == "F"


def test_it_reports_each_broken_line_and_imports_the_others(dana: CanvasUser) -> None:
    _, err = run(SMALL, "--committer", "dana@example.org")

    assert err.splitlines() == [
        "Condition.ndjson:3: Condition/cond-3: Condition.subject: unknown reference "
        "'Patient/00000000-0000-0000-0000-000000000000': no Patient with it was imported.",
        "Condition.ndjson:4: Condition/cond-4: Condition.code: is required.",
        f"Patient.ndjson:1: Patient/{ALICE}: Patient.telecom[1].value: “555-810-7203” is not a valid phone number. "
        "(dropped; the rest was imported)",
        "Patient.ndjson:2: ?: -: not valid JSON (Expecting value)",
        "Patient.ndjson:3: Patient/6f1c2a4e-8d2b-4c61-9f0e-1a2b3c4d5e09: Patient.birthDate: is required.",
        "Patient.ndjson:5: ?: resourceType: not a FHIR resource",
    ]


def test_it_makes_one_medication_per_drug_from_the_requests(dana: CanvasUser) -> None:
    run(SMALL, "--committer", "dana@example.org")

    medications = {str(m): m for m in Medication.objects.committed().filter(patient=alice())}
    assert sorted(medications) == ["lisinopril 10 MG Oral Tablet", "metformin 500 MG Oral Tablet"]
    lisinopril = medications["lisinopril 10 MG Oral Tablet"]
    assert lisinopril.status == "active"  # the latest request's
    assert lisinopril.start_date is not None and lisinopril.start_date.date() == date(2019, 1, 10)  # the first's
    assert lisinopril.last_prescriber == Staff.objects.get(last_name="Novak")
    assert lisinopril.sig == "1 tablet by mouth daily"
    assert lisinopril.external_identifiers.count() == 2  # both requests' ids


def test_it_records_who_imported_and_who_committed(dana: CanvasUser) -> None:
    run(SMALL, "--committer", "dana@example.org")

    assert set(AuditEntry.objects.values_list("actor_label", flat=True)) == {"system:import-fhir"}
    assert set(Condition.objects.values_list("committer__email", flat=True)) == {"dana@example.org"}
    assert OutboxEvent.objects.filter(name="PATIENT_CREATED").count() == 2


def test_it_changes_nothing_when_run_again(dana: CanvasUser) -> None:
    run(SMALL, "--committer", "dana@example.org")
    before = rows()

    out, _ = run(SMALL, "--committer", "dana@example.org")

    assert rows() == before  # no duplicates, and no audit entry or event for what did not change
    assert "3 Patient (2 unchanged, 1 failed)" in out
    assert "5 Condition (2 unchanged, 1 skipped, 2 failed)" in out


def test_it_updates_in_place_what_changed_in_the_source(dana: CanvasUser, tmp_path: Path) -> None:
    run(SMALL, "--committer", "dana@example.org")
    changed = tmp_path / "export"
    shutil.copytree(SMALL, changed)
    lines = (changed / "Patient.ndjson").read_text().splitlines()
    resource = json.loads(lines[0])
    resource["name"][0]["family"] = "Adams-Baker"
    lines[0] = json.dumps(resource)
    (changed / "Patient.ndjson").write_text("\n".join(lines) + "\n")
    before = rows()

    out, _ = run(changed, "--committer", "dana@example.org")

    assert alice().last_name == "Adams-Baker"
    assert Patient.objects.count() == before["patients"]
    assert OutboxEvent.objects.count() == before["events"] + 1  # PATIENT_UPDATED
    assert "3 Patient (1 updated, 1 unchanged, 1 failed)" in out


def test_it_writes_nothing_on_a_dry_run(db: Any) -> None:
    out, err = run(SMALL, "--dry-run")

    assert rows() == dict.fromkeys(rows(), 0)
    assert "dry run, nothing written" in out
    assert "Patient.ndjson:3" in err


def test_it_needs_a_committer_for_chart_items_and_then_writes_nothing(db: Any) -> None:
    with pytest.raises(CommandError, match="--committer"):
        run(SMALL)

    assert not Patient.objects.exists()


def test_it_refuses_a_committer_who_is_not_staff(db: Any) -> None:
    CanvasUser.objects.create_user(email="alice@example.org", password="x-long-password-1")

    with pytest.raises(CommandError, match="no active staff login"):
        run(SMALL, "--committer", "alice@example.org")


def test_it_writes_the_report_to_a_file_too(dana: CanvasUser, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"

    _, err = run(SMALL, "--committer", "dana@example.org", "--report", str(report))

    written = report.read_text().splitlines()
    assert written[:-1] == err.splitlines()
    assert written[-1].startswith("import-fhir: 20 lines in 9 files imported")


def test_it_fails_when_nothing_can_be_read(db: Any, tmp_path: Path) -> None:
    (tmp_path / "Patient.ndjson").write_text("not json\n")

    with pytest.raises(CommandError, match="Nothing could be read"):
        run(tmp_path)
