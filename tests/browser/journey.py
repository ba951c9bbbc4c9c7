"""Steps the journeys share: signing in and out as staff or patient, choosing a password, and
reading messages from the outbox directory the way a person would open var/outbox/."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import Page, expect

from frontdesk.lib import outbox
from frontdesk.lib.outbox import OutboxItem

URL = re.compile(r"https?://[^\s<>\"']+")


class Outbox:
    """The messages frontdesk wrote to OUTBOX_DIR, handed out once each, oldest first."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def take(self, *, kind: str, to: str, timeout: float = 5.0) -> OutboxItem:
        """Return the one new message of `kind` ("email" or "sms") to `to`.

        Fails when none arrives within `timeout` seconds or when more than one did (a duplicate
        send is a bug a person would notice too).
        """
        deadline = time.monotonic() + timeout
        while True:
            fresh = [
                item
                for item in reversed(outbox.list_items())
                if item.name not in self.seen and item.kind == kind and item.to == to
            ]
            if fresh or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(fresh) == 1, f"expected one new {kind} to {to}, found {[i.subject or i.body for i in fresh]}"
        self.seen.add(fresh[0].name)
        return fresh[0]

    def nothing_new(self) -> None:
        fresh = [item.name for item in outbox.list_items() if item.name not in self.seen]
        assert not fresh, f"unexpected messages: {fresh}"


def link_in(item: OutboxItem, path: str) -> str:
    """Return the one link in the message whose path starts with `path`."""
    links = [url for url in URL.findall(item.body) if path in url]
    assert len(links) == 1, f"expected one {path} link in {item.body!r}"
    return links[0].rstrip(".,)")


def admin_sign_in(page: Page, *, email: str, password: str) -> None:
    page.goto("/admin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Clinic administration")).to_be_visible()


def sign_in(page: Page, *, identifier: str, password: str) -> None:
    """Fill in and submit the portal's sign-in form (the caller checks where it lands)."""
    if "/accounts/login/" not in page.url:
        page.goto("/accounts/login/")
    page.get_by_label("Email or mobile phone").fill(identifier)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)


def choose_password(page: Page, password: str, *, submit: str) -> None:
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password, again").fill(password)
    page.get_by_role("button", name=submit).click()


def expect_signed_in_home(page: Page, first_name: str) -> None:
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {first_name}")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def scroll_width(page: Page) -> Any:
    return page.evaluate("document.scrollingElement.scrollWidth")
