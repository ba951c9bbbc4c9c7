"""CANVAS_MANIFEST.json validation: table-driven, no database."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from frontdesk.plugins.manifest import ManifestError, read_manifest, validate_manifest

VALID: dict[str, Any] = {
    "sdk_version": "0.1.4",
    "plugin_version": "0.0.1",
    "name": "hide_cancel",
    "description": "Hide the cancel button",
    "components": {"protocols": [{"class": "hide_cancel.protocols.main:Protocol", "description": "hides it"}]},
    "tags": {},
    "license": "MIT",
    "readme": "./README.md",
}


def _with(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    for key, value in changes.items():
        if value is ...:
            data.pop(key)
        else:
            data[key] = value
    return data


def test_it_accepts_a_valid_manifest() -> None:
    assert validate_manifest(VALID, package_name="hide_cancel") == []


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (_with(name=...), "name: required"),
        (_with(readme=...), "readme: required"),
        (_with(colour="blue"), "colour: not a manifest property"),
        (_with(name="Hide-Cancel"), "name: must be a Python package name (lower case letters, digits, underscores)"),
        (_with(plugin_version=1), "plugin_version: must be a string"),
        (_with(tags=[]), "tags: must be an object"),
        (_with(components={}), "components: must be an object with at least one kind of component"),
        (_with(components={"widgets": []}), "components.widgets: not a component kind"),
        (
            _with(components={"handlers": [{"class": "hide_cancel.h:H"}]}),
            "components.handlers[0].description: required",
        ),
        (
            _with(components={"handlers": [{"class": "hide cancel", "description": "x"}]}),
            'components.handlers[0].class: "hide cancel" is not of the form "package.module:ClassName"',
        ),
        (
            _with(components={"handlers": [{"class": "other.h:H", "description": "x"}]}),
            'components.handlers[0].class: Plugin "hide_cancel" declares handler from foreign package "other"',
        ),
        (
            _with(
                components={
                    "applications": [
                        {
                            "class": "hide_cancel.a:A",
                            "name": "A",
                            "description": "d",
                            "icon": "i.png",
                            "scope": "sideways",
                        }
                    ]
                }
            ),
            "components.applications[0].scope: must be one of",
        ),
        (
            _with(variables=[{"name": "KEY", "sensitive": True, "default": "x"}]),
            "variables[0].default: a sensitive variable may not have a default",
        ),
        (_with(variables=[{"nom": "KEY"}]), "variables[0].name: required"),
        (_with(secrets="KEY"), "secrets: must be a list of names"),
        (_with(origins={"urls": []}, url_permissions=[]), "origins: give origins or url_permissions, not both"),
        (
            _with(url_permissions=[{"url": "https://x", "permissions": ["TELEPORT"]}]),
            "url_permissions[0].permissions: must be a subset of",
        ),
        (
            _with(custom_data={"namespace": "acme", "access": "read"}),
            'custom_data.namespace: must look like "org__name"',
        ),
        (
            _with(custom_data={"namespace": "acme__data", "access": "write"}),
            "custom_data.access: must be read or read_write",
        ),
    ],
)
def test_it_names_the_element_and_the_problem(data: dict[str, Any], problem: str) -> None:
    problems = validate_manifest(data, package_name="hide_cancel")

    assert any(p.startswith(problem) for p in problems), problems


def test_it_requires_the_name_to_match_the_package_directory() -> None:
    assert validate_manifest(VALID, package_name="other") == [
        'name: "hide_cancel" does not match the package directory "other"'
    ]


def test_it_refuses_something_that_is_not_an_object() -> None:
    assert validate_manifest(["not", "an", "object"]) == ["the manifest must be a JSON object"]


def test_it_reads_handler_refs_in_loading_order(tmp_path: Path) -> None:
    package = tmp_path / "hide_cancel"
    package.mkdir()
    data = _with(
        components={
            "handlers": [{"class": "hide_cancel.h:H", "description": "x"}],
            "applications": [
                {
                    "class": "hide_cancel.a:A",
                    "name": "A",
                    "description": "d",
                    "icon": "i.png",
                    "scope": "portal_menu_item",
                }
            ],
            "protocols": [{"class": "hide_cancel.p:P", "description": "x"}],
            "content": [{"class": "hide_cancel.c:C", "description": "not loaded"}],
        },
        variables=[{"name": "API_KEY", "sensitive": True}],
        secrets=["OLD_STYLE"],
    )
    (package / "CANVAS_MANIFEST.json").write_text(json.dumps(data))

    manifest = read_manifest(package)

    assert manifest.handler_refs == ["hide_cancel.p:P", "hide_cancel.a:A", "hide_cancel.h:H"]
    assert manifest.variable_names == ["API_KEY", "OLD_STYLE"]


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ("missing", "CANVAS_MANIFEST.json not found in hide_cancel/"),
        ("parent", "(it must sit inside the plugin package, next to the handler modules)"),
        ("junk", "CANVAS_MANIFEST.json is not valid JSON"),
    ],
)
def test_it_explains_a_missing_or_broken_manifest_file(tmp_path: Path, layout: str, message: str) -> None:
    package = tmp_path / "hide_cancel"
    package.mkdir()
    if layout == "parent":
        (tmp_path / "CANVAS_MANIFEST.json").write_text(json.dumps(VALID))
    if layout == "junk":
        (package / "CANVAS_MANIFEST.json").write_text("{not json")

    with pytest.raises(ManifestError) as caught:
        read_manifest(package)

    assert message in str(caught.value)
