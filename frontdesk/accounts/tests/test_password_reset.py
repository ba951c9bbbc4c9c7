"""Password reset by email or SMS, asked for by the patient or sent by staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from constance.test import override_config
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, make_patient
from frontdesk.accounts import services
from frontdesk.accounts.models import CanvasUser
from frontdesk.accounts.tests.support import actions, form_errors, last_email_link, link_in, page_text
from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor

FORGOT = "/accounts/password/forgot/"
NEW_PASSWORD = "plum-orchard-lantern-42"
T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)


def _forgot(client: Any, identifier: str) -> Any:
    return client.post(FORGOT, {"identifier": identifier})


def _choose(client: Any, path: str, password: str = NEW_PASSWORD, again: str | None = None) -> Any:
    return client.post(path, {"password": password, "password_again": password if again is None else again})


def _password_is(patient: Any, password: str) -> bool:
    return CanvasUser.objects.get(pk=patient.user.pk).check_password(password)


def test_it_emails_a_reset_link_to_a_patient_who_asks(client: Any, alice: Any, deliver: Any) -> None:
    assert client.get(FORGOT).status_code == 200
    with deliver():
        response = _forgot(client, "  Alice@Example.com ")

    assert response.status_code == 200
    assert "If that email address or phone number belongs to an active portal account" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Reset your frontdesk clinic portal password"
    assert "expires in 60 minutes" in message.body
    assert link_in(message.body).startswith("/accounts/password/reset/")
    assert actions(action="portal_user.password_reset_sent", patient_key=alice.id) == [
        "portal_user.password_reset_sent"
    ]


def test_it_texts_the_link_when_the_patient_types_a_phone(
    client: Any, alice: Any, deliver: Any, sms_outbox: list[Any]
) -> None:
    with deliver():
        _forgot(client, "(617) 555-0101")

    [sms] = sms_outbox
    assert sms.to == "+16175550101"
    assert link_in(sms.body).startswith("/accounts/password/reset/")
    assert mail.outbox == []


def test_it_resets_the_password_and_signs_the_patient_in(client: Any, alice: Any, deliver: Any) -> None:
    with deliver():
        _forgot(client, "alice@example.com")
    link = last_email_link("alice@example.com")
    assert "Choose a new password" in client.get(link).content.decode()

    response = _choose(client, link)

    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    home = client.get(reverse("portal:home"))
    assert home.context["user"] == alice.user
    assert "Your password is changed. You are signed in." in home.content.decode()
    assert _password_is(alice, NEW_PASSWORD) and not _password_is(alice, PASSWORD)
    assert actions(patient_key=alice.id, action__startswith="portal_user.password") == [
        "portal_user.password_reset_sent",
        "portal_user.password_reset",
    ]


def test_it_answers_the_same_whether_or_not_the_account_exists(
    client: Any, alice: Any, deliver: Any, sms_outbox: list[Any]
) -> None:
    make_patient("Nina", "New", email="nina@example.com", registered=False)
    ivy = make_patient("Ivy", "Inactive", email="ivy@example.com")
    CanvasUser.objects.filter(pk=ivy.user.pk).update(is_active=False)

    pages = set()
    with deliver():
        for identifier in [
            "alice@example.com",
            "nobody@example.com",
            "(617) 555-0199",
            "nina@example.com",
            "ivy@example.com",
            "dana@example.com",
            "not an address",
        ]:
            response = _forgot(Client(), identifier)
            assert response.status_code == 200
            pages.add(page_text(response))

    assert len(pages) == 1
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert sms_outbox == []


def test_it_asks_again_for_a_blank_login_name(client: Any, db: Any) -> None:
    response = _forgot(client, "   ")
    assert response.status_code == 200
    assert form_errors(response) == {"identifier": ["This field is required."]}


def test_it_limits_requests_per_login_name(
    client: Any, alice: Any, deliver: Any, sms_outbox: list[Any], time_machine: Any
) -> None:
    time_machine.move_to(T0, tick=False)
    with deliver():
        for _ in range(services.RESETS_PER_HOUR + 2):
            assert _forgot(client, "alice@example.com").status_code == 200
    assert len(mail.outbox) == services.RESETS_PER_HOUR

    # Typing the phone in other formats is still the same login name.
    with deliver():
        for typed in ["(617) 555-0101", "617.555.0101", "+1 617 555 0101", "6175550101", "617-555-0101", "16175550101"]:
            _forgot(client, typed)
    assert len(sms_outbox) == services.RESETS_PER_HOUR

    time_machine.shift(timedelta(hours=1, seconds=1))
    with deliver():
        _forgot(client, "ALICE@example.com")
    assert len(mail.outbox) == services.RESETS_PER_HOUR + 1


def test_it_uses_a_reset_link_only_once(client: Any, alice: Any, deliver: Any) -> None:
    with deliver():
        _forgot(client, "alice@example.com")
    link = last_email_link("alice@example.com")
    _choose(client, link)

    again = _choose(Client(), link, password="another-password-77")

    assert again.status_code == 400
    assert "This password reset link has already been used." in again.content.decode()
    assert _password_is(alice, NEW_PASSWORD)


def test_it_refuses_an_expired_reset_link(
    client: Any, alice: Any, deliver: Any, settings: Any, time_machine: Any
) -> None:
    settings.PASSWORD_RESET_TTL_MINUTES = 60
    time_machine.move_to(T0, tick=False)
    with deliver():
        _forgot(client, "alice@example.com")
    link = last_email_link("alice@example.com")

    time_machine.shift(timedelta(minutes=59))
    assert client.get(link).status_code == 200
    time_machine.shift(timedelta(minutes=1))
    response = _choose(client, link)

    assert response.status_code == 400
    assert "This password reset link has expired." in response.content.decode()
    assert _password_is(alice, PASSWORD)


def test_it_keeps_only_the_newest_reset_link_working(client: Any, alice: Any, deliver: Any) -> None:
    with deliver():
        _forgot(client, "alice@example.com")
        _forgot(client, "alice@example.com")
    first, second = (link_in(m.body) for m in mail.outbox)

    assert "was replaced by a newer one" in client.get(first).content.decode()
    assert _choose(client, second).status_code == 302


@pytest.mark.parametrize(
    ("password", "again", "field", "message"),
    [
        ("short", "short", "password", "This password is too short. It must contain at least 10 characters."),
        ("qwertyuiop", "qwertyuiop", "password", "This password is too common."),
        (NEW_PASSWORD, "something-else-entirely", "password_again", "The two passwords are not the same."),
    ],
)
def test_it_refuses_a_bad_new_password_and_the_link_keeps_working(
    client: Any, alice: Any, deliver: Any, password: str, again: str, field: str, message: str
) -> None:
    with deliver():
        _forgot(client, "alice@example.com")
    link = last_email_link("alice@example.com")

    response = _choose(client, link, password, again)

    assert response.status_code == 400
    assert message in form_errors(response)[field]
    assert _password_is(alice, PASSWORD)
    assert _choose(client, link).status_code == 302


def test_it_refuses_an_unknown_reset_link(client: Any, db: Any) -> None:
    response = client.get("/accounts/password/reset/made-up-token/")
    assert response.status_code == 400
    assert "This password reset link is not valid." in response.content.decode()


def test_it_signs_out_every_other_device(client: Any, alice: Any, deliver: Any) -> None:
    elsewhere = Client()
    elsewhere.post("/accounts/login/", {"identifier": "alice@example.com", "password": PASSWORD})
    assert elsewhere.get(reverse("portal:home")).status_code == 200
    with deliver():
        _forgot(client, "alice@example.com")

    _choose(client, last_email_link("alice@example.com"))

    assert elsewhere.get(reverse("portal:home")).status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200


def test_it_lifts_the_sign_in_throttle(client: Any, alice: Any, deliver: Any, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    for _ in range(2):
        client.post("/accounts/login/", {"identifier": "alice@example.com", "password": "wrong-password-123"})
    with deliver():
        _forgot(client, "alice@example.com")
    _choose(client, last_email_link("alice@example.com"))
    client.post(reverse("accounts:logout"))

    response = client.post("/accounts/login/", {"identifier": "(617) 555-0101", "password": NEW_PASSWORD})
    assert response.status_code == 302


# --- sent by staff ------------------------------------------------------------------------------


def _reset_url(patient: Any) -> str:
    return reverse("admin:clinic_patient_portal_reset", args=[patient.dbid])


@pytest.mark.parametrize(("channel", "sent_to"), [("email", "alice@example.com"), ("sms", "+16175550101")])
def test_it_lets_staff_send_a_reset_link(
    dana_client: Any, alice: Any, deliver: Any, sms_outbox: list[Any], channel: str, sent_to: str
) -> None:
    with deliver():
        response = dana_client.post(_reset_url(alice), {"channel": channel}, follow=True)

    assert f"Password reset link sent by {channel}." in response.content.decode()
    sent = [(m.to[0], m.body) for m in mail.outbox] + [(s.to, s.body) for s in sms_outbox]
    [(to, body)] = sent
    assert to == sent_to
    [entry] = AuditEntry.objects.filter(action="portal_user.password_reset_sent")
    assert entry.actor_label == "staff:dana@example.com" and entry.detail == {"channel": channel}
    assert _choose(Client(), link_in(body)).status_code == 302


def test_it_asks_staff_to_invite_a_patient_who_has_not_activated(
    dana_client: Any, erin: Any, deliver: Any, staff: Actor
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.send_password_reset(actor=staff, user=erin.user, channel="email")
    assert caught.value.messages == ["This patient has not activated their account yet; send an invite instead."]
    with deliver():
        response = dana_client.post(_reset_url(erin), {"channel": "email"}, follow=True)
    assert "send an invite instead" in response.content.decode()
    assert mail.outbox == []


def test_it_refuses_sms_resets_when_the_clinic_links_by_email_only(
    client: Any, alice: Any, staff: Actor, deliver: Any, sms_outbox: list[Any]
) -> None:
    with override_config(LINK_PORTAL_USERS_BY_EMAIL_ONLY=True):
        with pytest.raises(ValidationError):
            services.send_password_reset(actor=staff, user=alice.user, channel="sms")
        with deliver():
            response = _forgot(client, "(617) 555-0101")
    assert response.status_code == 200
    assert sms_outbox == []
