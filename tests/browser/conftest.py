"""Fixtures for the browser journeys: one headless chromium per test session, a fresh browser
context per persona, a live server whose email and SMS land as files in the outbox directory (the
way a person running frontdesk locally reads them from var/outbox/), and screenshots on failure.

Chromium is Debian's /usr/bin/chromium, never a downloaded browser. When it is missing the
journeys are skipped, unless FRONTDESK_REQUIRE_BROWSER=1 (CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without these flags chromium stalls on refused connections on a machine with no network.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS_DIR = Path("/tmp/browser-shots")  # noqa: S108 (screenshots for people to look at, not secrets)
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    if os.environ.get("FRONTDESK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (FRONTDESK_REQUIRE_BROWSER=1 makes this a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless chromium for the whole session (launching one per test costs a second each)."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium (`make browser`) to run the browser journeys")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    # Playwright's sync API keeps an event loop running in this thread, so Django would refuse
    # ORM calls from the test body (and the database flush between tests) as "async unsafe".
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _live_outbox(settings: Any, live_server: Any, transactional_db: Any) -> None:
    """Messages go to files under OUTBOX_DIR (a per-test tmp dir) with links to the live server."""
    settings.EMAIL_BACKEND = "frontdesk.lib.mail.OutboxEmailBackend"
    settings.SMS_BACKEND = "frontdesk.lib.sms.OutboxSmsBackend"
    settings.BASE_URL = live_server.url


_REPORTS = pytest.StashKey[dict[str, Any]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[Any]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture
def new_page(chromium: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Return `new_page(viewport=...)`: a page in a fresh context (its own cookies: one persona).

    Uncaught JavaScript errors and server errors (5xx) on any page fail the test. On failure every
    open page is saved to /tmp/browser-shots/FAILED-<test>-<n>.png.
    """
    contexts: list[Any] = []
    problems: list[str] = []

    def make(viewport: dict[str, int] | None = None) -> Any:
        context = chromium.new_context(base_url=live_server.url, viewport=viewport or DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"JavaScript error on {page.url}: {exc}"))
        page.on(
            "response",
            lambda response: (
                problems.append(f"{response.status} from {response.url}") if response.status >= 500 else None
            ),
        )
        return page

    yield make
    reports = request.node.stash.get(_REPORTS, {})
    if reports.get("call") is not None and reports["call"].failed:
        SHOTS_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for number, context in enumerate(contexts):
            for page in context.pages:
                try:
                    page.screenshot(path=str(SHOTS_DIR / f"FAILED-{name}-{number}.png"), full_page=True)
                except Exception as exc:  # a screenshot must not hide the real failure
                    print(f"could not save a failure screenshot: {exc}")
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def staff_password() -> str:
    return "staff-journey-pass-7731"


@pytest.fixture
def staff(staff_password: str) -> Any:
    """Dana, a superuser who works the back office."""
    from frontdesk.accounts.models import CanvasUser

    return CanvasUser.objects.create_superuser(email="dana.staff@example.com", password=staff_password)


@pytest.fixture
def outbox() -> Any:
    from .journey import Outbox

    return Outbox()


@pytest.fixture
def shots_dir() -> Path:
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return SHOTS_DIR
