"""docs/configuration.md lists every environment variable and live setting frontdesk reads."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "configuration.md").read_text()
VARIABLE = re.compile(r"\b(FRONTDESK_[A-Z_]+|DATABASE_URL)\b")


def _documented() -> set[str]:
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", DOC))


def test_it_documents_every_variable_the_code_mentions() -> None:
    used = set()
    for path in (ROOT / "frontdesk").rglob("*.py"):
        if "tests" not in path.parts:
            used |= set(VARIABLE.findall(path.read_text()))
    used = {name.removesuffix("_FILE") for name in used}
    missing = sorted(used - _documented())
    assert not missing, f"add these to docs/configuration.md: {missing}"


def _read_by_settings() -> set[str]:
    # A fresh interpreter: in this one, tests of lib.env add made-up names to env.READ.
    code = "import frontdesk.settings; from frontdesk.lib import env; print(' '.join(sorted(env.READ)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_it_documents_every_variable_settings_read() -> None:
    read = {name for name in _read_by_settings() if not name.endswith("_FILE")}
    assert read, "settings should read through frontdesk.lib.env"
    assert not sorted(read - _documented())


def test_it_documents_every_live_setting() -> None:
    missing = sorted(set(settings.CONSTANCE_CONFIG) - _documented())
    assert not missing, f"add these live settings to docs/configuration.md: {missing}"


def test_it_documents_nothing_that_does_not_exist() -> None:
    known = (
        _read_by_settings()
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
