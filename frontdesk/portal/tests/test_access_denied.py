"""Nobody reaches another patient's data, or any portal page without signing in.

Every URL that takes an id answers 404 (never 403) for anything but the patient's own record.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from conftest import make_patient
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import PatientContactPoint
from frontdesk.clinic.services import add_contact_point, delete_contact_point
from frontdesk.events.models import OutboxEvent
from frontdesk.lib.sms import MemorySmsBackend

UNKNOWN_ID = "0b7c2a64-5f1e-4d3a-8c9b-2e4f6a8d0c1e"  # fixed, so xdist workers collect the same test ids


@pytest.fixture
def alices_email(alice: Any) -> PatientContactPoint:
    return add_contact_point(actor=Actor.system("tests"), patient=alice, system="email", value="alice.home@example.com")


def _id_urls(point_id: Any) -> list[tuple[str, str]]:
    return [
        ("post", reverse("portal:send_code", args=[point_id])),
        ("get", reverse("portal:verify", args=[point_id])),
        ("post", reverse("portal:verify", args=[point_id])),
    ]


def test_it_hides_another_patients_contact_point(
    charlie_client: Any, alices_email: PatientContactPoint, django_capture_on_commit_callbacks: Any
) -> None:
    events = OutboxEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        for method, url in _id_urls(alices_email.id):
            assert getattr(charlie_client, method)(url, {"code": "123456"}).status_code == 404, url

    point = PatientContactPoint.objects.get(pk=alices_email.pk)
    assert (point.verification_token, point.verification_attempts, point.last_verified) == ("", 0, None)
    assert mail.outbox == [] and MemorySmsBackend.sent == []
    assert OutboxEvent.objects.count() == events


@pytest.mark.parametrize("point_id", ["not-a-uuid", "1", "0" * 32 + "z", "7d9f3c4e-1b2a-4c5d-9e8f-0a1b2c3d4e5f", "%00"])
def test_it_answers_404_for_a_malformed_or_unknown_id(alice_client: Any, point_id: str) -> None:
    for method, url in [
        ("post", f"/account/contact/{point_id}/send-code/"),
        ("get", f"/account/contact/{point_id}/verify/"),
        ("post", f"/account/contact/{point_id}/verify/"),
    ]:
        assert getattr(alice_client, method)(url).status_code == 404, url


def test_it_answers_404_for_a_deleted_contact_point(alice_client: Any, alices_email: PatientContactPoint) -> None:
    delete_contact_point(actor=Actor.system("tests"), contact_point=alices_email)
    for method, url in _id_urls(alices_email.id):
        assert getattr(alice_client, method)(url).status_code == 404, url


def test_it_answers_404_to_a_patient_whose_record_is_inactive(client: Any, db: Any) -> None:
    gone = make_patient("Gina", "Gone", email="gina@example.com", active=False)
    client.force_login(gone.user, backend="frontdesk.accounts.backends.IdentifierBackend")
    for url in ("/", "/health/", "/account/"):
        assert client.get(url).status_code == 404, url


def test_it_answers_404_to_staff_without_a_patient_record(dana_client: Any) -> None:
    for url in ("/", "/health/", "/account/"):
        assert dana_client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/"),
        ("get", "/health/"),
        ("get", "/account/"),
        ("get", "/account/password/"),
        ("post", "/account/password/"),
        ("post", "/account/sessions/end/"),
        ("get", f"/account/contact/{UNKNOWN_ID}/send-code/"),
        ("post", f"/account/contact/{UNKNOWN_ID}/send-code/"),
        ("get", f"/account/contact/{UNKNOWN_ID}/verify/"),
    ],
)
def test_it_sends_visitors_to_sign_in(client: Any, db: Any, method: str, url: str) -> None:
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", ["/account/password/", "/account/sessions/end/"])
def test_it_only_takes_posts_where_something_changes(alice_client: Any, url: str) -> None:
    assert alice_client.get(url).status_code == 405
    assert alice_client.get("/").status_code == 200  # still signed in
