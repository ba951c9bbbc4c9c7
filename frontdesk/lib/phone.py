"""Phone numbers: parse what a person typed into E.164, or say clearly why not."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    """The text is not a dialable phone number; the message says why, for a form error."""


def normalize_phone(raw: str, *, region: str) -> str:
    """Return `raw` as an E.164 string (`+15551234567`).

    `region` (ISO 3166 alpha-2) applies to numbers typed without a country code.
    Raises InvalidPhoneNumber with a message fit to show the person who typed it.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidPhoneNumber("Enter a phone number.")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(f"“{text}” is not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(f"“{text}” is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text: str) -> bool:
    """Return True when a login name is a phone number rather than an email address."""
    return "@" not in text and any(ch.isdigit() for ch in text)


def mask_phone(e164: str) -> str:
    """Return the number with all but its last two digits hidden, for messages to staff."""
    return "•" * max(len(e164) - 2, 0) + e164[-2:]
