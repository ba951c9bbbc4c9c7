"""Settings fail at start-up, naming the variable, when a production value is missing or a value
is malformed; a correct production configuration starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .support import SECRET_KEY, clean_env


def django_setup(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=clean_env(tmp_path, DJANGO_SETTINGS_MODULE="frontdesk.settings", **env),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_it_starts_with_a_complete_production_configuration(tmp_path: Path) -> None:
    key_file = tmp_path / "secret"
    key_file.write_text(SECRET_KEY + "\n")

    for env in ({"FRONTDESK_SECRET_KEY": SECRET_KEY}, {"FRONTDESK_SECRET_KEY_FILE": str(key_file)}):
        done = django_setup(tmp_path, FRONTDESK_DEBUG="0", **env)
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FRONTDESK_DEBUG": "0"}, "FRONTDESK_SECRET_KEY (or FRONTDESK_SECRET_KEY_FILE) is required"),
        ({"FRONTDESK_DEBUG": "0", "FRONTDESK_SECRET_KEY": "short"}, "FRONTDESK_SECRET_KEY must be at least 32"),
        ({"FRONTDESK_SESSION_IDLE_MINUTES": "abc"}, "FRONTDESK_SESSION_IDLE_MINUTES must be an integer, not 'abc'"),
        ({"FRONTDESK_SESSION_IDLE_MINUTES": "0"}, "FRONTDESK_SESSION_IDLE_MINUTES must be at least 1"),
        ({"FRONTDESK_DEBUG": "maybe"}, "FRONTDESK_DEBUG must be a boolean"),
        ({"FRONTDESK_TASKS_BACKEND": "celery"}, "FRONTDESK_TASKS_BACKEND must be one of"),
        (
            {"FRONTDESK_SECRET_KEY": SECRET_KEY, "FRONTDESK_SECRET_KEY_FILE": "/nonexistent"},
            "Set FRONTDESK_SECRET_KEY or FRONTDESK_SECRET_KEY_FILE, not both",
        ),
        ({"FRONTDESK_SECRET_KEY_FILE": "/nonexistent/secret"}, "FRONTDESK_SECRET_KEY_FILE: cannot read"),
    ],
    ids=["no-secret", "short-secret", "idle-abc", "idle-zero", "debug-maybe", "tasks", "secret-twice", "secret-file"],
)
def test_it_refuses_to_start_and_names_the_variable(tmp_path: Path, env: dict[str, str], message: str) -> None:
    done = django_setup(tmp_path, **env)

    assert done.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in done.stderr
    assert message in done.stderr
