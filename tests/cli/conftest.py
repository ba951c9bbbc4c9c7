"""CLI fixtures: one migrated, empty database made per session, copied for each test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .support import DB_FILE, run_frontdesk


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var dir whose database has every migration applied and no data (made once)."""
    var_dir = tmp_path_factory.mktemp("migrated")
    done = run_frontdesk(var_dir, "migrate", "--verbosity", "0")
    assert done.returncode == 0, done.stderr
    return var_dir


@pytest.fixture
def fresh_var_dir(migrated_template: Path, tmp_path: Path) -> Path:
    """A private copy of the migrated, empty database."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    for path in migrated_template.glob(f"{DB_FILE}*"):
        shutil.copy(path, var_dir / path.name)
    return var_dir
