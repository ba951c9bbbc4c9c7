"""CANVAS_MANIFEST.json: parse and validate against the schema Canvas's CLI enforces
(shared/reference/canvas-plugin-sdk.md §1.5). Pure: takes the parsed JSON, returns problems.

`validate_manifest(data, package_name=...)` returns a list of messages, each naming the element
(`components.handlers[0].class: ...`); an empty list means the manifest is valid.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_NAME = "CANVAS_MANIFEST.json"

TOP_LEVEL_REQUIRED = ("sdk_version", "plugin_version", "name", "description", "components", "tags", "license", "readme")
TOP_LEVEL_OPTIONAL = (
    "variables",
    "secrets",
    "origins",
    "url_permissions",
    "references",
    "diagram",
    "custom_data",
    "catalog",
)
HANDLER_KINDS = ("protocols", "handlers", "content", "effects", "views")
COMPONENT_KINDS = (*HANDLER_KINDS, "applications", "commands", "questionnaires")
LOADED_KINDS = ("protocols", "applications", "handlers")  # what the runner loads as handlers
APPLICATION_SCOPES = {
    "patient_specific", "global", "provider_menu_item", "portal_menu_item", "provider_companion",
    "provider_companion_global", "provider_companion_patient_specific", "provider_companion_note_specific",
    "full_chart",
}  # fmt: skip
URL_PERMISSIONS = {"SCRIPTS", "ALLOW_SAME_ORIGIN", "MICROPHONE", "CAMERA", "CLIPBOARD_READ", "CLIPBOARD_WRITE"}
NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
CLASS_REF = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$")
NAMESPACE = re.compile(r"^[a-z][a-z0-9_]*__[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def version(self) -> str:
        return str(self.data["plugin_version"])

    @property
    def handler_refs(self) -> list[str]:
        """The classes the runner loads: protocols, applications and handlers, in that order."""
        components = self.data.get("components", {})
        return [item["class"] for kind in LOADED_KINDS for item in components.get(kind, [])]

    @property
    def variable_names(self) -> list[str]:
        return [v["name"] for v in self.data.get("variables", [])] + list(self.data.get("secrets", []))


class ManifestError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read_manifest(package_dir: Path) -> Manifest:
    """Read and validate `package_dir/CANVAS_MANIFEST.json`. Raises ManifestError listing every problem."""
    path = package_dir / MANIFEST_NAME
    if not path.is_file():
        parent = package_dir.parent / MANIFEST_NAME
        hint = " (it must sit inside the plugin package, next to the handler modules)" if parent.is_file() else ""
        raise ManifestError([f"{MANIFEST_NAME} not found in {package_dir.name}/{hint}"])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError([f"{MANIFEST_NAME} is not valid JSON: {exc}"]) from None
    problems = validate_manifest(data, package_name=package_dir.name)
    if problems:
        raise ManifestError(problems)
    return Manifest(data)


def validate_manifest(data: Any, *, package_name: str | None = None) -> list[str]:
    """Return every problem with a parsed manifest (empty when valid)."""
    if not isinstance(data, dict):
        return ["the manifest must be a JSON object"]
    problems: list[str] = []
    for key in TOP_LEVEL_REQUIRED:
        if key not in data:
            problems.append(f"{key}: required")
    for key in data:
        if key not in TOP_LEVEL_REQUIRED and key not in TOP_LEVEL_OPTIONAL:
            problems.append(f"{key}: not a manifest property")
    for key in ("sdk_version", "plugin_version", "description", "license", "readme"):
        if key in data and not isinstance(data[key], str):
            problems.append(f"{key}: must be a string")
    name = data.get("name")
    if "name" in data:
        if not isinstance(name, str) or not NAME.match(name):
            problems.append("name: must be a Python package name (lower case letters, digits, underscores)")
        elif package_name is not None and name != package_name:
            problems.append(f'name: "{name}" does not match the package directory "{package_name}"')
    if "tags" in data and not isinstance(data["tags"], dict):
        problems.append("tags: must be an object")
    problems += (
        _components(data.get("components"), name if isinstance(name, str) else None) if "components" in data else []
    )
    problems += _variables(data.get("variables")) if "variables" in data else []
    if "secrets" in data and not (
        isinstance(data["secrets"], list) and all(isinstance(s, str) for s in data["secrets"])
    ):
        problems.append("secrets: must be a list of names")
    if "origins" in data and "url_permissions" in data:
        problems.append("origins: give origins or url_permissions, not both")
    if "url_permissions" in data:
        problems += _url_permissions(data["url_permissions"])
    if "custom_data" in data:
        problems += _custom_data(data["custom_data"])
    if "diagram" in data and not isinstance(data["diagram"], bool | str):
        problems.append("diagram: must be true/false or a string")
    return problems


def _components(components: Any, plugin_name: str | None) -> list[str]:
    if not isinstance(components, dict) or not components:
        return ["components: must be an object with at least one kind of component"]
    problems = []
    for kind, items in components.items():
        where = f"components.{kind}"
        if kind not in COMPONENT_KINDS:
            problems.append(f"{where}: not a component kind (use one of {', '.join(COMPONENT_KINDS)})")
            continue
        if not isinstance(items, list):
            problems.append(f"{where}: must be a list")
            continue
        for index, item in enumerate(items):
            here = f"{where}[{index}]"
            if not isinstance(item, dict):
                problems.append(f"{here}: must be an object")
                continue
            if kind in HANDLER_KINDS or kind == "applications":
                problems += _class_ref(item, here, plugin_name)
            if kind in HANDLER_KINDS and not isinstance(item.get("description"), str):
                problems.append(f"{here}.description: required")
            if kind == "applications":
                problems += _application(item, here)
            if kind == "commands":
                for key in ("name", "schema_key"):
                    if not isinstance(item.get(key), str):
                        problems.append(f"{here}.{key}: required")
            if kind == "questionnaires" and not isinstance(item.get("template"), str):
                problems.append(f"{here}.template: required")
    return problems


def _class_ref(item: dict[str, Any], here: str, plugin_name: str | None) -> list[str]:
    ref = item.get("class")
    if not isinstance(ref, str):
        return [f"{here}.class: required"]
    if not CLASS_REF.match(ref):
        return [f'{here}.class: "{ref}" is not of the form "package.module:ClassName"']
    package = ref.split(".", 1)[0].split(":", 1)[0]
    if plugin_name is not None and package != plugin_name:
        return [f'{here}.class: Plugin "{plugin_name}" declares handler from foreign package "{package}"']
    return []


def _application(item: dict[str, Any], here: str) -> list[str]:
    problems = []
    name = item.get("name")
    if not isinstance(name, str) or len(name) > 32:
        problems.append(f"{here}.name: required, at most 32 characters")
    description = item.get("description")
    if not isinstance(description, str) or len(description) > 256:
        problems.append(f"{here}.description: required, at most 256 characters")
    if not isinstance(item.get("icon"), str):
        problems.append(f"{here}.icon: required")
    if item.get("scope") not in APPLICATION_SCOPES:
        problems.append(f"{here}.scope: must be one of {', '.join(sorted(APPLICATION_SCOPES))}")
    return problems


def _variables(variables: Any) -> list[str]:
    if not isinstance(variables, list):
        return ["variables: must be a list"]
    problems = []
    for index, item in enumerate(variables):
        here = f"variables[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            problems.append(f"{here}.name: required")
            continue
        extra = set(item) - {"name", "sensitive", "default"}
        if extra:
            problems.append(f"{here}: unknown properties {sorted(extra)}")
        if "sensitive" in item and not isinstance(item["sensitive"], bool):
            problems.append(f"{here}.sensitive: must be true or false")
        if "default" in item and not isinstance(item["default"], str):
            problems.append(f"{here}.default: must be a string")
        if item.get("sensitive") and "default" in item:
            problems.append(f"{here}.default: a sensitive variable may not have a default")
    return problems


def _url_permissions(value: Any) -> list[str]:
    if not isinstance(value, list):
        return ["url_permissions: must be a list"]
    problems = []
    for index, item in enumerate(value):
        here = f"url_permissions[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            problems.append(f"{here}.url: required")
            continue
        permissions = item.get("permissions", [])
        if not isinstance(permissions, list) or not set(permissions) <= URL_PERMISSIONS:
            problems.append(f"{here}.permissions: must be a subset of {', '.join(sorted(URL_PERMISSIONS))}")
    return problems


def _custom_data(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return ["custom_data: must be an object"]
    problems = []
    namespace = value.get("namespace")
    if not isinstance(namespace, str) or not NAMESPACE.match(namespace) or len(namespace) > 63:
        problems.append('custom_data.namespace: must look like "org__name" (lower case, at most 63 characters)')
    if value.get("access") not in ("read", "read_write"):
        problems.append("custom_data.access: must be read or read_write")
    return problems
