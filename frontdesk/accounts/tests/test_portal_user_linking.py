"""Staff link a unique login email and/or phone to a patient's portal user."""

from __future__ import annotations

from typing import Any

import pytest
from constance.test import override_config
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import make_patient
from frontdesk.accounts import services
from frontdesk.accounts.models import CanvasUser
from frontdesk.accounts.tests.support import actions, last_email_link, link_in
from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor


@pytest.fixture
def frank(db: Any) -> Any:
    """A patient with no portal user yet."""
    return make_patient("Frank", "Fischer")


def _snapshot() -> list[tuple[Any, ...]]:
    return list(CanvasUser.objects.order_by("dbid").values_list("dbid", "email", "phone_number", "password"))


def _refused(**kwargs: Any) -> dict[str, list[str]]:
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        services.link_portal_user(**kwargs)
    assert _snapshot() == before, "a refused link must change nothing"
    return caught.value.message_dict if hasattr(caught.value, "error_dict") else {"__all__": caught.value.messages}


def test_it_creates_a_portal_user_with_normalised_login_names(frank: Any, staff: Actor) -> None:
    user = services.link_portal_user(
        actor=staff, patient=frank, email="  Frank.Fischer@Example.COM ", phone_number="(617) 555-0199"
    )

    frank.refresh_from_db()
    assert frank.user == user
    assert (user.email, user.phone_number) == ("frank.fischer@example.com", "+16175550199")
    assert not user.has_usable_password()
    assert not user.is_portal_registered
    assert actions(action="portal_user.linked", patient_key=frank.id) == ["portal_user.linked"]


def test_it_links_by_email_only_or_by_phone_only(frank: Any, staff: Actor) -> None:
    user = services.link_portal_user(actor=staff, patient=frank, email="", phone_number="617-555-0199")
    assert (user.email, user.phone_number) == (None, "+16175550199")

    user = services.link_portal_user(actor=staff, patient=frank, email="frank@example.com", phone_number=None)
    assert (user.email, user.phone_number) == ("frank@example.com", None)
    assert CanvasUser.objects.filter(patient=frank).count() == 1


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@example.com ", " Alice@Example.Com"])
def test_it_refuses_an_email_another_account_uses(frank: Any, alice: Any, staff: Actor, email: str) -> None:
    errors = _refused(actor=staff, patient=frank, email=email, phone_number="")
    assert errors == {"email": ["This email address is already used by another account."]}
    frank.refresh_from_db()
    assert frank.user is None


@pytest.mark.parametrize("phone", ["+16175550101", "(617) 555-0101", "617.555.0101"])
def test_it_refuses_a_phone_another_account_uses(frank: Any, alice: Any, staff: Actor, phone: str) -> None:
    errors = _refused(actor=staff, patient=frank, email="frank@example.com", phone_number=phone)
    assert errors == {"phone_number": ["This phone number is already used by another account."]}


def test_it_refuses_a_staff_members_email(frank: Any, dana: Any, staff: Actor) -> None:
    errors = _refused(actor=staff, patient=frank, email="dana@example.com", phone_number="")
    assert list(errors) == ["email"]


def test_it_reports_both_duplicates_at_once_and_keeps_the_existing_login_names(
    alice: Any, charlie: Any, staff: Actor
) -> None:
    errors = _refused(actor=staff, patient=alice, email="charlie@example.com", phone_number="+16175550103")
    assert set(errors) == {"email", "phone_number"}
    alice.user.refresh_from_db()
    assert (alice.user.email, alice.user.phone_number) == ("alice@example.com", "+16175550101")


def test_it_lets_a_patient_keep_their_own_login_names(alice: Any, staff: Actor) -> None:
    user = services.link_portal_user(actor=staff, patient=alice, email="ALICE@example.com", phone_number="6175550101")
    assert (user.email, user.phone_number) == ("alice@example.com", "+16175550101")
    assert user.pk == alice.user.pk


@pytest.mark.parametrize(
    ("email", "phone", "field", "message"),
    [
        ("not-an-email", "", "email", "“not-an-email” is not an email address."),
        ("frank@", "", "email", "“frank@” is not an email address."),
        ("", "555-01", "phone_number", "“555-01” is not a valid phone number."),
        ("", "call me", "phone_number", "“call me” is not a phone number."),
        ("frank@example.com", "+1 555 555 5555", "phone_number", "“+1 555 555 5555” is not a valid phone number."),
    ],
)
def test_it_refuses_a_malformed_login_name_naming_the_problem(
    frank: Any, staff: Actor, email: str, phone: str, field: str, message: str
) -> None:
    assert _refused(actor=staff, patient=frank, email=email, phone_number=phone) == {field: [message]}


def test_it_needs_an_email_or_a_phone(frank: Any, staff: Actor) -> None:
    errors = _refused(actor=staff, patient=frank, email="  ", phone_number="")
    assert errors == {"__all__": ["Enter an email address or a phone number for the portal user."]}


def test_it_refuses_a_phone_when_the_clinic_links_by_email_only(frank: Any, staff: Actor) -> None:
    with override_config(LINK_PORTAL_USERS_BY_EMAIL_ONLY=True):
        errors = _refused(actor=staff, patient=frank, email="frank@example.com", phone_number="(617) 555-0199")
        assert errors == {
            "phone_number": ["This clinic links portal users by email only; leave the phone number empty."]
        }
        assert _refused(actor=staff, patient=frank, email="", phone_number="") == {
            "email": ["Enter an email address for the portal user."]
        }
        user = services.link_portal_user(actor=staff, patient=frank, email="frank@example.com", phone_number="")
    assert (user.email, user.phone_number) == ("frank@example.com", None)


def test_it_stops_links_already_sent_to_an_address_that_changes(
    client: Any, erin: Any, staff: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.send_invite(actor=staff, user=erin.user, channel="email")
    emailed = last_email_link("erin@example.com")
    services.link_portal_user(actor=staff, patient=erin, email="erin.evans@example.com", phone_number="(617) 555-0102")

    response = client.get(emailed)
    assert response.status_code == 400
    assert "This invitation was replaced by a newer one." in response.content.decode()


def test_it_keeps_a_link_sent_to_an_address_that_stays(
    client: Any, erin: Any, staff: Actor, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.send_invite(actor=staff, user=erin.user, channel="sms")
    texted = link_in(sms_outbox[-1].body)
    services.link_portal_user(actor=staff, patient=erin, email="erin.evans@example.com", phone_number="+16175550102")

    assert client.get(texted).status_code == 200


# --- the back office's Portal panel --------------------------------------------------------------


def _link_url(patient: Any) -> str:
    return reverse("admin:clinic_patient_portal_link", args=[patient.dbid])


def test_it_links_from_the_patient_page_in_the_back_office(dana_client: Any, frank: Any) -> None:
    response = dana_client.post(
        _link_url(frank), {"email": "Frank@Example.com", "phone_number": "(617) 555-0199"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("admin:clinic_patient_change", args=[frank.dbid]) + "#portal"
    assert "Portal user saved." in response.content.decode()
    frank.refresh_from_db()
    assert (frank.user.email, frank.user.phone_number) == ("frank@example.com", "+16175550199")
    [entry] = AuditEntry.objects.filter(action="portal_user.linked", patient_key=frank.id)
    assert entry.actor_label == "staff:dana@example.com"


def test_it_shows_why_the_back_office_refused_a_link(dana_client: Any, frank: Any, alice: Any) -> None:
    taken = dana_client.post(_link_url(frank), {"email": "alice@example.com", "phone_number": ""}, follow=True)
    malformed = dana_client.post(_link_url(frank), {"email": "", "phone_number": "555"}, follow=True)

    assert "This email address is already used by another account." in taken.content.decode()
    assert "“555” is not a valid phone number." in malformed.content.decode()
    frank.refresh_from_db()
    assert frank.user is None


def test_it_only_takes_posts(dana_client: Any, frank: Any) -> None:
    assert dana_client.get(_link_url(frank)).status_code == 403
    assert dana_client.post(reverse("admin:clinic_patient_portal_link", args=[999999]), {}).status_code == 404


def test_it_sends_patients_to_the_back_office_sign_in(alice_client: Any, frank: Any) -> None:
    response = alice_client.post(_link_url(frank), {"email": "frank@example.com"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    frank.refresh_from_db()
    assert frank.user is None


def test_it_shows_the_portal_status_on_the_patient_page(
    dana_client: Any, erin: Any, alice: Any, staff: Actor, deliver: Any
) -> None:
    change = reverse("admin:clinic_patient_change", args=[erin.dbid])
    assert "linked, not invited" in dana_client.get(change).content.decode()

    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="email")
    page = dana_client.get(change).content.decode()
    assert "invited, not activated" in page and "Resend invite" in page

    page = dana_client.get(reverse("admin:clinic_patient_change", args=[alice.dbid])).content.decode()
    assert "Status: <strong>active</strong>" in page and "Send password reset" in page
