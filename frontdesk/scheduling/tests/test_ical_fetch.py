"""Fetching a secret calendar address: https only, public hosts only, errors that never show the secret."""

from __future__ import annotations

import urllib.error
from typing import Any

import pytest

from frontdesk.lib import http
from frontdesk.scheduling.ical import IcalError, fetch_calendar, to_webcal_https

SECRET = "https://calendar.google.com/calendar/ical/maya.patel%40gmail.com/private-5f2b9c0d1e/basic.ics"
CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"


class FakeHttp:
    """Stands in for frontdesk.lib.http.request: answers in turn, records what was asked."""

    def __init__(self, *answers: http.Response | BaseException) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, method: str, url: str, **kwargs: Any) -> http.Response:
        self.calls.append((method, url, kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeHttp:
    fake = FakeHttp()
    monkeypatch.setattr(http, "request", fake)
    return fake


def assert_secret_kept(error: IcalError) -> None:
    message = str(error)
    assert "private-5f2b9c0d1e" not in message
    assert "maya.patel" not in message
    assert "/calendar/ical" not in message


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("webcal://p42-caldav.icloud.com/published/2/MTIz", "https://p42-caldav.icloud.com/published/2/MTIz"),
        ("WEBCALS://example.com/cal.ics?k=1", "https://example.com/cal.ics?k=1"),
        (
            "  https://outlook.office365.com/owa/calendar/a/b/calendar.ics  ",
            "https://outlook.office365.com/owa/calendar/a/b/calendar.ics",
        ),
        (SECRET, SECRET),
    ],
)
def test_it_turns_webcal_addresses_into_https(given: str, expected: str) -> None:
    assert to_webcal_https(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (SECRET.replace("https://", "http://"), "not http://"),
        (SECRET.replace("https://", "ftp://"), "not ftp://"),
        (SECRET.replace("https://", "file://"), "not file://"),
        ("calendar.google.com/calendar/ical/private-5f2b9c0d1e/basic.ics", "an address without https://"),
        ("https:///private-5f2b9c0d1e/basic.ics", "no host name"),
        ("https://maya:private-5f2b9c0d1e@calendar.google.com/basic.ics", "must not contain a user name or password"),
    ],
)
def test_it_refuses_addresses_that_are_not_https(given: str, message: str) -> None:
    with pytest.raises(IcalError, match=message) as caught:
        to_webcal_https(given)
    assert_secret_kept(caught.value)


def test_it_fetches_a_calendar_over_https(fake: FakeHttp) -> None:
    fake.answers.append(http.Response(200, {"Content-Type": "text/calendar"}, CALENDAR))
    assert fetch_calendar(SECRET.replace("https://", "webcal://"), timeout=7) == CALENDAR
    [(method, url, kwargs)] = fake.calls
    assert (method, url, kwargs["timeout"]) == ("GET", SECRET, 7)


def test_it_follows_a_redirect_to_another_https_host(fake: FakeHttp) -> None:
    fake.answers += [
        http.Response(301, {"location": "https://p42-caldav.icloud.com/published/2/MTIz"}, b""),
        http.Response(200, {}, CALENDAR),
    ]
    assert fetch_calendar("webcal://p01-caldav.icloud.com/published/2/MTIz") == CALENDAR
    assert [url for _, url, _ in fake.calls][1] == "https://p42-caldav.icloud.com/published/2/MTIz"


def test_it_refuses_a_redirect_to_http_and_endless_redirects(fake: FakeHttp) -> None:
    fake.answers.append(http.Response(302, {"Location": "http://calendar.google.com/x.ics"}, b""))
    with pytest.raises(IcalError, match="redirects to an address that is not https"):
        fetch_calendar(SECRET)
    fake.answers += [http.Response(302, {"Location": "/again.ics"}, b"")] * 4
    with pytest.raises(IcalError, match="redirects too many times"):
        fetch_calendar(SECRET)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            http.Response(404, {}, b"Not found: /calendar/ical/private-5f2b9c0d1e"),
            "calendar.google.com answered 404 Not Found",
        ),
        (http.Response(503, {}, b""), "calendar.google.com answered 503 Service Unavailable"),
        (http.Response(200, {}, b"x" * (10 * 1024 * 1024 + 1)), "calendar.google.com is too large"),
        (http.BlockedAddress(f"{SECRET!r} resolves to a private address"), "calendar.google.com cannot be fetched"),
        (
            http.BlockedAddress("cannot resolve calendar.google.com: [Errno -2] Name or service not known"),
            "no such host",
        ),
        (TimeoutError("timed out"), "calendar.google.com did not answer within 15 seconds"),
        (urllib.error.URLError(OSError(-2, "Name or service not known")), "Name or service not known"),
        (ConnectionResetError(104, "Connection reset by peer"), "calendar.google.com could not be reached"),
        (ValueError(f"URL can't contain control characters. {SECRET!r}"), "calendar.google.com could not be reached"),
    ],
)
def test_it_names_the_host_but_never_the_address_when_fetching_fails(
    fake: FakeHttp, answer: http.Response | BaseException, message: str
) -> None:
    fake.answers.append(answer)
    with pytest.raises(IcalError, match=message) as caught:
        fetch_calendar(SECRET)
    assert_secret_kept(caught.value)
    assert caught.value.__cause__ is None  # no chained traceback quoting the URL
    assert caught.value.__context__ is None or caught.value.__suppress_context__
