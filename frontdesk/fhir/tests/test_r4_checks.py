"""The tests' R4 checks themselves: `check_r4` must reject what the R4 JSON schema or fhirclient's
strict models reject, or every test that relies on it would pass on invalid bodies."""

from __future__ import annotations

from typing import Any

import pytest
from fhirclient.models.fhirabstractbase import FHIRValidationError

from frontdesk.fhir.tests.conftest import check_r4, schema_errors

APPOINTMENT: dict[str, Any] = {
    "resourceType": "Appointment",
    "id": "6a9f9e0e-5a57-4b1e-9b4b-7a3d2f1f0c11",
    "status": "booked",
    "start": "2026-03-02T09:00:00-05:00",
    "end": "2026-03-02T09:30:00-05:00",
    "participant": [{"actor": {"reference": "Patient/abc"}, "status": "accepted"}],
}


def test_it_accepts_a_valid_resource_and_bundle() -> None:
    check_r4(APPOINTMENT)
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "entry": [{"fullUrl": "https://x.test/fhir/Appointment/1", "resource": APPOINTMENT}],
    }
    check_r4(bundle)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"status": "active"}, "$.status"),  # the participant status Canvas's guide suggests, not an R4 code
        ({"participant": [{"actor": {"reference": "Patient/abc"}, "status": "active"}]}, "$.participant[0].status"),
        ({"start": "2026-03-02 09:00"}, "$.start"),
        ({"description": ""}, "$.description"),  # R4 strings are never empty
    ],
)
def test_it_names_what_the_schema_rejects(change: dict[str, Any], path: str) -> None:
    problems = schema_errors({**APPOINTMENT, **change})
    assert problems and problems[0].startswith(path), problems


def test_it_checks_bundle_entries_one_by_one() -> None:
    bad = {**APPOINTMENT, "status": "active"}
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": APPOINTMENT}, {"resource": bad}]}
    assert "$.entry[1].resource.status: 'active' is not one of" in "\n".join(schema_errors(bundle))


def test_it_fails_on_an_element_r4_does_not_have() -> None:
    with pytest.raises((FHIRValidationError, AssertionError)):
        check_r4({**APPOINTMENT, "colour": "blue"})
