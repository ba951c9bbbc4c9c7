"""Staff read every email and SMS frontdesk wrote to the local outbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from frontdesk.accounts import services
from frontdesk.audit.services import Actor

OUTBOX = "/admin/outbox/"


@pytest.fixture
def sent(settings: Any, erin: Any, alice: Any, staff: Actor, deliver: Any) -> dict[str, str]:
    """An invite email to Erin and a reset SMS to Alice, written by the file backends."""
    settings.EMAIL_BACKEND = "frontdesk.lib.mail.OutboxEmailBackend"
    settings.SMS_BACKEND = "frontdesk.lib.sms.OutboxSmsBackend"
    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="email")
    with deliver():
        services.send_password_reset(actor=staff, user=alice.user, channel="sms")
    email, sms = sorted(p.name for p in Path(settings.OUTBOX_DIR).iterdir())
    return {"email": email, "sms": sms}


def test_it_lists_sent_messages_newest_first(dana_client: Any, sent: dict[str, str]) -> None:
    page = dana_client.get(OUTBOX).content.decode()

    assert "Your invitation to the frontdesk clinic patient portal" in page
    assert "+16175550101" in page and "erin@example.com" in page
    assert page.index(sent["sms"]) < page.index(sent["email"])
    assert reverse("outbox_item", args=[sent["email"]]) in page


def test_it_says_when_nothing_was_sent(dana_client: Any) -> None:
    assert "Nothing sent yet." in dana_client.get(OUTBOX).content.decode()


def test_it_lists_messages_in_a_fixed_number_of_queries(
    dana_client: Any, sent: dict[str, str], staff: Actor, erin: Any, deliver: Any, django_assert_num_queries: Any
) -> None:
    dana_client.get(OUTBOX)
    with django_assert_num_queries(2) as few:
        dana_client.get(OUTBOX)
    for _ in range(3):
        with deliver():
            services.send_invite(actor=staff, user=erin.user, channel="email")
    with django_assert_num_queries(len(few.captured_queries)):
        dana_client.get(OUTBOX)


def test_it_shows_one_message_with_its_link(dana_client: Any, sent: dict[str, str]) -> None:
    response = dana_client.get(reverse("outbox_item", args=[sent["email"]]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "erin@example.com" in page
    assert '<a href="http://testserver/accounts/activate/' in page

    sms = dana_client.get(reverse("outbox_item", args=[sent["sms"]])).content.decode()
    assert "SMS to +16175550101" in sms
    assert "http://testserver/accounts/password/reset/" in sms


@pytest.mark.parametrize(
    "name",
    [
        "no-such-message.eml",
        ".hidden",
        "..",
        "..%2F..%2Fsettings.py",
        "%2E%2E%2Fsecret",
        "20250101T000000000000Z-sms-missing.json",
        "notes.txt",
        "20250101T000000000000Z-sms-broken.json",
    ],
)
def test_it_answers_404_for_anything_but_a_message(dana_client: Any, settings: Any, name: str) -> None:
    outbox = Path(settings.OUTBOX_DIR)
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / "notes.txt").write_text("not a message")
    (outbox / "20250101T000000000000Z-sms-broken.json").write_text('{"body": "no recipient"}')
    (outbox.parent / "secret").write_text("outside the outbox")

    assert dana_client.get(f"{OUTBOX}{name}/").status_code == 404


def test_it_sends_patients_and_strangers_to_the_back_office_sign_in(
    client: Any, alice_client: Any, sent: dict[str, str]
) -> None:
    for url in (OUTBOX, reverse("outbox_item", args=[sent["email"]])):
        response = alice_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    alice_client.logout()
    assert client.get(OUTBOX)["Location"].startswith("/admin/login/")
