"""Patients sign in with their email or phone and password; failures say nothing about who exists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

import frontdesk.settings as real_settings
from conftest import PASSWORD, make_patient
from frontdesk.accounts.models import CanvasUser
from frontdesk.accounts.services import InvalidLogin
from frontdesk.accounts.tests.support import actions, form_errors, page_text
from frontdesk.audit.models import AuditEntry

LOGIN = "/accounts/login/"
T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)


def _sign_in(client: Any, identifier: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN, {"identifier": identifier, "password": password}, **extra)


def _signed_in_as(client: Any) -> Any:
    response = client.get(reverse("portal:home"))
    return response.context["user"] if response.status_code == 200 else None


@pytest.mark.parametrize("identifier", ["alice@example.com", "  Alice@Example.COM  ", "ALICE@EXAMPLE.COM"])
def test_it_signs_in_by_email_trimmed_and_in_any_case(client: Any, alice: Any, identifier: str) -> None:
    response = _sign_in(client, identifier)

    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert _signed_in_as(client) == alice.user


@pytest.mark.parametrize(
    "identifier", ["(617) 555-0101", "617-555-0101", "617.555.0101", "6175550101", "+1 617 555 0101", "+16175550101"]
)
def test_it_signs_in_by_phone_in_any_common_format(client: Any, alice: Any, identifier: str) -> None:
    assert _sign_in(client, identifier).status_code == 302
    assert _signed_in_as(client) == alice.user


def test_it_shows_the_sign_in_form(client: Any, db: Any) -> None:
    response = client.get(LOGIN)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="identifier"' in page and 'autocomplete="username"' in page
    assert 'type="password"' in page and 'autocomplete="current-password"' in page
    assert 'href="/accounts/password/forgot/"' in page
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/account/", "/account/"),
        ("/health/?x=1", "/health/?x=1"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_it_returns_to_a_local_next_page_only(client: Any, alice: Any, next_url: str, lands_on: str) -> None:
    response = client.post(LOGIN, {"identifier": "alice@example.com", "password": PASSWORD, "next": next_url})
    assert response["Location"] == lands_on


def test_it_sends_a_signed_in_patient_on(alice_client: Any) -> None:
    response = alice_client.get(LOGIN + "?next=/account/")
    assert response.status_code == 302 and response["Location"] == "/account/"


def test_it_gives_one_message_whatever_the_reason(alice: Any, dana: Any, settings: Any) -> None:
    ivy = make_patient("Ivy", "Inactive", email="ivy@example.com")
    CanvasUser.objects.filter(pk=ivy.user.pk).update(is_active=False)
    make_patient("Nina", "New", email="nina@example.com", registered=False)
    CanvasUser.objects.create_user(email="nopatient@example.com", password=PASSWORD)
    settings.ALLOW_DEMO_ACCOUNTS = False
    settings.LOGIN_FAILURES_PER_ADDRESS = 100  # every attempt comes from the same test address
    demo = make_patient("Demi", "Demo", email="demi@example.com")
    CanvasUser.objects.filter(pk=demo.user.pk).update(is_demo=True)

    attempts = {
        "unknown account": ("nobody@example.com", PASSWORD),
        "unknown phone": ("(617) 555-0199", PASSWORD),
        "not an email or phone": ("alice", PASSWORD),
        "wrong password": ("alice@example.com", "wrong-password-123"),
        "inactive account": ("ivy@example.com", PASSWORD),
        "not yet activated": ("nina@example.com", PASSWORD),
        "staff member": ("dana@example.com", PASSWORD),
        "user without a patient": ("nopatient@example.com", PASSWORD),
        "demo account": ("demi@example.com", PASSWORD),
    }
    pages = {}
    for reason, (identifier, password) in attempts.items():
        response = _sign_in(Client(), identifier, password)
        assert response.status_code == 200, reason
        assert form_errors(response) == {"__all__": [InvalidLogin.MESSAGE]}, reason
        pages[reason] = page_text(response).replace(identifier, "…")
    assert len(set(pages.values())) == 1, "the pages differ by more than the typed login name"
    assert InvalidLogin.MESSAGE == "That email or phone number and password do not match an active portal account."


def test_it_refuses_demo_accounts_unless_they_are_allowed(client: Any, settings: Any, db: Any) -> None:
    demo = make_patient("Demi", "Demo", email="demi@example.com")
    CanvasUser.objects.filter(pk=demo.user.pk).update(is_demo=True)

    settings.ALLOW_DEMO_ACCOUNTS = False
    assert _sign_in(client, "demi@example.com").status_code == 200
    assert _signed_in_as(client) is None

    settings.ALLOW_DEMO_ACCOUNTS = True
    assert _sign_in(client, "demi@example.com").status_code == 302


def test_it_ends_a_demo_session_once_demo_accounts_are_refused(client: Any, settings: Any, db: Any) -> None:
    demo = make_patient("Demi", "Demo", email="demi@example.com")
    CanvasUser.objects.filter(pk=demo.user.pk).update(is_demo=True)
    settings.ALLOW_DEMO_ACCOUNTS = True
    _sign_in(client, "demi@example.com")

    settings.ALLOW_DEMO_ACCOUNTS = False
    assert client.get(reverse("portal:home")).status_code == 302


def test_it_throttles_a_login_name_after_repeated_failures(
    client: Any, alice: Any, settings: Any, time_machine: Any
) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_FAILURE_WINDOW_MINUTES = 15
    time_machine.move_to(T0, tick=False)
    # Three formats of one number, each from its own address: one login name, three failures.
    for n, typed in enumerate(["(617) 555-0101", "617.555.0101", "+16175550101"]):
        assert _sign_in(Client(REMOTE_ADDR=f"198.51.100.{n}"), typed, "wrong-password-123").status_code == 200

    response = _sign_in(Client(REMOTE_ADDR="203.0.113.9"), "6175550101")  # right password, new address

    assert response.status_code == 429
    assert form_errors(response) == {"__all__": ["Too many failed attempts. Try again in 15 minutes."]}
    assert _signed_in_as(client) is None

    time_machine.shift(timedelta(minutes=14, seconds=30))
    assert form_errors(_sign_in(client, "6175550101")) == {
        "__all__": ["Too many failed attempts. Try again in 1 minute."]
    }

    time_machine.shift(timedelta(seconds=31))
    assert _sign_in(client, "6175550101").status_code == 302


def test_it_throttles_a_login_name_in_any_case(client: Any, alice: Any, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    _sign_in(client, "Alice@Example.com", "wrong-password-123")
    _sign_in(client, "alice@example.com ", "wrong-password-123")
    assert _sign_in(client, "ALICE@example.com").status_code == 429


def test_it_throttles_only_the_login_name_that_failed(client: Any, alice: Any, charlie: Any, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    for _ in range(2):
        _sign_in(client, "alice@example.com", "wrong-password-123")

    assert _sign_in(client, "charlie@example.com").status_code == 302


def test_it_throttles_a_client_address_after_repeated_failures(client: Any, alice: Any, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    settings.LOGIN_FAILURES_PER_ACCOUNT = 100
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(4):
        assert _sign_in(attacker, f"guess{n}@example.com", "wrong-password-123").status_code == 200

    refused = _sign_in(attacker, "alice@example.com")
    assert refused.status_code == 429
    assert "Too many failed attempts." in refused.content.decode()
    assert _sign_in(Client(REMOTE_ADDR="203.0.113.1"), "alice@example.com").status_code == 302


def test_it_forgets_the_failures_of_a_login_name_after_a_success(client: Any, alice: Any, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(2):
        _sign_in(Client(), "alice@example.com", "wrong-password-123")
    assert _sign_in(Client(), "alice@example.com").status_code == 302
    for _ in range(2):
        _sign_in(Client(), "alice@example.com", "wrong-password-123")

    assert _sign_in(client, "alice@example.com").status_code == 302


def test_it_records_sign_ins_and_failures_without_the_typed_name(client: Any, alice: Any) -> None:
    _sign_in(client, "nobody@example.com", "wrong-password-123", REMOTE_ADDR="198.51.100.4")
    _sign_in(client, "alice@example.com", REMOTE_ADDR="198.51.100.5")

    failed, signed_in = AuditEntry.objects.order_by("id").filter(action__startswith="portal_user.sign")
    assert (failed.action, failed.actor_kind, failed.patient_key) == ("portal_user.sign_in_failed", "anonymous", "")
    assert failed.ip_address == "198.51.100.4"
    assert "nobody" not in str(failed.detail) and "wrong-password" not in str(failed.detail)
    assert (signed_in.action, signed_in.patient_key, signed_in.actor_user_dbid) == (
        "portal_user.signed_in",
        alice.id,
        alice.user.dbid,
    )
    assert signed_in.ip_address == "198.51.100.5"
    assert actions(action="portal_user.signed_in") == ["portal_user.signed_in"]


def test_it_signs_out(alice_client: Any) -> None:
    assert alice_client.get(reverse("accounts:logout")).status_code == 405

    response = alice_client.post(reverse("accounts:logout"), follow=True)

    assert response.redirect_chain == [(LOGIN, 302)]
    assert "You are signed out." in response.content.decode()
    assert alice_client.get(reverse("portal:home")).status_code == 302


def test_it_hashes_passwords_with_argon2_in_the_real_settings(settings: Any, db: Any) -> None:
    # conftest swaps in MD5 for speed; the settings module itself must put Argon2 first.
    assert real_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = real_settings.PASSWORD_HASHERS
    user = CanvasUser.objects.create_user(email="argon@example.com", password=PASSWORD)
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)
