"""Patients confirm their email addresses and phone numbers with a six-digit code."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from frontdesk.accounts import services
from frontdesk.accounts.tests.support import actions
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import PatientContactPoint
from frontdesk.clinic.services import add_contact_point, delete_contact_point
from frontdesk.events.models import OutboxEvent

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
CODE = re.compile(r"verification code is (\d{6})\.")


@pytest.fixture
def points(alice: Any) -> dict[str, PatientContactPoint]:
    actor = Actor.system("tests")
    return {
        "email": add_contact_point(actor=actor, patient=alice, system="email", value="Alice.Home@Example.com"),
        "phone": add_contact_point(actor=actor, patient=alice, system="phone", value="(617) 555-0111", use="mobile"),
        "fax": add_contact_point(actor=actor, patient=alice, system="fax", value="617-555-0112"),
    }


def _send(client: Any, point: PatientContactPoint) -> Any:
    return client.post(reverse("portal:send_code", args=[point.id]))


def _enter(client: Any, point: PatientContactPoint, code: str) -> Any:
    return client.post(reverse("portal:verify", args=[point.id]), {"code": code})


def _code_in(text: str) -> str:
    [code] = CODE.findall(text)
    return code


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _fresh(point: PatientContactPoint) -> PatientContactPoint:
    return PatientContactPoint.objects.get(pk=point.pk)


def test_it_lists_the_patients_contact_points(alice_client: Any, points: dict[str, Any], charlie: Any) -> None:
    add_contact_point(actor=Actor.system("tests"), patient=charlie, system="email", value="charlie.home@example.com")
    gone = add_contact_point(
        actor=Actor.system("tests"), patient=points["email"].patient, system="email", value="old@example.com"
    )
    delete_contact_point(actor=Actor.system("tests"), contact_point=gone)

    page = alice_client.get(reverse("portal:account")).content.decode()

    assert "alice.home@example.com" in page and "+16175550111" in page and "+16175550112" in page
    assert "charlie.home@example.com" not in page and "old@example.com" not in page
    assert page.count("Send verification code") == 2  # not for the fax
    assert reverse("portal:send_code", args=[points["email"].id]) in page
    assert reverse("portal:send_code", args=[points["fax"].id]) not in page


def test_it_shows_the_account_page_in_a_fixed_number_of_queries(
    alice_client: Any, alice: Any, points: dict[str, Any], django_assert_num_queries: Any
) -> None:
    alice_client.get(reverse("portal:account"))  # warm the session
    with django_assert_num_queries(6) as few:  # 5, and the connected apps
        alice_client.get(reverse("portal:account"))
    for n in range(5):
        add_contact_point(actor=Actor.system("tests"), patient=alice, system="email", value=f"extra{n}@example.com")
    with django_assert_num_queries(len(few.captured_queries)):
        alice_client.get(reverse("portal:account"))


def test_it_emails_a_six_digit_code_without_announcing_a_change(
    alice_client: Any, points: dict[str, Any], deliver: Any
) -> None:
    events_before = OutboxEvent.objects.count()
    with deliver():
        response = _send(alice_client, points["email"])

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:verify", args=[points["email"].id])
    [message] = mail.outbox
    assert message.to == ["alice.home@example.com"]
    assert message.subject == "Your frontdesk clinic verification code"
    assert re.fullmatch(r"\d{6}", _code_in(message.body))
    assert "expires in 15 minutes" in message.body
    assert OutboxEvent.objects.count() == events_before
    assert actions(action="contact_point.verification_sent", patient_key=points["email"].patient.id) == [
        "contact_point.verification_sent"
    ]
    page = alice_client.get(response["Location"]).content.decode()
    assert "We sent a code to alice.home@example.com." in page
    assert _code_in(message.body) not in page


def test_it_texts_a_code_to_a_phone(
    alice_client: Any, points: dict[str, Any], deliver: Any, sms_outbox: list[Any]
) -> None:
    with deliver():
        _send(alice_client, points["phone"])

    [sms] = sms_outbox
    assert sms.to == "+16175550111"
    assert re.fullmatch(r"\d{6}", _code_in(sms.body))
    assert mail.outbox == []


def test_it_verifies_the_right_code_and_announces_it(
    alice_client: Any, points: dict[str, Any], deliver: Any, time_machine: Any
) -> None:
    time_machine.move_to(T0, tick=False)
    point = points["email"]
    with deliver():
        _send(alice_client, point)
    code = _code_in(mail.outbox[0].body)
    events_before = OutboxEvent.objects.count()

    time_machine.shift(timedelta(minutes=3))
    response = _enter(alice_client, point, f" {code[:3]} {code[3:]} ")

    assert response.status_code == 302 and response["Location"] == reverse("portal:account")
    assert _fresh(point).last_verified == T0 + timedelta(minutes=3)
    [event] = OutboxEvent.objects.all()[events_before:]
    assert (event.name, event.target_id, event.target_type) == (
        "PATIENT_CONTACT_POINT_UPDATED",
        str(point.id),
        "PatientContactPoint",
    )
    assert event.context == {"patient": {"id": point.patient.id}}
    assert actions(action="contact_point.verified") == ["contact_point.verified"]
    page = alice_client.get(reverse("portal:account")).content.decode()
    assert "alice.home@example.com is verified." in page
    assert page.count("Send verification code") == 1  # the phone only


def test_it_refuses_a_code_once_used(alice_client: Any, points: dict[str, Any], deliver: Any) -> None:
    point = points["email"]
    with deliver():
        _send(alice_client, point)
    code = _code_in(mail.outbox[0].body)
    _enter(alice_client, point, code)

    response = _enter(alice_client, point, code)
    assert response.status_code == 400
    assert "No code is waiting for this contact point. Ask for a new one." in response.content.decode()


def test_it_counts_wrong_codes_and_wants_a_new_one_after_five(
    alice_client: Any, points: dict[str, Any], deliver: Any, time_machine: Any
) -> None:
    time_machine.move_to(T0, tick=False)
    point = points["phone"]
    with deliver():
        _send(alice_client, point)
    from frontdesk.lib.sms import MemorySmsBackend

    code = _code_in(MemorySmsBackend.sent[-1].body)
    events_before = OutboxEvent.objects.count()

    for attempt in range(1, services.MAX_CODE_ATTEMPTS + 1):
        response = _enter(alice_client, point, _wrong(code))
        assert response.status_code == 400
        assert response.context["form"].errors["code"] == [
            "That code is not right. Check the latest message and try again."
        ]
        assert _fresh(point).verification_attempts == attempt

    response = _enter(alice_client, point, code)
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["Too many wrong codes. Ask for a new one."]
    assert _fresh(point).last_verified is None
    assert OutboxEvent.objects.count() == events_before

    time_machine.shift(timedelta(seconds=services.CODE_RESEND_SECONDS + 1))
    with deliver():
        _send(alice_client, point)
    new_code = _code_in(MemorySmsBackend.sent[-1].body)
    assert _enter(alice_client, point, new_code).status_code == 302
    assert _fresh(point).last_verified is not None


def test_it_refuses_an_expired_code(
    alice_client: Any, points: dict[str, Any], deliver: Any, settings: Any, time_machine: Any
) -> None:
    settings.VERIFICATION_CODE_TTL_MINUTES = 15
    time_machine.move_to(T0, tick=False)
    point = points["email"]
    with deliver():
        _send(alice_client, point)
    code = _code_in(mail.outbox[0].body)

    time_machine.shift(timedelta(minutes=15))
    response = _enter(alice_client, point, code)

    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["This code has expired. Ask for a new one."]
    assert _fresh(point).last_verified is None
    assert "Enter code" not in alice_client.get(reverse("portal:account")).content.decode()


def test_it_asks_to_wait_before_sending_another_code(
    alice_client: Any, points: dict[str, Any], deliver: Any, time_machine: Any
) -> None:
    time_machine.move_to(T0, tick=False)
    point = points["email"]
    with deliver():
        _send(alice_client, point)
        time_machine.shift(timedelta(seconds=services.CODE_RESEND_SECONDS - 1))
        response = _send(alice_client, point)

    assert response["Location"] == reverse("portal:account")
    page = alice_client.get(response["Location"]).content.decode()
    assert "A code was sent moments ago. Wait half a minute before asking for another." in page
    assert len(mail.outbox) == 1


def test_it_only_accepts_the_newest_code(
    alice_client: Any, points: dict[str, Any], deliver: Any, time_machine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = iter([111111, 222222])
    monkeypatch.setattr(services.secrets, "randbelow", lambda _: next(codes))
    time_machine.move_to(T0, tick=False)
    point = points["email"]
    with deliver():
        _send(alice_client, point)
        time_machine.shift(timedelta(minutes=1))
        _send(alice_client, point)
    assert [_code_in(m.body) for m in mail.outbox] == ["111111", "222222"]

    assert _enter(alice_client, point, "111111").status_code == 400
    assert _enter(alice_client, point, "222222").status_code == 302


def test_it_cannot_verify_a_fax_number(alice_client: Any, points: dict[str, Any], deliver: Any) -> None:
    with deliver():
        response = _send(alice_client, points["fax"])

    assert response["Location"] == reverse("portal:account")
    page = alice_client.get(reverse("portal:account")).content.decode()
    assert "Only email addresses and phone numbers can be verified." in page
    assert mail.outbox == []


def test_it_asks_for_a_code_before_one_was_sent(alice_client: Any, points: dict[str, Any]) -> None:
    page = alice_client.get(reverse("portal:verify", args=[points["email"].id]))
    assert page.status_code == 200
    assert "Enter the six-digit code we sent to alice.home@example.com." in page.content.decode()

    response = _enter(alice_client, points["email"], "123456")
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["No code is waiting for this contact point. Ask for a new one."]
