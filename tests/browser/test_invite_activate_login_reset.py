"""Staff invites a patient by email; the patient activates, signs out, resets a forgotten
password, and signs in with the new one. Used links stay used."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from .journey import admin_sign_in, choose_password, expect_signed_in_home, link_in, sign_in, sign_out

EMAIL = "erin.example@example.com"
FIRST_PASSWORD = "lighthouse-marmalade-42"
NEW_PASSWORD = "quiet-harbour-bicycle-17"


@pytest.fixture
def erin() -> Any:
    from frontdesk.audit.services import Actor
    from frontdesk.clinic.services import create_patient

    return create_patient(
        actor=Actor.system("tests"), first_name="Erin", last_name="Okafor", birth_date=date(1979, 3, 14)
    )


@pytest.mark.browser
def test_it_invites_by_email_then_activates_resets_and_signs_in(
    new_page: Any, staff: Any, staff_password: str, erin: Any, outbox: Any
) -> None:
    # Dana opens Erin's record in the back office and links a login email in the portal panel.
    desk = new_page()
    admin_sign_in(desk, email=staff.email, password=staff_password)
    desk.get_by_role("link", name="Patients").first.click()
    desk.get_by_role("link", name="Erin Okafor").click()
    panel = desk.locator("#portal")
    expect(panel.get_by_role("heading", name="Patient portal")).to_be_visible()
    expect(panel).to_contain_text("No portal user yet")
    panel.get_by_label("Portal email").fill("  Erin.Example@Example.com ")
    panel.get_by_role("button", name="Save portal user").click()
    expect(desk.locator(".messagelist")).to_contain_text("Portal user saved.")
    expect(panel).to_contain_text(f"Login email: {EMAIL}")
    expect(panel).to_contain_text("linked, not invited")

    # ...and sends the invitation by email.
    expect(panel.get_by_label("Email", exact=True)).to_be_checked()
    panel.get_by_role("button", name="Send invite").click()
    expect(desk.locator(".messagelist")).to_contain_text("Invitation sent by email")
    expect(panel).to_contain_text("invited, not activated")
    expect(panel.get_by_role("button", name="Resend invite")).to_be_visible()

    invite = outbox.take(kind="email", to=EMAIL)
    assert "invitation" in invite.subject.lower()
    assert "Hello Erin," in invite.body
    activation_link = link_in(invite, "/accounts/activate/")

    # Erin, in her own browser, follows the link. A weak password is refused, the link still works.
    erin_page = new_page()
    erin_page.goto(activation_link)
    expect(erin_page.get_by_role("heading", name="Activate your account")).to_be_visible()
    choose_password(erin_page, "password", submit="Activate and sign in")
    expect(erin_page.get_by_role("heading", name="Activate your account")).to_be_visible()
    # The errors are announced with the field: aria-describedby names the help and the errors.
    password = erin_page.get_by_label("New password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile(r"At least 10 characters.*too short.*too common"))
    choose_password(erin_page, FIRST_PASSWORD, submit="Activate and sign in")
    expect_signed_in_home(erin_page, "Erin")
    expect(erin_page.get_by_role("status")).to_contain_text("Your account is active. Welcome!")

    # Dana's panel now says the account is active and offers a reset instead of an invite.
    desk.reload()
    expect(panel).to_contain_text("Status: active")
    expect(panel.get_by_role("button", name="Send password reset")).to_be_visible()

    # Erin signs out, forgets her password and asks for a reset link.
    sign_out(erin_page)
    erin_page.get_by_role("link", name="Forgot your password?").click()
    expect(erin_page.get_by_role("heading", name="Reset your password")).to_be_visible()
    erin_page.get_by_label("Email or mobile phone").fill(EMAIL.upper())
    erin_page.get_by_role("button", name="Send reset link").click()
    expect(erin_page.get_by_role("heading", name="Check your messages")).to_be_visible()

    reset = outbox.take(kind="email", to=EMAIL)
    assert "reset" in reset.subject.lower()
    reset_link = link_in(reset, "/accounts/password/reset/")
    erin_page.goto(reset_link)
    expect(erin_page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    choose_password(erin_page, NEW_PASSWORD, submit="Save password and sign in")
    expect_signed_in_home(erin_page, "Erin")
    expect(erin_page.get_by_role("status")).to_contain_text("Your password is changed.")
    sign_out(erin_page)

    # The old password no longer works; the new one does.
    sign_in(erin_page, identifier=EMAIL, password=FIRST_PASSWORD)
    expect(erin_page.get_by_role("alert")).to_contain_text("do not match an active portal account")
    expect(erin_page).to_have_url(re.compile(r"/accounts/login/"))
    sign_in(erin_page, identifier=EMAIL, password=NEW_PASSWORD)
    expect_signed_in_home(erin_page, "Erin")
    sign_out(erin_page)

    # Both links were single-use.
    erin_page.goto(activation_link)
    expect(erin_page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    expect(erin_page.get_by_role("alert")).to_contain_text("already been used")
    erin_page.goto(reset_link)
    expect(erin_page.get_by_role("alert")).to_contain_text("already been used")
    outbox.nothing_new()
