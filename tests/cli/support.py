"""Run the `frontdesk` command as a user would: a separate process, its own FRONTDESK_VAR_DIR
(so its SQLite database is a fresh file), and an environment with no FRONTDESK_* leftovers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

DB_FILE = "frontdesk.sqlite3"
SECRET_KEY = "k" * 40


def clean_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FRONTDESK_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {"FRONTDESK_VAR_DIR": str(var_dir), "FRONTDESK_LOG_LEVEL": "WARNING"}
    env |= overrides
    return env


def run_frontdesk(var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frontdesk", *args],
        env=clean_env(var_dir, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def query(var_dir: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(var_dir / DB_FILE)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def snapshot(var_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for comparing a database before and after a command."""
    tables = [name for (name,) in query(var_dir, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {table: query(var_dir, f'SELECT * FROM "{table}" ORDER BY rowid') for table in tables}  # noqa: S608
