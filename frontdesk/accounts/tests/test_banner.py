"""The login banner staff write in the live settings: shown sanitised, refused when unsafe."""

from __future__ import annotations

from typing import Any

import pytest
from constance import config
from constance.test import override_config
from django.contrib.contenttypes.models import ContentType

from frontdesk.accounts.forms import BannerField
from frontdesk.accounts.tests.support import form_errors

LOGIN = "/accounts/login/"
SETTINGS_PAGE = "/admin/constance/config/"


def test_it_shows_no_banner_by_default(client: Any, db: Any) -> None:
    assert 'class="banner"' not in client.get(LOGIN).content.decode()


def test_it_shows_the_banner_above_the_sign_in_form(client: Any, db: Any) -> None:
    banner = '<p><strong>Closed Monday.</strong> Call <a href="tel:+16175550000">us</a>.</p>'
    with override_config(PATIENT_APP_BANNER=banner):
        page = client.get(LOGIN).content.decode()
    assert (
        '<div class="banner" role="note"><p><strong>Closed Monday.</strong> Call '
        '<a href="tel:+16175550000" rel="noopener noreferrer nofollow">us</a>.</p></div>'
    ) in page


@pytest.mark.parametrize(
    ("stored", "absent", "kept"),
    [
        ("<p>Hello</p><script>alert('x')</script>", ["<script", "alert("], "<p>Hello</p>"),
        ('<p onclick="steal()" onmouseover="x()">Hello</p>', ["onclick", "onmouseover", "steal()"], "<p>Hello</p>"),
        ('<a href="javascript:alert(1)">Hello</a>', ["javascript:"], ">Hello</a>"),
        ('<img src="x" onerror="alert(1)"><p>Hello</p>', ["<img", "onerror"], "<p>Hello</p>"),
        ('<p style="background:url(x)">Hello</p>', ["style="], "<p>Hello</p>"),
    ],
)
def test_it_sanitises_a_stored_banner_before_showing_it(
    client: Any, db: Any, stored: str, absent: list[str], kept: str
) -> None:
    with override_config(PATIENT_APP_BANNER=stored):
        page = client.get(LOGIN).content.decode()
    banner = page.split('<div class="banner" role="note">', 1)[1].split("</div>", 1)[0]
    assert kept in banner
    for part in absent:
        assert part not in banner


@pytest.fixture(autouse=True)
def _forget_content_types() -> Any:
    # Saving live settings logs against a content type created inside the test's transaction;
    # Django's cache would hand its rolled-back id to the next test.
    yield
    ContentType.objects.clear_cache()


def _settings_form_data(dana_client: Any, **changes: Any) -> dict[str, Any]:
    form = dana_client.get(SETTINGS_PAGE).context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = changes.get(name, form.initial.get(name))
        if value is True:
            data[name] = "on"
        elif value not in (False, None):
            data[name] = value
    return data


def test_it_saves_a_safe_banner_from_the_live_settings_page(dana_client: Any, client: Any) -> None:
    banner = "<h2>Welcome</h2><p>Bring your <em>insurance card</em>.</p>"
    response = dana_client.post(SETTINGS_PAGE, _settings_form_data(dana_client, PATIENT_APP_BANNER=banner))

    assert response.status_code == 302
    assert banner == config.PATIENT_APP_BANNER
    dana_client.logout()
    assert banner in client.get(LOGIN).content.decode()


@pytest.mark.parametrize(
    ("banner", "named"),
    [
        ("<p>Hi</p><script>alert(1)</script>", "<script>"),
        ("<SCRIPT SRC=https://evil.example.com/x.js></SCRIPT>", "<script>"),
        ('<p onclick="steal()">Hi</p>', "the onclick attribute on <p>"),
        ('<a href="javascript:alert(1)">Hi</a>', "a javascript: link"),
        ('<img src="x" onerror="alert(1)">', "<img>"),
        ("<p>Hi</p><script src=https://evil.example.com/x.js", "an unfinished <script> tag"),
        ('<p>Hi</p><a href="javascript:alert(1)"', "an unfinished <a> tag"),
    ],
)
def test_it_refuses_an_unsafe_banner_and_keeps_the_old_one(dana_client: Any, banner: str, named: str) -> None:
    with override_config(PATIENT_APP_BANNER="<p>Old banner</p>"):
        response = dana_client.post(SETTINGS_PAGE, _settings_form_data(dana_client, PATIENT_APP_BANNER=banner))

        assert response.status_code == 200
        [message] = form_errors(response)["PATIENT_APP_BANNER"]
        assert named in message
        assert message.startswith("The banner contains ")
        assert "which the login page does not allow" in message
        assert "Failed to update live settings." in response.content.decode()
        assert config.PATIENT_APP_BANNER == "<p>Old banner</p>"


def test_it_keeps_the_live_settings_page_for_staff(alice_client: Any) -> None:
    response = alice_client.get(SETTINGS_PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "banner",
    [
        "",
        "Plain text, no tags",
        "<p>Use &lt;script&gt; nowhere</p>",
        "Ages 2 < 5 and 7 > 3",
        '<p class="note">See <a href="https://example.com/hours" title="Hours">our hours</a></p>',
        "<ul><li>one</li><li>two</li></ul><!-- staff note -->",
    ],
)
def test_it_accepts_banners_sanitising_would_keep(banner: str) -> None:
    assert BannerField(required=False).clean(banner) == banner
