"""Installing a new version swaps it in without restarting anything; a version that does not
load is refused and the installed one keeps answering; disabling and uninstalling take effect."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from frontdesk.audit.models import AuditEntry
from frontdesk.plugins import client
from frontdesk.plugins.models import Plugin
from frontdesk.plugins.services import PluginInstallError
from frontdesk.plugins.tests.conftest import SEED_PLUGINS

pytestmark = pytest.mark.django_db(transaction=True)

CANCEL = client.EventSpec(
    name="PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED",
    target="0b7c2a64-5f1e-4d3a-8c9b-2e4f6a8d0c1e",
    target_type="Appointment",
)


def _version(tmp_path: Path, version: str, *, result: bool | None = None, body: str | None = None) -> Path:
    package = tmp_path / version / "hide_cancel"
    shutil.copytree(SEED_PLUGINS / "hide_cancel", package)
    manifest = json.loads((package / "CANVAS_MANIFEST.json").read_text())
    manifest["plugin_version"] = version
    (package / "CANVAS_MANIFEST.json").write_text(json.dumps(manifest))
    code = package / "protocols" / "protocol.py"
    if result is not None:
        code.write_text(
            code.read_text().replace(
                '{"result": False}', json.dumps({"result": result}).replace("true", "True").replace("false", "False")
            )
        )
    if body is not None:
        code.write_text(body)
    return package


def _answer() -> list[Any]:
    [effects] = client.ask_or_raise([CANCEL], timeout=5)
    return [json.loads(e.payload)["result"] for e in effects]


def test_it_swaps_versions_without_a_restart(runner: Any, install: Any, tmp_path: Path) -> None:
    install(_version(tmp_path, "1.0.0"))
    assert _answer() == [False]

    install(_version(tmp_path, "2.0.0", result=True))

    assert _answer() == [True]
    assert Plugin.objects.get().version == "2.0.0"
    entry = AuditEntry.objects.filter(action="plugin.updated").get()
    assert (entry.detail["version"], entry.detail["previous_version"]) == ("2.0.0", "1.0.0")


def test_a_version_that_does_not_load_leaves_the_installed_one_running(
    runner: Any, install: Any, tmp_path: Path
) -> None:
    install(_version(tmp_path, "1.0.0"))
    broken = _version(tmp_path, "2.0.0", body="import os\n")

    with pytest.raises(PluginInstallError) as refused:
        install(broken)

    assert "'os' is not an allowed import." in str(refused.value)
    assert Plugin.objects.get().version == "1.0.0"
    assert _answer() == [False]


def test_it_names_a_canvas_sdk_name_frontdesk_does_not_provide(install: Any, tmp_path: Path) -> None:
    body = "from canvas_sdk.effects.task import AddTask\n"

    with pytest.raises(PluginInstallError) as refused:
        install(_version(tmp_path, "1.0.0", body=body))

    assert "not provided by frontdesk" in str(refused.value)
    assert "AddTask" in str(refused.value) or "canvas_sdk.effects.task" in str(refused.value)
    assert not Plugin.objects.exists()


def test_disable_enable_and_uninstall_take_effect(runner: Any, install: Any, tmp_path: Path) -> None:
    install(_version(tmp_path, "1.0.0"))

    call_command("plugin", "disable", "hide_cancel")
    assert _answer() == []
    call_command("plugin", "enable", "hide_cancel")
    assert _answer() == [False]
    call_command("plugin", "uninstall", "hide_cancel")
    assert _answer() == []
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="plugin.").order_by("id")] == [
        "plugin.installed", "plugin.disabled", "plugin.enabled", "plugin.uninstalled",
    ]  # fmt: skip


def test_the_cli_explains_refusals(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("plugin", "install", str(tmp_path / "nowhere"))
    with pytest.raises(CommandError, match="no plugin named 'ghost' is installed"):
        call_command("plugin", "enable", "ghost")
    with pytest.raises(CommandError, match="expected KEY=VALUE"):
        call_command("plugin", "install", str(SEED_PLUGINS / "hide_cancel"), "--secret", "oops")
