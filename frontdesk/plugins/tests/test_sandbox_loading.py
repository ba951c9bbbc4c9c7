"""The sandbox's interface: load_plugin / check_plugin on the fixture plugins."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from frontdesk.plugins.manifest import validate_manifest
from frontdesk.plugins.sandbox import MAX_PRINT_CHARS, LoadedPlugin, PluginLoadError, check_plugin, load_plugin

FIXTURES = Path(__file__).parent / "fixtures"


def refs(name: str) -> list[str]:
    manifest = json.loads((FIXTURES / name / "CANVAS_MANIFEST.json").read_text())
    return [item["class"] for item in manifest["components"]["handlers"]]


def load(name: str, **kwargs: Any) -> LoadedPlugin:
    return load_plugin(FIXTURES / name, name=name, handler_refs=refs(name), **kwargs)


def write_plugin(root: Path, files: dict[str, str], name: str = "tmpplug") -> Path:
    directory = root / name
    directory.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return directory


@pytest.fixture
def sdk() -> Any:
    """The frontdesk SDK modules the good plugin imports (skip until they exist)."""
    pytest.importorskip("frontdesk.sdk.handlers.base")
    pytest.importorskip("frontdesk.sdk.templates")
    return pytest.importorskip("frontdesk.sdk.events")


def event(sdk: Any, name: str, *, target: str = "appt-1", context: dict[str, Any] | None = None) -> Any:
    return sdk.Event.from_parts(type=name, target=target, target_type=None, context=context or {}, actor=None)


@pytest.fixture
def printed() -> Iterator[list[logging.LogRecord]]:
    """Records plugin print() calls produce on the `frontdesk.plugins.sdk` logger."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("frontdesk.plugins.sdk")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_it_loads_the_handlers_of_a_good_plugin(sdk: Any) -> None:
    from frontdesk.sdk.handlers.base import BaseHandler

    loaded = load("good")

    assert loaded.errors == {}
    assert loaded.name == "good"
    assert loaded.directory == FIXTURES / "good"
    gate = loaded.handlers["good.handlers.event_handlers:CancelGate"]
    card = loaded.handlers["good.handlers.event_handlers:FormCard"]
    assert issubclass(gate, BaseHandler)
    assert gate.RESPONDS_TO == "PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED"  # type: ignore[attr-defined]
    assert card.RESPONDS_TO == ["PATIENT_PORTAL__GET_FORMS"]  # type: ignore[attr-defined]
    assert f"{gate.__module__}:{gate.__qualname__}" == "good.handlers.event_handlers:CancelGate"


@pytest.mark.parametrize(("hours", "cancelable"), [(48, True), (2, False)])
def test_it_runs_compute_through_the_sdk(sdk: Any, hours: int, cancelable: bool) -> None:
    gate = load("good").handlers["good.handlers.event_handlers:CancelGate"]

    effects = gate(
        event(sdk, "PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED", context={"hours_until_start": hours})
    ).compute()  # type: ignore[call-arg]

    assert [json.loads(effect.payload) for effect in effects] == [{"result": cancelable}]


def test_it_renders_the_plugins_own_template(sdk: Any) -> None:
    card = load("good").handlers["good.handlers.event_handlers:FormCard"]

    (effect,) = card(event(sdk, "PATIENT_PORTAL__GET_FORMS")).compute()  # type: ignore[call-arg]

    content = json.loads(effect.payload)["content"]
    assert "<h2>Before your visit</h2>" in content
    assert "<li>id (2/3)</li>" in content


def test_it_forwards_print_to_the_sdk_logger(sdk: Any, printed: list[logging.LogRecord]) -> None:
    gate = load("good").handlers["good.handlers.event_handlers:CancelGate"]

    gate(event(sdk, "PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED", target="appt-7")).compute()  # type: ignore[call-arg]

    prints = [r for r in printed if r.getMessage() == "cancel check for appt-7"]
    assert len(prints) == 1
    assert prints[0].plugin == "good"  # type: ignore[attr-defined]


def test_it_cuts_a_huge_print_short(tmp_path: Path, printed: list[logging.LogRecord]) -> None:
    directory = write_plugin(tmp_path, {"m.py": "class H:\n    def go(self):\n        print('x' * 50000)\n"})
    handler = load_plugin(directory, name="tmpplug", handler_refs=["tmpplug.m:H"]).handlers["tmpplug.m:H"]

    handler().go()  # type: ignore[attr-defined]

    (record,) = printed
    assert record.getMessage().startswith("x" * MAX_PRINT_CHARS + "... [")
    assert len(record.getMessage()) < MAX_PRINT_CHARS + 40


def test_it_marks_every_plugin_module_for_the_sdk(sdk: Any) -> None:
    gate = load("good").handlers["good.handlers.event_handlers:CancelGate"]
    handler_globals = gate.compute.__globals__
    rules_globals = handler_globals["CancelRule"].allows.__globals__

    for module_globals, module_name in (
        (handler_globals, "good.handlers.event_handlers"),
        (rules_globals, "good.handlers.rules"),
    ):
        assert module_globals["__name__"] == module_name
        assert module_globals["__is_plugin__"] is True
        assert module_globals["__plugin_name__"] == "good"
        assert module_globals["__plugin_dir__"] == str(FIXTURES / "good")


def test_it_keeps_plugin_modules_out_of_sys_modules(sdk: Any) -> None:
    load("good")

    assert not [name for name in sys.modules if name == "good" or name.startswith("good.")]


def test_it_loads_fresh_modules_each_time_so_versions_live_side_by_side(sdk: Any) -> None:
    first = load("good").handlers["good.handlers.event_handlers:CancelGate"]
    second = load("good").handlers["good.handlers.event_handlers:CancelGate"]

    assert first is not second
    assert first.compute.__globals__ is not second.compute.__globals__
    first.RESPONDS_TO = "SOMETHING_ELSE"  # type: ignore[attr-defined]
    assert second.RESPONDS_TO == "PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED"  # type: ignore[attr-defined]


def test_it_loads_the_other_handlers_when_one_module_fails(sdk: Any) -> None:
    loaded = load("forbidden_import")

    assert sorted(loaded.handlers) == [
        "forbidden_import.handlers.allowed:Allowed",
        "forbidden_import.handlers.late:Late",
    ]
    assert loaded.errors == {
        "forbidden_import.handlers.uses_os:UsesOs": (
            "Error importing module 'forbidden_import:forbidden_import.handlers.uses_os:UsesOs': "
            "ImportError: 'os' is not an allowed import."
        ),
        "forbidden_import.handlers.uses_subprocess:UsesSubprocess": (
            "Error importing module 'forbidden_import:forbidden_import.handlers.uses_subprocess:UsesSubprocess': "
            "ImportError: 'subprocess' is not an allowed import."
        ),
        "forbidden_import.handlers.uses_socket:UsesSocket": (
            "Error importing module 'forbidden_import:forbidden_import.handlers.uses_socket:UsesSocket': "
            "ImportError: 'socket' is not an allowed import."
        ),
        "forbidden_import.handlers.uses_json_encoder:UsesJsonEncoder": (
            "Error importing module 'forbidden_import:forbidden_import.handlers.uses_json_encoder:UsesJsonEncoder': "
            "ImportError: 'JSONEncoder' is not an allowed import from 'json'."
        ),
    }


def test_it_refuses_a_handler_from_a_foreign_package(sdk: Any) -> None:
    loaded = load("foreign_package")

    assert list(loaded.handlers) == ["foreign_package.handlers.main:Handler"]
    assert loaded.errors == {
        "other_plugin.handlers.main:Handler": 'Plugin "foreign_package" declares handler from foreign package "other_plugin"'
    }


def test_it_reports_handler_references_that_name_no_class(tmp_path: Path) -> None:
    directory = write_plugin(tmp_path, {"m.py": "VALUE = 1\n\nclass H:\n    pass\n"})

    loaded = load_plugin(
        directory, name="tmpplug", handler_refs=["tmpplug.m", "tmpplug.m:Missing", "tmpplug.m:VALUE", "tmpplug.nope:H"]
    )

    assert loaded.handlers == {}
    assert loaded.errors == {
        "tmpplug.m": "Invalid handler reference 'tmpplug.m' (expected \"tmpplug.module:ClassName\")",
        "tmpplug.m:Missing": "Error importing module 'tmpplug:tmpplug.m:Missing': ImportError: cannot import name 'Missing' from 'tmpplug.m'",
        "tmpplug.m:VALUE": "Error importing module 'tmpplug:tmpplug.m:VALUE': TypeError: 'tmpplug.m:VALUE' is not a class",
        "tmpplug.nope:H": "Error importing module 'tmpplug:tmpplug.nope:H': ModuleNotFoundError: No module named 'tmpplug.nope'",
    }


def test_it_runs_a_shared_module_once_per_load(tmp_path: Path, printed: list[logging.LogRecord]) -> None:
    directory = write_plugin(
        tmp_path, {"m.py": "print('module body ran')\n\nclass A:\n    pass\n\nclass B:\n    pass\n"}
    )

    loaded = load_plugin(directory, name="tmpplug", handler_refs=["tmpplug.m:A", "tmpplug.m:B"])

    assert sorted(loaded.handlers) == ["tmpplug.m:A", "tmpplug.m:B"]
    assert [r.getMessage() for r in printed] == ["module body ran"]


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (lambda root: root / "absent", "absent", "Plugin directory '{root}/absent' does not exist"),
        (
            lambda root: write_plugin(root, {}, name="other"),
            "mine",
            "Plugin directory 'other' does not match plugin name 'mine'",
        ),
        (
            lambda root: write_plugin(root, {}, name="not-valid"),
            "not-valid",
            "Plugin name 'not-valid' is not a valid Python package name",
        ),
        (
            lambda root: write_plugin(root, {}, name="json"),
            "json",
            "Plugin name 'json' is the name of an installed module; choose another name",
        ),
        (
            lambda root: write_plugin(root, {}, name="canvas_sdk"),
            "canvas_sdk",
            "Plugin name 'canvas_sdk' is the name of an installed module; choose another name",
        ),
    ],
)
def test_it_refuses_a_directory_that_cannot_be_a_plugin(tmp_path: Path, make: Any, name: str, message: str) -> None:
    directory = make(tmp_path)

    with pytest.raises(PluginLoadError) as excinfo:
        load_plugin(directory, name=name, handler_refs=[])

    assert str(excinfo.value) == message.format(root=tmp_path)
    assert check_plugin(directory, name=name, handler_refs=[]) == [message.format(root=tmp_path)]


def test_check_plugin_finds_nothing_wrong_with_a_good_plugin(sdk: Any) -> None:
    assert check_plugin(FIXTURES / "good", name="good", handler_refs=refs("good")) == []


def test_check_plugin_reports_every_problem_including_imports_that_run_later(sdk: Any) -> None:
    problems = check_plugin(
        FIXTURES / "forbidden_import", name="forbidden_import", handler_refs=refs("forbidden_import")
    )

    assert problems == [
        *load("forbidden_import").errors.values(),
        "forbidden_import/handlers/late.py, line 8: ImportError: 'os' is not an allowed import.",
    ]


def test_check_plugin_compiles_modules_only_a_later_import_reaches(tmp_path: Path) -> None:
    directory = write_plugin(
        tmp_path,
        {
            "m.py": """
                class H:
                    def go(self):
                        from .lazy import helper
                        try:
                            import os
                        except ImportError:
                            os = None
                        return helper(), os
            """,
            "lazy.py": "def helper(:\n    pass\n",
        },
    )

    problems = check_plugin(directory, name="tmpplug", handler_refs=["tmpplug.m:H"])

    assert len(problems) == 1
    assert problems[0].startswith("PluginSyntaxError: tmpplug/lazy.py, line 1: ")


@pytest.mark.parametrize("name", ["infinite_loop", "memory_bomb", "huge_output"])
def test_it_leaves_runtime_limits_to_the_runner(sdk: Any, name: str) -> None:
    loaded = load(name)

    assert loaded.errors == {}
    assert len(loaded.handlers) == 1


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.name != "foreign_package"))
def test_the_fixture_manifests_are_valid(name: str) -> None:
    manifest = json.loads((FIXTURES / name / "CANVAS_MANIFEST.json").read_text())

    assert validate_manifest(manifest, package_name=name) == []
