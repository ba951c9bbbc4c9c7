"""The pure datatype readers every write and the importer share (`resources/elements.py`):
table-driven, no database. Each problem names the FHIRPath of the element at fault."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from frontdesk.fhir.resources import Invalid, elements


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1990-05-01", date(1990, 5, 1)),
        ("2015-03-04T10:00:00-05:00", date(2015, 3, 4)),  # the date where it happened
        (None, None),
    ],
)
def test_it_reads_a_day(value: Any, expected: date | None) -> None:
    assert elements.day(value, "X.birthDate") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-01-10T09:00:00-05:00", datetime(2021, 1, 10, 14, tzinfo=UTC)),
        ("2021-01-10T14:00:00Z", datetime(2021, 1, 10, 14, tzinfo=UTC)),
        ("2021-01-10", datetime(2021, 1, 10, tzinfo=UTC)),
    ],
)
def test_it_reads_an_instant(value: str, expected: datetime) -> None:
    assert elements.instant(value, "X.authoredOn") == expected


@pytest.mark.parametrize(
    ("call", "element"),
    [
        (lambda: elements.day("1990-13-01", "X.birthDate"), "X.birthDate"),
        (lambda: elements.instant("2021-01-10T09:00:00", "X.authoredOn"), "X.authoredOn"),
        (lambda: elements.string("  ", "X.name"), "X.name"),
        (lambda: elements.string(3, "X.name"), "X.name"),
        (lambda: elements.boolean("yes", "X.active", default=True), "X.active"),
        (lambda: elements.code("woman", "X.gender", ("male", "female")), "X.gender"),
        (lambda: elements.array({}, "X.telecom"), "X.telecom"),
        (lambda: elements.reference_id({"reference": "Practitioner/1"}, "X.subject", "Patient"), "X.subject.reference"),
        (lambda: elements.telecom({"telecom": [{"system": "phone", "value": "1"}]}, "X"), "X.telecom[0].value"),
        (lambda: elements.telecom({"telecom": [{"system": "sms", "value": "1"}]}, "X"), "X.telecom[0].system"),
        (
            lambda: elements.telecom({"telecom": [{"system": "email", "value": "a@b.org", "rank": True}]}, "X"),
            "X.telecom[0].rank",
        ),
        (
            lambda: elements.addresses({"address": [{"city": "Boston", "country": "Germany"}]}, "X"),
            "X.address[0].country",
        ),
        (lambda: elements.addresses({"address": [{"use": "billing", "city": "Boston"}]}, "X"), "X.address[0].use"),
        (lambda: elements.identifiers({"identifier": [{"system": "urn:x"}]}, "X"), "X.identifier[0].value"),
    ],
)
def test_it_names_the_element_at_fault(call: Any, element: str) -> None:
    with pytest.raises(Invalid) as raised:
        call()

    assert raised.value.element == element
    assert raised.value.message


def test_it_normalises_telecom_and_drops_duplicates() -> None:
    body = {
        "telecom": [
            {"system": "phone", "value": "(617) 555-0123", "use": "mobile"},
            {"system": "phone", "value": "+16175550123", "rank": 3},
            {"system": "email", "value": "Alice@Example.COM"},
        ]
    }

    assert elements.telecom(body, "Patient") == [
        elements.ContactPointIn(system="email", value="alice@example.com", use=None, rank=3),
        elements.ContactPointIn(system="phone", value="+16175550123", use="mobile", rank=1),
    ]


def test_it_reports_and_drops_a_bad_entry_when_lenient() -> None:
    dropped: list[Invalid] = []
    body = {"telecom": [{"system": "phone", "value": "555-810-7203"}, {"system": "email", "value": "a@b.org"}]}

    kept = elements.telecom(body, "Patient", warn=dropped.append)

    assert [p.value for p in kept] == ["a@b.org"]
    assert [d.element for d in dropped] == ["Patient.telecom[0].value"]


def test_it_reads_an_address_with_its_geolocation() -> None:
    entry = {
        "extension": [
            {
                "url": elements.GEOLOCATION,
                "extension": [{"url": "latitude", "valueDecimal": 42.3}, {"url": "longitude", "valueDecimal": -71.1}],
            }
        ],
        "line": ["12 Elm St", "Apt 3", "Rear"],
        "city": "Boston",
        "state": "ma",
        "postalCode": "02118",
        "country": "USA",
        "period": {"start": "2020-01-01"},
    }

    fields = elements.address(entry, "Patient.address[0]").fields

    assert fields["line1"] == "12 Elm St"
    assert fields["line2"] == "Apt 3, Rear"
    assert (fields["state_code"], fields["country"]) == ("MA", "US")
    assert (fields["latitude"], fields["longitude"]) == (42.3, -71.1)
    assert fields["start"] == date(2020, 1, 1)


def test_it_keeps_identifiers_with_a_system_once() -> None:
    body = {
        "identifier": [
            {"system": "urn:a", "value": "1", "type": {"coding": [{"code": "MR"}]}},
            {"system": "urn:a", "value": "1"},
            {"value": "no-system"},
        ]
    }

    assert elements.identifiers(body, "Patient") == [elements.IdentifierIn("urn:a", "1", "", "MR")]
