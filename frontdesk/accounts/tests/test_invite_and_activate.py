"""Staff invite a patient by email or SMS; the patient follows the link once to set a password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from constance.test import override_config
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import PASSWORD
from frontdesk.accounts import services
from frontdesk.accounts.models import CanvasUser
from frontdesk.accounts.tests.support import actions, form_errors, last_email_link, link_in
from frontdesk.audit.services import Actor

NEW_PASSWORD = "plum-orchard-lantern-42"
T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)


def _invite_url(patient: Any) -> str:
    return reverse("admin:clinic_patient_portal_invite", args=[patient.dbid])


def _activate(client: Any, path: str, password: str = NEW_PASSWORD, again: str | None = None) -> Any:
    return client.post(path, {"password": password, "password_again": password if again is None else again})


def test_it_sends_an_invitation_by_email_from_the_back_office(
    dana_client: Any, erin: Any, deliver: Any, time_machine: Any
) -> None:
    time_machine.move_to(T0, tick=False)
    with deliver():
        response = dana_client.post(_invite_url(erin), {"channel": "email"}, follow=True)

    assert "Invitation sent by email." in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["erin@example.com"]
    assert message.subject == "Your invitation to the frontdesk clinic patient portal"
    assert message.body.startswith("Hello Erin,")
    assert link_in(message.body).startswith("/accounts/activate/")
    assert "expires March 6, 2025, 10 a.m. (America/New_York)" in message.body  # 72 h, in the patient's zone
    erin.user.refresh_from_db()
    assert erin.user.last_invite_date_time == T0
    assert actions(action="portal_user.invited", patient_key=erin.id) == ["portal_user.invited"]


def test_it_states_the_expiry_in_the_patients_own_time_zone(
    erin: Any, staff: Actor, deliver: Any, time_machine: Any
) -> None:
    erin.last_known_timezone = "America/Los_Angeles"
    erin.save(update_fields=["last_known_timezone"])
    time_machine.move_to(T0, tick=False)
    with deliver():
        services.send_invite(actor=staff, user=CanvasUser.objects.get(pk=erin.user.pk), channel="email")

    assert "expires March 6, 2025, 7 a.m. (America/Los_Angeles)" in mail.outbox[0].body


def test_it_sends_an_invitation_by_sms(dana_client: Any, erin: Any, deliver: Any, sms_outbox: list[Any]) -> None:
    with deliver():
        response = dana_client.post(_invite_url(erin), {"channel": "sms"}, follow=True)

    assert "Invitation sent by sms." in response.content.decode()
    [sms] = sms_outbox
    assert sms.to == "+16175550102"
    assert sms.body.startswith("frontdesk clinic invites you to its patient portal.")
    assert link_in(sms.body).startswith("/accounts/activate/")
    assert mail.outbox == []


def test_it_refuses_sms_invitations_when_the_clinic_links_by_email_only(
    dana_client: Any, erin: Any, deliver: Any, sms_outbox: list[Any]
) -> None:
    with override_config(LINK_PORTAL_USERS_BY_EMAIL_ONLY=True), deliver():
        response = dana_client.post(_invite_url(erin), {"channel": "sms"}, follow=True)

    assert "This clinic links portal users by email only; send by email." in response.content.decode()
    assert sms_outbox == []
    erin.user.refresh_from_db()
    assert erin.user.last_invite_date_time is None
    assert actions(action="portal_user.invited") == []


def test_it_refuses_a_channel_the_user_has_no_address_for(erin: Any, staff: Actor) -> None:
    services.link_portal_user(actor=staff, patient=erin, email="erin@example.com", phone_number="")
    with pytest.raises(ValidationError) as caught:
        services.send_invite(actor=staff, user=erin.user, channel="sms")
    assert caught.value.message_dict == {
        "channel": ["This portal user has no phone number; link one or send by email."]
    }


def test_it_asks_staff_to_link_a_user_before_inviting(dana_client: Any, deliver: Any) -> None:
    from conftest import make_patient

    frank = make_patient("Frank", "Fischer")
    with deliver():
        response = dana_client.post(_invite_url(frank), {"channel": "email"}, follow=True)
    assert "Link an email or phone to the portal user first." in response.content.decode()
    assert mail.outbox == []


def test_it_tells_staff_the_patient_already_activated(dana_client: Any, alice: Any, deliver: Any, staff: Actor) -> None:
    with pytest.raises(ValidationError) as caught:
        services.send_invite(actor=staff, user=alice.user, channel="email")
    assert caught.value.messages == ["This patient already activated their account; send a password reset instead."]
    with deliver():
        response = dana_client.post(_invite_url(alice), {"channel": "email"}, follow=True)
    assert "already activated their account" in response.content.decode()
    assert mail.outbox == []


def test_it_activates_the_account_signs_the_patient_in_and_records_it(
    client: Any, erin: Any, staff: Actor, deliver: Any, time_machine: Any
) -> None:
    time_machine.move_to(T0, tick=False)
    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="email")
    link = last_email_link("erin@example.com")

    page = client.get(link)
    assert page.status_code == 200
    assert "Activate your account" in page.content.decode()

    time_machine.shift(timedelta(hours=1))
    response = _activate(client, link)

    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    assert home.context["user"] == erin.user
    assert "Your account is active. Welcome!" in home.content.decode()
    user = CanvasUser.objects.get(pk=erin.user.pk)
    assert user.is_portal_registered
    assert user.portal_activated_at == T0 + timedelta(hours=1)
    assert user.check_password(NEW_PASSWORD)
    assert actions(patient_key=erin.id, action__startswith="portal_user.") == [
        "portal_user.linked",
        "portal_user.invited",
        "portal_user.activated",
    ]


def test_it_lets_the_activated_patient_sign_in_later(client: Any, erin: Any, staff: Actor, deliver: Any) -> None:
    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="sms")
    from frontdesk.lib.sms import MemorySmsBackend

    _activate(client, link_in(MemorySmsBackend.sent[-1].body))
    client.post(reverse("accounts:logout"))

    response = client.post(reverse("accounts:login"), {"identifier": "(617) 555-0102", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_it_uses_a_link_only_once(client: Any, erin: Any, staff: Actor, deliver: Any) -> None:
    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="email")
    link = last_email_link("erin@example.com")
    _activate(client, link)
    client.post(reverse("accounts:logout"))

    again = _activate(client, link, password="another-password-77")

    assert again.status_code == 400
    assert "This invitation has already been used. Sign in, or ask for a new one." in again.content.decode()
    assert CanvasUser.objects.get(pk=erin.user.pk).check_password(NEW_PASSWORD)


def test_it_refuses_an_expired_link(
    client: Any, erin: Any, staff: Actor, deliver: Any, settings: Any, time_machine: Any
) -> None:
    settings.INVITE_TTL_HOURS = 72
    time_machine.move_to(T0, tick=False)
    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="email")
    link = last_email_link("erin@example.com")

    time_machine.move_to(T0 + timedelta(hours=72) - timedelta(seconds=1), tick=False)
    assert client.get(link).status_code == 200

    time_machine.move_to(T0 + timedelta(hours=72), tick=False)
    response = _activate(client, link)

    assert response.status_code == 400
    assert "This invitation has expired." in response.content.decode()
    assert not CanvasUser.objects.get(pk=erin.user.pk).is_portal_registered


def test_it_follows_the_configured_lifetime(
    client: Any, erin: Any, staff: Actor, deliver: Any, settings: Any, time_machine: Any
) -> None:
    settings.INVITE_TTL_HOURS = 2
    time_machine.move_to(T0, tick=False)
    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="email")

    time_machine.shift(timedelta(hours=2, minutes=1))
    assert client.get(last_email_link("erin@example.com")).status_code == 400


def test_it_keeps_only_the_newest_link_working(client: Any, erin: Any, staff: Actor, deliver: Any) -> None:
    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="email")
    first = last_email_link("erin@example.com")
    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="email")
    second = last_email_link("erin@example.com")
    assert first != second

    old = client.get(first)
    assert old.status_code == 400
    assert "This invitation was replaced by a newer one. Use the most recent message." in old.content.decode()
    assert _activate(client, second).status_code == 302


@pytest.mark.parametrize(
    ("password", "again", "field", "message"),
    [
        ("short", "short", "password", "This password is too short. It must contain at least 10 characters."),
        ("password123", "password123", "password", "This password is too common."),
        ("8675309123456", "8675309123456", "password", "This password is entirely numeric."),
        ("erin@example.com", "erin@example.com", "password", "The password is too similar to the email."),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "password_again", "The two passwords are not the same."),
        ("", "", "password", "This field is required."),
    ],
)
def test_it_refuses_a_bad_password_and_the_link_keeps_working(
    client: Any, erin: Any, staff: Actor, deliver: Any, password: str, again: str, field: str, message: str
) -> None:
    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="email")
    link = last_email_link("erin@example.com")

    response = _activate(client, link, password=password, again=again)

    assert response.status_code == 400
    assert message in form_errors(response)[field]
    user = CanvasUser.objects.get(pk=erin.user.pk)
    assert not user.is_portal_registered and not user.has_usable_password()
    assert "_auth_user_id" not in client.session
    assert _activate(client, link).status_code == 302


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 43, "%20"])
def test_it_refuses_an_unknown_link(client: Any, erin: Any, token: str) -> None:
    response = client.get(f"/accounts/activate/{token}/")
    assert response.status_code == 400
    assert "This invitation is not valid. Check that you copied the whole link." in response.content.decode()


def test_it_refuses_a_password_reset_link_as_an_invitation(client: Any, alice: Any, staff: Actor, deliver: Any) -> None:
    with deliver():
        services.send_password_reset(actor=staff, user=alice.user, channel="email")
    reset_link = last_email_link("alice@example.com")
    token = reset_link.rstrip("/").rsplit("/", 1)[1]

    response = _activate(client, f"/accounts/activate/{token}/")
    assert response.status_code == 400
    assert "This invitation is not valid." in response.content.decode()
    assert CanvasUser.objects.get(pk=alice.user.pk).check_password(PASSWORD)


def test_it_refuses_the_link_of_a_deactivated_user(client: Any, erin: Any, staff: Actor, deliver: Any) -> None:
    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="email")
    CanvasUser.objects.filter(pk=erin.user.pk).update(is_active=False)

    response = client.get(last_email_link("erin@example.com"))
    assert response.status_code == 400
    assert "This invitation is not valid. Contact the clinic." in response.content.decode()
