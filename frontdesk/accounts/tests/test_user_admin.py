"""Staff manage users in the back office; every save goes through the audited service."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from frontdesk.accounts.models import AccountToken, CanvasUser
from frontdesk.accounts.tests.support import actions
from frontdesk.audit.models import AuditEntry

ADD = "/admin/accounts/canvasuser/add/"
GOOD = "plum-orchard-lantern-42"


def _change_url(user: CanvasUser) -> str:
    return reverse("admin:accounts_canvasuser_change", args=[user.pk])


def _change_data(user: CanvasUser, **changes: Any) -> dict[str, Any]:
    data = {
        "email": user.email or "",
        "phone_number": user.phone_number or "",
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_it_shows_the_add_and_change_pages(dana_client: Any, alice: Any) -> None:
    assert dana_client.get(ADD).status_code == 200
    page = dana_client.get(_change_url(alice.user))
    assert page.status_code == 200
    assert "alice@example.com" in page.content.decode()


def test_it_adds_a_user_with_normalised_login_names(dana_client: Any) -> None:
    response = dana_client.post(
        ADD,
        {
            "email": "Nurse.Kim@Example.com",
            "phone_number": "(617) 555-0150",
            "is_staff": "on",
            "password1": GOOD,
            "password2": GOOD,
        },
    )

    assert response.status_code == 302
    user = CanvasUser.objects.get(email="nurse.kim@example.com")
    assert (user.phone_number, user.is_staff) == ("+16175550150", True)
    assert user.check_password(GOOD)
    assert actions(action="user.created") == ["user.created"]


@pytest.mark.parametrize(
    ("password1", "password2", "field", "message"),
    [
        ("short", "short", "password1", "This password is too short. It must contain at least 10 characters."),
        (GOOD, GOOD + "x", "password2", "The two passwords are not the same."),
    ],
)
def test_it_refuses_a_bad_password_when_adding(
    dana_client: Any, password1: str, password2: str, field: str, message: str
) -> None:
    response = dana_client.post(ADD, {"email": "kim@example.com", "password1": password1, "password2": password2})

    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field]
    assert not CanvasUser.objects.filter(email="kim@example.com").exists()


def test_it_refuses_a_login_name_another_user_has(dana_client: Any, alice: Any) -> None:
    response = dana_client.post(ADD, {"email": "ALICE@example.com", "password1": GOOD, "password2": GOOD})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"]
    assert CanvasUser.objects.filter(email="alice@example.com").count() == 1


def test_it_edits_a_user_through_the_service(dana_client: Any, alice: Any) -> None:
    response = dana_client.post(_change_url(alice.user), _change_data(alice.user, phone_number="617.555.0177"))

    assert response.status_code == 302
    alice.user.refresh_from_db()
    assert alice.user.phone_number == "+16175550177"
    [entry] = AuditEntry.objects.filter(action="user.updated")
    assert entry.patient_key == alice.id and entry.detail == {"fields": ["phone_number"]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone_number", "555", "“555” is not a valid phone number."),
        ("phone_number", "call me", "“call me” is not a phone number."),
        ("phone_number", "+16175550103", "User with this Phone number already exists."),
        ("email", "charlie@example.com", "User with this Email already exists."),
    ],
)
def test_it_shows_why_an_edit_was_refused(
    dana_client: Any, alice: Any, charlie: Any, field: str, value: str, message: str
) -> None:
    response = dana_client.post(_change_url(alice.user), _change_data(alice.user, **{field: value}))

    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field]
    alice.user.refresh_from_db()
    assert (alice.user.email, alice.user.phone_number) == ("alice@example.com", "+16175550101")


def test_it_never_deletes_users_or_edits_links(dana_client: Any, alice: Any) -> None:
    assert dana_client.get(reverse("admin:accounts_canvasuser_delete", args=[alice.user.pk])).status_code == 403
    assert dana_client.get(reverse("admin:accounts_accounttoken_changelist")).status_code == 200
    assert dana_client.get(reverse("admin:accounts_accounttoken_add")).status_code == 403
    assert not AccountToken.objects.exists()


def test_it_audits_a_password_staff_set_on_the_users_password_page(dana_client: Any, dana: Any, alice: Any) -> None:
    from frontdesk.audit.models import AuditEntry

    url = f"/admin/accounts/canvasuser/{alice.user.dbid}/password/"
    response = dana_client.post(url, {"password1": "a-new-long-passphrase-42", "password2": "a-new-long-passphrase-42"})

    assert response.status_code == 302
    alice.user.refresh_from_db()
    assert alice.user.check_password("a-new-long-passphrase-42")
    entry = AuditEntry.objects.get(action="user.password_set_by_staff")
    assert (entry.actor_user_dbid, entry.target_id) == (dana.dbid, str(alice.user.dbid))
