"""SMS backends: chosen by settings, Twilio refused without credentials and on provider errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from frontdesk.lib import http, sms


def test_it_sends_through_the_configured_backend(sms_outbox: list[Any]) -> None:
    assert sms.send_sms(to="+16175550101", body="hi") == "memory-1"
    assert sms_outbox == [sms.Sms(to="+16175550101", body="hi")]


def test_it_refuses_twilio_without_credentials(settings: Any) -> None:
    settings.SMS_BACKEND = "frontdesk.lib.sms.TwilioSmsBackend"
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(ImproperlyConfigured, match="FRONTDESK_TWILIO_ACCOUNT_SID"):
        sms.send_sms(to="+16175550101", body="hi")


class FakeTwilio:
    """Stands in for `http.post_form`: records each call and answers with the queued response."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.answer = http.Response(201, {}, b'{"sid": "SM1"}')

    def __call__(self, url: str, fields: dict[str, str], **kwargs: Any) -> http.Response:
        self.calls.append((url, fields, kwargs))
        return self.answer


@pytest.fixture
def twilio(settings: Any, monkeypatch: pytest.MonkeyPatch) -> FakeTwilio:
    settings.SMS_BACKEND = "frontdesk.lib.sms.TwilioSmsBackend"
    settings.TWILIO_ACCOUNT_SID = "AC123"
    settings.TWILIO_AUTH_TOKEN = "token"
    settings.TWILIO_FROM_NUMBER = "+16175550000"
    fake = FakeTwilio()
    monkeypatch.setattr(http, "post_form", fake)
    return fake


def test_it_posts_to_twilio_and_returns_the_message_sid(twilio: FakeTwilio) -> None:
    assert sms.send_sms(to="+16175550101", body="hello") == "SM1"

    [(url, fields, kwargs)] = twilio.calls
    assert url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
    assert fields == {"To": "+16175550101", "From": "+16175550000", "Body": "hello"}
    assert kwargs["auth"] == ("AC123", "token")


def test_it_raises_when_twilio_refuses(twilio: FakeTwilio) -> None:
    twilio.answer = http.Response(400, {}, b'{"message": "bad number"}')
    with pytest.raises(sms.SmsError, match="Twilio answered 400"):
        sms.send_sms(to="+16175550101", body="hello")
