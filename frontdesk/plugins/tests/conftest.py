"""Fixtures for plugin tests that need a real runner process.

`runner` starts `python -m frontdesk.plugins.runner` against the test database (committed data:
these tests use `transactional_db`) and this test's plugin directory, and stops it afterwards.
`install` installs a plugin directory through the real service (sandbox check in a subprocess).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from frontdesk.audit.services import Actor

SEED_PLUGINS = Path(__file__).parent / "seed_plugins"
FIXTURES = Path(__file__).parent / "fixtures"


def database_url() -> str:
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    user = conf.get("USER") or "postgres"
    password = f":{conf['PASSWORD']}" if conf.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{conf.get('HOST') or '127.0.0.1'}:{conf.get('PORT') or 5432}/{conf['NAME']}"


@pytest.fixture
def plugin_var(settings: Any) -> Iterator[Path]:
    """A short private VAR_DIR shared with the runner (Unix socket paths must stay short)."""
    var = Path(tempfile.mkdtemp(prefix="fdp", dir="/tmp"))
    settings.PLUGINS_DIR = var / "plugins"
    settings.PLUGIN_RUNNER_SOCKET = var / "r.sock"
    yield var
    shutil.rmtree(var, ignore_errors=True)


@pytest.fixture
def runner(transactional_db: Any, plugin_var: Path, settings: Any) -> Iterator[subprocess.Popen[bytes]]:
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "FRONTDESK_VAR_DIR": str(plugin_var),
        "FRONTDESK_PLUGIN_RUNNER_SOCKET": str(settings.PLUGIN_RUNNER_SOCKET),
        "FRONTDESK_PLUGIN_TIMEOUT_MS": str(settings.PLUGIN_TIMEOUT_MS),
        "FRONTDESK_PLUGIN_CPU_MS": str(settings.PLUGIN_CPU_MS),
        "FRONTDESK_PLUGIN_WORKERS": "2",
    }
    proc = subprocess.Popen([sys.executable, "-m", "frontdesk.plugins.runner"], env=env)
    deadline = time.monotonic() + 20
    while not Path(settings.PLUGIN_RUNNER_SOCKET).exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the plugin runner did not start")
        time.sleep(0.05)
    yield proc
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def install(plugin_var: Path) -> Callable[..., Any]:
    from frontdesk.plugins.services import install_plugin

    def _install(path: Path, **kwargs: Any) -> Any:
        return install_plugin(actor=Actor.system("tests"), source=path, **kwargs)

    return _install
