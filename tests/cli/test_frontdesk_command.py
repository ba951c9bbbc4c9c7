"""The `frontdesk` command: help lists frontdesk's own subcommands; an unknown one is a clear
error, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .support import clean_env, run_frontdesk

CONSOLE_SCRIPT = Path(sys.executable).with_name("frontdesk")


def test_it_lists_its_subcommands_in_help(tmp_path: Path) -> None:
    command = [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.exists() else [sys.executable, "-m", "frontdesk"]

    done = subprocess.run(
        [*command, "--help"], env=clean_env(tmp_path), capture_output=True, text=True, timeout=30, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "Type 'frontdesk help <subcommand>'" in done.stdout
    for name in ("demo", "events_worker", "serve", "migrate", "createsuperuser"):
        assert f"    {name}\n" in done.stdout


def test_it_explains_a_subcommand(tmp_path: Path) -> None:
    done = run_frontdesk(tmp_path, "help", "events_worker")

    assert done.returncode == 0
    assert "--once" in done.stdout
    assert "SIGTERM" in done.stdout


def test_it_rejects_an_unknown_subcommand_clearly(tmp_path: Path) -> None:
    done = run_frontdesk(tmp_path, "frobnicate")

    assert done.returncode == 1
    assert "Unknown command: 'frobnicate'" in done.stderr
    assert "Type 'frontdesk help' for usage." in done.stderr
    assert "Traceback" not in done.stderr
