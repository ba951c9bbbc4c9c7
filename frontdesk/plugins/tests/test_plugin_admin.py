"""Staff manage plugins in the back office: install a .tar.gz, see what it answers and its log,
set values (names only shown), disable, uninstall. Refusals are shown, nothing changes."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

from frontdesk.plugins.logs import plugin_log
from frontdesk.plugins.models import Plugin
from frontdesk.plugins.tests.conftest import FIXTURES, SEED_PLUGINS

pytestmark = pytest.mark.django_db(transaction=True)


def _tarball(package: Path) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(package, arcname=package.name)
    buffer.seek(0)
    buffer.name = f"{package.name}.tar.gz"
    return buffer


def test_it_installs_from_an_upload_and_shows_the_plugin(dana_client: Any, plugin_var: Path) -> None:
    response = dana_client.post(
        "/admin/plugins/plugin/install/", {"package": _tarball(SEED_PLUGINS / "hide_cancel"), "enable": "on"}
    )

    plugin = Plugin.objects.get()
    assert response.status_code == 302
    assert (plugin.name, plugin.is_enabled, plugin.responds_to) == (
        "hide_cancel",
        True,
        ["PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED"],
    )
    plugin_log(
        "hide_cancel",
        "hide_cancel.protocols.protocol:Protocol",
        "PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED",
        40,
        "something odd",
    )
    page = dana_client.get(f"/admin/plugins/plugin/{plugin.pk}/change/").content.decode()
    assert "something odd" in page and "Uninstall hide_cancel" in page
    assert "PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED" in dana_client.get("/admin/plugins/plugin/").content.decode()


def test_it_shows_why_an_upload_was_refused(dana_client: Any, plugin_var: Path) -> None:
    response = dana_client.post("/admin/plugins/plugin/install/", {"package": _tarball(FIXTURES / "forbidden_import")})

    assert response.status_code == 200
    assert "is not an allowed import" in response.content.decode()
    assert not Plugin.objects.exists()


def test_it_refuses_an_upload_that_is_not_a_tarball(dana_client: Any, plugin_var: Path) -> None:
    junk = io.BytesIO(b"not a tarball")
    junk.name = "plugin.tar.gz"

    response = dana_client.post("/admin/plugins/plugin/install/", {"package": junk})

    assert "is not a readable .tar.gz" in response.content.decode()


def test_values_are_set_but_never_shown_and_unknown_names_refused(
    dana_client: Any, install: Any, tmp_path: Path
) -> None:
    package = tmp_path / "with_secret"
    import shutil

    shutil.copytree(SEED_PLUGINS / "hide_cancel", package)
    manifest = (
        (package / "CANVAS_MANIFEST.json")
        .read_text()
        .replace('"name": "hide_cancel"', '"name": "with_secret"')
        .replace("hide_cancel.", "with_secret.")
    )
    (package / "CANVAS_MANIFEST.json").write_text(
        manifest.replace('"secrets": []', '"variables": [{"name": "API_KEY", "sensitive": true}]')
    )
    plugin = install(package)

    dana_client.post(f"/admin/plugins/plugin/{plugin.pk}/values/", {"values": "API_KEY=s3cr3t-value"})
    refused = dana_client.post(f"/admin/plugins/plugin/{plugin.pk}/values/", {"values": "OTHER=1"}, follow=True)

    plugin.refresh_from_db()
    assert plugin.secrets == {"API_KEY": "s3cr3t-value"}
    assert "OTHER: not a variable or secret this plugin declares" in refused.content.decode()
    page = dana_client.get(f"/admin/plugins/plugin/{plugin.pk}/change/").content.decode()
    assert "API_KEY" in page and "s3cr3t-value" not in page


def test_it_disables_and_uninstalls(dana_client: Any, install: Any) -> None:
    plugin = install(SEED_PLUGINS / "hide_cancel")

    dana_client.post("/admin/plugins/plugin/", {"action": "disable", "_selected_action": [plugin.pk]})
    assert Plugin.objects.get().is_enabled is False
    dana_client.post(f"/admin/plugins/plugin/{plugin.pk}/uninstall/")
    assert not Plugin.objects.exists()


def test_staff_without_the_change_permission_cannot_install(client: Any, plugin_var: Path) -> None:
    from frontdesk.accounts.models import CanvasUser

    viewer = CanvasUser.objects.create_user(email="viewer@example.com", password="x-long-password-1", is_staff=True)
    client.force_login(viewer, backend="frontdesk.accounts.backends.IdentifierBackend")

    response = client.post("/admin/plugins/plugin/install/", {"package": _tarball(SEED_PLUGINS / "hide_cancel")})

    assert response.status_code == 403
    assert not Plugin.objects.exists()
