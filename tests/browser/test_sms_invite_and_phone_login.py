"""Staff links a patient by phone only and invites them by SMS; the patient activates, resets a
forgotten password by SMS, and signs in typing their number in whatever format they like."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from .journey import admin_sign_in, choose_password, expect_signed_in_home, link_in, sign_in, sign_out

PHONE = "+16175550142"
FIRST_PASSWORD = "lighthouse-marmalade-42"
NEW_PASSWORD = "quiet-harbour-bicycle-17"


@pytest.fixture
def farid() -> Any:
    from frontdesk.audit.services import Actor
    from frontdesk.clinic.services import create_patient

    return create_patient(
        actor=Actor.system("tests"), first_name="Farid", last_name="Haddad", birth_date=date(1991, 11, 2)
    )


@pytest.mark.browser
def test_it_invites_by_sms_and_signs_in_with_a_phone_number(
    new_page: Any, staff: Any, staff_password: str, farid: Any, outbox: Any
) -> None:
    desk = new_page()
    admin_sign_in(desk, email=staff.email, password=staff_password)
    desk.goto(f"/admin/clinic/patient/{farid.dbid}/change/")
    panel = desk.locator("#portal")
    panel.get_by_label("Portal mobile phone").fill("617.555.0142")
    panel.get_by_role("button", name="Save portal user").click()
    expect(desk.locator(".messagelist")).to_contain_text("Portal user saved.")
    expect(panel).to_contain_text(f"Login email: — · Login phone: {PHONE}")

    panel.locator("input[name=channel][value=sms]").check()
    panel.get_by_role("button", name="Send invite").click()
    expect(desk.locator(".messagelist")).to_contain_text("Invitation sent by sms")
    expect(panel).to_contain_text("invited, not activated")

    invite = outbox.take(kind="sms", to=PHONE)
    assert invite.name.endswith(".json")
    assert "invites you to its patient portal" in invite.body
    assert len(invite.body) <= 320, "an invite should fit in two SMS segments"
    activation_link = link_in(invite, "/accounts/activate/")

    phone = new_page()
    phone.goto(activation_link)
    choose_password(phone, "password", submit="Activate and sign in")
    expect(phone.get_by_label("New password", exact=True)).to_have_accessible_description(re.compile("too short"))
    choose_password(phone, FIRST_PASSWORD, submit="Activate and sign in")
    expect_signed_in_home(phone, "Farid")
    sign_out(phone)

    # A reset asked for with a phone number comes back by SMS.
    phone.get_by_role("link", name="Forgot your password?").click()
    phone.get_by_label("Email or mobile phone").fill("617 555 0142")
    phone.get_by_role("button", name="Send reset link").click()
    expect(phone.get_by_role("heading", name="Check your messages")).to_be_visible()
    reset = outbox.take(kind="sms", to=PHONE)
    phone.goto(link_in(reset, "/accounts/password/reset/"))
    choose_password(phone, NEW_PASSWORD, submit="Save password and sign in")
    expect_signed_in_home(phone, "Farid")
    sign_out(phone)

    sign_in(phone, identifier="+1 617-555-0142", password=FIRST_PASSWORD)
    expect(phone.get_by_role("alert")).to_contain_text("do not match an active portal account")
    sign_in(phone, identifier="(617) 555-0142", password=NEW_PASSWORD)
    expect_signed_in_home(phone, "Farid")
    phone.goto("/account/")
    expect(phone.get_by_text(f"Signed in as {PHONE}")).to_be_visible()
    sign_out(phone)

    phone.goto(activation_link)
    expect(phone.get_by_role("alert")).to_contain_text("already been used")
    outbox.nothing_new()
