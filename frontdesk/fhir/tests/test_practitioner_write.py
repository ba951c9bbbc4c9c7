"""Practitioner create and update (reference §1.4): a usual name with one given name, a work phone
and one rank-1 email (which cannot change), a birth date, the NPI, and Canvas's extensions (the
meeting-room link, the primary practice location, roles; the username is read-only) — an omitted
extension is deleted on update. Writes go through the clinic services; a bad body writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils.http import http_date

from frontdesk.audit.models import AuditEntry
from frontdesk.clinic.models import PracticeLocation, Staff
from frontdesk.events.models import OutboxEvent
from frontdesk.fhir.services import NewClient
from frontdesk.fhir.tests.conftest import api_client, parse

EXT = "http://schemas.canvasmedical.com/fhir/extensions/"


def rn_body(location: PracticeLocation | None = None, **changes: Any) -> dict[str, Any]:
    """Rosa Reyes, a registered nurse, as a Canvas client would send her."""
    extensions: list[dict[str, Any]] = [
        {"url": f"{EXT}practitioner-personal-meeting-room-link", "valueUrl": "https://meet.example.org/reyes"},
        {
            "url": f"{EXT}roles",
            "extension": [
                {
                    "url": "code",
                    "valueCoding": {
                        "system": "http://schemas.canvasmedical.com/fhir/roles",
                        "code": "RN",
                        "display": "Registered Nurse",
                    },
                }
            ],
        },
    ]
    if location is not None:
        extensions.append(
            {
                "url": f"{EXT}practitioner-primary-practice-location",
                "valueReference": {"reference": f"Location/{location.id}"},
            }
        )
    body: dict[str, Any] = {
        "resourceType": "Practitioner",
        "extension": extensions,
        "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1558444216"}],
        "name": [{"use": "usual", "family": "Reyes", "given": ["Rosa"], "prefix": ["Ms."]}],
        "telecom": [
            {"system": "phone", "value": "6175550177", "use": "work"},
            {"system": "email", "value": "rosa.reyes@example.org", "use": "work", "rank": 1},
        ],
        "birthDate": "1984-03-09",
        "address": [{"use": "work", "line": ["1 Harbor St"], "city": "Boston", "state": "MA", "postalCode": "02110"}],
        "active": True,
    }
    body.update(changes)
    return body


def post(api: Client, body: dict[str, Any], **headers: str) -> Any:
    return api.post("/fhir/Practitioner", json.dumps(body), content_type="application/fhir+json", headers=headers)


def put(api: Client, staff_id: str, body: dict[str, Any], **headers: str) -> Any:
    return api.put(
        f"/fhir/Practitioner/{staff_id}", json.dumps(body), content_type="application/fhir+json", headers=headers
    )


@pytest.fixture
def reyes(api: Client, boston: PracticeLocation) -> Staff:
    response = post(api, rn_body(boston))
    assert response.status_code == 201, response.content
    return Staff.objects.get(id=response["Location"].rsplit("/", 1)[1])


def test_it_creates_a_practitioner_with_an_empty_body_and_the_id_in_location(
    api: Client, boston: PracticeLocation, oauth_client: NewClient
) -> None:
    response = post(api, rn_body(boston))

    assert response.status_code == 201
    assert response.content == b""
    staff = Staff.objects.get()
    assert response["Location"] == f"/Practitioner/{staff.id}"
    assert (staff.first_name, staff.last_name, staff.prefix, str(staff.birth_date)) == (
        "Rosa",
        "Reyes",
        "Ms.",
        "1984-03-09",
    )
    assert (staff.npi_number, staff.personal_meeting_room_link) == ("1558444216", "https://meet.example.org/reyes")
    assert staff.primary_practice_location == boston
    assert [(r.role_type, r.code, r.name) for r in staff.roles.all()] == [("clinical", "RN", "Registered Nurse")]
    assert sorted(staff.telecom.values_list("system", "value", "rank")) == [
        ("email", "rosa.reyes@example.org", 1),
        ("phone", "+16175550177", 1),
    ]
    assert OutboxEvent.objects.filter(name="STAFF_CREATED", target_id=staff.id).count() == 1
    actors = set(AuditEntry.objects.filter(target_id=staff.id).values_list("actor_label", flat=True))
    assert actors == {f"system:oauth-client:{oauth_client.client.client_id}"}


def test_it_reads_back_the_extensions(api: Client, reyes: Staff, boston: PracticeLocation) -> None:
    body = parse(api.get(f"/fhir/Practitioner/{reyes.id}"))

    extensions = {e["url"].removeprefix(EXT): e for e in body["extension"]}
    assert extensions["practitioner-personal-meeting-room-link"]["valueUrl"] == "https://meet.example.org/reyes"
    assert (
        extensions["practitioner-primary-practice-location"]["valueReference"]["reference"] == f"Location/{boston.id}"
    )
    assert extensions["roles"]["extension"][0]["valueCoding"]["code"] == "RN"
    assert body["birthDate"] == "1984-03-09"
    assert body["address"] == [
        {
            "use": "work",
            "type": "both",
            "line": ["1 Harbor St"],
            "city": "Boston",
            "state": "MA",
            "postalCode": "02110",
            "country": "US",
        }
    ]
    assert body["telecom"] == [
        {"system": "email", "value": "rosa.reyes@example.org", "use": "work", "rank": 1},
        {"system": "phone", "value": "+16175550177", "use": "work", "rank": 1},
    ]


def test_it_shows_the_login_as_a_read_only_username(api: Client, dr_patel: Staff) -> None:
    body = parse(api.get(f"/fhir/Practitioner/{dr_patel.id}"))

    assert {"url": f"{EXT}practitioner-user-username", "valueString": "maya.patel@example.com"} in body["extension"]


def test_it_returns_the_practitioner_when_asked_to(api: Client, boston: PracticeLocation) -> None:
    response = post(api, rn_body(boston), Prefer="return=representation")

    assert response.status_code == 201
    assert parse(response)["name"][0]["family"] == "Reyes"


@pytest.mark.parametrize(
    ("changes", "element", "problem"),
    [
        ({"name": [{"use": "official", "family": "Reyes", "given": ["Rosa"]}]}, "Practitioner.name[0].use", "usual"),
        ({"name": [{"use": "usual", "family": "Reyes", "given": ["Rosa", "M"]}]}, "Practitioner.name[0].given", "one"),
        ({"name": [{"use": "usual", "given": ["Rosa"]}]}, "Practitioner.name[0].family", "required"),
        ({"name": []}, "Practitioner.name", "required"),
        ({"birthDate": None}, "Practitioner.birthDate", "required"),
        ({"telecom": [{"system": "email", "value": "r@example.org", "rank": 1}]}, "Practitioner.telecom", "phone"),
        ({"telecom": [{"system": "phone", "value": "6175550177", "use": "work"}]}, "Practitioner.telecom", "email"),
        (
            {
                "telecom": [
                    {"system": "phone", "value": "6175550177", "use": "work"},
                    {"system": "email", "value": "r@example.org", "rank": 2},
                ]
            },
            "Practitioner.telecom",
            "rank 1",
        ),
        (
            {"identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "12345"}]},
            "Practitioner.identifier",
            "10 digits",
        ),
        ({"active": "yes"}, "Practitioner.active", "true or false"),
    ],
)
def test_it_refuses_an_invalid_practitioner_naming_the_element_and_writes_nothing(
    api: Client, db: Any, changes: dict[str, Any], element: str, problem: str
) -> None:
    body = {k: v for k, v in rn_body(**changes).items() if v is not None}

    response = post(api, body)

    assert response.status_code == 400
    issue = parse(response)["issue"][0]
    assert issue["expression"] == [element]
    assert problem in issue["diagnostics"]
    assert not Staff.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_it_refuses_an_unknown_primary_location(api: Client, boston: PracticeLocation) -> None:
    body = rn_body()
    body["extension"].append(
        {
            "url": f"{EXT}practitioner-primary-practice-location",
            "valueReference": {"reference": "Location/7d4bd7d9-3a5c-4e43-9d4a-1f1b8f8e2a11"},
        }
    )

    response = post(api, body)

    assert response.status_code == 400
    assert parse(response)["issue"][0]["expression"] == ["Practitioner.extension.valueReference"]


def test_it_updates_a_practitioner_and_deletes_omitted_extensions(api: Client, reyes: Staff) -> None:
    body = rn_body(id=reyes.id, name=[{"use": "usual", "family": "Reyes-Lopez", "given": ["Rosa"]}], extension=[])

    response = put(api, reyes.id, body)

    assert response.status_code == 200
    assert response.content == b""
    reyes.refresh_from_db()
    assert reyes.last_name == "Reyes-Lopez"
    assert reyes.personal_meeting_room_link is None
    assert reyes.primary_practice_location is None
    assert not reyes.roles.exists()


def test_it_deletes_a_phone_an_update_omits(api: Client, reyes: Staff) -> None:
    body = rn_body(id=reyes.id)
    body["telecom"] = [
        {"system": "phone", "value": "6175550188", "use": "work"},
        {"system": "email", "value": "rosa.reyes@example.org", "rank": 1},
    ]

    assert put(api, reyes.id, body).status_code == 200

    assert sorted(reyes.telecom.filter(state="active").values_list("value", flat=True)) == [
        "+16175550188",
        "rosa.reyes@example.org",
    ]
    assert reyes.telecom.get(value="+16175550177").state == "deleted"


def test_it_deletes_an_address_an_update_omits(api: Client, reyes: Staff) -> None:
    body = rn_body(reyes.primary_practice_location, id=reyes.id)
    del body["address"]

    assert put(api, reyes.id, body).status_code == 200

    assert list(reyes.addresses.values_list("city", "state")) == [("Boston", "deleted")]
    assert "address" not in parse(api.get(f"/fhir/Practitioner/{reyes.id}"))


def test_it_refuses_to_change_the_email_on_update(api: Client, reyes: Staff) -> None:
    body = rn_body(id=reyes.id)
    body["telecom"][1]["value"] = "rosa@elsewhere.org"

    response = put(api, reyes.id, body)

    assert response.status_code == 400
    issue = parse(response)["issue"][0]
    assert issue["expression"] == ["Practitioner.telecom"]
    assert "cannot be changed" in issue["diagnostics"]
    assert reyes.telecom.filter(value="rosa@elsewhere.org").count() == 0


def test_it_ignores_the_username_extension_on_update(api: Client, dr_patel: Staff) -> None:
    body = rn_body(id=dr_patel.id, extension=[{"url": f"{EXT}practitioner-user-username", "valueString": "someone"}])
    body["telecom"][1]["value"] = "maya.patel@example.com"

    assert put(api, dr_patel.id, body).status_code == 200

    dr_patel.refresh_from_db()
    assert dr_patel.user is not None and dr_patel.user.email == "maya.patel@example.com"


def test_it_writes_nothing_for_an_update_that_changes_nothing(api: Client, reyes: Staff) -> None:
    before = (OutboxEvent.objects.count(), AuditEntry.objects.count())

    assert put(api, reyes.id, rn_body(reyes.primary_practice_location, id=reyes.id)).status_code == 200

    assert (OutboxEvent.objects.count(), AuditEntry.objects.count()) == before


def test_it_refuses_an_update_made_stale_by_a_later_change(api: Client, reyes: Staff, time_machine: Any) -> None:
    read = api.get(f"/fhir/Practitioner/{reyes.id}")
    seen = read["Last-Modified"]
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=5))
    changed = rn_body(reyes.primary_practice_location, id=reyes.id, birthDate="1984-03-10")
    assert put(api, reyes.id, changed, **{"If-Unmodified-Since": seen}).status_code == 200

    response = put(api, reyes.id, rn_body(id=reyes.id), **{"If-Unmodified-Since": seen})

    assert response.status_code == 412
    reyes.refresh_from_db()
    assert str(reyes.birth_date) == "1984-03-10"
    fresh = http_date((datetime.now(UTC) + timedelta(minutes=1)).timestamp())
    assert put(api, reyes.id, rn_body(id=reyes.id), **{"If-Unmodified-Since": fresh}).status_code == 200


def test_it_answers_404_when_updating_an_unknown_practitioner(api: Client, db: Any) -> None:
    assert put(api, "0123456789abcdef0123456789abcdef", rn_body()).status_code == 404


def test_it_needs_the_write_scope(oauth_client: NewClient, dr_patel: Staff) -> None:
    reader = api_client(oauth_client, "system/Practitioner.read")

    assert post(reader, rn_body()).status_code == 403
    assert put(reader, dr_patel.id, rn_body(id=dr_patel.id)).status_code == 403
    assert Staff.objects.count() == 1
