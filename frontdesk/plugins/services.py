"""Installing, updating, enabling, disabling and uninstalling plugins.

`install_plugin` takes a plugin directory or a .tar.gz, validates its manifest, stages its files
under PLUGINS_DIR/<name>/<digest>/<name>/, and loads it through the sandbox in a child process
under the runner's limits (plugin code never runs in the installing process). Only a package that
loads completely is swapped in; a failing new version leaves the installed one untouched. Every
change is audited and bumps the plugin generation, which the runner watches.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from frontdesk.audit.services import Actor, record
from frontdesk.plugins.manifest import MANIFEST_NAME, Manifest, ManifestError, read_manifest
from frontdesk.plugins.models import Plugin
from frontdesk.plugins.registry import bump_generation

MAX_FILES = 500
MAX_BYTES = 20 * 1024 * 1024
SKIPPED_NAMES = {"__pycache__", "node_modules", "SECRETS.json"}
CHECK_TIMEOUT_SECONDS = 60


class PluginInstallError(Exception):
    """The package cannot be installed; `problems` names each reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class CheckResult:
    problems: list[str]
    responds_to: list[str]


def _find_package(root: Path) -> Path:
    """The plugin package inside `root`: root itself, or its one subdirectory with a manifest
    (the scaffold layout <slug>/<package>/CANVAS_MANIFEST.json)."""
    if (root / MANIFEST_NAME).is_file():
        return root
    candidates = [p for p in sorted(root.iterdir()) if p.is_dir() and (p / MANIFEST_NAME).is_file()]
    if len(candidates) == 1:
        return candidates[0]
    nested = [p for p in sorted(root.glob(f"*/*/{MANIFEST_NAME}"))]
    if len(candidates) == 0 and len(nested) == 1:
        return nested[0].parent
    if not candidates and not nested:
        raise PluginInstallError([f"no {MANIFEST_NAME} found in {root.name}"])
    raise PluginInstallError([f"more than one plugin package in {root.name}; install them one at a time"])


def _extract(archive: Path, into: Path) -> Path:
    """Extract a .tar.gz safely (no absolute paths, no '..', no links or devices)."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            if len(members) > MAX_FILES * 2:
                raise PluginInstallError([f"the archive holds more than {MAX_FILES} files"])
            for member in members:
                if not (member.isfile() or member.isdir()):
                    raise PluginInstallError([f"the archive entry {member.name!r} is a link or a device"])
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise PluginInstallError([f"{archive.name} is not a readable .tar.gz: {exc}"]) from None
    return into


def _copy_package(source: Path, target: Path) -> str:
    """Copy the package's regular files to `target`; return the SHA-256 of names and contents."""
    digest = hashlib.sha256()
    count = size = 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part.startswith(".") or part in SKIPPED_NAMES for part in relative.parts) or path.suffix == ".pyc":
            continue
        if path.is_symlink():
            raise PluginInstallError([f"{relative} is a symbolic link; packages may hold only regular files"])
        if path.is_dir():
            continue
        count += 1
        size += path.stat().st_size
        if count > MAX_FILES or size > MAX_BYTES:
            raise PluginInstallError(
                [f"the package is larger than {MAX_FILES} files or {MAX_BYTES // (1024 * 1024)} MiB"]
            )
        data = path.read_bytes()
        digest.update(str(relative).encode() + b"\0" + hashlib.sha256(data).digest())
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
    return digest.hexdigest()


def check_package(package_dir: Path, manifest: Manifest) -> CheckResult:
    """Load the package through the sandbox in a child process (the runner's limits, read-only
    database) and return what failed and which events its handlers respond to."""
    command = [
        sys.executable,
        "-m",
        "frontdesk.plugins.runner",
        "--check",
        str(package_dir),
        manifest.name,
        *manifest.handler_refs,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CHECK_TIMEOUT_SECONDS, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        return CheckResult([f"loading the plugin took longer than {CHECK_TIMEOUT_SECONDS} s"], [])
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return CheckResult([f"loading the plugin failed: {' '.join(tail) or f'exit status {done.returncode}'}"], [])
    return CheckResult(list(answer["problems"]), list(answer["responds_to"]))


def _values(manifest: Manifest, given: dict[str, str], previous: dict[str, Any]) -> dict[str, Any]:
    declared = manifest.variable_names
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise PluginInstallError(
            [
                f"{name}: not a variable or secret this plugin declares ({', '.join(declared) or 'it declares none'})"
                for name in unknown
            ]
        )
    values: dict[str, Any] = {v["name"]: v["default"] for v in manifest.data.get("variables", []) if "default" in v}
    values.update({k: v for k, v in previous.items() if k in declared})
    values.update(given)
    return values


def install_plugin(
    *,
    actor: Actor,
    source: Path,
    secrets: dict[str, str] | None = None,
    enable: bool | None = None,
) -> Plugin:
    """Install or update the plugin at `source` (directory or .tar.gz). Returns the Plugin row.

    `secrets` holds both secrets and variables (Canvas gives both to handlers as `self.secrets`).
    `enable` None keeps an installed plugin's state and enables a new one.
    Raises PluginInstallError naming every problem; nothing changes when it does.
    """
    source = source.resolve()
    if not source.exists():
        raise PluginInstallError([f"{source} does not exist"])
    plugins_dir = Path(settings.PLUGINS_DIR)
    plugins_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=plugins_dir, prefix=".incoming-") as scratch:
        root = source if source.is_dir() else _extract(source, Path(scratch) / "unpacked")
        package = _find_package(root)
        try:
            manifest = read_manifest(package)
        except ManifestError as exc:
            raise PluginInstallError(exc.problems) from None
        staging = Path(scratch) / "staged" / manifest.name
        digest = _copy_package(package, staging)
        check = check_package(staging, manifest)
        if check.problems:
            raise PluginInstallError(check.problems)
        existing = Plugin.objects.filter(name=manifest.name).first()
        values = _values(manifest, secrets or {}, existing.secrets if existing else {})
        final = plugins_dir / manifest.name / digest / manifest.name
        if not final.exists():
            final.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging), str(final))
    return _save_installed(
        actor=actor,
        manifest=manifest,
        final=final,
        digest=digest,
        responds_to=check.responds_to,
        values=values,
        enable=enable,
    )


@transaction.atomic
def _save_installed(
    *,
    actor: Actor,
    manifest: Manifest,
    final: Path,
    digest: str,
    responds_to: list[str],
    values: dict[str, Any],
    enable: bool | None,
) -> Plugin:
    plugin = Plugin.objects.select_for_update().filter(name=manifest.name).first()
    created = plugin is None
    if plugin is None:
        next_order = (Plugin.objects.aggregate(m=Max("install_order"))["m"] or 0) + 1
        plugin = Plugin(name=manifest.name, install_order=next_order, installed_at=timezone.now())
    previous_version = None if created else plugin.version
    plugin.version = manifest.version
    plugin.sdk_version = str(manifest.data.get("sdk_version", ""))
    plugin.description = str(manifest.data.get("description", ""))
    plugin.manifest = manifest.data
    plugin.package_dir = str(final)
    plugin.digest = digest
    plugin.handlers = manifest.handler_refs
    plugin.responds_to = sorted(set(responds_to))
    plugin.secrets = values
    plugin.updated_at = timezone.now()
    if enable is not None:
        plugin.is_enabled = enable
    elif created:
        plugin.is_enabled = True
    plugin.full_clean()
    plugin.save()
    record(
        actor=actor,
        action="plugin.installed" if created else "plugin.updated",
        target=plugin,
        detail={
            "version": plugin.version,
            "previous_version": previous_version,
            "digest": digest[:12],
            "secrets": sorted(values),
        },
    )
    bump_generation()
    transaction.on_commit(lambda: _prune_versions(plugin.name, keep=digest))
    return plugin


def _prune_versions(name: str, *, keep: str) -> None:
    """Remove staged versions other than the installed one (a running worker keeps its loaded code)."""
    root = Path(settings.PLUGINS_DIR) / name
    for child in root.iterdir() if root.exists() else []:
        if child.is_dir() and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def _get(name: str) -> Plugin:
    plugin = Plugin.objects.select_for_update().filter(name=name).first()
    if plugin is None:
        raise PluginInstallError([f"no plugin named {name!r} is installed"])
    return plugin


@transaction.atomic
def set_plugin_enabled(*, actor: Actor, name: str, enabled: bool) -> Plugin:
    """Enable or disable an installed plugin. Raises PluginInstallError for an unknown name."""
    plugin = _get(name)
    if plugin.is_enabled != enabled:
        plugin.is_enabled = enabled
        plugin.updated_at = timezone.now()
        plugin.save(update_fields=["is_enabled", "updated_at"])
        record(actor=actor, action="plugin.enabled" if enabled else "plugin.disabled", target=plugin)
        bump_generation()
    return plugin


@transaction.atomic
def set_plugin_secrets(*, actor: Actor, name: str, values: dict[str, str]) -> Plugin:
    """Set some of a plugin's declared variables and secrets. Raises PluginInstallError."""
    plugin = _get(name)
    plugin.secrets = _values(Manifest(plugin.manifest), values, plugin.secrets)
    plugin.updated_at = timezone.now()
    plugin.save(update_fields=["secrets", "updated_at"])
    record(actor=actor, action="plugin.secrets_set", target=plugin, detail={"names": sorted(values)})
    bump_generation()
    return plugin


@transaction.atomic
def uninstall_plugin(*, actor: Actor, name: str) -> None:
    """Remove a plugin and its files. Raises PluginInstallError for an unknown name."""
    plugin = _get(name)
    record(actor=actor, action="plugin.uninstalled", target=plugin, detail={"version": plugin.version})
    plugin.delete()
    bump_generation()
    transaction.on_commit(lambda: shutil.rmtree(Path(settings.PLUGINS_DIR) / name, ignore_errors=True))
