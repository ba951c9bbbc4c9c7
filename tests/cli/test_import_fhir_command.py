"""`frontdesk import-fhir DIR` as a user runs it: a separate process on its own database. A plain
summary line when stderr is not a terminal and a progress bar when it is, the per-line report on
stderr, exit status 0 despite broken lines (1 with --strict, or when nothing could be read), and on
Synthea's sample a second run that leaves every row of every table as it was."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from .support import clean_env, query, run_frontdesk, snapshot

SMALL = Path(__file__).resolve().parents[2] / "frontdesk" / "fhir" / "tests" / "fixtures" / "import-small"
SYNTHEA = Path(os.environ.get("FRONTDESK_SYNTHEA_DIR", "/work/shared/data/synthea-10-patients"))
COMMITTER = ("--committer", "dana@example.org")


@pytest.fixture
def var_dir(fresh_var_dir: Path) -> Path:
    """A migrated database with Dana, the staff login that commits the imported chart."""
    done = run_frontdesk(
        fresh_var_dir,
        "createsuperuser",
        "--noinput",
        DJANGO_SUPERUSER_EMAIL="dana@example.org",
        DJANGO_SUPERUSER_PASSWORD="x-long-password-1",
    )
    assert done.returncode == 0, done.stderr
    return fresh_var_dir


def test_it_prints_a_summary_and_reports_broken_lines_without_failing(var_dir: Path) -> None:
    done = run_frontdesk(var_dir, "import-fhir", str(SMALL), *COMMITTER)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("import-fhir: 20 lines in 9 files imported in ")
    assert "3 Patient (2 created, 1 failed)" in done.stdout
    assert "\r" not in done.stderr  # no progress bar when stderr is not a terminal
    report = [line for line in done.stderr.splitlines() if ".ndjson:" in line]
    assert report[0].startswith("Condition.ndjson:3: Condition/cond-3: Condition.subject: unknown reference")
    assert len(report) == 6
    assert query(var_dir, "SELECT COUNT(*) FROM clinic_patient") == [(2,)]


def test_it_writes_the_report_file(var_dir: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"

    done = run_frontdesk(var_dir, "import-fhir", str(SMALL), *COMMITTER, "--report", str(report))

    assert done.returncode == 0
    lines = report.read_text().splitlines()
    assert "Patient.ndjson:2: ?: -: not valid JSON (Expecting value)" in lines
    assert lines[-1] == done.stdout.strip()


def test_it_fails_with_strict_when_a_line_has_a_problem(var_dir: Path) -> None:
    done = run_frontdesk(var_dir, "import-fhir", str(SMALL), *COMMITTER, "--strict")

    assert done.returncode == 1
    assert "6 problems (--strict)" in done.stderr


def test_it_fails_when_nothing_can_be_read(var_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "Patient.ndjson").write_text("{broken\n")

    done = run_frontdesk(var_dir, "import-fhir", str(tmp_path))

    assert done.returncode == 1
    assert "Nothing could be read" in done.stderr


def test_it_checks_without_writing_on_a_dry_run(var_dir: Path) -> None:
    before = snapshot(var_dir)

    done = run_frontdesk(var_dir, "import-fhir", str(SMALL), "--dry-run")

    assert done.returncode == 0, done.stderr
    assert "dry run, nothing written" in done.stdout
    assert snapshot(var_dir) == before


def test_it_draws_a_progress_bar_on_a_terminal(var_dir: Path) -> None:
    primary, secondary = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "import-fhir", str(SMALL), *COMMITTER],
        env=clean_env(var_dir),
        stdout=subprocess.PIPE,
        stderr=secondary,
        text=True,
    ) as process:
        os.close(secondary)
        shown = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            shown += chunk
        out, _ = process.communicate(timeout=60)
    os.close(primary)

    assert process.returncode == 0
    assert b"\r[" in shown
    assert b"] 100% 17/17" in shown  # the 17 resources of types it imports
    assert out.startswith("import-fhir: ")


@pytest.mark.skipif(not (SYNTHEA / "Patient.000.ndjson").exists(), reason=f"the Synthea sample is not at {SYNTHEA}")
def test_it_leaves_every_row_as_it_was_when_synthea_is_imported_again(var_dir: Path) -> None:
    first = run_frontdesk(var_dir, "import-fhir", str(SYNTHEA), *COMMITTER)
    assert first.returncode == 0, first.stderr
    assert query(var_dir, "SELECT COUNT(*) FROM clinic_patient") == [(13,)]
    before = snapshot(var_dir)

    second = run_frontdesk(var_dir, "import-fhir", str(SYNTHEA), *COMMITTER)

    assert second.returncode == 0, second.stderr
    assert snapshot(var_dir) == before
