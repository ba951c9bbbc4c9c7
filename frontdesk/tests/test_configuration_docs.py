"""docs/configuration.md lists every environment variable and live setting frontdesk reads."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from frontdesk.lib import env

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "configuration.md").read_text()
VARIABLE = re.compile(r"\b(FRONTDESK_[A-Z_]+|DATABASE_URL)\b")


def _documented() -> set[str]:
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", DOC))


def test_it_documents_every_variable_the_code_mentions() -> None:
    used = set()
    for path in (ROOT / "frontdesk").rglob("*.py"):
        used |= set(VARIABLE.findall(path.read_text()))
    used = {name.removesuffix("_FILE") for name in used}
    missing = sorted(used - _documented())
    assert not missing, f"add these to docs/configuration.md: {missing}"


def test_it_documents_every_variable_settings_read() -> None:
    read = {name for name in env.READ if not name.endswith("_FILE")}
    assert read, "settings should read through frontdesk.lib.env"
    assert not sorted(read - _documented())


def test_it_documents_every_live_setting() -> None:
    missing = sorted(set(settings.CONSTANCE_CONFIG) - _documented())
    assert not missing, f"add these live settings to docs/configuration.md: {missing}"


def test_it_documents_nothing_that_does_not_exist() -> None:
    known = (
        set(env.READ)
        | set(settings.CONSTANCE_CONFIG)
        | {"FRONTDESK_BIND", "FRONTDESK_WEB_WORKERS", "FRONTDESK_REQUIRE_BROWSER"}
    )
    documented_vars = {
        name
        for name in _documented()
        if name.startswith("FRONTDESK_") or name == "DATABASE_URL" or name in settings.CONSTANCE_CONFIG
    }
    stale = sorted(name for name in documented_vars - known if not name.endswith("_FILE"))
    assert not stale, f"docs/configuration.md mentions settings that no longer exist: {stale}"
