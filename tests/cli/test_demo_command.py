"""`frontdesk demo` loads a small, realistic clinic once, prints the demo logins, changes nothing
when run again, and refuses (unless forced) when FRONTDESK_DEBUG is off."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .support import SECRET_KEY, query, run_frontdesk, snapshot


@pytest.fixture(scope="module")
def demo(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A database the demo was loaded into once, and what the command printed."""
    var_dir = tmp_path_factory.mktemp("demo")
    for path in migrated_template.iterdir():
        if path.is_file():
            shutil.copy(path, var_dir / path.name)
    done = run_frontdesk(var_dir, "demo")
    assert done.returncode == 0, done.stderr
    return var_dir, done.stdout


def count(var_dir: Path, sql: str, *params: object) -> int:
    return int(query(var_dir, sql, *params)[0][0])


def test_it_prints_the_demo_logins(demo: tuple[Path, str]) -> None:
    _, out = demo

    assert "Demo clinic loaded" in out
    assert "patient@example.com" in out
    assert "staff@example.com" in out
    assert "frontdesk-demo" in out
    assert "FRONTDESK_ALLOW_DEMO_ACCOUNTS" not in out  # with DEBUG on they just work


def test_it_creates_two_locations_in_different_time_zones(demo: tuple[Path, str]) -> None:
    var_dir, _ = demo

    zones = query(var_dir, "SELECT time_zone FROM clinic_practicelocation")

    assert len(zones) == 2
    assert len(set(zones)) == 2


def test_it_creates_six_staff_four_of_them_schedulable(demo: tuple[Path, str]) -> None:
    var_dir, _ = demo

    assert count(var_dir, "SELECT COUNT(*) FROM clinic_staff") == 6
    assert count(var_dir, "SELECT COUNT(*) FROM clinic_staff WHERE is_schedulable") == 4
    assert count(var_dir, "SELECT COUNT(*) FROM clinic_staff WHERE is_schedulable AND length(npi_number) = 10") == 4


def test_it_creates_in_person_and_telehealth_visit_types(demo: tuple[Path, str]) -> None:
    var_dir, _ = demo
    bookable = (
        "SELECT COUNT(*) FROM scheduling_notetype WHERE is_active AND is_scheduleable"
        " AND is_scheduleable_via_patient_portal AND online_duration > 0 AND is_telehealth = ?"
    )

    assert count(var_dir, bookable, False) >= 1
    assert count(var_dir, bookable, True) >= 1


def test_it_creates_three_patients_with_portal_users_and_charts(demo: tuple[Path, str]) -> None:
    var_dir, _ = demo

    patients = query(var_dir, "SELECT dbid, user_id, length(key) FROM clinic_patient")
    assert len(patients) == 3
    for dbid, user_id, key_length in patients:
        assert user_id is not None
        assert key_length == 32
        for table in (
            "clinic_condition",
            "clinic_medication",
            "clinic_patientcontactpoint",
            "clinic_careteammembership",
        ):
            assert count(var_dir, f"SELECT COUNT(*) FROM {table} WHERE patient_id = ?", dbid) >= 1, table  # noqa: S608
        leads = "SELECT COUNT(*) FROM clinic_careteammembership WHERE patient_id = ? AND lead AND status = 'active'"
        assert count(var_dir, leads, dbid) == 1
    assert count(var_dir, "SELECT COUNT(*) FROM clinic_allergyintolerance") >= 1


def test_it_commits_the_chart_items_so_patients_see_them(demo: tuple[Path, str]) -> None:
    """My Health shows only committed items (Canvas's `.committed()`)."""
    var_dir, _ = demo

    for table in ("clinic_condition", "clinic_medication", "clinic_allergyintolerance"):
        assert count(var_dir, f"SELECT COUNT(*) FROM {table} WHERE committer_id IS NULL") == 0, table  # noqa: S608


def test_it_signs_the_demo_patient_in_with_the_printed_password(demo: tuple[Path, str]) -> None:
    var_dir, _ = demo

    [(registered, is_demo)] = query(
        var_dir, "SELECT is_portal_registered, is_demo FROM accounts_canvasuser WHERE email = 'patient@example.com'"
    )
    [(is_staff,)] = query(var_dir, "SELECT is_staff FROM accounts_canvasuser WHERE email = 'staff@example.com'")

    assert (registered, is_demo, is_staff) == (1, 1, 1)


def test_it_changes_nothing_when_run_again(demo: tuple[Path, str]) -> None:
    var_dir, _ = demo
    before = snapshot(var_dir)

    again = run_frontdesk(var_dir, "demo")

    assert again.returncode == 0, again.stderr
    assert "already loaded; nothing changed" in again.stdout
    assert "patient@example.com" in again.stdout
    after = snapshot(var_dir)
    assert {t: len(rows) for t, rows in after.items()} == {t: len(rows) for t, rows in before.items()}
    assert after == before


def test_it_refuses_when_debug_is_off(fresh_var_dir: Path) -> None:
    before = snapshot(fresh_var_dir)

    done = run_frontdesk(fresh_var_dir, "demo", FRONTDESK_DEBUG="0", FRONTDESK_SECRET_KEY=SECRET_KEY)

    assert done.returncode == 1
    assert "Refusing to create demo accounts with FRONTDESK_DEBUG off" in done.stderr
    assert "--force" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(fresh_var_dir) == before


def test_it_loads_when_forced_with_debug_off(fresh_var_dir: Path) -> None:
    done = run_frontdesk(fresh_var_dir, "demo", "--force", FRONTDESK_DEBUG="0", FRONTDESK_SECRET_KEY=SECRET_KEY)

    assert done.returncode == 0, done.stderr
    assert "patient@example.com" in done.stdout
    assert "only once the server runs with FRONTDESK_ALLOW_DEMO_ACCOUNTS=1" in done.stdout
    assert count(fresh_var_dir, "SELECT COUNT(*) FROM clinic_patient") == 3
