"""Phone numbers typed by people become E.164, or fail with a message naming what was typed."""

from __future__ import annotations

import pytest

from frontdesk.lib.phone import InvalidPhoneNumber, looks_like_phone, mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("(617) 555-0101", "US", "+16175550101"),
        ("617-555-0101", "US", "+16175550101"),
        ("617.555.0101", "US", "+16175550101"),
        ("6175550101", "US", "+16175550101"),
        ("1-617-555-0101", "US", "+16175550101"),
        ("+1 617 555 0101", "US", "+16175550101"),
        ("  +16175550101  ", "US", "+16175550101"),
        ("+16175550101", "GB", "+16175550101"),  # a country code wins over the default region
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 20 7946 0958", "US", "+442079460958"),
    ],
)
def test_it_normalizes_common_formats_to_e164(typed: str, region: str, e164: str) -> None:
    assert normalize_phone(typed, region=region) == e164


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a phone number."),
        ("   ", "Enter a phone number."),
        ("hello", "“hello” is not a phone number."),
        ("555-0101", "“555-0101” is not a valid phone number."),
        ("+1 555 555 5555", "“+1 555 555 5555” is not a valid phone number."),
        ("12", "“12” is not a valid phone number."),
        ("(617) 555-01011", "“(617) 555-01011” is not a valid phone number."),
    ],
)
def test_it_refuses_what_is_not_a_phone_number_and_says_why(typed: str, message: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_phone(typed, region="US")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "is_phone"),
    [
        ("alice@example.com", False),
        ("alice2@example.com", False),
        ("alice", False),
        ("", False),
        ("(617) 555-0101", True),
        ("+16175550101", True),
        ("617 555 0101", True),
    ],
)
def test_it_tells_a_phone_login_name_from_an_email(text: str, is_phone: bool) -> None:
    assert looks_like_phone(text) is is_phone


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+16175550101", "••••••••••01"),
        ("+1", "+1"),
        ("", ""),
    ],
)
def test_it_masks_all_but_the_last_two_digits(e164: str, masked: str) -> None:
    assert mask_phone(e164) == masked
